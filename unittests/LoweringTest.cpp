//===- LoweringTest.cpp - Both lowerings vs the naive oracle --------------===//
//
// Builds the decode module of a geometry, lowers it with the reference or
// the optimized CPU pipeline, JIT-compiles it and checks every stage
// against the naive C++ reference on fresh random inputs:
//   codes      equal, except bits whose pre-sign value is within rounding
//              noise of 0 (two correct f32 codes may differ there)
//   selection  exactly the reference selection on the same codes
//   outputs    within the SEMANTICS.md tolerances (1e-5 f32, 1e-2 bf16)
//
//===----------------------------------------------------------------------===//

#include "Support/DecodeProblem.h"
#include "Support/JitHelpers.h"
#include "spotlight/Codegen/DecodeModule.h"
#include "spotlight/ExecutionEngine/JitModule.h"

#include <gtest/gtest.h>

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

using namespace spotlight;
using namespace spotlight::testing;

namespace {

/// Bits closer to 0 than this (pre-sign) may flip under f32 rounding.
constexpr double kAmbiguousMargin = 1e-3;

double tolerance(ElementType type) {
  return type == ElementType::F32 ? 1e-5 : 1e-2;
}

struct Case {
  const char *name;
  int64_t batch, group, headDim;
  bool codePerQueryHead, headMode;
  ElementType dtype;
  int64_t budgetCount; ///< 0: fraction 2%, min 20
};

DecodeGeometry geometryOf(const Case &c) {
  DecodeGeometry g =
      testGeometry(c.group, c.headDim, c.codePerQueryHead, c.headMode, c.dtype);
  g.batch = c.batch;
  g.budgetCount = c.budgetCount;
  g.maxTokens = 4099;
  return g;
}

/// The contiguous sparse step over index rows `selected` holding `sets`
/// (sequence-major), and the naive reference's attention over those sets.
struct Attended {
  std::vector<double> actual, expected;
};
Attended attend(JitModule &jit, DecodeProblem &p, HostTensor &selected,
                const std::vector<std::vector<int32_t>> &sets) {
  const DecodeGeometry &g = p.geometry;
  const int64_t B = g.batch, QH = g.queryHeads, S = g.selectionSets();
  HostTensor out({B, QH, g.headDim}, elementTypeBytes(g.dtype));
  call(jit, spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::Attend),
       {&p.qT, &p.kT, &p.vT, &selected, &out});
  Attended result{readAll(out, g.dtype), {}};
  for (int64_t b = 0; b < B; ++b)
    for (int64_t qh = 0; qh < QH; ++qh) {
      int64_t s = g.headMode ? qh : qh / g.group();
      auto row = p.attention(b, qh, sets[b * S + s]);
      result.expected.insert(result.expected.end(), row.begin(), row.end());
    }
  return result;
}

JitModule &compiled(const DecodeGeometry &g, Lowering lowering) {
  return compiledText(printDecodeModule(g), lowering);
}

/// Compares a compiled code against the reference, tolerating only
/// ambiguous bits; returns the number of ambiguous flips.
int64_t expectCodeMatches(const uint32_t *actual,
                          const std::vector<uint32_t> &expected,
                          const std::vector<double> &preSign,
                          const std::string &what) {
  int64_t flips = 0;
  for (size_t bit = 0; bit < preSign.size(); ++bit) {
    bool a = (actual[bit / 32] >> (bit % 32)) & 1;
    bool e = (expected[bit / 32] >> (bit % 32)) & 1;
    if (a == e)
      continue;
    EXPECT_LT(std::abs(preSign[bit]), kAmbiguousMargin)
        << what << " bit " << bit << " differs, pre-sign " << preSign[bit];
    ++flips;
  }
  return flips;
}

class LoweringTest
    : public ::testing::TestWithParam<std::tuple<Lowering, Case>> {};

