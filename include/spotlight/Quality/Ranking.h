//===- Ranking.h - Bradley-Terry ranking loss of the hash MLP ---*- C++ -*-===//
//
// The training objective of spotlight-train. Codes are relaxed with
// softsign, u = g h2 / (1 + |g h2|), so the score of a query and a key,
//   s(q, k) = sum_j u_q[j] u_k[j]     (hard codes: matches - mismatches),
// is differentiable. For each query, every (positive, negative) pair of its
// sampled keys contributes -log sigmoid(beta (s_pos - s_neg) - margin); the
// loss is the mean over all pairs of the batch. A query with P positives and
// N negatives needs only its P + N scores: the P * N pair terms are formed
// on the fly (kernels::pairwise), never stored.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_RANKING_H
#define SPOTLIGHT_QUALITY_RANKING_H

#include "spotlight/Quality/HashModel.h"

#include <cstdint>
#include <vector>

namespace spotlight::quality {

/// The defaults are spotlight-train's recipe (docs/Quality.md): gain 1 with
/// margin 6 beat gain 0.5 without a margin (the authors' 0) on the held-out
/// text of every data family but narrow cones.
struct RankingLossOptions {
  float gain = 1, beta = 1, margin = 6;
};

/// The rows and pairs of one training step of one code head.
struct RankingBatch {
  int64_t queries = 0, keys = 0;
  /// [queries + keys, D] row-major: the query rows, then the key rows.
  AlignedVector<float> rows;
  /// Query i's keys are keyIndex[begin[i] .. begin[i+1]): first
  /// positives[i] positives, then its negatives. Entries index key rows.
  std::vector<int64_t> begin = {0}, positives;
  std::vector<int32_t> keyIndex;

  void clear() {
    queries = keys = 0;
    rows.clear();
    begin.assign(1, 0);
    positives.clear();
    keyIndex.clear();
  }
  int64_t pairs() const;
};

/// Buffers reused across steps.
struct RankingWorkspace {
  ForwardCache cache;
  AlignedVector<float> u, du, scratch;
  std::vector<float> scores, a, b, ra, rb, g;
  std::vector<int64_t> keyBegin, fill;
  std::vector<int32_t> order, entryQuery;
};

/// Mean Bradley-Terry loss over all pairs of `batch` (computed only when
/// `wantLoss`, else 0 is returned) and its gradient with respect to the
/// head's parameters, added into `grad`.
double rankingLossAndGradient(ConstHeadParams params, int64_t headDim,
                              const RankingBatch &batch,
                              const RankingLossOptions &options,
                              HeadParams grad, RankingWorkspace &ws,
                              bool wantLoss);

/// The pair terms of one query: returns sum over (p, n) of
/// -log sigmoid(beta (sp[p] - sn[n]) - margin) and adds `scale` times its
/// derivative with respect to sp and sn into gp and gn.
double bradleyTerryPairs(const float *sp, int64_t P, const float *sn, int64_t N,
                         float beta, float margin, float scale, float *gp,
                         float *gn);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_RANKING_H
