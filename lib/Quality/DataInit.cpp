//===- DataInit.cpp - Hash MLPs initialised from a text's keys ------------===//

#include "spotlight/Quality/DataInit.h"

#include "SymmetricEigen.h"
#include "spotlight/Quality/LinearHash.h"
#include "spotlight/Quality/Random.h"

#include <algorithm>
#include <cmath>

namespace spotlight::quality {

bool initFromKeys(HashWeights &weights, const Dataset &data, double power,
                  uint64_t seed, std::string &error) {
  const int64_t D = data.headDim, G = data.group();
  if (weights.headDim != D || (weights.codeHeads != data.queryHeads &&
                               weights.codeHeads != data.kvHeads)) {
    error = "weights must have D = " + std::to_string(D) +
            " and CH = QH or KH of the data";
    return false;
  }
  if (!(power >= 0 && std::isfinite(power))) {
    error = "the initialisation power must be finite and non-negative";
    return false;
  }
  const bool byQueryHead = weights.codeHeads == data.queryHeads;
  // Per KV head: s * A (D x D) and its mean key.
  std::vector<std::vector<double>> maps(data.kvHeads);
  std::vector<std::vector<double>> means(data.kvHeads);
  for (int64_t h = 0; h < data.kvHeads; ++h) {
    std::vector<double> mu(D, 0.0), cov(D * D, 0.0), x(D);
    for (int64_t t = 0; t < data.tokens; ++t)
      for (int64_t i = 0; i < D; ++i)
        mu[i] += data.key(t, h)[i];
    for (double &m : mu)
      m /= double(data.tokens);
    for (int64_t t = 0; t < data.tokens; ++t) {
      for (int64_t i = 0; i < D; ++i)
        x[i] = data.key(t, h)[i] - mu[i];
      for (int64_t i = 0; i < D; ++i)
        for (int64_t j = i; j < D; ++j)
          cov[i * D + j] += x[i] * x[j];
    }
    for (int64_t i = 0; i < D; ++i)
      for (int64_t j = i; j < D; ++j)
        cov[j * D + i] = cov[i * D + j] /= double(data.tokens);
    std::vector<double> lambda, v;
    symmetricEigen(cov, D, lambda, v);
    if (!(lambda[0] > 0)) {
      error = "the keys of KV head " + std::to_string(h) + " do not vary";
      return false;
    }
    // The weight of each eigen-direction, then the scale that gives the
    // keys unit variance per output channel.
    std::vector<double> weight(D);
    double spread = 0;
    for (int64_t i = 0; i < D; ++i) {
      weight[i] = std::pow(std::max(lambda[i], 0.0) / lambda[0], power);
      spread += std::max(lambda[i], 0.0) * weight[i] * weight[i];
    }
    const double s = std::sqrt(double(D) / spread);
    std::vector<double> a(D * D, 0.0);
    for (int64_t i = 0; i < D; ++i)
      for (int64_t j = 0; j < D; ++j) {
        double sum = 0;
        for (int64_t e = 0; e < D; ++e)
          sum += v[i * D + e] * weight[e] * v[j * D + e];
        a[i * D + j] = s * sum;
      }
    maps[h] = std::move(a);
    means[h] = std::move(mu);
  }
  for (int64_t c = 0; c < weights.codeHeads; ++c) {
    const int64_t h = byQueryHead ? c / G : c;
    const std::vector<double> &a = maps[h], &mu = means[h];
    const std::vector<float> r =
        randomOrthogonalProjection(D, D, deriveSeed(seed, 0xd17a + c));
    // M = s A R; W2 = M - I (h2 = h1 (I + W2) + b2), b2 = -mu M.
    std::vector<double> m(D * D, 0.0);
    for (int64_t i = 0; i < D; ++i)
      for (int64_t e = 0; e < D; ++e)
        for (int64_t j = 0; j < D; ++j)
          m[i * D + j] += a[i * D + e] * r[e * D + j];
    float *w1 = weights.w1Of(c), *b1 = weights.b1Of(c);
    float *w2 = weights.w2Of(c), *b2 = weights.b2Of(c);
    std::fill(w1, w1 + D * D, 0.0f);
    std::fill(b1, b1 + D, 0.0f);
    for (int64_t j = 0; j < D; ++j) {
      double bias = 0;
      for (int64_t i = 0; i < D; ++i) {
        w2[i * D + j] = static_cast<float>(m[i * D + j] - (i == j ? 1 : 0));
        bias -= mu[i] * m[i * D + j];
      }
      b2[j] = static_cast<float>(bias);
    }
  }
  return true;
}

} // namespace spotlight::quality
