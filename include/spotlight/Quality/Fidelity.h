//===- Fidelity.h - What a selection costs the attention output -*- C++ -*-===//
//
// IoU says how many of the right keys a hash finds; a user cares about the
// output. For each reference query (Metrics.h) and budget fraction f, the
// selected set follows SEMANTICS.md's rule in `head` mode: with
// k = max(kMin, floor(f n)) over the n causal keys, every key when
// n <= sink + window + k, else the first `sink` and last `window` keys plus
// the k best-scored keys in between (ties to the later token). Then
//   mass  = the softmax attention mass (scale 1/sqrt(D)) the set holds,
//   error = ||o_sparse - o_dense|| / ||o_dense||, o = softmax-weighted values,
// averaged over the head's queries.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_FIDELITY_H
#define SPOTLIGHT_QUALITY_FIDELITY_H

#include "spotlight/Quality/Metrics.h"

#include <cstdint>
#include <vector>

namespace spotlight::quality {

struct SelectionRule {
  int64_t sink = 4, window = 64, kMin = 20;
};

/// The selected positions (any order) of one row of `n` scores.
void selectTokens(const float *scores, int64_t n, int64_t k,
                  const SelectionRule &rule, std::vector<int32_t> &out);

struct FidelityResult {
  std::vector<double> budgets;
  /// [queryHead * budgets + b]: means over the head's queries.
  std::vector<double> mass, error;
  double meanMass(size_t b) const;
  double meanError(size_t b) const;
};

/// Values [T, KH, D] with i.i.d. N(0, 1) entries: a stand-in where none were
/// captured (the error then measures how the weights shift, not what the
/// values of a real model do with it).
std::vector<float> randomValues(const Dataset &data, uint64_t seed);

/// Fidelity of selections by hashed scores (`encode`, codes of `bits` bits)
/// or, with a null `encode`, by the exact logits (the best a selection of
/// that size can do) for the queries of `reference`.
FidelityResult measureFidelity(const Dataset &data,
                               const std::vector<float> &values,
                               const ExactReference &reference,
                               const Encoder *encode, int64_t bits,
                               const SelectionRule &rule, int threads);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_FIDELITY_H
