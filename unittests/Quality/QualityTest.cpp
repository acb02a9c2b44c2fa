//===- QualityTest.cpp - Tests of the retrieval-quality library -----------===//
//
// The training objective against finite differences, the kernels against
// double-precision loops, the codes against the naive reference of
// SEMANTICS.md, the metrics on hand-made cases, the synthetic generator's
// geometry, and training determinism. Everything runs in a few seconds.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "Reference/NaiveReference.h"
#include "TinyTraining.h"
#include "spotlight/Quality/AdamW.h"
#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/HashModel.h"
#include "spotlight/Quality/LinearHash.h"
#include "spotlight/Quality/Metrics.h"
#include "spotlight/Quality/Random.h"
#include "spotlight/Quality/Ranking.h"
#include "spotlight/Quality/Synthetic.h"
#include "spotlight/Quality/Trainer.h"
#include "spotlight/Support/IO/SafetensorsWriter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <numeric>

using namespace spotlight;
using namespace spotlight::quality;

namespace {

std::string tempPath(const std::string &suffix) {
  const ::testing::TestInfo *info =
      ::testing::UnitTest::GetInstance()->current_test_info();
  return ::testing::TempDir() + "quality_" + info->name() + suffix;
}

std::vector<float> randomVector(Rng &rng, int64_t n, double sd) {
  std::vector<float> v(n);
  for (float &x : v)
    x = static_cast<float>(sd * rng.normal());
  return v;
}

HashWeights randomWeights(int64_t ch, int64_t d, double sd, uint64_t seed) {
  Rng rng(seed);
  HashWeights w;
  w.resize(ch, d);
  w.w1 = randomVector(rng, ch * d * d, sd);
  w.b1 = randomVector(rng, ch * d, sd);
  w.w2 = randomVector(rng, ch * d * d, sd);
  w.b2 = randomVector(rng, ch * d, sd);
  return w;
}

//===----------------------------------------------------------------------===//
// Files
//===----------------------------------------------------------------------===//

TEST(Safetensors, RoundTripThroughTheReader) {
  std::map<std::string, io::Array> tensors;
  io::Array a;
  a.dtype = io::DType::F32;
  a.shape = {2, 3};
  a.bytes.resize(24);
  for (int i = 0; i < 6; ++i) {
    float v = 0.5f * i - 1;
    std::memcpy(&a.bytes[4 * i], &v, 4);
  }
  tensors["w"] = a;
  io::Array b;
  b.dtype = io::DType::BF16;
  b.shape = {3};
  b.bytes = {1, 2, 3, 4, 5, 6};
  tensors["b \"quoted\""] = b;
  io::Array c;
  c.dtype = io::DType::I64;
  c.shape = {};
  c.bytes.assign(8, 7);
  tensors["scalar"] = c;
  std::string path = tempPath(".safetensors"), error;
  ASSERT_TRUE(io::writeSafetensors(path, tensors, error,
                                   {{"format", "test"}, {"note", "a\nb"}}))
      << error;
  std::map<std::string, io::Array> back;
  ASSERT_TRUE(io::readTensorArchive(path, back, error)) << error;
  ASSERT_EQ(back.size(), 3u);
  for (const auto &[name, array] : tensors) {
    ASSERT_TRUE(back.count(name)) << name;
    EXPECT_EQ(back[name].dtype, array.dtype) << name;
    EXPECT_EQ(back[name].shape, array.shape) << name;
    EXPECT_EQ(back[name].bytes, array.bytes) << name;
  }
}

TEST(Safetensors, RejectsBadTensors) {
  std::string error;
  io::Array a;
  a.shape = {4};
  a.bytes.resize(8); // needs 16
  EXPECT_FALSE(io::writeSafetensors(tempPath(".st"), {{"x", a}}, error));
  EXPECT_NE(error.find("holds 8 bytes"), std::string::npos) << error;
  a.bytes.resize(16);
  EXPECT_FALSE(
      io::writeSafetensors(tempPath(".st"), {{"__metadata__", a}}, error));
}

TEST(HashModel, WeightsRoundTripInTheRunLayout) {
  HashWeights w = randomWeights(3, 32, 0.2, 5);
  std::string path = tempPath(".safetensors"), error;
  ASSERT_TRUE(saveWeights(path, w, {{"k", "v"}}, error)) << error;
  std::map<std::string, io::Array> raw;
  ASSERT_TRUE(io::readTensorArchive(path, raw, error)) << error;
  EXPECT_EQ(raw["w1"].shape, (std::vector<int64_t>{3, 32, 32}));
  EXPECT_EQ(raw["b2"].shape, (std::vector<int64_t>{3, 32}));
  EXPECT_EQ(raw["w2"].dtype, io::DType::F32);
  HashWeights back;
  ASSERT_TRUE(loadWeights(path, back, error)) << error;
  EXPECT_EQ(back.codeHeads, 3);
  EXPECT_EQ(back.headDim, 32);
  EXPECT_EQ(back.w1, w.w1);
  EXPECT_EQ(back.b1, w.b1);
  EXPECT_EQ(back.w2, w.w2);
  EXPECT_EQ(back.b2, w.b2);
}

TEST(Dataset, SequenceLengthsAndRoundTrip) {
  std::vector<int64_t> lens;
  std::string error;
  ASSERT_TRUE(parseSequenceLengths("3,5", lens, error)) << error;
  EXPECT_EQ(lens, (std::vector<int64_t>{3, 5}));
  EXPECT_FALSE(parseSequenceLengths("3,,5", lens, error));
  EXPECT_FALSE(parseSequenceLengths("-3", lens, error));

  Dataset d;
  d.tokens = 8;
  d.queryHeads = 2;
  d.kvHeads = 1;
  d.headDim = 32;
  Rng rng(3);
  d.queries = randomVector(rng, 8 * 2 * 32, 1);
  d.keys = randomVector(rng, 8 * 32, 1);
  d.sequenceLengths = {3, 4};
  EXPECT_NE(d.finalize(), "");
  d.sequenceLengths = {3, 5};
  ASSERT_EQ(d.finalize(), "");
  EXPECT_EQ(d.causalCount(0), 1);
  EXPECT_EQ(d.causalCount(2), 3);
  EXPECT_EQ(d.causalCount(3), 1);
  EXPECT_EQ(d.causalCount(7), 5);

  std::string dir = ::testing::TempDir() + "quality_dataset";
  ASSERT_TRUE(saveDataset(d, dir, error)) << error;
  ASSERT_TRUE(parseSequenceLengths(dir + "/seq_lens.npy", lens, error))
      << error;
  Dataset back;
  ASSERT_TRUE(
      loadDataset(dir + "/queries.npy", dir + "/keys.npy", lens, back, error))
      << error;
  EXPECT_EQ(back.queries, d.queries);
  EXPECT_EQ(back.keys, d.keys);
  EXPECT_EQ(back.sequenceStart, d.sequenceStart);
}

//===----------------------------------------------------------------------===//
// Codes
//===----------------------------------------------------------------------===//

TEST(HashModel, CodesMatchTheNaiveReference) {
  for (int64_t D : {32, 64, 128}) {
    const int64_t CH = 3, rows = 40;
    HashWeights w = randomWeights(CH, D, 1.0 / std::sqrt(double(D)), D);
    reference::HashWeights ref{w.w1, w.b1, w.w2, w.b2};
    Rng rng(D + 1);
    std::vector<float> x = randomVector(rng, rows * D, 1.5);
    std::vector<uint32_t> codes(rows * D / 32);
    int64_t ambiguous = 0;
    for (int64_t c = 0; c < CH; ++c) {
      encodeRows(headParams(w, c), D, x.data(), D, rows, codes.data());
      for (int64_t r = 0; r < rows; ++r) {
        std::vector<double> pre;
        auto expect = reference::encodeRow(&x[r * D], ref, D, c, &pre);
        for (int64_t j = 0; j < D; ++j) {
          bool got = (codes[r * D / 32 + j / 32] >> (j % 32)) & 1;
          bool want = (expect[j / 32] >> (j % 32)) & 1;
          if (got != want) {
            // Only a bit within rounding of zero may differ.
            EXPECT_LT(std::fabs(pre[j]), 1e-3) << "D=" << D << " bit " << j;
            ++ambiguous;
          }
        }
      }
    }
    EXPECT_LE(ambiguous, 2) << "D=" << D;
  }
}

TEST(LinearHash, BlocksAreOrthogonalAndCodesAreSigns) {
  const int64_t D = 32, bits = 96;
  std::vector<float> R = randomOrthogonalProjection(D, bits, 9);
  ASSERT_EQ(R.size(), size_t(D * bits));
  for (int64_t blk = 0; blk < bits / D; ++blk)
    for (int64_t a = 0; a < D; ++a)
      for (int64_t b = 0; b < D; ++b) {
        double dot = 0;
        for (int64_t i = 0; i < D; ++i)
          dot += double(R[i * bits + blk * D + a]) * R[i * bits + blk * D + b];
        EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
      }
  // Different blocks are different rotations.
  EXPECT_NE(R[0], R[D]);
  Rng rng(2);
  std::vector<float> x = randomVector(rng, 5 * D, 1);
  std::vector<uint32_t> codes(5 * bits / 32);
  linearCodes(R.data(), D, bits, x.data(), D, 5, codes.data());
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t j = 0; j < bits; ++j) {
      double v = 0;
      for (int64_t i = 0; i < D; ++i)
        v += double(x[r * D + i]) * R[i * bits + j];
      if (std::fabs(v) < 1e-4)
        continue;
      EXPECT_EQ((codes[r * 3 + j / 32] >> (j % 32)) & 1, v > 0 ? 1u : 0u);
    }
}

