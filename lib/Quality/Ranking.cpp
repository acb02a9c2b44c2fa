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
/// The margin of one query's pairs, m(p, n) = constant + perLogit (l_p - l_n)
/// (RankingLossOptions::marginGrading); perLogit = 0 without logits.
struct PairMargin {
  float constant = 0, perLogit = 0;
  const float *lp = nullptr, *ln = nullptr;
};

/// The graded margin of a query with exact logits lp (positives), ln
/// (negatives); the constant margin when grading is off or the positives do
/// not lie above the negatives on average.
PairMargin queryMargin(const RankingLossOptions &o, const float *lp, int64_t P,
                       const float *ln, int64_t N) {
  PairMargin m;
  m.constant = o.margin;
  if (o.marginGrading == 0 || !lp)
    return m;
  double sumP = 0, sumN = 0;
  for (int64_t p = 0; p < P; ++p)
    sumP += lp[p];
  for (int64_t n = 0; n < N; ++n)
    sumN += ln[n];
  const double gap = sumP / P - sumN / N;
  if (!(gap > 0))
    return m;
  m.constant = o.margin * (1 - o.marginGrading);
  m.perLogit = static_cast<float>(o.margin * o.marginGrading / gap);
  m.lp = lp;
  m.ln = ln;
  return m;
}

/// Marks in `inside` which of a query's P + N entries (scores s, positives
/// first) its scores put in its top k = P * positiveShare keys, each sampled
/// positive standing for positiveShare keys and each negative for
/// negativeShare: an entry is inside when the keys ranked above it plus half
/// its own share number less than k. Returns the number of pairs with one
/// key on each side.
int64_t markTopK(const float *s, int64_t P, int64_t N, float positiveShare,
                 float negativeShare, std::vector<int32_t> &ranked,
                 uint8_t *inside) {
  ranked.resize(P + N);
  for (int64_t e = 0; e < P + N; ++e)
    ranked[e] = static_cast<int32_t>(e);
  std::sort(ranked.begin(), ranked.end(), [&](int32_t x, int32_t y) {
    return s[x] > s[y] || (s[x] == s[y] && x < y);
  });
  const double k = P * double(positiveShare);
  double above = 0;
  int64_t insideP = 0, insideN = 0;
  for (int32_t e : ranked) {
    const double share = e < P ? positiveShare : negativeShare;
    inside[e] = above + share / 2 < k;
    (e < P ? insideP : insideN) += inside[e];
    above += share;
  }
  return insideP * (N - insideN) + (P - insideP) * insideN;
}

