//===- CUDABackendTest.cpp - The CUDA backend against a fake driver -------===//
//
// Runs the runtime's CUDA path end to end without a GPU: a real CUDA
// artifact (spotlight-compile --target=cuda, a cubin from ptxas) is loaded
// and driven through test/lib/fake-cuda-driver, which runs no kernels but
// checks every copy, free and launch and can fail any call. What this
// proves: the host code the compiler emits finds its kernels in the
// embedded image and launches them with valid grids, scratch and staging
// stay in bounds and are freed, driver errors come back as statuses that
// name them, and a failed call leaves the cache as it was. The numbers
// the kernels compute are checked by the GPU emulation in LoweringTest and,
// on a GPU, by bench/gpu/check.sh.
//
//===----------------------------------------------------------------------===//

#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/runtime.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace spotlight;

namespace {
/// The fake driver's test controls (FakeCUDADriver.cpp).
struct FakeDriver {
  void (*failCall)(const char *, long, int);
  long (*liveAllocations)();
  long (*launches)(const char *);
  void (*resetLaunches)();
  const char *(*violations)();

  static FakeDriver &get() {
    static FakeDriver fake = [] {
      // The runtime opens the same library by this path, so both share it.
      setenv("SPOTLIGHT_CUDA_DRIVER", FAKE_CUDA_DRIVER, 1);
      void *lib = dlopen(FAKE_CUDA_DRIVER, RTLD_NOW | RTLD_LOCAL);
      EXPECT_NE(lib, nullptr) << dlerror();
      auto sym = [&](const char *name) { return dlsym(lib, name); };
      return FakeDriver{
          reinterpret_cast<void (*)(const char *, long, int)>(
              sym("fakeCudaFailCall")),
          reinterpret_cast<long (*)()>(sym("fakeCudaLiveAllocations")),
          reinterpret_cast<long (*)(const char *)>(sym("fakeCudaLaunches")),
          reinterpret_cast<void (*)()>(sym("fakeCudaResetLaunches")),
          reinterpret_cast<const char *(*)()>(sym("fakeCudaViolations"))};
    }();
    return fake;
  }
};

constexpr int kIllegalAddress = 700, kNoBinaryForGPU = 209, kOutOfMemory = 2,
              kInvalidValue = 1;

/// QH=4, KH=2, D=64, f32, CH=QH, a fixed budget of `budget` tokens.
DecodeGeometry smallGeometry(int64_t budget) {
  DecodeGeometry g;
  g.queryHeads = 4, g.kvHeads = 2, g.headDim = 64, g.codeHeads = 4;
  g.dtype = g.weightType = ElementType::F32;
  g.budgetCount = budget;
  g.maxTokens = 1024;
  return g;
}

/// Compiles the CUDA artifact of `g` for sm_80 and loads it.
spt_artifact *loadCUDAArtifact(const DecodeGeometry &g) {
  static std::string dir = [] {
    char tmpl[] = "/tmp/spotlight-cuda-test-XXXXXX";
    return std::string(mkdtemp(tmpl));
  }();
  std::string path = dir + "/b" + std::to_string(g.budgetCount) + ".spt";
  std::string cmd = std::string(SPOTLIGHT_COMPILE) +
                    " --target=cuda --chip=sm_80 --qh 4 --kh 2 --d 64 "
                    "--dtype f32 --max-tokens 1024 --budget " +
                    std::to_string(g.budgetCount) + " -o " + path;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  spt_artifact *artifact = nullptr;
  EXPECT_EQ(spt_artifact_load(path.c_str(), &artifact), SPT_OK)
      << spt_last_error();
  return artifact;
}

spt_tensor tensor(std::vector<float> &data, std::vector<int64_t> shape) {
  spt_tensor t{data.data(), SPT_F32, static_cast<int32_t>(shape.size()), {}};
  for (size_t i = 0; i < shape.size(); ++i)
    t.shape[i] = shape[i];
  return t;
}

std::vector<float> randomValues(size_t count, std::mt19937 &rng) {
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> v(count);
  for (float &x : v)
    x = normal(rng);
  return v;
}

class CUDABackend : public ::testing::Test {
protected:
  void SetUp() override {
    fake = &FakeDriver::get();
    ASSERT_NE(fake->failCall, nullptr);
    baseline = fake->liveAllocations();
    w1 = randomValues(4 * 64 * 64, rng), b1 = randomValues(4 * 64, rng);
    w2 = randomValues(4 * 64 * 64, rng), b2 = randomValues(4 * 64, rng);
  }
  void TearDown() override {
    EXPECT_STREQ(fake->violations(), "");
    EXPECT_EQ(fake->liveAllocations(), baseline) << "device memory leaked";
  }