//===----------------------------------------------------------------------===//
// Loss and gradients
//===----------------------------------------------------------------------===//

TEST(BradleyTerry, PairTermsMatchDoublePrecision) {
  Rng rng(11);
  for (double spread : {1.0, 20.0, 200.0}) {
    const int64_t P = 7, N = 37;
    std::vector<float> sp = randomVector(rng, P, spread);
    std::vector<float> sn = randomVector(rng, N, spread);
    const float beta = 0.7f, margin = 0.25f, scale = 0.5f;
    std::vector<float> gp(P, 0), gn(N, 0);
    double loss = bradleyTerryPairs(sp.data(), P, sn.data(), N, beta, margin,
                                    scale, gp.data(), gn.data());
    double want = 0;
    std::vector<double> wp(P, 0), wn(N, 0);
    for (int64_t p = 0; p < P; ++p)
      for (int64_t n = 0; n < N; ++n) {
        double z = beta * (double(sp[p]) - sn[n]) - margin;
        want += std::log1p(std::exp(-std::fabs(z))) + std::max(-z, 0.0);
        double r = 1 / (1 + std::exp(z)); // sigmoid(-z)
        wp[p] -= scale * beta * r;
        wn[n] += scale * beta * r;
      }
    EXPECT_NEAR(loss, want, 1e-5 * std::max(1.0, want)) << spread;
    for (int64_t p = 0; p < P; ++p)
      EXPECT_NEAR(gp[p], wp[p], 1e-5) << spread;
    for (int64_t n = 0; n < N; ++n)
      EXPECT_NEAR(gn[n], wn[n], 1e-5) << spread;
  }
}