/// Permutes one side's values `v` (n of them) inside first into `out`;
/// `perm` maps the result back. Returns the number inside.
int64_t insideFirst(const float *v, const uint8_t *inside, int64_t n,
                    std::vector<int32_t> &perm, std::vector<float> &out) {
  perm.clear();
  for (int pass = 1; pass >= 0; --pass)
    for (int64_t i = 0; i < n; ++i)
      if (inside[i] == pass)
        perm.push_back(static_cast<int32_t>(i));
  out.resize(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = v[perm[i]];
  return std::count(inside, inside + n, 1);
}

/// kernels::pairwise over one query's pairs, a pair with one key on each
/// side of the top-k boundary (`inside`, positives then negatives) weighing
/// 1 + boost: the four (inside, outside) blocks of the permuted keys.
double weightedPairs(const std::vector<float> &a, const std::vector<float> &b,
                     const uint8_t *inside, float boost,
                     std::vector<float> &ra, std::vector<float> &rb,
                     RankingWorkspace &ws, bool wantLoss) {
  const int64_t P = a.size(), N = b.size();
  const int64_t inP =
      insideFirst(a.data(), inside, P, ws.permP, ws.blockA);
  const int64_t inN =
      insideFirst(b.data(), inside + P, N, ws.permN, ws.blockB);
  const int64_t startP[2] = {0, inP}, countP[2] = {inP, P - inP};
  const int64_t startN[2] = {0, inN}, countN[2] = {inN, N - inN};
  double loss = 0;
  for (int x = 0; x < 2; ++x)
    for (int y = 0; y < 2; ++y) {
      if (countP[x] == 0 || countN[y] == 0)
        continue;
      const float w = x == y ? 1.0f : 1.0f + boost;
      ws.blockRa.assign(countP[x], 0.0f);
      ws.blockRb.assign(countN[y], 0.0f);
      loss += w * kernels::pairwise(&ws.blockA[startP[x]], countP[x],
                                    &ws.blockB[startN[y]], countN[y],
                                    ws.blockRa.data(), ws.blockRb.data(),
                                    wantLoss);
      for (int64_t p = 0; p < countP[x]; ++p)
        ra[ws.permP[startP[x] + p]] += w * ws.blockRa[p];
      for (int64_t n = 0; n < countN[y]; ++n)
        rb[ws.permN[startN[y] + n]] += w * ws.blockRb[n];
    }
  return loss;
}

/// a = beta s_p - m_p, b = beta s_n - m_n with m(p, n) = m_p - m_n; pairs
/// then have z = a - b. With `inside` (boundaryWeight), the pairs across
/// the top-k boundary weigh 1 + boost.
double pairTerms(const float *sp, int64_t P, const float *sn, int64_t N,
                 float beta, const PairMargin &margin, const uint8_t *inside,
                 float boost, float scale, float *gp, float *gn,
                 RankingWorkspace &ws, bool wantLoss) {
  std::vector<float> &a = ws.a, &b = ws.b, &ra = ws.ra, &rb = ws.rb;
  a.resize(P);
  b.resize(N);
  ra.assign(P, 0.0f);
  rb.assign(N, 0.0f);
  for (int64_t p = 0; p < P; ++p)
    a[p] = beta * sp[p] - margin.constant;
  for (int64_t n = 0; n < N; ++n)
    b[n] = beta * sn[n];
  if (margin.perLogit != 0) {
    for (int64_t p = 0; p < P; ++p)
      a[p] -= margin.perLogit * margin.lp[p];
    for (int64_t n = 0; n < N; ++n)
      b[n] -= margin.perLogit * margin.ln[n];
  }
  double loss = inside ? weightedPairs(a, b, inside, boost, ra, rb, ws, wantLoss)
                       : kernels::pairwise(a.data(), P, b.data(), N,
                                           ra.data(), rb.data(), wantLoss);
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
  RankingWorkspace ws;
  PairMargin constant;
  constant.constant = margin;
  return pairTerms(sp, P, sn, N, beta, constant, nullptr, 0, scale, gp, gn, ws,
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
  // The exact logits of the same entries, for the graded margin: the same
  // kernel on the MLP's input rows.
  const bool graded = options.marginGrading != 0;
  if (graded) {
    ws.logits.resize(entries);
    kernels::keyMajorDots(batch.rows.data(), batch.rows.data() + Q * D, D, K,
                          ws.keyBegin.data(), ws.order.data(),
                          ws.entryQuery.data(), ws.logits.data());
  }

  // The weighted mean: boundary pairs count 1 + boundaryWeight times.
  const float boost = options.boundaryWeight;
  double weight = static_cast<double>(pairs);
  if (boost != 0) {
    ws.inside.resize(entries);
    for (int64_t i = 0; i < Q; ++i) {
      const int64_t first = batch.begin[i], P = batch.positives[i];
      const int64_t N = batch.begin[i + 1] - first - P;
      weight += boost * markTopK(
                            &ws.scores[first], P, N,
                            batch.positiveShare.empty() ? 1.0f
                                                        : batch.positiveShare[i],
                            batch.negativeShare.empty() ? 1.0f
                                                        : batch.negativeShare[i],
                            ws.ranked, &ws.inside[first]);
    }
  }
  const float scale = static_cast<float>(1.0 / weight);

  double loss = 0;
  for (int64_t i = 0; i < Q; ++i) {
    const int64_t first = batch.begin[i], count = batch.begin[i + 1] - first;
    const int64_t P = batch.positives[i], N = count - P;
    if (P == 0 || N == 0)
      continue;
    const PairMargin margin =
        queryMargin(options, graded ? &ws.logits[first] : nullptr, P,
                    graded ? &ws.logits[first + P] : nullptr, N);
    loss += pairTerms(&ws.scores[first], P, &ws.scores[first + P], N,
                      options.beta, margin,
                      boost != 0 ? &ws.inside[first] : nullptr, boost, scale,
                      &ws.g[first], &ws.g[first + P], ws, wantLoss);
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