TEST_P(LoweringTest, MatchesNaiveReferenceAcrossContextLengths) {
  const DecodeGeometry g = geometryOf(std::get<1>(GetParam()));
  ASSERT_EQ(g.validate(), "");
  JitModule &jit = compiled(g, std::get<0>(GetParam()));
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  const int64_t W = g.codeWords(), C = g.keyCodesPerHead();
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  const reference::Geometry rg = referenceGeometry(g);
  const reference::Selection rs = referenceSelection(g);

  for (int64_t n : {1, 5, 67, 1000, 4099}) {
    uint64_t seed = freshSeed();
    SCOPED_TRACE("N=" + std::to_string(n) + " seed=" + std::to_string(seed));
    DecodeProblem p(g, n, seed);

    // Hash codes of keys and queries.
    HostTensor kc({B, KH, n, C, W}, 4), qc({B, QH, 1, W}, 4);
    call(jit,
         spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::EncodeKeys),
         {&p.kT, &p.w1T, &p.b1T, &p.w2T, &p.b2T, &kc});
    call(jit,
         spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::EncodeQueries),
         {&p.qT, &p.w1T, &p.b1T, &p.w2T, &p.b2T, &qc});
    int64_t flips = 0;
    std::vector<double> preSign;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t h = 0; h < KH; ++h)
        for (int64_t t = 0; t < n; ++t)
          for (int64_t c = 0; c < C; ++c) {
            auto expected = p.keyCode(b, h, t, c, &preSign);
            const uint32_t *actual =
                kc.as<uint32_t>() + (((b * KH + h) * n + t) * C + c) * W;
            flips += expectCodeMatches(actual, expected, preSign, "key code");
          }
      for (int64_t qh = 0; qh < QH; ++qh) {
        auto expected = p.queryCode(b, qh, &preSign);
        flips += expectCodeMatches(qc.as<uint32_t>() + (b * QH + qh) * W,
                                   expected, preSign, "query code");
      }
    }
    // A lowering that sums in another order flips a bit whose pre-sign
    // value lies within its rounding error of zero: about one in a million
    // bits (N=4099 with C=7 checks 3.7M key bits). A shifted bias or scale
    // would flip the thousands of bits within the 1e-3 margin instead.
    const int64_t bits = (B * KH * n * C + B * QH) * W * 32;
    EXPECT_LE(flips, 2 + bits / 200000) << "too many ambiguous code bits";

    // Selection on the compiled codes: exact.
    HostTensor selected({B, S, M}, 4);
    call(jit, spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::Select),
         {&qc, &kc, &selected});
    std::vector<std::vector<int32_t>> sets;
    for (int64_t b = 0; b < B; ++b)
      for (int64_t s = 0; s < S; ++s) {
        auto scores = reference::scoreRow(rg, rs, qc.as<uint32_t>(),
                                          kc.as<uint32_t>(), n, b, s);
        auto expected = reference::selectTokens(scores, rs);
        const int32_t *row = selected.as<int32_t>() + (b * S + s) * M;
        // Ascending, then -1 padding.
        std::vector<int32_t> actual(row, row + M);
        std::vector<int32_t> padded = expected;
        padded.resize(M, -1);
        ASSERT_EQ(actual, padded)
            << "selection of (b=" << b << ", s=" << s << ")";
        sets.push_back(expected);
      }

    // Attention over the selected sets.
    const Attended sparse = attend(jit, p, selected, sets);
    const std::vector<double> &attended = sparse.actual;
    EXPECT_LT(relativeError(attended, sparse.expected), tolerance(g.dtype));

    // The fused step agrees with the stages.
    HostTensor fusedOut({B, QH, D}, elementTypeBytes(g.dtype));
    HostTensor fusedIdx({B, S, M}, 4);
    call(jit, spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::Decode),
         {&p.qT, &p.kT, &p.vT, &kc, &p.w1T, &p.b1T, &p.w2T, &p.b2T, &fusedOut,
          &fusedIdx});
    for (int64_t i = 0; i < B * S * M; ++i)
      ASSERT_EQ(fusedIdx.as<int32_t>()[i], selected.as<int32_t>()[i]);
    EXPECT_EQ(readAll(fusedOut, g.dtype), attended);

    // Dense baseline; below the budget the sparse step equals it.
    HostTensor dense({B, QH, D}, elementTypeBytes(g.dtype));
    call(jit,
         spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::DecodeDense),
         {&p.qT, &p.kT, &p.vT, &dense});
    std::vector<double> denseExpected = p.denseOutput();
    EXPECT_LT(relativeError(readAll(dense, g.dtype), denseExpected),
              tolerance(g.dtype));
    if (n <= g.sink + g.window + g.budgetFor(n)) {
      EXPECT_LT(relativeError(attended, denseExpected), tolerance(g.dtype));
    }
  }
}

constexpr ElementType F32 = ElementType::F32, BF16 = ElementType::BF16;