TEST(BradleyTerry, FastKernelMatchesExactKernel) {
  // Without the loss, pairwise() factors e^z when scores span < 160.
  Rng rng(12);
  for (double spread : {0.5, 30.0, 70.0, 150.0}) {
    const int64_t P = 19, N = 70;
    std::vector<float> a = randomVector(rng, P, spread / 4);
    std::vector<float> b = randomVector(rng, N, spread / 4);
    std::vector<float> ra1(P, 0), rb1(N, 0), ra2(P, 0), rb2(N, 0);
    kernels::pairwise(a.data(), P, b.data(), N, ra1.data(), rb1.data(), false);
    kernels::pairwise(a.data(), P, b.data(), N, ra2.data(), rb2.data(), true);
    for (int64_t p = 0; p < P; ++p)
      EXPECT_NEAR(ra1[p], ra2[p], 1e-5 * std::max(1.0f, ra2[p])) << spread;
    for (int64_t n = 0; n < N; ++n)
      EXPECT_NEAR(rb1[n], rb2[n], 1e-5 * std::max(1.0f, rb2[n])) << spread;
  }
}

/// A small batch: 3 queries over 14 keys with overlapping key lists.
RankingBatch smallBatch(int64_t D, uint64_t seed) {
  Rng rng(seed);
  RankingBatch batch;
  batch.queries = 3;
  batch.keys = 14;
  auto rows = randomVector(rng, (3 + 14) * D, 0.8);
  batch.rows.assign(rows.begin(), rows.end());
  const std::vector<std::vector<int32_t>> lists = {
      {0, 3, 1, 2, 4, 5, 6, 7}, {3, 9, 0, 1, 2, 10, 11, 12, 13}, {8, 2, 5}};
  const std::vector<int64_t> positives = {2, 2, 1};
  for (int i = 0; i < 3; ++i) {
    batch.keyIndex.insert(batch.keyIndex.end(), lists[i].begin(),
                          lists[i].end());
    batch.positives.push_back(positives[i]);
    batch.begin.push_back(batch.keyIndex.size());
  }
  return batch;
}

