//===- NaiveStep.h - The naive reference's decode step, timed ---*- C++ -*-===//
//
// The oracle the CPU benchmarks put next to ours: the naive C++ reference
// of SEMANTICS.md running one sequence's whole decode step.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_BENCH_CPU_NAIVESTEP_H
#define SPOTLIGHT_BENCH_CPU_NAIVESTEP_H

#include "Reference/NaiveReference.h"
#include "spotlight/Support/HalfFloat.h"

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace spotlight::bench {

/// One sequence's decode step by the naive reference, for `rg` (batch 1)
/// and `n` cached tokens: the bf16 `query` [QH, D] hashed, then per KV head
/// h its scores over the key codes `codes` [KH, n, C, W], the selection,
/// and exact attention of its G query heads over the selected rows; token
/// t's K and V rows of head h start at `rowOf(h, t)` in the bf16 `keys`
/// and `values`. The outputs are discarded: this is for timing.
inline void naiveSequenceStep(const reference::Geometry &rg,
                              const reference::HashWeights &weights,
                              const uint16_t *query, const uint32_t *codes,
                              int64_t n, const uint16_t *keys,
                              const uint16_t *values,
                              const std::function<int64_t(int64_t, int64_t)>
                                  &rowOf) {
  const int64_t QH = rg.queryHeads, KH = rg.kvHeads, D = rg.headDim,
                G = rg.group(), W = rg.words();
  reference::Selection rs;
  std::vector<float> qf(QH * D);
  for (int64_t i = 0; i < QH * D; ++i)
    qf[i] = fromBf16(query[i]);
  std::vector<uint32_t> qcodes(QH * W);
  for (int64_t qh = 0; qh < QH; ++qh) {
    auto code =
        reference::encodeRow(&qf[qh * D], weights, D, rg.codeHeadOfQuery(qh));
    std::copy(code.begin(), code.end(), &qcodes[qh * W]);
  }
  std::vector<float> kf(n * D), vf(n * D);
  for (int64_t h = 0; h < KH; ++h) {
    auto scores = reference::scoreRow(rg, rs, qcodes.data(), codes, n, 0, h);
    auto set = reference::selectTokens(scores, rs);
    for (int32_t t : set) {
      const int64_t row = rowOf(h, t);
      for (int64_t d = 0; d < D; ++d) {
        kf[t * D + d] = fromBf16(keys[row + d]);
        vf[t * D + d] = fromBf16(values[row + d]);
      }
    }
    for (int64_t j = 0; j < G; ++j)
      reference::attend(&qf[(h * G + j) * D], kf.data(), vf.data(), D, set,
                        1 / std::sqrt(double(D)));
  }
}

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_CPU_NAIVESTEP_H