INSTANTIATE_TEST_SUITE_P(
    Geometries, LoweringTest,
    ::testing::Combine(
        ::testing::Values(Lowering::Reference, Lowering::CPU,
                          Lowering::GPUEmulation),
        ::testing::Values(
            // name, B, G, D, CH=QH, head mode, dtype, budget count
            Case{"mha_d64_group_f32", 1, 1, 64, true, false, F32, 0},
            Case{"mha_d128_head_bf16", 1, 1, 128, false, true, BF16, 0},
            Case{"g4_d64_chqh_group_f32", 2, 4, 64, true, false, F32, 0},
            Case{"g4_d128_chkh_head_f32", 1, 4, 128, false, true, F32, 0},
            Case{"g4_d128_chqh_head_bf16", 1, 4, 128, true, true, BF16, 32},
            Case{"g4_d64_chkh_group_bf16", 1, 4, 64, false, false, BF16, 0},
            Case{"g7_d128_chqh_group_bf16", 1, 7, 128, true, false, BF16, 0},
            Case{"g7_d64_chkh_head_f32", 1, 7, 64, false, true, F32, 16},
            Case{"g7_d64_chqh_head_bf16", 2, 7, 64, true, true, BF16, 0},
            Case{"g7_d128_chkh_group_f32", 1, 7, 128, false, false, F32, 0})),
    [](const ::testing::TestParamInfo<std::tuple<Lowering, Case>> &info) {
      return loweringName(std::get<0>(info.param)) + "_" +
             std::get<1>(info.param).name;
    });

/// The CPU lowering's attention loops for each vector ISA it generates
/// (chosen by CPU name), against the naive reference on random index sets:
/// token counts below, at and off multiples of the pass size (8 tokens, 4
/// generic), sets with padding and sets of every token.
class CPUPathTest
    : public ::testing::TestWithParam<std::tuple<std::string, Case>> {};

TEST_P(CPUPathTest, AttentionMatchesNaiveReference) {
  const std::string cpu = std::get<0>(GetParam());
  if (!hostRunsCPUPath(cpu))
    GTEST_SKIP() << cpu << "'s loops need AVX512_BF16, which this CPU lacks";
  const DecodeGeometry g = geometryOf(std::get<1>(GetParam()));
  ASSERT_EQ(g.validate(), "");
  JitModule &jit = compiledForCPU(printDecodeModule(g), cpu);
  const int64_t B = g.batch, QH = g.queryHeads, D = g.headDim;
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  for (int64_t n : {1, 5, 8, 67, 1000, 4099}) {
    uint64_t seed = freshSeed();
    SCOPED_TRACE("N=" + std::to_string(n) + " seed=" + std::to_string(seed));
    DecodeProblem p(g, n, seed);
    // Random ascending sets of 0 to M tokens, -1 padded.
    std::mt19937_64 rng(seed);
    HostTensor selected({B, S, M}, 4);
    std::vector<std::vector<int32_t>> sets;
    for (int64_t i = 0; i < B * S; ++i) {
      std::vector<int32_t> set;
      const double keep = std::uniform_real_distribution<>(0, 1)(rng);
      for (int32_t t = 0; t < n && int64_t(set.size()) < M; ++t)
        if (std::uniform_real_distribution<>(0, 1)(rng) < keep)
          set.push_back(t);
      for (int64_t m = 0; m < M; ++m)
        selected.as<int32_t>()[i * M + m] =
            m < int64_t(set.size()) ? set[m] : -1;
      sets.push_back(std::move(set));
    }
    Attended sparse = attend(jit, p, selected, sets);
    EXPECT_LT(relativeError(sparse.actual, sparse.expected), tolerance(g.dtype))
        << "sparse";
    HostTensor dense({B, QH, D}, elementTypeBytes(g.dtype));
    call(jit,
         spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::DecodeDense),
         {&p.qT, &p.kT, &p.vT, &dense});
    EXPECT_LT(relativeError(readAll(dense, g.dtype), p.denseOutput()),
              tolerance(g.dtype))
        << "dense";
  }
}

