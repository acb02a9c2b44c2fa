//===- DataInitTest.cpp - Eigen-decomposition and --init keys
//--------------===//
//
// The Jacobi eigen-decomposition against a matrix built from known
// eigenpairs, and the key-derived initialisation against what it promises on
// keys whose mean and variation directions are set by hand: the mean key
// maps to zero, directions keys never move in are dropped, the others are
// weighted by (variance ratio)^power, and the keys get unit variance per
// output channel.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/DataInit.h"
#include "SymmetricEigen.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace spotlight::quality;

namespace {

TEST(SymmetricEigen, RecoversKnownEigenpairs) {
  // A = H diag(lambda) H with H = I - 2 u u^T / |u|^2 (orthogonal, symmetric).
  const int64_t n = 6;
  const double u[n] = {1, -2, 0.5, 3, -1, 2};
  const double lambda[n] = {-1.5, 4, 0.25, 9, 2, 0};
  double uu = 0;
  for (double x : u)
    uu += x * x;
  std::vector<double> h(n * n), a(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      h[i * n + j] = (i == j) - 2 * u[i] * u[j] / uu;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t e = 0; e < n; ++e)
        a[i * n + j] += h[i * n + e] * lambda[e] * h[j * n + e];
  std::vector<double> values, vectors;
  symmetricEigen(a, n, values, vectors);
  const double sorted[n] = {9, 4, 2, 0.25, 0, -1.5};
  for (int64_t j = 0; j < n; ++j) {
    EXPECT_NEAR(values[j], sorted[j], 1e-12);
    // A v = lambda v and |v| = 1, from the definition.
    double norm = 0;
    for (int64_t i = 0; i < n; ++i) {
      double av = 0;
      for (int64_t e = 0; e < n; ++e)
        av += a[i * n + e] * vectors[e * n + j];
      EXPECT_NEAR(av, sorted[j] * vectors[i * n + j], 1e-12);
      norm += vectors[i * n + j] * vectors[i * n + j];
    }
    EXPECT_NEAR(norm, 1, 1e-12);
  }
}

/// Keys mu + z_t e_3 + w_t e_7 with var z = 1, var w = 0.25, uncorrelated
/// and of mean 0 over the 8 tokens; D = 32, QH = 2, KH = 1.
Dataset handMadeKeys() {
  Dataset d;
  d.tokens = 8;
  d.queryHeads = 2;
  d.kvHeads = 1;
  d.headDim = 32;
  d.queries.assign(d.tokens * 2 * 32, 0.5f);
  d.keys.assign(d.tokens * 32, 0.0f);
  const float z[8] = {1, -1, 1, -1, 1, -1, 1, -1};
  const float w[8] = {0.5, 0.5, -0.5, -0.5, 0.5, 0.5, -0.5, -0.5};
  for (int64_t t = 0; t < 8; ++t) {
    float *k = &d.keys[t * 32];
    for (int64_t i = 0; i < 32; ++i)
      k[i] = 0.25f * float(i % 5) - 0.3f; // the mean key
    k[3] += z[t];
    k[7] += w[t];
  }
  EXPECT_EQ(d.finalize(), "");
  return d;
}

/// h2 = x (I + W2) + b2, the network of SEMANTICS.md with W1 = b1 = 0.
std::vector<double> h2Of(const HashWeights &wt, int64_t c, const float *x) {
  const int64_t D = wt.headDim;
  std::vector<double> out(D);
  for (int64_t j = 0; j < D; ++j) {
    double s = wt.b2Of(c)[j] + x[j];
    for (int64_t i = 0; i < D; ++i)
      s += double(x[i]) * wt.w2Of(c)[i * D + j];
    out[j] = s;
  }
  return out;
}

TEST(DataInit, KeepsTheKeyVariationOnly) {
  const Dataset d = handMadeKeys();
  HashWeights wt;
  wt.resize(2, 32);
  std::string error;
  ASSERT_TRUE(initFromKeys(wt, d, 0.5, 7, error)) << error;
  for (float v : wt.w1)
    EXPECT_EQ(v, 0.0f);
  for (float v : wt.b1)
    EXPECT_EQ(v, 0.0f);
  std::vector<float> mean(32), unit(32, 0.0f);
  for (int64_t i = 0; i < 32; ++i)
    mean[i] = 0.25f * float(i % 5) - 0.3f;
  for (int64_t c = 0; c < 2; ++c) {
    // The mean key maps to 0.
    for (double v : h2Of(wt, c, mean.data()))
      EXPECT_NEAR(v, 0, 1e-5);
    // The image of a unit vector along channel `ch` (the linear part).
    auto gainOf = [&](int64_t ch) {
      std::fill(unit.begin(), unit.end(), 0.0f);
      unit[ch] = 1;
      std::vector<double> zero(32, 0.0), h = h2Of(wt, c, unit.data());
      std::vector<float> origin(32, 0.0f);
      zero = h2Of(wt, c, origin.data());
      double n2 = 0;
      for (int64_t j = 0; j < 32; ++j)
        n2 += (h[j] - zero[j]) * (h[j] - zero[j]);
      return std::sqrt(n2);
    };
    EXPECT_NEAR(gainOf(0), 0, 1e-5); // keys never move along channel 0
    EXPECT_NEAR(gainOf(7) / gainOf(3), std::pow(0.25, 0.5), 1e-5);
    // Unit variance per output channel over the keys.
    double var = 0;
    for (int64_t t = 0; t < 8; ++t)
      for (double v : h2Of(wt, c, d.key(t, 0)))
        var += v * v / (8 * 32);
    EXPECT_NEAR(var, 1, 1e-4);
  }
  // Each code head draws its own rotation.
  EXPECT_NE(std::vector<float>(wt.w2Of(0), wt.w2Of(0) + 32 * 32),
            std::vector<float>(wt.w2Of(1), wt.w2Of(1) + 32 * 32));
}

TEST(DataInit, RefusesBadInput) {
  Dataset d = handMadeKeys();
  HashWeights wt;
  wt.resize(2, 32);
  std::string error;
  EXPECT_FALSE(initFromKeys(wt, d, -1, 1, error));
  EXPECT_FALSE(
      initFromKeys(wt, d, std::numeric_limits<double>::quiet_NaN(), 1, error));
  HashWeights wrong;
  wrong.resize(3, 32);
  EXPECT_FALSE(initFromKeys(wrong, d, 0.5, 1, error));
  for (int64_t t = 0; t < d.tokens; ++t)
    for (int64_t i = 0; i < 32; ++i)
      d.keys[t * 32 + i] = 1.5f; // keys that do not vary
  EXPECT_FALSE(initFromKeys(wt, d, 0.5, 1, error));
  EXPECT_NE(error.find("do not vary"), std::string::npos);
}

} // namespace
