//===- RuntimeTest.cpp - The runtime against the naive oracle -------------===//
//
// Compiles artifacts with spotlight-compile, loads them through the C API,
// appends random tokens in chunks to sequences of different lengths and
// checks each decode step against the naive reference: stored key codes
// (ambiguous bits aside), the selected sets (exact, from the stored codes)
// and the outputs (SEMANTICS.md tolerances). Also every error status, and
// that a failed call leaves the cache exactly as it was.
//
//===----------------------------------------------------------------------===//

#include "spotlight/ABI/HostFeatures.h"
#include "spotlight/runtime.h"
#include "Support/CompiledArtifacts.h"
#include "Support/DecodeProblem.h"
#include "Support/RuntimeStepCheck.h"
#include "Support/RuntimeTensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace spotlight;
using namespace spotlight::testing;

namespace {

/// Random hash weights shared by every sequence, plus random sequences.
struct Model {
  DecodeGeometry g;
  std::vector<float> w1, b1, w2, b2;
  HostTensor w1T{{1}, 4}, b1T{{1}, 4}, w2T{{1}, 4}, b2T{{1}, 4};

  Model(const DecodeGeometry &geometry, std::mt19937_64 &rng) : g(geometry) {
    const int64_t CH = g.codeHeads, D = g.headDim;
    auto gauss = [&](int64_t count, float sd) {
      std::normal_distribution<float> dist(0, sd);
      std::vector<float> v(count);
      for (float &x : v)
        x = dist(rng);
      return v;
    };
    w1 = gauss(CH * D * D, 1 / std::sqrt(float(D)));
    b1 = gauss(CH * D, 0.1f);
    w2 = gauss(CH * D * D, 1 / std::sqrt(float(D)));
    b2 = gauss(CH * D, 0.1f);
    w1T = makeTensor({CH, D, D}, g.weightType, w1);
    b1T = makeTensor({CH, D}, g.weightType, b1);
    w2T = makeTensor({CH, D, D}, g.weightType, w2);
    b2T = makeTensor({CH, D}, g.weightType, b2);
  }

  spt_cache *createCache(spt_artifact *artifact, int64_t batch,
                         int64_t capacity) {
    spt_dtype wt = dtypeOf(g.weightType);
    spt_tensor a = tensorOf(w1T, wt), bb = tensorOf(b1T, wt),
               c = tensorOf(w2T, wt), d = tensorOf(b2T, wt);
    spt_cache *cache = nullptr;
    EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, batch, capacity, &a,
                               &bb, &c, &d, &cache),
              SPT_OK)
        << spt_last_error();
    return cache;
  }

  reference::HashWeights weights() const { return {w1, b1, w2, b2}; }
};

struct RuntimeCase {
  const char *name;
  int64_t group, headDim;
  bool codePerQueryHead, headMode;
  ElementType dtype;
};

class RuntimeTest : public ::testing::TestWithParam<RuntimeCase> {};

TEST_P(RuntimeTest, DecodeStepsMatchNaiveReference) {
  const RuntimeCase &c = GetParam();
  DecodeGeometry g =
      testGeometry(c.group, c.headDim, c.codePerQueryHead, c.headMode, c.dtype);
  g.maxTokens = 8192;
  spt_artifact *artifact = nullptr;
  ASSERT_EQ(spt_artifact_load(artifactFor(g).c_str(), &artifact), SPT_OK)
      << spt_last_error();
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  // Sequences of different lengths, appended in uneven chunks: one below
  // sink + window + k, two above, one appended in a chunk longer than the
  // runtime stages at a time (4096 tokens).
  Findings findings =
      checkDecodeStep(artifact, SPT_DEVICE_CPU, g,
                      {{5, 40}, {700, 1, 299}, {2500, 17}, {4100}}, seed);
  EXPECT_TRUE(findings.problems.empty()) << findings.report();
  spt_artifact_free(artifact);
}

