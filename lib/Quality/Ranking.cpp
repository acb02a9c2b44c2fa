//===- Ranking.cpp - Bradley-Terry ranking loss of the hash MLP -----------===//
//
// Per query, with z = beta (s_p - s_n) - margin and r = sigmoid(-z):
//   d/ds_p [-log sigmoid(z)] = -beta r,   d/ds_n = +beta r.
// kernels::pairwise returns the row sums (over n) and column sums (over p)
// of r, so the gradient of a query's P * N pairs costs one pass over them and
// P + N memory.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/Ranking.h"

#include "Kernels.h"

#include <algorithm>

namespace spotlight::quality {

int64_t RankingBatch::pairs() const {
  int64_t total = 0;
  for (int64_t i = 0; i < queries; ++i) {
    const int64_t P = positives[i], N = begin[i + 1] - begin[i] - P;
    total += P * N;
  }
  return total;
}

namespace {
/// a = beta s_p - margin, b = beta s_n; pairs then have z = a - b.
double pairTerms(const float *sp, int64_t P, const float *sn, int64_t N,
                 float beta, float margin, float scale, float *gp, float *gn,
                 std::vector<float> &a, std::vector<float> &b,
                 std::vector<float> &ra, std::vector<float> &rb,
                 bool wantLoss) {
  a.resize(P);
  b.resize(N);
  ra.assign(P, 0.0f);
  rb.assign(N, 0.0f);
  for (int64_t p = 0; p < P; ++p)
    a[p] = beta * sp[p] - margin;
  for (int64_t n = 0; n < N; ++n)
    b[n] = beta * sn[n];
  double loss = kernels::pairwise(a.data(), P, b.data(), N, ra.data(),
                                  rb.data(), wantLoss);
  const float g = beta * scale;
  for (int64_t p = 0; p < P; ++p)
    gp[p] -= g * ra[p];
  for (int64_t n = 0; n < N; ++n)
    gn[n] += g * rb[n];
  return loss;
}
} // namespace

double bradleyTerryPairs(const float *sp, int64_t P, const float *sn, int64_t N,
                         float beta, float margin, float scale, float *gp,
                         float *gn) {
  std::vector<float> a, b, ra, rb;
  return pairTerms(sp, P, sn, N, beta, margin, scale, gp, gn, a, b, ra, rb,
                   true);
}

double rankingLossAndGradient(ConstHeadParams params, int64_t D,
                              const RankingBatch &batch,
                              const RankingLossOptions &options,
                              HeadParams grad, RankingWorkspace &ws,
                              bool wantLoss) {
  const int64_t Q = batch.queries, rows = batch.queries + batch.keys;
  const int64_t pairs = batch.pairs();
  if (pairs == 0)
    return 0;
  const float scale = 1.0f / static_cast<float>(pairs);

  forwardBatch(params, D, batch.rows.data(), rows, ws.cache);
  ws.u.resize(rows * D);
  kernels::softsign(ws.cache.h2.data(), options.gain, ws.u.data(), rows * D);
  ws.du.assign(rows * D, 0.0f);
  const float *uKeys = ws.u.data() + Q * D;
  float *duKeys = ws.du.data() + Q * D;

  // Key-major order of the entries (a counting sort by key row): the
  // score kernels then read each key row once while the query rows, a
  // small block, stay in cache.
  const int64_t K = batch.keys, entries = batch.keyIndex.size();
  ws.keyBegin.assign(K + 1, 0);
  for (int32_t k : batch.keyIndex)
    ++ws.keyBegin[k + 1];
  for (int64_t k = 0; k < K; ++k)
    ws.keyBegin[k + 1] += ws.keyBegin[k];
  ws.order.resize(entries);
  ws.entryQuery.resize(entries);
  ws.fill.assign(ws.keyBegin.begin(), ws.keyBegin.end() - 1);
  for (int64_t i = 0; i < Q; ++i)
    for (int64_t e = batch.begin[i]; e < batch.begin[i + 1]; ++e) {
      ws.entryQuery[e] = static_cast<int32_t>(i);
      ws.order[ws.fill[batch.keyIndex[e]]++] = static_cast<int32_t>(e);
    }
  ws.scores.resize(entries);
  ws.g.assign(entries, 0.0f);
  kernels::keyMajorDots(ws.u.data(), uKeys, D, K, ws.keyBegin.data(),
                        ws.order.data(), ws.entryQuery.data(),
                        ws.scores.data());

  double loss = 0;
  for (int64_t i = 0; i < Q; ++i) {
    const int64_t first = batch.begin[i], count = batch.begin[i + 1] - first;
    const int64_t P = batch.positives[i], N = count - P;
    if (P == 0 || N == 0)
      continue;
    loss += pairTerms(&ws.scores[first], P, &ws.scores[first + P], N,
                      options.beta, options.margin, scale, &ws.g[first],
                      &ws.g[first + P], ws.a, ws.b, ws.ra, ws.rb, wantLoss);
  }
  kernels::keyMajorDotsBackward(ws.u.data(), uKeys, D, K, ws.keyBegin.data(),
                                ws.order.data(), ws.entryQuery.data(),
                                ws.g.data(), ws.du.data(), duKeys);
  // Back through the softsign (in place), then the MLP.
  kernels::softsignBackward(ws.cache.h2.data(), options.gain, ws.du.data(),
                            ws.du.data(), rows * D);
  backwardBatch(params, D, batch.rows.data(), ws.cache, ws.du.data(), grad,
                ws.scratch);
  return wantLoss ? loss * scale : 0.0;
}

} // namespace spotlight::quality