/// docs/Semantics.md, "Non-finite values", on every path: a NaN in query
/// head 0 makes that head's output NaN (sparse and dense) and no other.
TEST_P(CPUPathTest, NaNQueryStaysInItsHead) {
  const std::string cpu = std::get<0>(GetParam());
  if (!hostRunsCPUPath(cpu))
    GTEST_SKIP() << cpu << "'s loops need AVX512_BF16, which this CPU lacks";
  const DecodeGeometry g = geometryOf(std::get<1>(GetParam()));
  JitModule &jit = compiledForCPU(printDecodeModule(g), cpu);
  const int64_t B = g.batch, QH = g.queryHeads, D = g.headDim;
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  DecodeProblem p(g, 67, freshSeed());
  switch (g.dtype) {
  case ElementType::F32:
    p.qT.as<float>()[3] = std::nanf("");
    break;
  case ElementType::BF16:
    p.qT.as<uint16_t>()[3] = 0x7fc0;
    break;
  case ElementType::F16:
    p.qT.as<uint16_t>()[3] = 0x7e00;
    break;
  }
  HostTensor selected({B, S, M}, 4);
  for (int64_t i = 0; i < B * S; ++i)
    for (int64_t m = 0; m < M; ++m)
      selected.as<int32_t>()[i * M + m] = m < 67 ? int32_t(m) : -1;
  HostTensor out({B, QH, D}, elementTypeBytes(g.dtype));
  call(jit, spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::Attend),
       {&p.qT, &p.kT, &p.vT, &selected, &out});
  HostTensor dense({B, QH, D}, elementTypeBytes(g.dtype));
  call(jit,
       spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::DecodeDense),
       {&p.qT, &p.kT, &p.vT, &dense});
  for (const HostTensor *o : {&out, &dense})
    for (int64_t row = 0; row < B * QH; ++row) {
      bool nan = false;
      for (int64_t d = 0; d < D; ++d)
        nan |= std::isnan(readElement(*o, g.dtype, row * D + d));
      EXPECT_EQ(nan, row == 0)
          << (o == &out ? "sparse" : "dense") << " output row " << row;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Paths, CPUPathTest,
    ::testing::Combine(
        ::testing::ValuesIn(cpuPathNames()),
        ::testing::Values(
            Case{"mha_d128_head_bf16", 1, 1, 128, false, true, BF16, 0},
            Case{"g4_d64_chqh_group_f32", 2, 4, 64, true, false, F32, 0},
            Case{"g7_d128_chqh_group_bf16", 1, 7, 128, true, false, BF16, 0},
            Case{"g7_d64_chkh_head_f32", 1, 7, 64, false, true, F32, 16},
            Case{"g2_d64_chkh_group_bf16", 2, 2, 64, false, false, BF16, 0},
            // f16 rows: widened into scratch for f32 dot products on every
            // path.
            Case{"g4_d64_chkh_group_f16", 1, 4, 64, false, false,
                 ElementType::F16, 0})),
    [](const ::testing::TestParamInfo<std::tuple<std::string, Case>> &info) {
      std::string cpu = std::get<0>(info.param);
      std::replace(cpu.begin(), cpu.end(), '-', '_');
      return cpu + "_" + std::get<1>(info.param).name;
    });

/// Many equal scores: key codes drawn from three patterns, so the
/// threshold score is shared by far more tokens than the budget takes and
/// the tie rule (most recent first) decides the set.
/// Runs `select` on the given codes and compares every set with the
/// reference selection on the same codes.
void expectSelectionMatchesReference(
    JitModule &jit, const DecodeGeometry &g, HostTensor &qc, HostTensor &kc,
    int64_t n,
    const std::string &function =
        spotlight::abi::entrySymbol(spotlight::abi::EntryPoint::Select)) {
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  HostTensor selected({g.batch, S, M}, 4);
  call(jit, function, {&qc, &kc, &selected});
  reference::Selection rs = referenceSelection(g);
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t s = 0; s < S; ++s) {
      auto scores =
          reference::scoreRow(referenceGeometry(g), rs, qc.as<uint32_t>(),
                              kc.as<uint32_t>(), n, b, s);
      std::vector<int32_t> expected = reference::selectTokens(scores, rs);
      expected.resize(M, -1);
      const int32_t *row = selected.as<int32_t>() + (b * S + s) * M;
      EXPECT_EQ(std::vector<int32_t>(row, row + M), expected)
          << "sequence " << b << " set " << s;
    }
}

/// G = 4 with one hash per query head: the selection tests' geometry.
DecodeGeometry selectionGeometry(bool headMode, int64_t headDim) {
  return testGeometry(4, headDim, /*codePerQueryHead=*/true, headMode,
                      ElementType::F32);
}

/// A tensor of uniformly random 32-bit code words.
HostTensor randomCodes(std::vector<int64_t> shape, std::mt19937_64 &rng) {
  HostTensor codes(std::move(shape), 4);
  std::uniform_int_distribution<uint32_t> word;
  for (int64_t i = 0; i < codes.numElements(); ++i)
    codes.as<uint32_t>()[i] = word(rng);
  return codes;
}

class SelectTest : public ::testing::TestWithParam<Lowering> {};

