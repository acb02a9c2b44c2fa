//===- PagedLoweringTest.cpp - The paged step in every lowering -----------===//
//
// The paged forms of hamming_topk, sparse_attention and decode_attention,
// and cache_write, lowered by each lowering (reference, CPU, GPU emulation),
// JIT-compiled and checked against the naive reference over ragged batches
// (PagedProblem: shuffled pages, a partial last page, a shared prefix page,
// NaN in every slot no sequence owns):
//   selection  exactly the reference's, i.e. the contiguous form's sets
//   outputs    within the SEMANTICS.md tolerances (1e-5 f32, 1e-2 bf16)
//   writes     every owned slot holds its token, every other slot is as it
//              was, bit for bit
//
//===----------------------------------------------------------------------===//

#include "Support/JitHelpers.h"
#include "Support/PagedProblem.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

using namespace spotlight;
using namespace spotlight::testing;

namespace {

double tolerance(ElementType type) {
  return type == ElementType::F32 ? 1e-5 : 1e-2;
}

/// The paged functions of a geometry: select, attend (sparse), dense and
/// write, their inputs tensors and their outputs memrefs.
std::string pagedModule(const DecodeGeometry &g, int64_t pageSize) {
  const std::string dt = elementTypeName(g.dtype);
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  const int64_t W = g.codeWords(), C = g.keyCodesPerHead();
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  const std::string budget =
      g.budgetCount > 0 ? std::to_string(g.budgetCount) + " : i64"
                        : llvm::formatv("{0:e} : f64", g.budgetFraction).str();
  const std::string q = llvm::formatv("{0}x{1}x{2}x{3}", B, QH, D, dt);
  const std::string pool =
      llvm::formatv("?x{0}x{1}x{2}x{3}", pageSize, KH, D, dt);
  const std::string codes =
      llvm::formatv("?x{0}x{1}x{2}x{3}xi32", pageSize, KH, C, W);
  const std::string idx = llvm::formatv("{0}x{1}x{2}xi32", B, S, M);
  const std::string bt = llvm::formatv("{0}x?xi32", B);
  const std::string sl = llvm::formatv("{0}xi32", B);
  return llvm::formatv(R"mlir(
    func.func @paged_select(%qc: tensor<{0}x{1}x1x{2}xi32>,
        %kc: tensor<{3}>, %bt: tensor<{4}>, %sl: tensor<{5}>,
        %out: memref<{6}>) attributes {{llvm.emit_c_interface} {{
      %init = tensor.empty() : tensor<{6}>
      %idx = spotlight.hamming_topk {7}
          ins(%qc, %kc : tensor<{0}x{1}x1x{2}xi32>, tensor<{3}>)
          pages(%bt, %sl : tensor<{4}>, tensor<{5}>)
          outs(%init : tensor<{6}>)
          {{budget = {8}, min_budget = {9} : i64, sink = {10} : i64,
           window = {11} : i64}
      bufferization.materialize_in_destination %idx in restrict writable %out
          : (tensor<{6}>, memref<{6}>) -> ()
      return
    }
    func.func @paged_attend(%q: tensor<{12}>, %k: tensor<{13}>,
        %v: tensor<{13}>, %idx: tensor<{6}>, %bt: tensor<{4}>,
        %sl: tensor<{5}>, %out: memref<{12}>)
        attributes {{llvm.emit_c_interface} {{
      %init = tensor.empty() : tensor<{12}>
      %o = spotlight.sparse_attention
          ins(%q, %k, %v, %idx : tensor<{12}>, tensor<{13}>, tensor<{13}>,
              tensor<{6}>)
          pages(%bt, %sl : tensor<{4}>, tensor<{5}>)
          outs(%init : tensor<{12}>)
      bufferization.materialize_in_destination %o in restrict writable %out
          : (tensor<{12}>, memref<{12}>) -> ()
      return
    }
    func.func @paged_dense(%q: tensor<{12}>, %k: tensor<{13}>,
        %v: tensor<{13}>, %bt: tensor<{4}>, %sl: tensor<{5}>,
        %out: memref<{12}>) attributes {{llvm.emit_c_interface} {{
      %init = tensor.empty() : tensor<{12}>
      %o = spotlight.decode_attention
          ins(%q, %k, %v : tensor<{12}>, tensor<{13}>, tensor<{13}>)
          pages(%bt, %sl : tensor<{4}>, tensor<{5}>)
          outs(%init : tensor<{12}>)
      bufferization.materialize_in_destination %o in restrict writable %out
          : (tensor<{12}>, memref<{12}>) -> ()
      return
    }
    func.func @paged_write(%nk: memref<?x{14}x{15}x{16}>,
        %nv: memref<?x{14}x{15}x{16}>, %nc: memref<?x{14}x{17}x{2}xi32>,
        %slots: memref<?xi32>, %k: memref<{13}>, %v: memref<{13}>,
        %kc: memref<{3}>) attributes {{llvm.emit_c_interface} {{
      spotlight.cache_write ins(%nk, %nv, %nc, %slots : memref<?x{14}x{15}x{16}>,
          memref<?x{14}x{15}x{16}>, memref<?x{14}x{17}x{2}xi32>, memref<?xi32>)
          outs(%k, %v, %kc : memref<{13}>, memref<{13}>, memref<{3}>)
      return
    })mlir",
                       B, QH, W, codes, bt, sl, idx,
                       g.headMode ? "head" : "group", budget, g.minBudget,
                       g.sink, g.window, q, pool, KH, D, dt, C);
}

struct Case {
  const char *name;
  int64_t group, headDim;
  bool codePerQueryHead, headMode;
  ElementType dtype;
  int64_t pageSize;
  std::vector<int64_t> lengths;
};

DecodeGeometry geometryOf(const Case &c) {
  DecodeGeometry g =
      testGeometry(c.group, c.headDim, c.codePerQueryHead, c.headMode, c.dtype);
  g.batch = c.lengths.size();
  g.maxTokens = 5000;
  return g;
}

/// Sparse attention over the index rows `selected` and dense attention of
/// `p`'s batch, against the reference; an empty sequence's output is
/// exactly 0.
void expectAttentionMatches(JitModule &jit, PagedProblem &p,
                            HostTensor &selected) {
  const DecodeGeometry &g = p.geometry;
  const int64_t B = g.batch, QH = g.queryHeads, D = g.headDim;
  HostTensor out({B, QH, D}, elementTypeBytes(g.dtype));
  call(jit, "paged_attend",
       {&p.qT, &p.kPoolT, &p.vPoolT, &selected, &p.blockTableT, &p.seqLensT,
        &out});
  EXPECT_LT(relativeError(readAll(out, g.dtype), p.sparseOutput()),
            tolerance(g.dtype));
  HostTensor dense({B, QH, D}, elementTypeBytes(g.dtype));
  call(jit, "paged_dense",
       {&p.qT, &p.kPoolT, &p.vPoolT, &p.blockTableT, &p.seqLensT, &dense});
  EXPECT_LT(relativeError(readAll(dense, g.dtype), p.denseOutput()),
            tolerance(g.dtype));
  for (int64_t b = 0; b < B; ++b)
    if (p.seqLensT.as<int32_t>()[b] == 0)
      for (int64_t i = 0; i < QH * D; ++i) {
        ASSERT_EQ(readElement(out, g.dtype, b * QH * D + i), 0.0f);
        ASSERT_EQ(readElement(dense, g.dtype, b * QH * D + i), 0.0f);
      }
}

/// A gathered tensor of `tensor`'s rows [T, rowBytes] at the given slots
/// (-1: a row of zeros), for the codes cache_write stores.
HostTensor rowsAtSlots(const HostTensor &pool, const std::vector<int32_t> &slots,
                       std::vector<int64_t> shape, int64_t rowBytes) {
  HostTensor rows(std::move(shape), 4);
  auto *out = rows.as<unsigned char>();
  const auto *in = pool.as<unsigned char>();
  for (size_t i = 0; i < slots.size(); ++i) {
    if (slots[i] >= 0)
      std::memcpy(out + i * rowBytes, in + slots[i] * rowBytes, rowBytes);
    else
      std::memset(out + i * rowBytes, 0, rowBytes);
  }
  return rows;
}

class PagedLoweringTest
    : public ::testing::TestWithParam<std::tuple<Lowering, Case>> {};

TEST_P(PagedLoweringTest, RaggedPagedBatchMatchesTheReference) {
  const Case &c = std::get<1>(GetParam());
  DecodeGeometry g = geometryOf(c);
  ASSERT_EQ(g.validate(), "");
  JitModule &jit = compiledText(pagedModule(g, c.pageSize),
                                std::get<0>(GetParam()));
  const uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  PagedProblem p(g, c.pageSize, c.lengths, seed);
  const int64_t B = g.batch;
  const int64_t S = g.selectionSets(), M = g.selectionSlots();

  // Selection: exactly the reference's sets, -1 padded.
  HostTensor selected({B, S, M}, 4);
  call(jit, "paged_select",
       {&p.queryCodesT, &p.codePoolT, &p.blockTableT, &p.seqLensT, &selected});
  const std::vector<int32_t> expected = p.expectedIndices();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) {
      const int32_t *row = selected.as<int32_t>() + (b * S + s) * M;
      ASSERT_EQ(std::vector<int32_t>(row, row + M),
                std::vector<int32_t>(expected.begin() + (b * S + s) * M,
                                     expected.begin() + (b * S + s + 1) * M))
          << "sequence " << b << " (length " << c.lengths[b] << ") set " << s;
    }

  expectAttentionMatches(jit, p, selected);
}

TEST_P(PagedLoweringTest, WritesLandInTheirSlotsAndNowhereElse) {
  const Case &c = std::get<1>(GetParam());
  DecodeGeometry g = geometryOf(c);
  JitModule &jit = compiledText(pagedModule(g, c.pageSize),
                                std::get<0>(GetParam()));
  const uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  PagedProblem p(g, c.pageSize, c.lengths, seed, /*codesFromKeys=*/false);
  const int64_t KH = g.kvHeads, D = g.headDim;
  const int64_t codeRow = KH * g.keyCodesPerHead() * g.codeWords() * 4;
  const int64_t kvRow = KH * D * elementTypeBytes(g.dtype);
  const int64_t T = p.slotMapping.size();

  // Pools holding the problem's garbage everywhere, and what the writes
  // must leave: every owned slot's token, the rest untouched.
  HostTensor codes = rowsAtSlots(p.codePoolT, p.slotMapping,
                                 {T, KH, g.keyCodesPerHead(), g.codeWords()},
                                 codeRow);
  HostTensor k({p.pages, p.pageSize, KH, D}, elementTypeBytes(g.dtype));
  HostTensor v({p.pages, p.pageSize, KH, D}, elementTypeBytes(g.dtype));
  HostTensor kc({p.pages, p.pageSize, KH, g.keyCodesPerHead(), g.codeWords()},
                4);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  for (HostTensor *pool : {&k, &v, &kc})
    for (int64_t i = 0; i < pool->numBytes(); ++i)
      pool->as<unsigned char>()[i] = byte(rng);
  const HostTensor before = kc, kBefore = k;
  call(jit, "paged_write",
       {&p.newKeysT, &p.newValuesT, &codes, &p.slotMappingT, &k, &v, &kc});
  for (int64_t slot = 0; slot < p.pages * p.pageSize; ++slot) {
    const bool owned = p.owned(slot);
    SCOPED_TRACE("slot " + std::to_string(slot) +
                 (owned ? " (owned)" : " (free)"));
    ASSERT_EQ(std::memcmp(k.as<unsigned char>() + slot * kvRow,
                          (owned ? p.kPoolT : kBefore).as<unsigned char>() +
                              slot * kvRow,
                          kvRow),
              0);
    ASSERT_EQ(std::memcmp(kc.as<unsigned char>() + slot * codeRow,
                          (owned ? p.codePoolT : before).as<unsigned char>() +
                              slot * codeRow,
                          codeRow),
              0);
    if (owned) {
      ASSERT_EQ(std::memcmp(v.as<unsigned char>() + slot * kvRow,
                            p.vPoolT.as<unsigned char>() + slot * kvRow, kvRow),
                0);
    }
  }
}

constexpr ElementType F32 = ElementType::F32, BF16 = ElementType::BF16;

INSTANTIATE_TEST_SUITE_P(
    Lowerings, PagedLoweringTest,
    ::testing::Combine(
        ::testing::Values(Lowering::Reference, Lowering::CPU,
                          Lowering::GPUEmulation),
        ::testing::Values(
            // Lengths: empty, below sink + window, exactly one page, partial
            // last pages, and long enough for a real top-k.
            Case{"page1_g4_d64_chqh_group_f32", 4, 64, true, false, F32, 1,
                 {300, 300, 0, 70}},
            Case{"page16_g7_d128_chqh_group_bf16", 7, 128, true, false, BF16,
                 16, {1000, 4099, 0, 16, 67, 2500}},
            Case{"page16_g4_d64_chkh_head_bf16", 4, 64, false, true, BF16, 16,
                 {2048, 700, 5, 0, 1500}},
            Case{"page64_g2_d64_chqh_head_f32", 2, 64, true, true, F32, 64,
                 {130, 4000, 64, 0, 63, 3000}},
            Case{"page64_g4_d128_chkh_group_f32", 4, 128, false, false, F32, 64,
                 {5000, 64, 1, 900}})),
    [](const ::testing::TestParamInfo<std::tuple<Lowering, Case>> &info) {
      return loweringName(std::get<0>(info.param)) + "_" +
             std::get<1>(info.param).name;
    });

/// The selection in token ranges, hamming_scores over each range then
/// score_topk over their histograms (the CPU runtime's token split), on
/// memrefs as the runtime passes them.
std::string tokenSplitModule(const DecodeGeometry &g, int64_t pageSize) {
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads;
  const int64_t W = g.codeWords(), C = g.keyCodesPerHead();
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  const int64_t V = g.selectionBins();
  const std::string budget =
      g.budgetCount > 0 ? std::to_string(g.budgetCount) + " : i64"
                        : llvm::formatv("{0:e} : f64", g.budgetFraction).str();
  return llvm::formatv(R"mlir(
    func.func @scores(%qc: memref<{0}x{1}x1x{2}xi32>,
        %kc: memref<?x{3}x{4}x{5}x{2}xi32>, %bt: memref<{0}x?xi32>,
        %sl: memref<{0}xi32>, %ranges: memref<{0}x2xi32>,
        %scores: memref<{0}x{6}x?xi32>, %hist: memref<{0}x{6}x{7}xi32>)
        attributes {{llvm.emit_c_interface} {{
      spotlight.hamming_scores {8}
          ins(%qc, %kc : memref<{0}x{1}x1x{2}xi32>, memref<?x{3}x{4}x{5}x{2}xi32>)
          pages(%bt, %sl : memref<{0}x?xi32>, memref<{0}xi32>)
          ranges(%ranges : memref<{0}x2xi32>)
          outs(%scores, %hist : memref<{0}x{6}x?xi32>, memref<{0}x{6}x{7}xi32>)
          {{sink = {9} : i64, window = {10} : i64}
      return
    }
    func.func @select(%scores: memref<{0}x{6}x?xi32>,
        %hists: memref<?x{0}x{6}x{7}xi32>, %sl: memref<{0}xi32>,
        %out: memref<{0}x{6}x{11}xi32>) attributes {{llvm.emit_c_interface} {{
      spotlight.score_topk ins(%scores, %hists : memref<{0}x{6}x?xi32>,
          memref<?x{0}x{6}x{7}xi32>) lens(%sl : memref<{0}xi32>)
          outs(%out : memref<{0}x{6}x{11}xi32>)
          {{budget = {12}, min_budget = {13} : i64, sink = {9} : i64,
           window = {10} : i64}
      return
    })mlir",
                       B, QH, W, pageSize, KH, C, S, V,
                       g.headMode ? "head" : "group", g.sink, g.window, M,
                       budget, g.minBudget);
}

class TokenSplitTest : public ::testing::TestWithParam<Case> {};

/// hamming_topk == score_topk(hamming_scores over ranges covering each
/// sequence), exactly: three ranges a sequence, cut anywhere (not at page
/// boundaries), against the reference's selection.
TEST_P(TokenSplitTest, RangesSelectWhatHammingTopKSelects) {
  const Case &c = GetParam();
  DecodeGeometry g = geometryOf(c);
  ASSERT_EQ(g.validate(), "");
  JitModule &jit = compiledText(tokenSplitModule(g, c.pageSize), Lowering::CPU);
  const uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  PagedProblem p(g, c.pageSize, c.lengths, seed);
  const int64_t B = g.batch, S = g.selectionSets(), M = g.selectionSlots();
  const int64_t V = g.selectionBins(), R = 3;
  const int64_t longest =
      std::max<int64_t>(1, *std::max_element(c.lengths.begin(), c.lengths.end()));
  // Scores start as garbage: every middle token's must be written.
  HostTensor scores({B, S, longest}, 4), hists({R, B, S, V}, 4);
  std::fill_n(scores.as<int32_t>(), B * S * longest, -7);
  for (int64_t r = 0; r < R; ++r) {
    HostTensor ranges({B, 2}, 4), hist({B, S, V}, 4);
    for (int64_t b = 0; b < B; ++b) {
      const int64_t n = c.lengths[b];
      ranges.as<int32_t>()[2 * b] = int32_t(n * r / R + (r ? 1 : 0) * (n % 5));
      ranges.as<int32_t>()[2 * b + 1] =
          int32_t(r + 1 == R ? n : n * (r + 1) / R + (n % 5));
    }
    call(jit, "scores", {&p.queryCodesT, &p.codePoolT, &p.blockTableT,
                         &p.seqLensT, &ranges, &scores, &hist});
    std::memcpy(hists.as<int32_t>() + r * B * S * V, hist.data(),
                hist.numBytes());
  }
  HostTensor selected({B, S, M}, 4);
  call(jit, "select", {&scores, &hists, &p.seqLensT, &selected});
  EXPECT_EQ(std::vector<int32_t>(selected.as<int32_t>(),
                                 selected.as<int32_t>() + B * S * M),
            p.expectedIndices());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TokenSplitTest,
    ::testing::Values(
        Case{"page1_g4_d64_chqh_group_f32", 4, 64, true, false, F32, 1,
             {300, 300, 0, 70}},
        Case{"page16_g7_d128_chqh_group_bf16", 7, 128, true, false, BF16, 16,
             {1000, 4099, 0, 16, 67, 2500}},
        Case{"page16_g4_d64_chkh_head_bf16", 4, 64, false, true, BF16, 16,
             {2048, 700, 5, 0, 1500}},
        Case{"page64_g4_d128_chkh_group_f32", 4, 128, false, false, F32, 64,
             {5000, 64, 1, 900}}),
    [](const ::testing::TestParamInfo<Case> &info) { return info.param.name; });

/// partial_decode_attention over a block table `[B, ?]` and merge_attention
/// of the parts, for the attention split of the CPU runtime.
std::string attentionSplitModule(const DecodeGeometry &g, int64_t pageSize) {
  const std::string dt = elementTypeName(g.dtype);
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  return llvm::formatv(R"mlir(
    func.func @partial(%q: memref<{0}x{1}x{2}x{3}>,
        %k: memref<?x{4}x{5}x{2}x{3}>, %v: memref<?x{4}x{5}x{2}x{3}>,
        %bt: memref<{0}x?xi32>, %sl: memref<{0}xi32>,
        %o: memref<{0}x{1}x{2}xf32>, %lse: memref<{0}x{1}xf32>)
        attributes {{llvm.emit_c_interface} {{
      spotlight.partial_decode_attention
          ins(%q, %k, %v : memref<{0}x{1}x{2}x{3}>, memref<?x{4}x{5}x{2}x{3}>,
              memref<?x{4}x{5}x{2}x{3}>)
          pages(%bt, %sl : memref<{0}x?xi32>, memref<{0}xi32>)
          outs(%o, %lse : memref<{0}x{1}x{2}xf32>, memref<{0}x{1}xf32>)
      return
    }
    func.func @merge(%parts: memref<?x{0}x{1}x{2}xf32>,
        %lses: memref<?x{0}x{1}xf32>, %out: memref<{0}x{1}x{2}x{3}>)
        attributes {{llvm.emit_c_interface} {{
      spotlight.merge_attention ins(%parts, %lses : memref<?x{0}x{1}x{2}xf32>,
          memref<?x{0}x{1}xf32>) outs(%out : memref<{0}x{1}x{2}x{3}>)
      return
    })mlir",
                       B, QH, D, dt, pageSize, KH);
}

class AttentionSplitTest : public ::testing::TestWithParam<Case> {};

/// Dense attention == merge_attention(partial_decode_attention over ranges
/// of pages covering each sequence), as the runtime cuts them: each range a
/// block table of its pages and its own length (0 past a sequence's end).
/// The merged output against the reference's dense attention, the ranges'
/// log-sum-exps against the reference's over every token.
TEST_P(AttentionSplitTest, RangesOfPagesMergeToDenseAttention) {
  const Case &c = GetParam();
  DecodeGeometry g = geometryOf(c);
  ASSERT_EQ(g.validate(), "");
  JitModule &jit =
      compiledText(attentionSplitModule(g, c.pageSize), Lowering::CPU);
  const uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  PagedProblem p(g, c.pageSize, c.lengths, seed, /*codesFromKeys=*/false);
  const int64_t B = g.batch, QH = g.queryHeads, D = g.headDim, R = 3;
  const int32_t *table = p.blockTableT.as<int32_t>();
  HostTensor parts({R, B, QH, D}, 4), lses({R, B, QH}, 4);
  for (int64_t r = 0; r < R; ++r) {
    // Range r: pages [maxPages * r / R, maxPages * (r + 1) / R) of every
    // sequence's table row.
    const int64_t first = p.maxPages * r / R,
                  count = std::max<int64_t>(1, p.maxPages * (r + 1) / R - first);
    HostTensor rangeTable({B, count}, 4), rangeLens({B}, 4);
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t i = 0; i < count; ++i)
        rangeTable.as<int32_t>()[b * count + i] =
            first + i < p.maxPages ? table[b * p.maxPages + first + i] : 0;
      rangeLens.as<int32_t>()[b] = int32_t(std::clamp<int64_t>(
          c.lengths[b] - first * c.pageSize, 0,
          std::min(count, p.maxPages - first) * c.pageSize));
    }
    HostTensor o({B, QH, D}, 4), lse({B, QH}, 4);
    call(jit, "partial",
         {&p.qT, &p.kPoolT, &p.vPoolT, &rangeTable, &rangeLens, &o, &lse});
    std::memcpy(parts.as<float>() + r * B * QH * D, o.data(), o.numBytes());
    std::memcpy(lses.as<float>() + r * B * QH, lse.data(), lse.numBytes());
  }
  HostTensor out({B, QH, D}, elementTypeBytes(g.dtype));
  call(jit, "merge", {&parts, &lses, &out});
  EXPECT_LT(relativeError(readAll(out, g.dtype), p.denseOutput()),
            tolerance(g.dtype));
  const std::vector<double> expected = p.denseLogSumExp();
  for (int64_t i = 0; i < B * QH; ++i) {
    double top = -INFINITY, sum = 0;
    for (int64_t r = 0; r < R; ++r)
      top = std::max(top, double(lses.as<float>()[r * B * QH + i]));
    for (int64_t r = 0; r < R && top > -INFINITY; ++r)
      sum += std::exp(lses.as<float>()[r * B * QH + i] - top);
    const double merged = top > -INFINITY ? top + std::log(sum) : top;
    if (std::isinf(expected[i]))
      EXPECT_EQ(merged, expected[i]) << "row " << i;
    else
      EXPECT_NEAR(merged, expected[i], 1e-3 * (1 + std::abs(expected[i])))
          << "row " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AttentionSplitTest,
    ::testing::Values(
        Case{"page1_g4_d64_chqh_group_f32", 4, 64, true, false, F32, 1,
             {300, 30, 0, 70}},
        Case{"page16_g7_d128_chqh_group_bf16", 7, 128, true, false, BF16, 16,
             {1000, 4099, 0, 16, 67, 2500}},
        Case{"page64_g4_d128_chkh_group_f32", 4, 128, false, false, F32, 64,
             {5000, 64, 1, 900}}),
    [](const ::testing::TestParamInfo<Case> &info) { return info.param.name; });

/// The CPU lowering's attention loops for each vector ISA it generates
/// (chosen by CPU name) on paged pools of 1, 16 and 64 token pages, against
/// the reference: page runs shorter than, equal to and longer than a pass.
class CPUPathPagedTest
    : public ::testing::TestWithParam<std::tuple<std::string, Case>> {};

TEST_P(CPUPathPagedTest, AttentionMatchesTheReference) {
  const std::string cpu = std::get<0>(GetParam());
  if (!hostRunsCPUPath(cpu))
    GTEST_SKIP() << cpu << "'s loops need AVX512_BF16, which this CPU lacks";
  const Case &c = std::get<1>(GetParam());
  DecodeGeometry g = geometryOf(c);
  ASSERT_EQ(g.validate(), "");
  JitModule &jit = compiledForCPU(pagedModule(g, c.pageSize), cpu);
  const uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  PagedProblem p(g, c.pageSize, c.lengths, seed);
  const int64_t B = g.batch;
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  // The reference's own selection, so that the sparse reference applies.
  const std::vector<int32_t> expected = p.expectedIndices();
  HostTensor selected({B, S, M}, 4);
  std::copy(expected.begin(), expected.end(), selected.as<int32_t>());
  expectAttentionMatches(jit, p, selected);
}

INSTANTIATE_TEST_SUITE_P(
    Paths, CPUPathPagedTest,
    ::testing::Combine(
        ::testing::ValuesIn(cpuPathNames()),
        ::testing::Values(
            Case{"page1_g4_d64_chqh_group_bf16", 4, 64, true, false, BF16, 1,
                 {300, 9, 0, 70}},
            Case{"page16_g7_d128_chqh_group_bf16", 7, 128, true, false, BF16,
                 16, {1000, 4099, 0, 16, 67, 2500, 7}},
            Case{"page16_g4_d64_chkh_head_f32", 4, 64, false, true, F32, 16,
                 {2048, 700, 5, 0, 1500}},
            Case{"page64_g2_d64_chqh_head_bf16", 2, 64, true, true, BF16, 64,
                 {130, 4000, 64, 0, 63, 3000}},
            Case{"page64_g4_d128_chkh_group_f32", 4, 128, false, false, F32, 64,
                 {5000, 64, 1, 900}})),
    [](const ::testing::TestParamInfo<std::tuple<std::string, Case>> &info) {
      std::string cpu = std::get<0>(info.param);
      std::replace(cpu.begin(), cpu.end(), '-', '_');
      return cpu + "_" + std::get<1>(info.param).name;
    });

/// B = 32 in one call, lengths from 0 to 70K: selection and dense
/// attention against the reference (random codes; the MLP is tested above).
class LongRaggedBatchTest : public ::testing::TestWithParam<Lowering> {};

TEST_P(LongRaggedBatchTest, ThirtyTwoSequencesUpTo70K) {
  DecodeGeometry g = testGeometry(4, 64, /*codePerQueryHead=*/true,
                                  /*headMode=*/false, ElementType::BF16);
  g.kvHeads = 1;
  g.queryHeads = 4;
  g.codeHeads = 4;
  g.maxTokens = 70000;
  std::vector<int64_t> lengths = {70000, 0, 1, 67, 68, 69, 4096, 12000};
  for (int64_t i = 0; lengths.size() < 32; ++i)
    lengths.push_back((i * 7919) % 1500);
  g.batch = lengths.size();
  ASSERT_EQ(g.validate(), "");
  JitModule &jit = compiledText(pagedModule(g, 16), GetParam());
  const uint64_t seed = freshSeed();
  SCOPED_TRACE("seed=" + std::to_string(seed));
  PagedProblem p(g, 16, lengths, seed, /*codesFromKeys=*/false);
  const int64_t B = g.batch, S = g.selectionSets(), M = g.selectionSlots();
  HostTensor selected({B, S, M}, 4);
  call(jit, "paged_select",
       {&p.queryCodesT, &p.codePoolT, &p.blockTableT, &p.seqLensT, &selected});
  const std::vector<int32_t> expected = p.expectedIndices();
  ASSERT_EQ(std::vector<int32_t>(selected.as<int32_t>(),
                                 selected.as<int32_t>() + B * S * M),
            expected);
  HostTensor out({B, g.queryHeads, g.headDim}, 2);
  call(jit, "paged_attend",
       {&p.qT, &p.kPoolT, &p.vPoolT, &selected, &p.blockTableT, &p.seqLensT,
        &out});
  EXPECT_LT(relativeError(readAll(out, g.dtype), p.sparseOutput()), 1e-2);
}

INSTANTIATE_TEST_SUITE_P(Lowerings, LongRaggedBatchTest,
                         ::testing::Values(Lowering::Reference, Lowering::CPU,
                                           Lowering::GPUEmulation),
                         [](const ::testing::TestParamInfo<Lowering> &info) {
                           return loweringName(info.param);
                         });

} // namespace
