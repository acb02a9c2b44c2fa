//===- PagedRuntimeTest.cpp - The engines' path and the paged cache -------===//
//
// spt_decoder over pools, block tables and lengths the test owns
// (PagedProblem: shuffled pages, a shared prefix page, a partial last page,
// NaN in every unowned slot), checked against the naive reference: the key
// codes spt_paged_write stores (ambiguous bits aside), the selected sets
// (exact, on the stored codes), the outputs (SEMANTICS.md tolerances). Every
// bad argument gets its status and leaves the pools as they were. The
// runtime's own cache: fork shares a prefix, reset returns pages, a failed
// append changes nothing.
//
//===----------------------------------------------------------------------===//

#include "spotlight/runtime.h"
#include "Support/CompiledArtifacts.h"
#include "Support/PagedProblem.h"
#include "Support/RuntimeTensors.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace spotlight;
using namespace spotlight::testing;

namespace {

double tolerance(ElementType type) {
  return type == ElementType::F32 ? 1e-5 : 1e-2;
}

std::vector<double> readAll(const HostTensor &t, ElementType type) {
  std::vector<double> out(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = readElement(t, type, i);
  return out;
}

/// A loaded artifact and a decoder for the problem's weights.
struct Decoder {
  Decoder(const DecodeGeometry &g, PagedProblem &p) {
    EXPECT_EQ(spt_artifact_load(artifactFor(g).c_str(), &artifact), SPT_OK)
        << spt_last_error();
    spt_dtype wt = dtypeOf(g.weightType);
    spt_tensor w1 = tensorOf(p.w1T, wt), b1 = tensorOf(p.b1T, wt),
               w2 = tensorOf(p.w2T, wt), b2 = tensorOf(p.b2T, wt);
    EXPECT_EQ(spt_decoder_create(artifact, SPT_DEVICE_CPU, &w1, &b1, &w2, &b2,
                                 &decoder),
              SPT_OK)
        << spt_last_error();
  }
  ~Decoder() {
    spt_decoder_free(decoder);
    spt_artifact_free(artifact);
  }
  spt_artifact *artifact = nullptr;
  spt_decoder *decoder = nullptr;
};

/// Pools of garbage, in the problem's shapes, that spt_paged_write fills.
struct Pools {
  Pools(const DecodeGeometry &g, const PagedProblem &p)
      : k({p.pages, p.pageSize, g.kvHeads, g.headDim},
          elementTypeBytes(g.dtype)),
        v(k), codes({p.pages, p.pageSize, g.kvHeads, g.keyCodesPerHead(),
                     g.codeWords()},
                    4) {
    std::memset(k.data(), 0x7f, k.numBytes());
    std::memset(v.data(), 0x7f, v.numBytes());
    std::memset(codes.data(), 0x5a, codes.numBytes());
  }
  HostTensor k, v, codes;
};

DecodeGeometry pagedGeometry(int64_t group, bool codePerQueryHead,
                             bool headMode, ElementType dtype,
                             int64_t pageSize) {
  DecodeGeometry g = testGeometry(group, 64, codePerQueryHead, headMode, dtype);
  g.maxTokens = 4096;
  g.pageSize = pageSize;
  return g;
}

struct PagedCase {
  const char *name;
  int64_t group;
  bool codePerQueryHead, headMode;
  ElementType dtype;
  int64_t pageSize;
};

class PagedDecoderTest : public ::testing::TestWithParam<PagedCase> {};

TEST_P(PagedDecoderTest, WriteThenDecodeMatchesTheReference) {
  const PagedCase &c = GetParam();
  DecodeGeometry g = pagedGeometry(c.group, c.codePerQueryHead, c.headMode,
                                   c.dtype, c.pageSize);
  const uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  // On 2 cores or more, the CPU splits the longest sequences (the dense step
  // and the selection's scan per token range) and runs the short ones whole.
  PagedProblem p(g, c.pageSize, {1500, 2100, 0, 40, 700}, seed);
  g = p.geometry;
  Decoder d(g, p);
  ASSERT_TRUE(d.decoder);
  Pools pools(g, p);
  const spt_dtype dt = dtypeOf(g.dtype);
  spt_tensor k = tensorOf(pools.k, dt), v = tensorOf(pools.v, dt),
             codes = tensorOf(pools.codes, SPT_I32);
  spt_tensor newK = tensorOf(p.newKeysT, dt), newV = tensorOf(p.newValuesT, dt),
             slots = tensorOf(p.slotMappingT, SPT_I32);
  ASSERT_EQ(spt_paged_write(d.decoder, &newK, &newV, &slots, &k, &v, &codes),
            SPT_OK)
      << spt_last_error();

  // Stored rows are the problem's; stored codes are the reference's up to
  // bits within rounding noise of 0.
  const int64_t KH = g.kvHeads, C = g.keyCodesPerHead(), W = g.codeWords();
  const int64_t rowBytes = KH * g.headDim * elementTypeBytes(g.dtype);
  int64_t flips = 0, bits = 0;
  for (int64_t slot = 0; slot < p.pages * p.pageSize; ++slot) {
    if (!p.owned(slot))
      continue;
    ASSERT_EQ(std::memcmp(pools.k.as<unsigned char>() + slot * rowBytes,
                          p.kPoolT.as<unsigned char>() + slot * rowBytes,
                          rowBytes),
              0);
    for (int64_t h = 0; h < KH; ++h)
      for (int64_t cc = 0; cc < C; ++cc) {
        const uint32_t *stored =
            pools.codes.as<uint32_t>() + ((slot * KH + h) * C + cc) * W;
        const uint32_t *expected =
            p.codePoolT.as<uint32_t>() + ((slot * KH + h) * C + cc) * W;
        for (int64_t w = 0; w < W; ++w)
          flips += __builtin_popcount(stored[w] ^ expected[w]);
        bits += 32 * W;
      }
  }
  EXPECT_LE(flips, 2 + bits / 200000) << "too many differing code bits";
  // From here on the reference selects on the stored codes.
  std::memcpy(p.codePoolT.data(), pools.codes.data(), pools.codes.numBytes());

  const int64_t B = g.batch, S = g.selectionSets(), M = g.selectionSlots();
  HostTensor idx({B, S, M}, 4), out({B, g.queryHeads, g.headDim},
                                    elementTypeBytes(g.dtype)),
      dense(out), selected({B, S, M}, 4);
  spt_tensor q = tensorOf(p.qT, dt), bt = tensorOf(p.blockTableT, SPT_I32),
             sl = tensorOf(p.seqLensT, SPT_I32), idxT = tensorOf(idx, SPT_I32),
             outT = tensorOf(out, dt), denseT = tensorOf(dense, dt),
             selT = tensorOf(selected, SPT_I32);
  ASSERT_EQ(spt_paged_decode(d.decoder, &q, &k, &v, &codes, &bt, &sl, &outT,
                             &idxT),
            SPT_OK)
      << spt_last_error();
  const std::vector<int32_t> expected = p.expectedIndices();
  EXPECT_EQ(std::vector<int32_t>(idx.as<int32_t>(), idx.as<int32_t>() + B * S * M),
            expected);
  EXPECT_LT(relativeError(readAll(out, g.dtype), p.sparseOutput()),
            tolerance(g.dtype));
  ASSERT_EQ(spt_paged_select(d.decoder, &q, &codes, &bt, &sl, &selT), SPT_OK)
      << spt_last_error();
  EXPECT_EQ(std::memcmp(selected.data(), idx.data(), idx.numBytes()), 0);
  ASSERT_EQ(spt_paged_decode_dense(d.decoder, &q, &k, &v, &bt, &sl, &denseT),
            SPT_OK)
      << spt_last_error();
  EXPECT_LT(relativeError(readAll(dense, g.dtype), p.denseOutput()),
            tolerance(g.dtype));
  // Without indices the step selects all the same.
  HostTensor again(out);
  spt_tensor againT = tensorOf(again, dt);
  ASSERT_EQ(spt_paged_decode(d.decoder, &q, &k, &v, &codes, &bt, &sl, &againT,
                             nullptr),
            SPT_OK);
  EXPECT_EQ(std::memcmp(again.data(), out.data(), out.numBytes()), 0);

  // Every sequence split, as long ones are: the selection in 3 token
  // ranges (their scores, then the selection from them), the attention
  // per KV head, and the dense step in 3 ranges of pages over every KV
  // head, merged.
  setenv("SPOTLIGHT_SPLIT", "3", 1);
  HostTensor split(out), splitIdx(idx), splitDense(dense);
  spt_tensor splitT = tensorOf(split, dt), splitIdxT = tensorOf(splitIdx, SPT_I32),
             splitDenseT = tensorOf(splitDense, dt);
  EXPECT_EQ(spt_paged_decode(d.decoder, &q, &k, &v, &codes, &bt, &sl, &splitT,
                             &splitIdxT),
            SPT_OK);
  EXPECT_EQ(spt_paged_select(d.decoder, &q, &codes, &bt, &sl, &selT), SPT_OK);
  EXPECT_EQ(spt_paged_decode_dense(d.decoder, &q, &k, &v, &bt, &sl,
                                   &splitDenseT),
            SPT_OK);
  unsetenv("SPOTLIGHT_SPLIT");
  EXPECT_EQ(std::vector<int32_t>(splitIdx.as<int32_t>(),
                                 splitIdx.as<int32_t>() + B * S * M),
            expected);
  EXPECT_EQ(std::memcmp(selected.data(), idx.data(), idx.numBytes()), 0);
  EXPECT_LT(relativeError(readAll(split, g.dtype), p.sparseOutput()),
            tolerance(g.dtype));
  EXPECT_LT(relativeError(readAll(splitDense, g.dtype), p.denseOutput()),
            tolerance(g.dtype));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PagedDecoderTest,
    ::testing::Values(
        PagedCase{"page16_g4_chqh_group_bf16", 4, true, false,
                  ElementType::BF16, 16},
        PagedCase{"page1_g2_chkh_head_f32", 2, false, true, ElementType::F32,
                  1},
        PagedCase{"page64_g4_chkh_group_f32", 4, false, false,
                  ElementType::F32, 64}),
    [](const ::testing::TestParamInfo<PagedCase> &info) {
      return std::string(info.param.name);
    });

/// Every bad argument of the engines' path: a status, a message that names
/// the culprit, and pools exactly as they were.
TEST(PagedDecoderErrors, BadArgumentsFailCleanly) {
  DecodeGeometry g =
      pagedGeometry(2, true, false, ElementType::F32, /*pageSize=*/16);
  PagedProblem p(g, 16, {100, 40}, freshSeed(), /*codesFromKeys=*/false);
  g = p.geometry;
  Decoder d(g, p);
  ASSERT_TRUE(d.decoder);
  Pools pools(g, p);
  const HostTensor kBefore = pools.k, codesBefore = pools.codes;
  spt_tensor k = tensorOf(pools.k, SPT_F32), v = tensorOf(pools.v, SPT_F32),
             codes = tensorOf(pools.codes, SPT_I32);
  spt_tensor newK = tensorOf(p.newKeysT, SPT_F32),
             newV = tensorOf(p.newValuesT, SPT_F32);
  const int64_t B = g.batch;
  HostTensor out({B, g.queryHeads, g.headDim}, 4);
  spt_tensor q = tensorOf(p.qT, SPT_F32), outT = tensorOf(out, SPT_F32);

  auto expectFailure = [&](spt_status got, spt_status want,
                           const std::string &mentions) {
    EXPECT_EQ(got, want) << spt_status_name(got);
    EXPECT_NE(std::string(spt_last_error()).find(mentions), std::string::npos)
        << spt_last_error();
  };
  auto decode = [&](HostTensor &table, HostTensor &lens) {
    spt_tensor bt = tensorOf(table, SPT_I32), sl = tensorOf(lens, SPT_I32);
    return spt_paged_decode(d.decoder, &q, &k, &v, &codes, &bt, &sl, &outT,
                            nullptr);
  };

  // A page beyond the pools, and a length beyond a sequence's pages.
  HostTensor table = p.blockTableT, lens = p.seqLensT;
  table.as<int32_t>()[1] = static_cast<int32_t>(p.pages);
  expectFailure(decode(table, lens), SPT_ERROR_INVALID_ARGUMENT,
                "block_table[0, 1]");
  table = p.blockTableT;
  lens.as<int32_t>()[1] = static_cast<int32_t>(p.maxPages * 16 + 1);
  expectFailure(decode(table, lens), SPT_ERROR_INVALID_ARGUMENT,
                "beyond its");
  lens.as<int32_t>()[1] = -3;
  expectFailure(decode(table, lens), SPT_ERROR_INVALID_ARGUMENT, "seq_lens");
  lens = p.seqLensT;

  // Slots out of range or given twice: nothing is written.
  HostTensor slots = p.slotMappingT;
  spt_tensor slotsT = tensorOf(slots, SPT_I32);
  slots.as<int32_t>()[0] = static_cast<int32_t>(p.pages * 16);
  expectFailure(spt_paged_write(d.decoder, &newK, &newV, &slotsT, &k, &v,
                                &codes),
                SPT_ERROR_INVALID_ARGUMENT, "slot_mapping[0]");
  slots = p.slotMappingT;
  int32_t *s = slots.as<int32_t>();
  int64_t first = 0;
  while (s[first] < 0)
    ++first;
  int64_t second = first + 1;
  while (s[second] < 0)
    ++second;
  s[second] = s[first];
  expectFailure(spt_paged_write(d.decoder, &newK, &newV, &slotsT, &k, &v,
                                &codes),
                SPT_ERROR_INVALID_ARGUMENT, "twice");
  EXPECT_EQ(std::memcmp(pools.k.data(), kBefore.data(), kBefore.numBytes()), 0);
  EXPECT_EQ(
      std::memcmp(pools.codes.data(), codesBefore.data(), codesBefore.numBytes()),
      0);

  // Types, shapes and null pointers.
  spt_tensor wrongType = tensorOf(pools.k, SPT_BF16);
  spt_tensor bt = tensorOf(table, SPT_I32), sl = tensorOf(lens, SPT_I32);
  expectFailure(spt_paged_decode_dense(d.decoder, &q, &wrongType, &v, &bt, &sl,
                                       &outT),
                SPT_ERROR_TYPE, "k_cache");
  spt_tensor shortLens = sl;
  shortLens.shape[0] = B - 1;
  expectFailure(spt_paged_decode_dense(d.decoder, &q, &k, &v, &bt, &shortLens,
                                       &outT),
                SPT_ERROR_SHAPE, "seq_lens");
  spt_tensor otherPages = v;
  otherPages.shape[0] -= 1;
  expectFailure(spt_paged_decode_dense(d.decoder, &q, &k, &otherPages, &bt,
                                       &sl, &outT),
                SPT_ERROR_SHAPE, "v_cache");
  expectFailure(spt_paged_decode_dense(d.decoder, &q, &k, &v, nullptr, &sl,
                                       &outT),
                SPT_ERROR_INVALID_ARGUMENT, "block_table");
  expectFailure(spt_paged_decode(d.decoder, &q, &k, nullptr, &codes, &bt, &sl,
                                 &outT, nullptr),
                SPT_ERROR_INVALID_ARGUMENT, "v_cache");
  spt_tensor shortCodes = codes;
  shortCodes.shape[0] -= 1;
  expectFailure(spt_paged_decode(d.decoder, &q, &k, &v, &shortCodes, &bt, &sl,
                                 &outT, nullptr),
                SPT_ERROR_SHAPE, "code_cache");
  HostTensor selected({B, g.selectionSets(), g.selectionSlots()}, 4);
  spt_tensor selT = tensorOf(selected, SPT_I32);
  expectFailure(spt_paged_select(d.decoder, &q, nullptr, &bt, &sl, &selT),
                SPT_ERROR_INVALID_ARGUMENT, "code_cache");
  expectFailure(spt_paged_decode(nullptr, &q, &k, &v, &codes, &bt, &sl, &outT,
                                 nullptr),
                SPT_ERROR_INVALID_ARGUMENT, "null decoder");
  // Sizes no buffer can have (its rows are indexed through them: this read
  // far outside the table).
  spt_tensor hugeTable = bt;
  hugeTable.shape[1] = (int64_t(1) << 61) + 1;
  expectFailure(spt_paged_decode_dense(d.decoder, &q, &k, &v, &hugeTable, &sl,
                                       &outT),
                SPT_ERROR_SHAPE, "more bytes than an address space holds");
  // A table of more slots than i32 positions name (found by fuzz-paged:
  // the selection's scratch, sized by the table, could not be allocated and
  // the step crashed; its size could also wrap).
  spt_tensor wideTable = bt;
  wideTable.shape[1] = int64_t(1) << 28;
  expectFailure(spt_paged_decode(d.decoder, &q, &k, &v, &codes, &wideTable, &sl,
                                 &outT, nullptr),
                SPT_ERROR_SHAPE, "more than i32 positions can name");

  // The step time is that of the whole step (every phase of the CPU's
  // split), and a failed call leaves the last successful step's.
  ASSERT_EQ(spt_paged_decode_dense(d.decoder, &q, &k, &v, &bt, &sl, &outT),
            SPT_OK)
      << spt_last_error();
  double stepTime = -1;
  ASSERT_EQ(spt_decoder_last_step_time(d.decoder, &stepTime), SPT_OK);
  EXPECT_GT(stepTime, 0);
  expectFailure(spt_paged_decode_dense(d.decoder, &q, &k, &v, nullptr, &sl,
                                       &outT),
                SPT_ERROR_INVALID_ARGUMENT, "block_table");
  double afterFailure = -1;
  ASSERT_EQ(spt_decoder_last_step_time(d.decoder, &afterFailure), SPT_OK);
  EXPECT_EQ(afterFailure, stepTime);
  expectFailure(spt_decoder_set_stream(d.decoder, nullptr),
                SPT_ERROR_INVALID_ARGUMENT, "no stream");
}

/// The runtime's own cache: a forked sequence shares its source's full
/// pages and decodes exactly like a sequence given the same tokens; reset
/// returns pages to the pool; a failed append changes nothing.
TEST(PagedCache, ForkResetAndCapacity) {
  DecodeGeometry g =
      pagedGeometry(2, true, false, ElementType::F32, /*pageSize=*/16);
  g.batch = 3;
  PagedProblem p(g, 16, {1, 1, 1}, freshSeed(), /*codesFromKeys=*/false);
  Decoder d(p.geometry, p);
  spt_artifact *artifact = d.artifact;
  spt_tensor w1 = tensorOf(p.w1T, SPT_F32), b1 = tensorOf(p.b1T, SPT_F32),
             w2 = tensorOf(p.w2T, SPT_F32), b2 = tensorOf(p.b2T, SPT_F32);
  spt_cache *cache = nullptr;
  // 3 sequences x 40 tokens: 3 x 3 pages of 16.
  ASSERT_EQ(spt_cache_create(artifact, SPT_DEVICE_CPU, 3, 40, &w1, &b1, &w2,
                             &b2, &cache),
            SPT_OK)
      << spt_last_error();
  std::mt19937_64 rng(freshSeed());
  std::vector<float> kv(g.kvHeads * 37 * g.headDim);
  std::normal_distribution<float> dist;
  for (float &x : kv)
    x = dist(rng);
  HostTensor keys = makeTensor({g.kvHeads, 37, g.headDim}, g.dtype, kv);
  spt_tensor keysT = tensorOf(keys, SPT_F32);
  ASSERT_EQ(spt_cache_append(cache, 0, &keysT, &keysT), SPT_OK)
      << spt_last_error();
  ASSERT_EQ(spt_cache_fork(cache, 0, 1), SPT_OK) << spt_last_error();
  EXPECT_EQ(spt_cache_fork(cache, 0, 1), SPT_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(spt_cache_append(cache, 2, &keysT, &keysT), SPT_OK);
  int64_t length = 0;
  ASSERT_EQ(spt_cache_length(cache, 1, &length), SPT_OK);
  EXPECT_EQ(length, 37);

  // The fork holds the same codes and decodes like its twin (sequence 2).
  auto codesOf = [&](int64_t sequence) {
    HostTensor c({g.kvHeads, 37, g.keyCodesPerHead(), g.codeWords()}, 4);
    spt_tensor t = tensorOf(c, SPT_I32);
    EXPECT_EQ(spt_cache_read_codes(cache, sequence, &t), SPT_OK)
        << spt_last_error();
    return std::vector<int32_t>(c.as<int32_t>(),
                                c.as<int32_t>() + c.numElements());
  };
  EXPECT_EQ(codesOf(1), codesOf(2));
  std::vector<float> qv(3 * g.queryHeads * g.headDim);
  for (int64_t i = 0; i < g.queryHeads * g.headDim; ++i)
    qv[i] = qv[i + g.queryHeads * g.headDim] =
        qv[i + 2 * g.queryHeads * g.headDim] = dist(rng);
  HostTensor q = makeTensor({3, g.queryHeads, g.headDim}, g.dtype, qv);
  HostTensor out({3, g.queryHeads, g.headDim}, 4);
  spt_tensor qT = tensorOf(q, SPT_F32), outT = tensorOf(out, SPT_F32);
  ASSERT_EQ(spt_decode(cache, &qT, &outT, nullptr), SPT_OK) << spt_last_error();
  const int64_t row = g.queryHeads * g.headDim;
  for (int64_t i = 0; i < row; ++i) {
    EXPECT_EQ(out.as<float>()[row + i], out.as<float>()[2 * row + i]);
    EXPECT_EQ(out.as<float>()[i], out.as<float>()[row + i]);
  }

  // Growing the fork by 40 - 37 = 3 tokens fills its own last page and
  // leaves its source alone; sequence 0 cannot grow past its capacity, and
  // the failure changes nothing.
  HostTensor three = makeTensor({g.kvHeads, 3, g.headDim}, g.dtype, kv);
  spt_tensor threeT = tensorOf(three, SPT_F32);
  EXPECT_EQ(spt_cache_append(cache, 1, &threeT, &threeT), SPT_OK);
  EXPECT_EQ(spt_cache_append(cache, 0, &keysT, &keysT), SPT_ERROR_CAPACITY);
  ASSERT_EQ(spt_cache_length(cache, 0, &length), SPT_OK);
  EXPECT_EQ(length, 37);
  EXPECT_EQ(codesOf(0), codesOf(2));
  // Reset frees sequence 2's pages: a fresh fork of 0 then fits again.
  ASSERT_EQ(spt_cache_reset(cache, 2), SPT_OK);
  ASSERT_EQ(spt_cache_length(cache, 2, &length), SPT_OK);
  EXPECT_EQ(length, 0);
  EXPECT_EQ(spt_cache_fork(cache, 0, 2), SPT_OK) << spt_last_error();
  EXPECT_EQ(codesOf(2), codesOf(0));
  spt_cache_free(cache);
}

} // namespace