/// The loss of `batch` in double precision, written out naively from the
/// definition (SEMANTICS.md's MLP, softsign, pairwise Bradley-Terry).
double naiveLoss(const std::vector<double> &params, int64_t D,
                 const RankingBatch &batch, const RankingLossOptions &o) {
  const double *w1 = params.data(), *b1 = w1 + D * D, *w2 = b1 + D,
               *b2 = w2 + D * D;
  const int64_t rows = batch.queries + batch.keys;
  std::vector<std::vector<double>> u(rows, std::vector<double>(D));
  for (int64_t r = 0; r < rows; ++r) {
    const float *x = &batch.rows[r * D];
    std::vector<double> h1(D);
    for (int64_t j = 0; j < D; ++j) {
      double a = b1[j];
      for (int64_t i = 0; i < D; ++i)
        a += x[i] * w1[i * D + j];
      h1[j] = a / (1 + std::exp(-a)) + x[j];
    }
    for (int64_t j = 0; j < D; ++j) {
      double a = b2[j];
      for (int64_t i = 0; i < D; ++i)
        a += h1[i] * w2[i * D + j];
      double h2 = a + h1[j], y = o.gain * h2;
      u[r][j] = y / (1 + std::fabs(y));
    }
  }
  double loss = 0;
  int64_t pairs = 0;
  for (int64_t q = 0; q < batch.queries; ++q) {
    const int64_t first = batch.begin[q], P = batch.positives[q];
    std::vector<double> s;
    for (int64_t e = first; e < batch.begin[q + 1]; ++e) {
      double dot = 0;
      for (int64_t j = 0; j < D; ++j)
        dot += u[q][j] * u[batch.queries + batch.keyIndex[e]][j];
      s.push_back(dot);
    }
    for (int64_t p = 0; p < P; ++p)
      for (size_t n = P; n < s.size(); ++n) {
        double z = o.beta * (s[p] - s[n]) - o.margin;
        loss += std::log1p(std::exp(-std::fabs(z))) + std::max(-z, 0.0);
        ++pairs;
      }
  }
  return loss / pairs;
}

void checkGradient(float gain, float beta, float margin) {
  const int64_t D = 32, n = 2 * D * D + 2 * D;
  RankingBatch batch = smallBatch(D, 21);
  RankingLossOptions options{gain, beta, margin};
  Rng rng(22);
  std::vector<float> params = randomVector(rng, n, 0.15);
  auto view = [&](std::vector<float> &v) {
    float *p = v.data();
    return HeadParams{p, p + D * D, p + D * D + D, p + 2 * D * D + D};
  };
  RankingWorkspace ws;
  std::vector<float> grad(n, 0.0f), gradFast(n, 0.0f);
  const double loss = rankingLossAndGradient(view(params), D, batch, options,
                                             view(grad), ws, true);
  std::vector<double> exact(params.begin(), params.end());
  EXPECT_NEAR(loss, naiveLoss(exact, D, batch, options), 1e-5 * loss);
  // Without the loss the gradient takes the fast pair kernel: same answer.
  rankingLossAndGradient(view(params), D, batch, options, view(gradFast), ws,
                         false);
  for (int64_t i = 0; i < n; ++i)
    ASSERT_NEAR(gradFast[i], grad[i], 1e-6 + 1e-4 * std::fabs(grad[i])) << i;

  // Central differences of the double-precision loss, on every bias and a
  // sample of each weight matrix.
  float largest = 0;
  for (float g : grad)
    largest = std::max(largest, std::fabs(g));
  ASSERT_GT(largest, 1e-4);
  std::vector<int64_t> coords;
  for (int64_t j = 0; j < D; ++j) {
    coords.push_back(D * D + j);         // b1
    coords.push_back(2 * D * D + D + j); // b2
  }
  for (int k = 0; k < 48; ++k) {
    coords.push_back(rng.below(D * D));             // W1
    coords.push_back(D * D + D + rng.below(D * D)); // W2
  }
  const double h = 1e-6;
  for (int64_t i : coords) {
    std::vector<double> plus = exact, minus = exact;
    plus[i] += h;
    minus[i] -= h;
    double fd = (naiveLoss(plus, D, batch, options) -
                 naiveLoss(minus, D, batch, options)) /
                (2 * h);
    EXPECT_NEAR(grad[i], fd, 1e-4 * largest + 1e-3 * std::fabs(fd))
        << "coordinate " << i << ", gain " << gain;
  }
}