/// Selection alone on random codes over a long context: several blocks of
/// the GPU score kernel (4096 tokens each) merge into one histogram.
TEST_P(SelectTest, LongContextsMatchTheReference) {
  for (bool headMode : {false, true}) {
    DecodeGeometry g = selectionGeometry(headMode, 128);
    g.maxTokens = 20000;
    JitModule &jit = compiled(g, GetParam());
    const int64_t n = 20000, W = g.codeWords(), C = g.keyCodesPerHead();
    uint64_t seed = freshSeed();
    SCOPED_TRACE("head mode=" + std::to_string(headMode) +
                 " seed=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    HostTensor qc = randomCodes({1, g.queryHeads, 1, W}, rng);
    HostTensor kc = randomCodes({1, g.kvHeads, n, C, W}, rng);
    expectSelectionMatchesReference(jit, g, qc, kc, n);
  }
}

/// A batch dimension the module leaves dynamic (the verifier allows it):
/// every lowering must read B at run time. The GPU lowering used to take
/// the dynamic size as a static one, launch no blocks and return garbage.
TEST_P(SelectTest, DynamicBatchMatchesTheReference) {
  DecodeGeometry g = selectionGeometry(/*headMode=*/false, 64);
  g.budgetCount = 20;
  g.batch = 3;
  const int64_t W = g.codeWords(), C = g.keyCodesPerHead();
  const int64_t S = g.selectionSets(), M = g.selectionSlots(), n = 700;
  const std::string ir = llvm::formatv(R"mlir(
    func.func @select_dynamic(%qc: tensor<?x8x1x{0}xi32>,
        %kc: tensor<?x2x?x{1}x{0}xi32>, %out: memref<?x{2}x{3}xi32>)
        attributes {{llvm.emit_c_interface} {{
      %c0 = arith.constant 0 : index
      %b = tensor.dim %qc, %c0 : tensor<?x8x1x{0}xi32>
      %init = tensor.empty(%b) : tensor<?x{2}x{3}xi32>
      %idx = spotlight.hamming_topk group ins(%qc, %kc :
          tensor<?x8x1x{0}xi32>, tensor<?x2x?x{1}x{0}xi32>)
          outs(%init : tensor<?x{2}x{3}xi32>)
          {{budget = 20 : i64, min_budget = 20 : i64, sink = 4 : i64,
           window = 64 : i64}
      bufferization.materialize_in_destination %idx in restrict writable %out
          : (tensor<?x{2}x{3}xi32>, memref<?x{2}x{3}xi32>) -> ()
      return
    })mlir",
                                       W, C, S, M);
  std::string error;
  std::unique_ptr<JitModule> jit = JitModule::create(ir, GetParam(), error);
  ASSERT_TRUE(jit) << error;
  uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  HostTensor qc = randomCodes({g.batch, g.queryHeads, 1, W}, rng);
  HostTensor kc = randomCodes({g.batch, g.kvHeads, n, C, W}, rng);
  expectSelectionMatchesReference(*jit, g, qc, kc, n, "select_dynamic");
}

INSTANTIATE_TEST_SUITE_P(Lowerings, SelectTest,
                         ::testing::Values(Lowering::Reference, Lowering::CPU,
                                           Lowering::GPUEmulation),
                         [](const ::testing::TestParamInfo<Lowering> &info) {
                           return loweringName(info.param);
                         });

class TiesTest : public ::testing::TestWithParam<Lowering> {};

TEST_P(TiesTest, ManyTiedScoresFollowTheTieRule) {
  for (bool headMode : {false, true}) {
    DecodeGeometry g = selectionGeometry(headMode, 64);
    g.budgetCount = 24;
    JitModule &jit = compiled(g, GetParam());
    const int64_t n = 1500, W = g.codeWords(), C = g.keyCodesPerHead();
    uint64_t seed = freshSeed();
    SCOPED_TRACE("head mode=" + std::to_string(headMode) +
                 " seed=" + std::to_string(seed));
    std::mt19937_64 rng(seed);
    HostTensor qc = randomCodes({1, g.queryHeads, 1, W}, rng);
    HostTensor kc({1, g.kvHeads, n, C, W}, 4);
    HostTensor patterns = randomCodes({3, C * W}, rng);
    std::uniform_int_distribution<int> pick(0, 2);
    for (int64_t row = 0; row < g.kvHeads * n; ++row) {
      int p = pick(rng);
      std::copy_n(patterns.as<uint32_t>() + p * C * W, C * W,
                  kc.as<uint32_t>() + row * C * W);
    }
    expectSelectionMatchesReference(jit, g, qc, kc, n);
  }
}

INSTANTIATE_TEST_SUITE_P(Lowerings, TiesTest,
                         ::testing::Values(Lowering::Reference, Lowering::CPU,
                                           Lowering::GPUEmulation),
                         [](const ::testing::TestParamInfo<Lowering> &info) {
                           return loweringName(info.param);
                         });

} // namespace