  /// A cache of 2 sequences of 256 tokens with the test's hash weights.
  spt_status create(spt_artifact *artifact, spt_cache **cache,
                    spt_device device = SPT_DEVICE_CUDA) {
    spt_tensor tw1 = tensor(w1, {4, 64, 64}), tb1 = tensor(b1, {4, 64}),
               tw2 = tensor(w2, {4, 64, 64}), tb2 = tensor(b2, {4, 64});
    return spt_cache_create(artifact, device, 2, 256, &tw1, &tb1, &tw2, &tb2,
                            cache);
  }
  spt_status append(spt_cache *cache, int64_t sequence, int64_t n) {
    std::vector<float> k = randomValues(2 * n * 64, rng),
                       v = randomValues(2 * n * 64, rng);
    spt_tensor kt = tensor(k, {2, n, 64}), vt = tensor(v, {2, n, 64});
    return spt_cache_append(cache, sequence, &kt, &vt);
  }
  spt_status decode(spt_cache *cache) {
    query = randomValues(2 * 4 * 64, rng);
    out.assign(2 * 4 * 64, 0);
    indices.assign(2 * 2 * (4 + 64 + 16), 0);
    spt_tensor q = tensor(query, {2, 4, 64}), o = tensor(out, {2, 4, 64});
    spt_tensor idx{indices.data(), SPT_I32, 3, {2, 2, 4 + 64 + 16}};
    return spt_decode(cache, &q, &o, &idx);
  }

