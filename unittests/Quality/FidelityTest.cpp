//===- FidelityTest.cpp - Attention mass and output error of selections ---===//
//
// selectTokens against SEMANTICS.md's rule on hand-made rows, and
// measureFidelity against a direct double-precision computation of the
// softmax over the chosen set on random data.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/Fidelity.h"
#include "TinyTraining.h"
#include "spotlight/Quality/Random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace spotlight::quality;

namespace {

std::vector<int32_t> sorted(std::vector<int32_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Fidelity, SelectionKeepsSinkWindowAndTheBestInBetween) {
  SelectionRule rule;
  rule.sink = 2;
  rule.window = 3;
  //                    sink    middle (5..)              window
  const float s[] = {0, 0, 5, 9, 9, 1, 7, 2, 0, 0, 0};
  std::vector<int32_t> out;
  selectTokens(s, 11, 3, rule, out);
  // The best 3 of positions 2..7 (scores 5 9 9 1 7 2): 3, 4, then 6 (7).
  EXPECT_EQ(sorted(out), (std::vector<int32_t>{0, 1, 3, 4, 6, 8, 9, 10}));
  selectTokens(s, 11, 2, rule, out);
  // A tie at 9: both 3 and 4 fit; k = 2 takes exactly them.
  EXPECT_EQ(sorted(out), (std::vector<int32_t>{0, 1, 3, 4, 8, 9, 10}));
  const float tie[] = {0, 0, 4, 4, 4, 0, 0, 0};
  selectTokens(tie, 8, 1, rule, out);
  // Ties go to the later token.
  EXPECT_EQ(sorted(out), (std::vector<int32_t>{0, 1, 4, 5, 6, 7}));
  // n <= sink + window + k: everything.
  selectTokens(s, 11, 6, rule, out);
  EXPECT_EQ(out.size(), 11u);
}

TEST(Fidelity, MatchesADirectSoftmaxOverTheSelectedSet) {
  Dataset d;
  std::string error;
  SyntheticOptions layer = tinyLayer();
  ASSERT_TRUE(generateSynthetic(layer, d, error)) << error;
  const std::vector<float> values = randomValues(d, 3);
  auto tokens = sampleQueryTokens(d, 8, 200, 5);
  const std::vector<double> budgets = {0.05, 0.5};
  ExactReference ref = buildExactReference(d, tokens, budgets, 1);
  SelectionRule rule;
  rule.sink = 3;
  rule.window = 10;
  rule.kMin = 4;
  const FidelityResult got =
      measureFidelity(d, values, ref, nullptr, 0, rule, 2);
  const int64_t D = d.headDim, G = d.group();
  std::vector<int32_t> chosen;
  for (int64_t qh = 0; qh < d.queryHeads; ++qh)
    for (size_t b = 0; b < budgets.size(); ++b) {
      double mass = 0, err = 0;
      for (int64_t t : tokens[qh]) {
        const int64_t start = d.sequenceStart[t], n = t - start + 1;
        std::vector<double> w(n);
        std::vector<float> logit(n);
        for (int64_t s = 0; s < n; ++s) {
          double l = 0;
          for (int64_t i = 0; i < D; ++i)
            l += double(d.query(t, qh)[i]) * d.key(start + s, qh / G)[i];
          logit[s] = static_cast<float>(l);
          w[s] = std::exp(l / std::sqrt(double(D)));
        }
        const int64_t k = std::max<int64_t>(4, std::floor(budgets[b] * n));
        selectTokens(logit.data(), n, k, rule, chosen);
        std::vector<double> all(D, 0), part(D, 0);
        double z = 0, zPart = 0;
        for (int64_t s = 0; s < n; ++s) {
          const bool in =
              std::find(chosen.begin(), chosen.end(), s) != chosen.end();
          z += w[s];
          zPart += in ? w[s] : 0;
          for (int64_t i = 0; i < D; ++i) {
            const double v =
                w[s] * values[((start + s) * d.kvHeads + qh / G) * D + i];
            all[i] += v;
            part[i] += in ? v : 0;
          }
        }
        double diff = 0, norm = 0;
        for (int64_t i = 0; i < D; ++i) {
          diff += std::pow(part[i] / zPart - all[i] / z, 2);
          norm += std::pow(all[i] / z, 2);
        }
        mass += zPart / z;
        err += std::sqrt(diff / norm);
      }
      const double nq = tokens[qh].size();
      EXPECT_NEAR(got.mass[qh * 2 + b], mass / nq, 1e-6);
      EXPECT_NEAR(got.error[qh * 2 + b], err / nq, 1e-5);
    }
  // Half of the keys hold more than 5% of them, and lose less.
  EXPECT_GT(got.meanMass(1), got.meanMass(0));
  EXPECT_LT(got.meanError(1), got.meanError(0));
}

} // namespace