INSTANTIATE_TEST_SUITE_P(
    Geometries, RuntimeTest,
    ::testing::Values(RuntimeCase{"g4_d128_chqh_group_bf16", 4, 128, true,
                                  false, ElementType::BF16},
                      RuntimeCase{"g7_d64_chkh_head_f32", 7, 64, false, true,
                                  ElementType::F32},
                      RuntimeCase{"mha_d64_chqh_head_bf16", 1, 64, true, true,
                                  ElementType::BF16},
                      RuntimeCase{"g4_d64_chkh_group_f32", 4, 64, false, false,
                                  ElementType::F32}),
    [](const ::testing::TestParamInfo<RuntimeCase> &info) {
      return std::string(info.param.name);
    });

//===----------------------------------------------------------------------===//
// Error paths
//===----------------------------------------------------------------------===//

class RuntimeErrors : public ::testing::Test {
protected:
  void SetUp() override {
    g.kvHeads = 2;
    g.queryHeads = 4;
    g.headDim = 64;
    g.codeHeads = 4;
    g.dtype = ElementType::F32;
    g.maxTokens = 4096;
    ASSERT_EQ(spt_artifact_load(artifactFor(g).c_str(), &artifact), SPT_OK)
        << spt_last_error();
    rng.seed(freshSeed());
    model = std::make_unique<Model>(g, rng);
    cache = model->createCache(artifact, 2, 256);
    ASSERT_NE(cache, nullptr);
  }
  void TearDown() override {
    spt_cache_free(cache);
    spt_artifact_free(artifact);
  }

  /// Appends n random tokens to sequence b.
  spt_status append(int64_t b, int64_t n) {
    std::vector<float> k(2 * n * 64), v(2 * n * 64);
    std::normal_distribution<float> normal(0, 1);
    for (float &x : k)
      x = normal(rng);
    for (float &x : v)
      x = normal(rng);
    HostTensor kT = makeTensor({2, n, 64}, ElementType::F32, k);
    HostTensor vT = makeTensor({2, n, 64}, ElementType::F32, v);
    spt_tensor kv = tensorOf(kT, SPT_F32), vv = tensorOf(vT, SPT_F32);
    return spt_cache_append(cache, b, &kv, &vv);
  }

  /// The decode output and indices for a fixed query: the cache's state.
  std::pair<std::vector<float>, std::vector<int32_t>> snapshot() {
    return snapshotOf(cache);
  }

  /// The same for `c`, after `steps` identical decode steps.
  std::pair<std::vector<float>, std::vector<int32_t>>
  snapshotOf(spt_cache *c, int steps = 1) {
    HostTensor q({2, 4, 64}, 4), o({2, 4, 64}, 4),
        idx({2, 2, g.selectionSlots()}, 4);
    for (int64_t i = 0; i < q.numElements(); ++i)
      q.as<float>()[i] = std::sin(0.37 * i);
    spt_tensor qv = tensorOf(q, SPT_F32), ov = tensorOf(o, SPT_F32),
               iv = tensorOf(idx, SPT_I32);
    for (int step = 0; step < steps; ++step)
      EXPECT_EQ(spt_decode(c, &qv, &ov, &iv), SPT_OK) << spt_last_error();
    return {std::vector<float>(o.as<float>(), o.as<float>() + o.numElements()),
            std::vector<int32_t>(idx.as<int32_t>(),
                                 idx.as<int32_t>() + idx.numElements())};
  }

  DecodeGeometry g;
  spt_artifact *artifact = nullptr;
  spt_cache *cache = nullptr;
  std::mt19937_64 rng;
  std::unique_ptr<Model> model;
};