TEST(BradleyTerry, GradientMatchesFiniteDifferences) {
  checkGradient(/*gain=*/2, /*beta=*/1, /*margin=*/0);
}

TEST(BradleyTerry, GradientMatchesFiniteDifferencesWithBetaAndMargin) {
  checkGradient(/*gain=*/6, /*beta=*/0.5f, /*margin=*/0.3f);
}

TEST(BradleyTerry, GradientMatchesFiniteDifferencesAtThePublishedGain) {
  checkGradient(/*gain=*/64, /*beta=*/1, /*margin=*/0);
}

TEST(BradleyTerry, GradientMatchesFiniteDifferencesAtTheFormerDefaults) {
  checkGradient(/*gain=*/0.5f, /*beta=*/1, /*margin=*/0);
}

TEST(BradleyTerry, GradientMatchesFiniteDifferencesAtTheDefaults) {
  const RankingLossOptions defaults;
  checkGradient(defaults.gain, defaults.beta, defaults.margin);
}

TEST(AdamW, MatchesTheTorchUpdate) {
  AdamWOptions o;
  o.clipNorm = 0;
  AdamW opt(2, o);
  std::vector<float> p = {1.0f, -2.0f}, g = {0.5f, 0.25f};
  double norm = opt.step(p.data(), g.data(), 0.01);
  EXPECT_NEAR(norm, std::sqrt(0.25 + 0.0625), 1e-6);
  // Step 1: m_hat = g, v_hat = g^2, so the update is lr * sign(g).
  EXPECT_NEAR(p[0], 1.0 * (1 - 0.01 * 0.1) - 0.01, 1e-6);
  EXPECT_NEAR(p[1], -2.0 * (1 - 0.01 * 0.1) - 0.01, 1e-6);

  AdamWOptions clipped;
  clipped.clipNorm = 1.0;
  clipped.weightDecay = 0;
  AdamW opt2(2, clipped);
  std::vector<float> q = {0, 0}, big = {30, 40};
  EXPECT_NEAR(opt2.step(q.data(), big.data(), 0.1), 50.0, 1e-4);
  EXPECT_NEAR(big[0], 0.6f, 1e-5); // clipped to norm 1
  EXPECT_NEAR(big[1], 0.8f, 1e-5);
}

TEST(AdamW, WarmupThenCosine) {
  // 1% of 1000 steps: 10 warm-up steps.
  EXPECT_NEAR(learningRate(1e-3, 0, 1000, 0.01), 1e-4, 1e-12);
  EXPECT_NEAR(learningRate(1e-3, 9, 1000, 0.01), 1e-3, 1e-12);
  EXPECT_NEAR(learningRate(1e-3, 10, 1000, 0.01), 1e-3, 1e-12);
  EXPECT_NEAR(learningRate(1e-3, 505, 1000, 0.01), 0.5e-3, 1e-5);
  EXPECT_LT(learningRate(1e-3, 999, 1000, 0.01), 1e-7);
}

//===----------------------------------------------------------------------===//
// Metrics
//===----------------------------------------------------------------------===//

