//===- Metrics.cpp - Retrieval quality against exact attention ------------===//

#include "spotlight/Quality/Metrics.h"

#include "Kernels.h"
#include "spotlight/Quality/Random.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <thread>

namespace spotlight::quality {

void parallelFor(int64_t n, int threads,
                 const std::function<void(int64_t)> &body) {
  if (threads <= 0)
    threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<int64_t>(threads, n));
  if (threads <= 1) {
    for (int64_t i = 0; i < n; ++i)
      body(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w)
    pool.emplace_back([&] {
      for (int64_t i; (i = next.fetch_add(1)) < n;)
        body(i);
    });
  for (auto &t : pool)
    t.join();
}

int64_t budgetCount(double fraction, int64_t n) {
  int64_t k = static_cast<int64_t>(std::floor(fraction * double(n)));
  return std::min(n, std::max<int64_t>(1, k));
}

void topK(const float *scores, int64_t n, int64_t k,
          std::vector<int32_t> &out) {
  out.resize(n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = static_cast<int32_t>(i);
  auto better = [scores](int32_t a, int32_t b) {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a > b);
  };
  std::nth_element(out.begin(), out.begin() + (k - 1), out.end(), better);
  std::sort(out.begin(), out.begin() + k, better);
  out.resize(k);
}

void topK(const int32_t *scores, int64_t n, int64_t k,
          std::vector<int32_t> &out) {
  // Score in the high half, position in the low half: one integer order.
  std::vector<int64_t> keys(n);
  for (int64_t i = 0; i < n; ++i)
    keys[i] = (static_cast<int64_t>(scores[i]) << 32) | i;
  std::nth_element(keys.begin(), keys.begin() + (k - 1), keys.end(),
                   std::greater<int64_t>());
  std::sort(keys.begin(), keys.begin() + k, std::greater<int64_t>());
  out.resize(k);
  for (int64_t i = 0; i < k; ++i)
    out[i] = static_cast<int32_t>(keys[i] & 0xffffffff);
}

int64_t intersectionSize(const int32_t *a, int64_t na, const int32_t *b,
                         int64_t nb) {
  std::vector<int32_t> sa(a, a + na);
  std::sort(sa.begin(), sa.end());
  int64_t count = 0;
  for (int64_t i = 0; i < nb; ++i)
    count += std::binary_search(sa.begin(), sa.end(), b[i]);
  return count;
}

std::vector<std::vector<int64_t>>
sampleQueryTokens(const Dataset &data, int64_t perHead, int64_t minContext,
                  uint64_t seed,
                  const std::vector<std::vector<uint8_t>> *exclude) {
  std::vector<std::vector<int64_t>> out(data.queryHeads);
  for (int64_t qh = 0; qh < data.queryHeads; ++qh) {
    std::vector<int64_t> eligible;
    for (int64_t t = 0; t < data.tokens; ++t)
      if (data.causalCount(t) >= minContext && (!exclude || !(*exclude)[qh][t]))
        eligible.push_back(t);
    // A partial Fisher-Yates shuffle picks perHead of them.
    Rng rng(deriveSeed(seed, qh));
    const int64_t take = std::min<int64_t>(perHead, eligible.size());
    for (int64_t i = 0; i < take; ++i)
      std::swap(eligible[i], eligible[i + rng.below(eligible.size() - i)]);
    eligible.resize(take);
    std::sort(eligible.begin(), eligible.end());
    out[qh] = std::move(eligible);
  }
  return out;
}

ExactReference buildExactReference(
    const Dataset &data, const std::vector<std::vector<int64_t>> &tokens,
    const std::vector<double> &budgets, int threads, bool withMass) {
  ExactReference ref;
  ref.budgets = budgets;
  ref.heads.resize(data.queryHeads);
  const int64_t D = data.headDim, T = data.tokens, G = data.group();
  const double maxBudget = *std::max_element(budgets.begin(), budgets.end());
  const double scale = 1 / std::sqrt(double(D));
  parallelFor(data.queryHeads, threads, [&](int64_t qh) {
    ExactReference::Head &head = ref.heads[qh];
    head.tokens = tokens[qh];
    const int64_t h = qh / G;
    std::vector<float> keysT(D * T); // [D, T]
    for (int64_t t = 0; t < T; ++t) {
      const float *k = data.key(t, h);
      for (int64_t d = 0; d < D; ++d)
        keysT[d * T + t] = k[d];
    }
    const int64_t block = 16, nq = head.tokens.size();
    std::vector<float> qBlock(block * D), logits;
    std::vector<int32_t> ranked;
    for (int64_t i = 0; i < nq;) {
      // Queries of one sequence, in token order, share a block.
      const int64_t start = data.sequenceStart[head.tokens[i]];
      int64_t end = i;
      while (end < nq && end - i < block &&
             data.sequenceStart[head.tokens[end]] == start)
        ++end;
      const int64_t width = head.tokens[end - 1] - start + 1;
      logits.resize((end - i) * width);
      for (int64_t j = i; j < end; ++j)
        std::memcpy(&qBlock[(j - i) * D], data.query(head.tokens[j], qh),
                    D * sizeof(float));
      kernels::gemm(end - i, width, D, qBlock.data(), D, false,
                    keysT.data() + start, T, logits.data(), width, false);
      for (int64_t j = i; j < end; ++j) {
        const float *row = &logits[(j - i) * width];
        const int64_t n = head.tokens[j] - start + 1;
        topK(row, n, budgetCount(maxBudget, n), ranked);
        for (int32_t r : ranked)
          head.ranked.push_back(static_cast<int32_t>(r + start));
        head.offset.push_back(head.ranked.size());
        if (!withMass)
          continue;
        double top = row[ranked[0]], z = 0;
        for (int64_t s = 0; s < n; ++s)
          z += std::exp((row[s] - top) * scale);
        for (double f : budgets) {
          double mass = 0;
          for (int64_t r = 0, k = budgetCount(f, n); r < k; ++r)
            mass += std::exp((row[ranked[r]] - top) * scale);
          head.mass.push_back(mass / z);
        }
      }
      i = end;
    }
  });
  return ref;
}

double meanOverHeads(const std::vector<double> &perHead, size_t budgets,
                     size_t b) {
  const size_t heads = budgets ? perHead.size() / budgets : 0;
  double s = 0;
  for (size_t h = 0; h < heads; ++h)
    s += perHead[h * budgets + b];
  return heads ? s / heads : 0;
}

double RetrievalResult::meanIoU(size_t b) const {
  return meanOverHeads(iou, budgets.size(), b);
}

double RetrievalResult::meanRecall(size_t b) const {
  return meanOverHeads(recall, budgets.size(), b);
}

RetrievalResult evaluateRetrieval(const Dataset &data,
                                  const ExactReference &reference, int64_t bits,
                                  const Encoder &encode, int threads) {
  RetrievalResult result;
  result.bits = bits;
  result.budgets = reference.budgets;
  const int64_t B = reference.budgets.size(), D = data.headDim;
  const int64_t T = data.tokens, words = bits / 32, G = data.group();
  const double maxBudget =
      *std::max_element(reference.budgets.begin(), reference.budgets.end());
  result.iou.assign(data.queryHeads * B, 0.0);
  result.recall.assign(data.queryHeads * B, 0.0);
  parallelFor(data.queryHeads, threads, [&](int64_t qh) {
    const ExactReference::Head &head = reference.heads[qh];
    const int64_t nq = head.tokens.size(), h = qh / G;
    if (nq == 0)
      return;
    std::vector<uint32_t> keyCodes(T * words), queryCodes(nq * words);
    encode(qh, false, data.key(0, h), data.kvHeads * D, T, keyCodes.data());
    std::vector<float> rows(nq * D);
    for (int64_t i = 0; i < nq; ++i)
      std::memcpy(&rows[i * D], data.query(head.tokens[i], qh),
                  D * sizeof(float));
    encode(qh, true, rows.data(), D, nq, queryCodes.data());
    std::vector<int32_t> scores, hashed;
    for (int64_t i = 0; i < nq; ++i) {
      const int64_t t = head.tokens[i], start = data.sequenceStart[t];
      const int64_t n = t - start + 1;
      scores.resize(n);
      kernels::matchingBits(&queryCodes[i * words], &keyCodes[start * words],
                            words, n, scores.data());
      topK(scores.data(), n, budgetCount(maxBudget, n), hashed);
      for (int32_t &p : hashed)
        p += static_cast<int32_t>(start);
      const int32_t *exact = &head.ranked[head.offset[i]];
      for (int64_t b = 0; b < B; ++b) {
        const int64_t k = budgetCount(reference.budgets[b], n);
        const int64_t common = intersectionSize(exact, k, hashed.data(), k);
        result.iou[qh * B + b] += double(common) / double(2 * k - common);
        result.recall[qh * B + b] += double(common) / double(k);
      }
    }
    for (int64_t b = 0; b < B; ++b) {
      result.iou[qh * B + b] /= nq;
      result.recall[qh * B + b] /= nq;
    }
  });
  return result;
}

namespace {
double angleDegrees(const float *a, const double *b, int64_t d) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < d; ++i) {
    ab += a[i] * b[i];
    aa += double(a[i]) * a[i];
    bb += b[i] * b[i];
  }
  double c = ab / std::sqrt(aa * bb);
  return std::acos(std::clamp(c, -1.0, 1.0)) * 180 / M_PI;
}