TEST_F(RuntimeErrors, ArtifactLoadingFailsCleanly) {
  spt_artifact *a = nullptr;
  EXPECT_EQ(spt_artifact_load("/nonexistent/x.spt", &a), SPT_ERROR_ARTIFACT);
  EXPECT_NE(std::string(spt_last_error()).find("cannot load"),
            std::string::npos);
  EXPECT_EQ(a, nullptr);
  // A shared object that is not an artifact: the runtime library itself.
  Dl_info runtimeLibrary{};
  ASSERT_NE(
      dladdr(reinterpret_cast<void *>(&spt_artifact_load), &runtimeLibrary), 0);
  EXPECT_EQ(spt_artifact_load(runtimeLibrary.dli_fname, &a),
            SPT_ERROR_ARTIFACT);
  EXPECT_NE(std::string(spt_last_error()).find("not a spotlight artifact"),
            std::string::npos);
  EXPECT_EQ(spt_artifact_load(nullptr, &a), SPT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(spt_artifact_load("x", nullptr), SPT_ERROR_INVALID_ARGUMENT);
}

/// The check of an artifact's CPU features against GCC's own CPUID
/// detection (__builtin_cpu_supports), for the instruction sets the
/// lowering uses and two it never does.
TEST(HostFeatures, MissingFeaturesAgreeWithTheCompilersDetection) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  const std::pair<const char *, bool> features[] = {
      {"sse4.2", __builtin_cpu_supports("sse4.2")},
      {"popcnt", __builtin_cpu_supports("popcnt")},
      {"avx2", __builtin_cpu_supports("avx2")},
      {"fma", __builtin_cpu_supports("fma")},
      {"avx512f", __builtin_cpu_supports("avx512f")},
      {"avx512bw", __builtin_cpu_supports("avx512bw")},
      {"avx512vpopcntdq", __builtin_cpu_supports("avx512vpopcntdq")},
      {"avx512bf16", __builtin_cpu_supports("avx512bf16")},
      {"xop", __builtin_cpu_supports("xop")},
      {"fma4", __builtin_cpu_supports("fma4")},
  };
  std::string list;
  for (const auto &[name, present] : features)
    list += std::string(list.empty() ? "" : ",") + name;
  const std::vector<std::string> missing =
      spotlight::abi::missingHostFeatures(list);
  for (const auto &[name, present] : features)
    EXPECT_EQ(std::count(missing.begin(), missing.end(), name), present ? 0 : 1)
        << name;
#endif
  // Names the check does not know (tuning flags, typos) count as present.
  EXPECT_TRUE(
      spotlight::abi::missingHostFeatures("fast-gather,64bit,no-such-feature")
          .empty());
}

TEST_F(RuntimeErrors, CacheCreationChecksItsArguments) {
  spt_dtype wt = SPT_F32;
  spt_tensor w1 = tensorOf(model->w1T, wt), b1 = tensorOf(model->b1T, wt),
             w2 = tensorOf(model->w2T, wt), b2 = tensorOf(model->b2T, wt);
  spt_cache *c = nullptr;
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, 1, 8192, &w1, &b1, &w2,
                             &b2, &c),
            SPT_ERROR_CAPACITY); // above max_tokens
  EXPECT_EQ(
      spt_cache_create(artifact, SPT_DEVICE_CPU, 0, 16, &w1, &b1, &w2, &b2, &c),
      SPT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, 1, 16, nullptr, &b1, &w2,
                             &b2, &c),
            SPT_ERROR_INVALID_ARGUMENT);
  spt_tensor wrongType = w1;
  wrongType.dtype = SPT_BF16;
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, 1, 16, &wrongType, &b1,
                             &w2, &b2, &c),
            SPT_ERROR_TYPE);
  spt_tensor wrongShape = w1;
  wrongShape.shape[0] = 3;
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, 1, 16, &wrongShape, &b1,
                             &w2, &b2, &c),
            SPT_ERROR_SHAPE);
  EXPECT_NE(std::string(spt_last_error()).find("w1 must be [4, 64, 64] f32"),
            std::string::npos)
      << spt_last_error();
  spt_device_info info;
  EXPECT_EQ(spt_device_query(SPT_DEVICE_CPU, &info), SPT_OK);
  EXPECT_EQ(std::string(info.name).rfind("CPU", 0), 0u) << info.name;
  // No GPU or driver on this machine (or a CPU-only artifact): a clean error.
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CUDA, 1, 16, &w1, &b1, &w2,
                             &b2, &c),
            SPT_ERROR_NO_DEVICE);
  EXPECT_NE(std::string(spt_last_error()).find("CUDA"), std::string::npos);
  EXPECT_EQ(c, nullptr);
}

