//===- Fidelity.cpp - What a selection costs the attention output ---------===//

#include "spotlight/Quality/Fidelity.h"

#include "Kernels.h"
#include "spotlight/Quality/Random.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace spotlight::quality {

void selectTokens(const float *scores, int64_t n, int64_t k,
                  const SelectionRule &rule, std::vector<int32_t> &out) {
  out.clear();
  if (n <= rule.sink + rule.window + k) {
    for (int64_t t = 0; t < n; ++t)
      out.push_back(static_cast<int32_t>(t));
    return;
  }
  std::vector<int32_t> middle;
  topK(scores + rule.sink, n - rule.sink - rule.window, k, middle);
  for (int64_t t = 0; t < rule.sink; ++t)
    out.push_back(static_cast<int32_t>(t));
  for (int32_t t : middle)
    out.push_back(static_cast<int32_t>(t + rule.sink));
  for (int64_t t = n - rule.window; t < n; ++t)
    out.push_back(static_cast<int32_t>(t));
}

double FidelityResult::meanMass(size_t b) const {
  return meanOverHeads(mass, budgets.size(), b);
}

double FidelityResult::meanError(size_t b) const {
  return meanOverHeads(error, budgets.size(), b);
}

std::vector<float> randomValues(const Dataset &data, uint64_t seed) {
  std::vector<float> v(data.tokens * data.kvHeads * data.headDim);
  Rng rng(deriveSeed(seed, 0x7a1e));
  for (float &x : v)
    x = static_cast<float>(rng.normal());
  return v;
}

namespace {
double dot(const float *a, const float *b, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i)
    s += double(a[i]) * b[i];
  return s;
}

/// Softmax weights (unnormalized, max-shifted) of `logits` over the
/// positions `set` (all n when null), and their sum.
double weightsOver(const std::vector<float> &logits, const int32_t *set,
                   int64_t count, double scale, std::vector<double> &w) {
  double top = -INFINITY;
  for (float l : logits)
    top = std::max(top, double(l));
  w.assign(count, 0.0);
  double sum = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t t = set ? set[i] : i;
    w[i] = std::exp((double(logits[t]) - top) * scale);
    sum += w[i];
  }
  return sum;
}
} // namespace

FidelityResult measureFidelity(const Dataset &data,
                               const std::vector<float> &values,
                               const ExactReference &reference,
                               const Encoder *encode, int64_t bits,
                               const SelectionRule &rule, int threads) {
  FidelityResult result;
  result.budgets = reference.budgets;
  const int64_t B = reference.budgets.size(), D = data.headDim;
  const int64_t T = data.tokens, words = bits / 32, G = data.group();
  const int64_t KH = data.kvHeads;
  const double scale = 1 / std::sqrt(double(D));
  result.mass.assign(data.queryHeads * B, 0.0);
  result.error.assign(data.queryHeads * B, 0.0);
  parallelFor(data.queryHeads, threads, [&](int64_t qh) {
    const ExactReference::Head &head = reference.heads[qh];
    const int64_t nq = head.tokens.size(), h = qh / G;
    if (nq == 0)
      return;
    std::vector<uint32_t> keyCodes, queryCode(words);
    if (encode) {
      keyCodes.resize(T * words);
      (*encode)(qh, false, data.key(0, h), KH * D, T, keyCodes.data());
    }
    std::vector<float> logits, scores;
    std::vector<int32_t> matches, selected;
    std::vector<double> w, dense(D), sparse(D);
    for (int64_t i = 0; i < nq; ++i) {
      const int64_t t = head.tokens[i], start = data.sequenceStart[t];
      const int64_t n = t - start + 1;
      const float *q = data.query(t, qh);
      logits.resize(n);
      for (int64_t s = 0; s < n; ++s)
        logits[s] = static_cast<float>(dot(q, data.key(start + s, h), D));
      if (encode) {
        (*encode)(qh, true, q, D, 1, queryCode.data());
        matches.resize(n);
        kernels::matchingBits(queryCode.data(), &keyCodes[start * words], words,
                              n, matches.data());
        scores.assign(matches.begin(), matches.end());
      } else {
        scores = logits;
      }
      // Dense output and normalizer.
      const double z = weightsOver(logits, nullptr, n, scale, w);
      std::fill(dense.begin(), dense.end(), 0.0);
      for (int64_t s = 0; s < n; ++s) {
        const float *v = &values[((start + s) * KH + h) * D];
        for (int64_t d = 0; d < D; ++d)
          dense[d] += w[s] * v[d];
      }
      double denseNorm = 0;
      for (double &x : dense) {
        x /= z;
        denseNorm += x * x;
      }
      for (int64_t b = 0; b < B; ++b) {
        const int64_t k = std::max(
            rule.kMin,
            static_cast<int64_t>(std::floor(reference.budgets[b] * double(n))));
        selectTokens(scores.data(), n, k, rule, selected);
        const double part =
            weightsOver(logits, selected.data(), selected.size(), scale, w);
        std::fill(sparse.begin(), sparse.end(), 0.0);
        for (size_t j = 0; j < selected.size(); ++j) {
          const float *v = &values[((start + selected[j]) * KH + h) * D];
          for (int64_t d = 0; d < D; ++d)
            sparse[d] += w[j] * v[d];
        }
        double diff = 0;
        for (int64_t d = 0; d < D; ++d)
          diff += std::pow(sparse[d] / part - dense[d], 2);
        result.mass[qh * B + b] += part / z;
        result.error[qh * B + b] += std::sqrt(diff / denseNorm);
      }
    }
    for (int64_t b = 0; b < B; ++b) {
      result.mass[qh * B + b] /= nq;
      result.error[qh * B + b] /= nq;
    }
  });
  return result;
}

} // namespace spotlight::quality