  FakeDriver *fake = nullptr;
  long baseline = 0;
  std::mt19937 rng{std::random_device{}()};
  std::vector<float> w1, b1, w2, b2, query, out;
  std::vector<int32_t> indices;
};

TEST_F(CUDABackend, DescribesTheDevice) {
  spt_device_info info;
  ASSERT_EQ(spt_device_query(SPT_DEVICE_CUDA, &info), SPT_OK)
      << spt_last_error();
  EXPECT_STREQ(info.name, "Fake GPU (no kernels run)");
  EXPECT_EQ(info.compute_capability, 90);
  EXPECT_EQ(info.memory_bytes, int64_t(1) << 30);
  EXPECT_EQ(spt_device_query(SPT_DEVICE_CUDA, nullptr),
            SPT_ERROR_INVALID_ARGUMENT);
}

TEST_F(CUDABackend, RunsEveryEntryPointThroughTheDriver) {
  spt_artifact *artifact = loadCUDAArtifact(smallGeometry(16));
  ASSERT_NE(artifact, nullptr);
  spt_geometry geometry;
  ASSERT_EQ(spt_artifact_geometry(artifact, &geometry), SPT_OK);
  EXPECT_EQ(geometry.target, SPT_DEVICE_CUDA);

  spt_cache *cache = nullptr;
  ASSERT_EQ(create(artifact, &cache), SPT_OK) << spt_last_error();
  fake->resetLaunches();
  ASSERT_EQ(append(cache, 0, 100), SPT_OK) << spt_last_error();
  ASSERT_EQ(append(cache, 1, 37), SPT_OK) << spt_last_error();
  // An append is one write: the key hash and the store, for all KV heads.
  EXPECT_EQ(fake->launches("spotlight_paged_write"), 2 * 2);

  // The whole batch in four kernels: query hash; score; select (count and
  // write); attention splits with the combine in each item's last block.
  fake->resetLaunches();
  ASSERT_EQ(decode(cache), SPT_OK) << spt_last_error();
  EXPECT_EQ(fake->launches("spotlight_paged_decode"), 4);
  EXPECT_EQ(fake->launches(""), 4);
  double ms = 0;
  ASSERT_EQ(spt_cache_last_step_time(cache, &ms), SPT_OK);
  EXPECT_EQ(ms, 0.25); // what the fake's events report

  // Retrieval only: query hash, score, select.
  fake->resetLaunches();
  spt_tensor q = tensor(query, {2, 4, 64});
  spt_tensor idx{indices.data(), SPT_I32, 3, {2, 2, 4 + 64 + 16}};
  ASSERT_EQ(spt_select(cache, &q, &idx), SPT_OK) << spt_last_error();
  EXPECT_EQ(fake->launches("spotlight_paged_select"), 3);
  EXPECT_EQ(fake->launches(""), 3);

  // Dense: the splits with their combine folded in.
  fake->resetLaunches();
  spt_tensor o = tensor(out, {2, 4, 64});
  ASSERT_EQ(spt_decode_dense(cache, &q, &o), SPT_OK) << spt_last_error();
  EXPECT_EQ(fake->launches(""), 1);

  // The staged key codes come back through the driver.
  std::vector<int32_t> codes(2 * 37 * 2 * 2, -7);
  spt_tensor c{codes.data(), SPT_I32, 4, {2, 37, 2, 2}};
  EXPECT_EQ(spt_cache_read_codes(cache, 1, &c), SPT_OK) << spt_last_error();
  spt_cache_free(cache);
  spt_artifact_free(artifact);
}

/// A step is the same four launches whatever the batch: every grid spans
/// the batch, and nothing is decided on the host from the data.
TEST_F(CUDABackend, LaunchesPerStepDoNotGrowWithTheBatch) {
  spt_artifact *artifact = loadCUDAArtifact(smallGeometry(16));
  ASSERT_NE(artifact, nullptr);
  for (int64_t batch : {1, 7, 32}) {
    SCOPED_TRACE("B=" + std::to_string(batch));
    spt_tensor tw1 = tensor(w1, {4, 64, 64}), tb1 = tensor(b1, {4, 64}),
               tw2 = tensor(w2, {4, 64, 64}), tb2 = tensor(b2, {4, 64});
    spt_cache *cache = nullptr;
    ASSERT_EQ(spt_cache_create(artifact, SPT_DEVICE_CUDA, batch, 128, &tw1,
                               &tb1, &tw2, &tb2, &cache),
              SPT_OK)
        << spt_last_error();
    for (int64_t b = 0; b < batch; b += 3)
      ASSERT_EQ(append(cache, b, 10 + b), SPT_OK) << spt_last_error();
    query = randomValues(batch * 4 * 64, rng);
    out.assign(batch * 4 * 64, 0);
    spt_tensor q = tensor(query, {batch, 4, 64}), o = tensor(out, {batch, 4, 64});
    fake->resetLaunches();
    ASSERT_EQ(spt_decode(cache, &q, &o, nullptr), SPT_OK) << spt_last_error();
    EXPECT_EQ(fake->launches(""), 4);
    spt_cache_free(cache);
  }
  spt_artifact_free(artifact);
}

TEST_F(CUDABackend, DriverFailuresComeBackByNameAndLeaveTheCacheUnchanged) {
  spt_artifact *artifact = loadCUDAArtifact(smallGeometry(16));
  ASSERT_NE(artifact, nullptr);
  spt_cache *cache = nullptr;

  // Out of memory half-way through creating the cache: nothing is kept.
  fake->failCall("cuMemAlloc", 3, kOutOfMemory);
  EXPECT_EQ(create(artifact, &cache), SPT_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(cache, nullptr);

  ASSERT_EQ(create(artifact, &cache), SPT_OK) << spt_last_error();
  ASSERT_EQ(append(cache, 0, 40), SPT_OK) << spt_last_error();

  // A kernel fails while the appended tokens are hashed: not appended.
  fake->failCall("cuLaunchKernel", 1, kIllegalAddress);
  EXPECT_EQ(append(cache, 0, 20), SPT_ERROR_DEVICE);
  EXPECT_NE(std::string(spt_last_error()).find("CUDA_ERROR_ILLEGAL_ADDRESS"),
            std::string::npos)
      << spt_last_error();
  int64_t length = 0;
  ASSERT_EQ(spt_cache_length(cache, 0, &length), SPT_OK);
  EXPECT_EQ(length, 40);

  // The query cannot be staged: the step fails before any kernel.
  fake->resetLaunches();
  fake->failCall("cuMemcpyHtoD", 0, kInvalidValue);
  EXPECT_EQ(decode(cache), SPT_ERROR_DEVICE);
  EXPECT_NE(std::string(spt_last_error())
                .find("copying to the GPU failed: "
                      "CUDA_ERROR_INVALID_VALUE"),
            std::string::npos)
      << spt_last_error();
  EXPECT_EQ(fake->launches(""), 0);

  // A launch fails in the middle of a step; the next step works.
  fake->failCall("cuLaunchKernel", 2, kIllegalAddress);
  EXPECT_EQ(decode(cache), SPT_ERROR_DEVICE);
  EXPECT_NE(std::string(spt_last_error()).find("launching a kernel failed"),
            std::string::npos)
      << spt_last_error();
  EXPECT_EQ(decode(cache), SPT_OK) << spt_last_error();
  ASSERT_EQ(spt_cache_length(cache, 0, &length), SPT_OK);
  EXPECT_EQ(length, 40);
  spt_cache_free(cache);

  // A fresh cache stages its first block table (allocation 0) and has no
  // scratch arena yet: the step allocates its scratch from the driver, and
  // running out is an out-of-memory status.
  ASSERT_EQ(create(artifact, &cache), SPT_OK) << spt_last_error();
  ASSERT_EQ(append(cache, 1, 30), SPT_OK) << spt_last_error();
  fake->failCall("cuMemAlloc", 0, kOutOfMemory);
  EXPECT_EQ(decode(cache), SPT_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(spt_last_error()).find("block table"),
            std::string::npos)
      << spt_last_error();
  spt_cache_free(cache);
  ASSERT_EQ(create(artifact, &cache), SPT_OK) << spt_last_error();
  ASSERT_EQ(append(cache, 1, 30), SPT_OK) << spt_last_error();
  fake->failCall("cuMemAlloc", 1, kOutOfMemory);
  EXPECT_EQ(decode(cache), SPT_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(std::string(spt_last_error()).find("CUDA_ERROR_OUT_OF_MEMORY"),
            std::string::npos)
      << spt_last_error();
  EXPECT_EQ(decode(cache), SPT_OK) << spt_last_error();
  spt_cache_free(cache);
  spt_artifact_free(artifact);
}

TEST_F(CUDABackend, AFailedDownloadLeavesTheCallersBuffersAndStepTime) {
  spt_artifact *artifact = loadCUDAArtifact(smallGeometry(16));
  ASSERT_NE(artifact, nullptr);
  spt_cache *cache = nullptr;
  ASSERT_EQ(create(artifact, &cache), SPT_OK) << spt_last_error();
  ASSERT_EQ(append(cache, 0, 40), SPT_OK) << spt_last_error();
  ASSERT_EQ(append(cache, 1, 90), SPT_OK) << spt_last_error();
  ASSERT_EQ(decode(cache), SPT_OK) << spt_last_error();
  double before = -1;
  ASSERT_EQ(spt_cache_last_step_time(cache, &before), SPT_OK);
  EXPECT_GE(before, 0);

  // The output comes back, then the indices fail: neither reaches the
  // caller, and the step time stays the last successful step's.
  fake->failCall("cuMemcpyDtoH", 1, kIllegalAddress);
  EXPECT_EQ(decode(cache), SPT_ERROR_DEVICE);
  EXPECT_EQ(std::count(out.begin(), out.end(), 0.0f), long(out.size()));
  EXPECT_EQ(std::count(indices.begin(), indices.end(), 0),
            long(indices.size()));
  double after = -1;
  ASSERT_EQ(spt_cache_last_step_time(cache, &after), SPT_OK);
  EXPECT_EQ(after, before);

  // Key codes come back page by page: a failed page leaves them all.
  // [KH, n, C, W]: a code per query head of a KV head's group (CH = QH).
  const int64_t codeWords = 2 * 90 * 2 * 2;
  std::vector<int32_t> codes(codeWords, -7);
  spt_tensor codesTensor{codes.data(), SPT_I32, 4, {2, 90, 2, 2}};
  fake->failCall("cuMemcpyDtoH", 2, kIllegalAddress);
  EXPECT_EQ(spt_cache_read_codes(cache, 1, &codesTensor), SPT_ERROR_DEVICE);
  EXPECT_EQ(std::count(codes.begin(), codes.end(), -7), codeWords);
  ASSERT_EQ(spt_cache_read_codes(cache, 1, &codesTensor), SPT_OK)
      << spt_last_error();
  EXPECT_LT(std::count(codes.begin(), codes.end(), -7), codeWords);
  spt_cache_free(cache);
  spt_artifact_free(artifact);
}

TEST_F(CUDABackend, ADeviceOrdinalThatIsNoneIsRefused) {
  // The driver and its device are chosen once a process: each ordinal is
  // tried in a process of its own ("abc" read as 0 picked the first GPU).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const char *ordinal : {"abc", "99"}) {
    EXPECT_EXIT(
        {
          setenv("SPOTLIGHT_CUDA_DEVICE", ordinal, 1);
          spt_artifact *artifact = loadCUDAArtifact(smallGeometry(16));
          spt_cache *cache = nullptr;
          const bool refused = create(artifact, &cache) == SPT_ERROR_NO_DEVICE &&
                               !cache;
          std::fprintf(stderr, "%s\n", spt_last_error());
          std::_Exit(refused ? 0 : 1);
        },
        ::testing::ExitedWithCode(0),
        std::string("SPOTLIGHT_CUDA_DEVICE=") + ordinal +
            " is not a device ordinal");
  }
}

TEST_F(CUDABackend, KernelsThatDoNotLoadAreReportedWhenTheCacheIsCreated) {
  // A geometry of its own: modules are loaded once per process.
  spt_artifact *artifact = loadCUDAArtifact(smallGeometry(8));
  ASSERT_NE(artifact, nullptr);
  spt_cache *cache = nullptr;
  fake->failCall("cuModuleLoadData", 0, kNoBinaryForGPU);
  EXPECT_EQ(create(artifact, &cache), SPT_ERROR_DEVICE);
  EXPECT_NE(std::string(spt_last_error()).find("CUDA_ERROR_NO_BINARY_FOR_GPU"),
            std::string::npos)
      << spt_last_error();
  EXPECT_EQ(cache, nullptr);
  // A CUDA artifact cannot run on the CPU.
  EXPECT_EQ(create(artifact, &cache, SPT_DEVICE_CPU), SPT_ERROR_ARTIFACT);
  EXPECT_NE(std::string(spt_last_error()).find("holds CUDA code"),
            std::string::npos);
  spt_artifact_free(artifact);
}
} // namespace