// Found by fuzz-c-api: a device outside the enum, as C may pass it, was
// read as an spt_device (UBSan: "load of value 2147483647, which is not a
// valid value for type 'spt_device'").
TEST_F(RuntimeErrors, OutOfRangeDevicesAreRefused) {
  spt_tensor w1 = tensorOf(model->w1T, SPT_F32),
             b1 = tensorOf(model->b1T, SPT_F32),
             w2 = tensorOf(model->w2T, SPT_F32),
             b2 = tensorOf(model->b2T, SPT_F32);
  for (int32_t raw : {2, -1, std::numeric_limits<int32_t>::max()}) {
    spt_cache *c = nullptr;
    // The cast loads no enum: the value arrives as C would pass it.
    EXPECT_EQ(spt_cache_create(artifact, static_cast<spt_device>(raw), 1, 16,
                               &w1, &b1, &w2, &b2, &c),
              SPT_ERROR_INVALID_ARGUMENT)
        << raw;
    EXPECT_NE(std::string(spt_last_error()).find("unknown device"),
              std::string::npos)
        << spt_last_error();
    EXPECT_EQ(c, nullptr);
    spt_device_info info;
    EXPECT_EQ(spt_device_query(static_cast<spt_device>(raw), &info),
              SPT_ERROR_INVALID_ARGUMENT)
        << raw;
  }
}

