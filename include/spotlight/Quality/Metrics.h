//===- Metrics.h - Retrieval quality against exact attention ----*- C++ -*-===//
//
// For a query at token t, its candidates are the causal keys of its
// sequence, [start(t), t]. At a budget fraction f the retriever keeps
// k = max(1, floor(f * n)) of the n candidates:
//   exact top-k   by the attention logit q.k,
//   hashed top-k  by matching code bits (Hamming similarity),
// ties to the larger position in both (SEMANTICS.md's rule; no sink or
// window here: they would be selected either way). Then
//   IoU    = |hashed ∩ exact| / |hashed ∪ exact|,
//   recall = |hashed ∩ exact| / k,
// averaged over the sampled queries of each query head.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_METRICS_H
#define SPOTLIGHT_QUALITY_METRICS_H

#include "spotlight/Quality/Dataset.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace spotlight::quality {

/// k for budget `fraction` over n candidates: max(1, floor(fraction * n)),
/// at most n.
int64_t budgetCount(double fraction, int64_t n);

/// The k best of scores[0..n) (k <= n), best first; ties go to the larger
/// index. Positions are indices into `scores`.
void topK(const float *scores, int64_t n, int64_t k, std::vector<int32_t> &out);
void topK(const int32_t *scores, int64_t n, int64_t k,
          std::vector<int32_t> &out);

/// |a ∩ b| for two sets of distinct positions (any order).
int64_t intersectionSize(const int32_t *a, int64_t na, const int32_t *b,
                         int64_t nb);

/// The exact side of an evaluation, per query head: the query tokens, the
/// exact top-kmax keys of each (absolute token positions, best first, kmax
/// for the largest budget) and the softmax attention mass that the exact
/// top-k holds at each budget.
struct ExactReference {
  std::vector<double> budgets;
  struct Head {
    std::vector<int64_t> tokens;
    /// Query i's ranked keys are ranked[offset[i] .. offset[i+1]).
    std::vector<int64_t> offset = {0};
    std::vector<int32_t> ranked;
    /// [query * budgets + b]
    std::vector<double> mass;
  };
  std::vector<Head> heads; // one per query head
};

/// Samples up to `perHead` query tokens per query head uniformly (without
/// replacement) among tokens with at least `minContext` causal keys and
/// `exclude[qh][t] == 0` when `exclude` is given; ascending order.
std::vector<std::vector<int64_t>>
sampleQueryTokens(const Dataset &data, int64_t perHead, int64_t minContext,
                  uint64_t seed,
                  const std::vector<std::vector<uint8_t>> *exclude = nullptr);

/// Computes the exact reference for the given tokens of each query head
/// (the attention mass only when `withMass`).
ExactReference buildExactReference(
    const Dataset &data, const std::vector<std::vector<int64_t>> &tokens,
    const std::vector<double> &budgets, int threads, bool withMass = true);

/// Encodes `count` rows (`stride` floats apart) for query head `queryHead`
/// (its queries when `query`, else keys of its KV head) into codes of the
/// evaluated width. Called concurrently from several threads.
using Encoder =
    std::function<void(int64_t queryHead, bool query, const float *rows,
                       int64_t stride, int64_t count, uint32_t *codes)>;

/// The mean over heads of budget b of a per-head table [head * budgets + b].
double meanOverHeads(const std::vector<double> &perHead, size_t budgets,
                     size_t b);

struct RetrievalResult {
  int64_t bits = 0;
  std::vector<double> budgets;
  /// [queryHead * budgets + b]: mean over the head's queries.
  std::vector<double> iou, recall;
  double meanIoU(size_t b) const;
  double meanRecall(size_t b) const;
};

/// IoU and recall of hashed top-k against `reference`, codes of `bits` bits.
RetrievalResult evaluateRetrieval(const Dataset &data,
                                  const ExactReference &reference, int64_t bits,
                                  const Encoder &encode, int threads);

/// Geometry of a dataset's queries and keys, in degrees, averaged over heads:
/// a cone's half-angle is the mean angle between its vectors and their mean
/// direction.
struct ConeStats {
  double queryCone = 0, keyCone = 0;
  /// Angle between a query head's mean direction and its KV head's.
  double interCone = 0;
  /// Mean angle between a query and a causal key (sampled pairs).
  double queryKeyAngle = 0;
};
ConeStats measureCones(const Dataset &data, uint64_t seed);

/// Mean of reference.heads[*].mass at budget b.
double meanAttentionMass(const ExactReference &reference, size_t b);

/// Runs body(i) for i in [0, n) on `threads` threads (0: all cores); which
/// thread runs which i does not affect any result.
void parallelFor(int64_t n, int threads,
                 const std::function<void(int64_t)> &body);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_METRICS_H