TEST(Metrics, TopKBreaksTiesToTheLargerPosition) {
  std::vector<float> f = {1, 3, 3, 2, 3};
  std::vector<int32_t> out;
  topK(f.data(), 5, 2, out);
  EXPECT_EQ(out, (std::vector<int32_t>{4, 2}));
  std::vector<int32_t> s = {5, 1, 5, 5, 0, 2};
  topK(s.data(), 6, 4, out);
  EXPECT_EQ(out, (std::vector<int32_t>{3, 2, 0, 5}));
  EXPECT_EQ(budgetCount(0.02, 100), 2);
  EXPECT_EQ(budgetCount(0.02, 49), 1); // at least one
  EXPECT_EQ(budgetCount(1.0, 7), 7);
}

/// One query head, one KV head, D = 32; keys are basis-like vectors so the
/// exact logits of the last query are known.
Dataset handDataset() {
  Dataset d;
  d.tokens = 8;
  d.queryHeads = d.kvHeads = 1;
  d.headDim = 32;
  d.queries.assign(8 * 32, 0.0f);
  d.keys.assign(8 * 32, 0.0f);
  // The query at t = 7 is e0; key t has logit logits[t].
  const float logits[8] = {0.1f, 0.2f, 5.0f, 0.3f, 1.0f, 6.0f, 0.4f, 0.5f};
  d.queries[7 * 32] = 1;
  for (int t = 0; t < 8; ++t)
    d.keys[t * 32] = logits[t];
  EXPECT_EQ(d.finalize(), "");
  return d;
}