TEST_F(RuntimeErrors, FailedAppendLeavesTheCacheUnchanged) {
  ASSERT_EQ(append(0, 200), SPT_OK);
  ASSERT_EQ(append(1, 100), SPT_OK);
  auto before = snapshot();
  // Capacity: 200 + 57 > 256.
  EXPECT_EQ(append(0, 57), SPT_ERROR_CAPACITY);
  EXPECT_NE(std::string(spt_last_error()).find("exceeds the capacity"),
            std::string::npos);
  // Wrong type, wrong shape, null pointers, bad sequence.
  HostTensor k({2, 3, 64}, 4), v({2, 4, 64}, 4), bad({2, 3, 32}, 4);
  spt_tensor kv = tensorOf(k, SPT_F32), vv = tensorOf(v, SPT_F32);
  spt_tensor badv = tensorOf(bad, SPT_F32);
  EXPECT_EQ(spt_cache_append(cache, 0, &kv, &vv), SPT_ERROR_SHAPE);
  EXPECT_EQ(spt_cache_append(cache, 0, &badv, &badv), SPT_ERROR_SHAPE);
  spt_tensor typed = tensorOf(k, SPT_BF16);
  EXPECT_EQ(spt_cache_append(cache, 0, &typed, &typed), SPT_ERROR_TYPE);
  EXPECT_EQ(spt_cache_append(cache, 0, nullptr, &kv),
            SPT_ERROR_INVALID_ARGUMENT);
  spt_tensor noData = kv;
  noData.data = nullptr;
  EXPECT_EQ(spt_cache_append(cache, 0, &noData, &noData),
            SPT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(spt_cache_append(cache, 2, &kv, &kv), SPT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(spt_cache_append(nullptr, 0, &kv, &kv), SPT_ERROR_INVALID_ARGUMENT);
  // The message names the function called (it named spt_cache_length).
  EXPECT_EQ(spt_cache_read_codes(nullptr, 0, &kv), SPT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(spt_last_error()).rfind("spt_cache_read_codes", 0), 0u)
      << spt_last_error();
  int64_t length = 0;
  ASSERT_EQ(spt_cache_length(cache, 0, &length), SPT_OK);
  EXPECT_EQ(length, 200);
  auto after = snapshot();
  EXPECT_EQ(before.first, after.first);
  EXPECT_EQ(before.second, after.second);
  // The remaining room still fits exactly.
  EXPECT_EQ(append(0, 56), SPT_OK);
}

TEST_F(RuntimeErrors, DecodeChecksItsArguments) {
  ASSERT_EQ(append(0, 10), SPT_OK);
  HostTensor q({2, 4, 64}, 4), o({2, 4, 64}, 4), small({2, 4, 32}, 4),
      idx({2, 2, 87}, 4);
  spt_tensor qv = tensorOf(q, SPT_F32), ov = tensorOf(o, SPT_F32),
             sv = tensorOf(small, SPT_F32), iv = tensorOf(idx, SPT_I32);
  EXPECT_EQ(spt_decode(cache, &qv, &sv, nullptr), SPT_ERROR_SHAPE);
  EXPECT_EQ(spt_decode(cache, &sv, &ov, nullptr), SPT_ERROR_SHAPE);
  EXPECT_EQ(spt_decode(cache, &qv, &ov, &iv), SPT_ERROR_SHAPE); // M is 149
  spt_tensor typed = tensorOf(q, SPT_F16);
  EXPECT_EQ(spt_decode(cache, &typed, &ov, nullptr), SPT_ERROR_TYPE);
  EXPECT_EQ(spt_decode(cache, nullptr, &ov, nullptr),
            SPT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(spt_decode(nullptr, &qv, &ov, nullptr), SPT_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(spt_decode_dense(cache, &qv, &sv), SPT_ERROR_SHAPE);
  EXPECT_EQ(spt_decode(cache, &qv, &ov, nullptr), SPT_OK) << spt_last_error();
  // An empty sequence decodes to zeros.
  for (int64_t i = 4 * 64; i < 8 * 64; ++i)
    EXPECT_EQ(o.as<float>()[i], 0.0f);
}

TEST_F(RuntimeErrors, DistinctCachesWorkFromDifferentThreads) {
  spt_cache *other = model->createCache(artifact, 2, 256);
  ASSERT_NE(other, nullptr);
  std::mt19937_64 saved = rng;
  ASSERT_EQ(append(0, 150), SPT_OK);
  std::swap(cache, other);
  rng = saved;
  ASSERT_EQ(append(0, 150), SPT_OK); // identical tokens in the other cache
  std::swap(cache, other);
  auto expected = snapshot();
  std::vector<std::pair<std::vector<float>, std::vector<int32_t>>> results(2);
  auto run = [&](spt_cache *c, int slot) { results[slot] = snapshotOf(c, 20); };
  std::thread t1(run, cache, 0), t2(run, other, 1);
  t1.join();
  t2.join();
  EXPECT_EQ(results[0], expected);
  EXPECT_EQ(results[1], expected);
  spt_cache_free(other);
}

/// The path of a copy of `path` whose bytes `edit` changed.
std::string editedCopy(const std::string &path,
                       const std::function<void(std::string &)> &edit) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  edit(bytes);
  std::string copy = path + ".edited" + std::to_string(getpid());
  std::ofstream(copy, std::ios::binary) << bytes;
  return copy;
}

TEST_F(RuntimeErrors, OversizedCachesFailWithoutOverflowOrExceptions) {
  spt_tensor w1 = tensorOf(model->w1T, SPT_F32),
             b1 = tensorOf(model->b1T, SPT_F32),
             w2 = tensorOf(model->w2T, SPT_F32),
             b2 = tensorOf(model->b2T, SPT_F32);
  spt_cache *c = nullptr;
  // batch x KH x capacity x D x 4 overflows int64: refused before any
  // allocation (it used to wrap, succeed, and corrupt the heap on append).
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, int64_t(1) << 62, 4096,
                             &w1, &b1, &w2, &b2, &c),
            SPT_ERROR_CAPACITY);
  EXPECT_NE(std::string(spt_last_error()).find("exceeds any addressable size"),
            std::string::npos)
      << spt_last_error();
  // More token slots than i32 slot numbers (the block table's) address.
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, int64_t(1) << 40, 256,
                             &w1, &b1, &w2, &b2, &c),
            SPT_ERROR_CAPACITY);
  EXPECT_NE(std::string(spt_last_error()).find("i32 slot numbers"),
            std::string::npos)
      << spt_last_error();
  // Representable but far beyond memory (2^30 slots of KH x D f32 rows):
  // std::bad_alloc used to escape through the C ABI and abort the process.
  EXPECT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, int64_t(1) << 20, 1024,
                             &w1, &b1, &w2, &b2, &c),
            SPT_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(c, nullptr);
}