/// Mean unit vector of rows (stride apart) and mean angle to it.
double coneOf(const float *rows, int64_t stride, int64_t n, int64_t d,
              std::vector<double> &mean) {
  mean.assign(d, 0.0);
  for (int64_t t = 0; t < n; ++t) {
    const float *x = rows + t * stride;
    double norm = 0;
    for (int64_t i = 0; i < d; ++i)
      norm += double(x[i]) * x[i];
    norm = std::sqrt(norm);
    if (norm == 0)
      continue;
    for (int64_t i = 0; i < d; ++i)
      mean[i] += x[i] / norm;
  }
  double angle = 0;
  for (int64_t t = 0; t < n; ++t)
    angle += angleDegrees(rows + t * stride, mean.data(), d);
  return angle / n;
}
} // namespace

ConeStats measureCones(const Dataset &data, uint64_t seed) {
  ConeStats stats;
  const int64_t D = data.headDim, T = data.tokens, G = data.group();
  std::vector<std::vector<double>> keyMeans(data.kvHeads);
  for (int64_t h = 0; h < data.kvHeads; ++h)
    stats.keyCone +=
        coneOf(data.key(0, h), data.kvHeads * D, T, D, keyMeans[h]);
  stats.keyCone /= data.kvHeads;
  std::vector<double> queryMean, keyVec(D);
  Rng rng(seed);
  const int64_t pairs = 1000;
  for (int64_t qh = 0; qh < data.queryHeads; ++qh) {
    stats.queryCone +=
        coneOf(data.query(0, qh), data.queryHeads * D, T, D, queryMean);
    std::vector<float> m(queryMean.begin(), queryMean.end());
    stats.interCone += angleDegrees(m.data(), keyMeans[qh / G].data(), D);
    double sum = 0;
    for (int64_t p = 0; p < pairs; ++p) {
      int64_t t = rng.below(T);
      int64_t s = data.sequenceStart[t] + rng.below(data.causalCount(t));
      const float *k = data.key(s, qh / G);
      for (int64_t i = 0; i < D; ++i)
        keyVec[i] = k[i];
      sum += angleDegrees(data.query(t, qh), keyVec.data(), D);
    }
    stats.queryKeyAngle += sum / pairs;
  }
  stats.queryCone /= data.queryHeads;
  stats.interCone /= data.queryHeads;
  stats.queryKeyAngle /= data.queryHeads;
  return stats;
}

double meanAttentionMass(const ExactReference &reference, size_t b) {
  double sum = 0;
  int64_t count = 0;
  const size_t B = reference.budgets.size();
  for (const auto &head : reference.heads)
    for (size_t i = 0; i + B <= head.mass.size(); i += B) {
      sum += head.mass[i + b];
      ++count;
    }
  return count ? sum / count : 0;
}

} // namespace spotlight::quality