TEST(Metrics, IoUAndRecallOnAHandCase) {
  Dataset d = handDataset();
  // Budget 25% of 8 keys: k = 2; budget 50%: k = 4.
  ExactReference ref = buildExactReference(d, {{7}}, {0.25, 0.5}, 1);
  ASSERT_EQ(ref.heads[0].ranked.size(), 4u);
  EXPECT_EQ(std::vector<int32_t>(ref.heads[0].ranked.begin(),
                                 ref.heads[0].ranked.begin() + 2),
            (std::vector<int32_t>{5, 2}));
  // Hashed codes: the query is all ones and key t has match[t] bits set, so
  // the hashed top-2 is {3, 5} (9 and 8 matches) and the top-4 {3, 5, 7, 6}.
  const int match[8] = {0, 1, 2, 9, 3, 8, 4, 5};
  auto encoder = [&](int64_t, bool query, const float *, int64_t, int64_t count,
                     uint32_t *codes) {
    for (int64_t r = 0; r < count; ++r)
      codes[r] = query ? 0xffffffffu
                       : (match[r] ? (0xffffffffu >> (32 - match[r])) : 0u);
  };
  RetrievalResult r = evaluateRetrieval(d, ref, 32, encoder, 1);
  // k = 2: {5, 2} vs {3, 5}: 1 common -> IoU 1/3, recall 1/2.
  EXPECT_NEAR(r.iou[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(r.recall[0], 0.5, 1e-12);
  // k = 4: exact {5, 2, 4, 7} vs hashed {3, 5, 7, 6}: 2 common -> 2/6, 2/4.
  EXPECT_NEAR(r.iou[1], 2.0 / 6, 1e-12);
  EXPECT_NEAR(r.recall[1], 0.5, 1e-12);
  // The attention mass of the exact top-2 at scale 1/sqrt(32).
  double z = 0;
  for (float l : {0.1f, 0.2f, 5.0f, 0.3f, 1.0f, 6.0f, 0.4f, 0.5f})
    z += std::exp(l / std::sqrt(32.0));
  EXPECT_NEAR(ref.heads[0].mass[0],
              (std::exp(6 / std::sqrt(32.0)) + std::exp(5 / std::sqrt(32.0))) /
                  z,
              1e-6);
}

TEST(Metrics, PerfectCodesGiveIoUOne) {
  Dataset d = handDataset();
  ExactReference ref = buildExactReference(d, {{7}}, {0.25}, 1);
  // Codes whose match count follows the logit order exactly.
  const int match[8] = {0, 1, 6, 2, 5, 7, 3, 4};
  auto encoder = [&](int64_t, bool query, const float *, int64_t, int64_t count,
                     uint32_t *codes) {
    for (int64_t r = 0; r < count; ++r)
      codes[r] = query ? 0xffffffffu
                       : (match[r] ? (0xffffffffu >> (32 - match[r])) : 0u);
  };
  RetrievalResult r = evaluateRetrieval(d, ref, 32, encoder, 1);
  EXPECT_DOUBLE_EQ(r.iou[0], 1.0);
  EXPECT_DOUBLE_EQ(r.recall[0], 1.0);
}

TEST(Metrics, QuerySamplingHonoursContextAndExclusions) {
  Dataset d;
  d.tokens = 100;
  d.queryHeads = 2;
  d.kvHeads = 1;
  d.headDim = 32;
  d.queries.assign(100 * 2 * 32, 1.0f);
  d.keys.assign(100 * 32, 1.0f);
  d.sequenceLengths = {40, 60};
  ASSERT_EQ(d.finalize(), "");
  std::vector<std::vector<uint8_t>> exclude(2, std::vector<uint8_t>(100, 0));
  exclude[1][95] = 1;
  auto tokens = sampleQueryTokens(d, 1000, 30, 4, &exclude);
  // Sequence 1: t in [29, 39]; sequence 2: t in [69, 99].
  EXPECT_EQ(tokens[0].size(), 11u + 31u);
  EXPECT_EQ(tokens[1].size(), 11u + 30u);
  for (int64_t t : tokens[1]) {
    EXPECT_GE(d.causalCount(t), 30);
    EXPECT_NE(t, 95);
  }
  auto few = sampleQueryTokens(d, 5, 30, 4);
  EXPECT_EQ(few[0].size(), 5u);
  EXPECT_TRUE(std::is_sorted(few[0].begin(), few[0].end()));
}

//===----------------------------------------------------------------------===//
// Synthetic data
//===----------------------------------------------------------------------===//

/// The tiny layer, longer and wider: enough tokens to measure its cones.
SyntheticOptions smallSynthetic() {
  SyntheticOptions o = tinyLayer();
  o.tokens = 2048;
  o.sequenceLengths.clear();
  o.headDim = 64;
  o.rank = 8;
  return o;
}

TEST(Synthetic, ProducesNarrowNearlyOrthogonalCones) {
  SyntheticOptions o = smallSynthetic();
  Dataset d;
  std::string error;
  ASSERT_TRUE(generateSynthetic(o, d, error)) << error;
  ConeStats cones = measureCones(d, 1);
  EXPECT_NEAR(cones.keyCone, o.keyConeDegrees, 5);
  EXPECT_NEAR(cones.queryCone, o.queryConeDegrees, 6);
  EXPECT_NEAR(cones.interCone, o.interConeDegrees, 3);
  EXPECT_GT(cones.queryKeyAngle, 75);
  // Attention concentrates on the top 2% of keys.
  auto tokens = sampleQueryTokens(d, 64, 512, 1);
  ExactReference ref = buildExactReference(d, tokens, {0.02}, 1);
  EXPECT_GT(meanAttentionMass(ref, 0), 0.5);
  EXPECT_LT(meanAttentionMass(ref, 0), 0.95);
}

TEST(Synthetic, SeedsSeparateTheLayerFromTheText) {
  SyntheticOptions o = smallSynthetic();
  o.tokens = 256;
  Dataset a, b, c;
  std::string error;
  ASSERT_TRUE(generateSynthetic(o, a, error)) << error;
  ASSERT_TRUE(generateSynthetic(o, b, error)) << error;
  EXPECT_EQ(a.keys, b.keys);
  EXPECT_EQ(a.queries, b.queries);
  o.tokenSeed = 2;
  ASSERT_TRUE(generateSynthetic(o, c, error)) << error;
  EXPECT_NE(a.keys, c.keys);
  // Same layer: the mean key direction barely moves.
  for (int64_t h = 0; h < o.kvHeads; ++h) {
    std::vector<double> ma(o.headDim, 0), mc(o.headDim, 0);
    for (int64_t t = 0; t < o.tokens; ++t)
      for (int64_t i = 0; i < o.headDim; ++i) {
        ma[i] += a.key(t, h)[i];
        mc[i] += c.key(t, h)[i];
      }
    double dot = 0, na = 0, nc = 0;
    for (int64_t i = 0; i < o.headDim; ++i) {
      dot += ma[i] * mc[i];
      na += ma[i] * ma[i];
      nc += mc[i] * mc[i];
    }
    EXPECT_GT(dot / std::sqrt(na * nc), 0.99);
  }
}

TEST(Synthetic, SpecParsing) {
  SyntheticOptions o;
  std::string error;
  ASSERT_TRUE(parseSyntheticSpec(
      "tokens=100,seq-lens=40:60,qh=8,kh=2,d=64,key-cone=20,text-seed=3", o,
      error))
      << error;
  EXPECT_EQ(o.tokens, 100);
  EXPECT_EQ(o.sequenceLengths, (std::vector<int64_t>{40, 60}));
  EXPECT_EQ(o.queryHeads, 8);
  EXPECT_EQ(o.headDim, 64);
  EXPECT_EQ(o.keyConeDegrees, 20);
  EXPECT_EQ(o.tokenSeed, 3u);
  SyntheticOptions again;
  ASSERT_TRUE(parseSyntheticSpec(syntheticSpec(o), again, error)) << error;
  EXPECT_EQ(syntheticSpec(again), syntheticSpec(o));
  EXPECT_FALSE(parseSyntheticSpec("bogus=1", o, error));
  EXPECT_FALSE(parseSyntheticSpec("tokens=x", o, error));
  EXPECT_FALSE(parseSyntheticSpec("tokens", o, error));
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

struct TinyRun {
  HashWeights weights;
  std::vector<TrainProgress> progress;
};

TinyRun trainTiny(uint64_t seed, int threads, const std::string &codeHeads) {
  Dataset d;
  std::string error;
  EXPECT_TRUE(generateSynthetic(tinyLayer(), d, error)) << error;
  TrainOptions o = tinyRecipe(threads);
  o.seed = seed;
  TinyRun run;
  run.weights.resize(codeHeads == "qh" ? 4 : 2, 32);
  initWeights(run.weights, InitKind::Zero, 1, seed);
  EXPECT_TRUE(trainHashWeights(
      d, o, run.weights,
      [&](const TrainProgress &p) { run.progress.push_back(p); }, error))
      << error;
  return run;
}

TEST(Trainer, DeterministicForASeedWhateverTheThreads) {
  TinyRun a = trainTiny(7, 1, "qh"), b = trainTiny(7, 1, "qh");
  TinyRun c = trainTiny(7, 2, "qh"), other = trainTiny(8, 2, "qh");
  EXPECT_EQ(a.weights.w1, b.weights.w1);
  EXPECT_EQ(a.weights.b2, b.weights.b2);
  EXPECT_EQ(a.weights.w1, c.weights.w1);
  EXPECT_EQ(a.weights.w2, c.weights.w2);
  EXPECT_NE(a.weights.w1, other.weights.w1);
  // Progress after setup, after step 4 and after step 8.
  ASSERT_EQ(a.progress.size(), 3u);
  EXPECT_EQ(a.progress[2].step, 8);
  EXPECT_EQ(a.progress[1].loss, c.progress[1].loss);
  EXPECT_EQ(a.progress[2].heldOutIoU, c.progress[2].heldOutIoU);
  EXPECT_GT(a.progress[1].loss, 0);
  // The weights moved away from the identity start.
  EXPECT_NE(a.weights.w1, std::vector<float>(a.weights.w1.size(), 0.0f));
}

TEST(Trainer, OneCodeHeadPerKVHead) {
  TinyRun a = trainTiny(3, 2, "kh"), b = trainTiny(3, 1, "kh");
  EXPECT_EQ(a.weights.codeHeads, 2);
  EXPECT_EQ(a.weights.w1, b.weights.w1);
  EXPECT_GE(a.progress.back().heldOutIoU, 0.0);
}

TEST(Trainer, RejectsMismatchedWeights) {
  Dataset d;
  SyntheticOptions so = smallSynthetic();
  so.tokens = 256;
  std::string error;
  ASSERT_TRUE(generateSynthetic(so, d, error)) << error;
  HashWeights w;
  w.resize(3, 64); // CH must be QH = 4 or KH = 2
  EXPECT_FALSE(trainHashWeights(d, TrainOptions(), w, nullptr, error));
  EXPECT_NE(error.find("CH = QH"), std::string::npos) << error;
}

} // namespace