TEST_F(RuntimeErrors, EditedOrTruncatedArtifactsAreRefused) {
  const std::string path = artifactFor(g);
  spt_artifact *a = nullptr;
  // One byte of the manifest changed after compilation: the budget.
  std::string edited = editedCopy(path, [](std::string &bytes) {
    size_t at = bytes.find("min_budget = 20");
    ASSERT_NE(at, std::string::npos);
    bytes[at + std::string("min_budget = ").size()] = '9';
  });
  EXPECT_EQ(spt_artifact_load(edited.c_str(), &a), SPT_ERROR_ARTIFACT);
  EXPECT_NE(std::string(spt_last_error()).find("checksum"), std::string::npos)
      << spt_last_error();
  std::remove(edited.c_str());
  // Truncated: dlopen used to fault with SIGBUS mapping the missing pages.
  std::string truncated = editedCopy(
      path, [](std::string &bytes) { bytes.resize(bytes.size() / 2); });
  EXPECT_EQ(spt_artifact_load(truncated.c_str(), &a), SPT_ERROR_ARTIFACT);
  EXPECT_NE(std::string(spt_last_error()).find("truncated"), std::string::npos)
      << spt_last_error();
  std::remove(truncated.c_str());
  // A FIFO: dlopen used to block forever waiting for a writer.
  std::string fifo = path + ".fifo" + std::to_string(getpid());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(spt_artifact_load(fifo.c_str(), &a), SPT_ERROR_ARTIFACT);
  EXPECT_NE(std::string(spt_last_error()).find("not a regular file"),
            std::string::npos)
      << spt_last_error();
  std::remove(fifo.c_str());
  EXPECT_EQ(a, nullptr);
}

TEST_F(RuntimeErrors, AnArtifactReplacedAtItsPathLoadsAnew) {
  // Two geometries (windows 64 and 32), compiled to files of their own.
  DecodeGeometry other = g;
  other.window = 32;
  const std::string first = artifactFor(g), second = artifactFor(other);
  const std::string path = first + ".replaced" + std::to_string(getpid());
  auto copy = [](const std::string &from, const std::string &to) {
    std::ifstream in(from, std::ios::binary);
    std::string tmp = to + ".tmp";
    std::ofstream(tmp, std::ios::binary) << in.rdbuf();
    ASSERT_EQ(std::rename(tmp.c_str(), to.c_str()), 0);
  };
  auto windowOf = [](spt_artifact *a) {
    spt_geometry geometry{};
    EXPECT_EQ(spt_artifact_geometry(a, &geometry), SPT_OK);
    return geometry.window;
  };
  copy(first, path);
  spt_artifact *a = nullptr, *b = nullptr;
  ASSERT_EQ(spt_artifact_load(path.c_str(), &a), SPT_OK) << spt_last_error();
  EXPECT_EQ(windowOf(a), 64);
  // Compiled again over the same path while the first is still loaded:
  // the loader gave back the first one's code and manifest.
  copy(second, path);
  ASSERT_EQ(spt_artifact_load(path.c_str(), &b), SPT_OK) << spt_last_error();
  EXPECT_EQ(windowOf(b), 32);
  EXPECT_EQ(windowOf(a), 64);
  spt_artifact_free(b);
  spt_artifact_free(a);
  std::remove(path.c_str());
}

TEST_F(RuntimeErrors, TensorChecksSayWhatIsWrong) {
  ASSERT_EQ(append(0, 10), SPT_OK);
  HostTensor q({2, 4, 64}, 4), o({2, 4, 64}, 4);
  spt_tensor qv = tensorOf(q, SPT_F32), ov = tensorOf(o, SPT_F32);
  auto errorOf = [&](spt_tensor query) {
    EXPECT_NE(spt_decode(cache, &query, &ov, nullptr), SPT_OK);
    return std::string(spt_last_error());
  };
  // An element type outside the enum, read as the integer it is.
  spt_tensor badType = qv;
  int32_t invalid = 42;
  std::memcpy(&badType.dtype, &invalid, sizeof(invalid));
  EXPECT_EQ(spt_decode(cache, &badType, &ov, nullptr), SPT_ERROR_TYPE);
  EXPECT_NE(errorOf(badType).find("invalid element type (42)"),
            std::string::npos);
  // A negative dimension is shown as given.
  spt_tensor negative = qv;
  negative.shape[1] = -4;
  EXPECT_NE(errorOf(negative).find("got [2, -4, 64] (dimension 1 is "
                                   "negative)"),
            std::string::npos)
      << errorOf(negative);
  // A rank beyond the C API's six dimensions is named, not truncated.
  spt_tensor deep = qv;
  deep.rank = 7;
  EXPECT_NE(errorOf(deep).find("rank 7"), std::string::npos) << errorOf(deep);
  // A rank that is wrong but valid shows every dimension.
  spt_tensor flat = qv;
  flat.rank = 2;
  EXPECT_NE(errorOf(flat).find("got [2, 4]"), std::string::npos)
      << errorOf(flat);
}

/// docs/Semantics.md, "Non-finite values": a NaN in one query row makes
/// that row's output NaN and nothing else; the selection stays a valid set.
TEST_F(RuntimeErrors, NaNQueryStaysInItsRow) {
  ASSERT_EQ(append(0, 200), SPT_OK);
  ASSERT_EQ(append(1, 200), SPT_OK);
  const int64_t M = g.selectionSlots();
  HostTensor q({2, 4, 64}, 4), o({2, 4, 64}, 4), idx({2, 2, M}, 4);
  for (int64_t i = 0; i < q.numElements(); ++i)
    q.as<float>()[i] = std::sin(0.37 * i);
  q.as<float>()[0 * 64 + 5] = std::nanf(""); // sequence 0, query head 0
  spt_tensor qv = tensorOf(q, SPT_F32), ov = tensorOf(o, SPT_F32),
             iv = tensorOf(idx, SPT_I32);
  ASSERT_EQ(spt_decode(cache, &qv, &ov, &iv), SPT_OK) << spt_last_error();
  for (int64_t row = 0; row < 8; ++row) {
    bool nan = false;
    for (int64_t d = 0; d < 64; ++d)
      nan |= std::isnan(o.as<float>()[row * 64 + d]);
    EXPECT_EQ(nan, row == 0) << "output row " << row;
  }
  for (int64_t set = 0; set < 4; ++set) {
    const int32_t *slots = idx.as<int32_t>() + set * M;
    int32_t previous = -1;
    for (int64_t m = 0; m < M && slots[m] >= 0; ++m) {
      EXPECT_GT(slots[m], previous) << "set " << set;
      EXPECT_LT(slots[m], 200) << "set " << set;
      previous = slots[m];
    }
  }
}

} // namespace
