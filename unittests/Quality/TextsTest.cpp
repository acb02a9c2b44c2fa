//===- TextsTest.cpp - Training texts, RoPE data and non-finite input -----===//
//
// The trainer's text sources (fresh synthetic texts per round), the RoPE
// rotation of the synthetic generator against an independent complex-number
// rotation, and the refusal of non-finite data, options and losses.
//
//===----------------------------------------------------------------------===//

#include "TinyTraining.h"
#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/HashModel.h"
#include "spotlight/Quality/Synthetic.h"
#include "spotlight/Quality/TextSource.h"
#include "spotlight/Quality/Trainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <fstream>
#include <limits>
#include <sys/stat.h>

using namespace spotlight::quality;

namespace {

/// The tiny recipe over 12 steps, a new text every 4.
TrainOptions tinyRounds(int threads) {
  TrainOptions o = tinyRecipe(threads);
  o.steps = 12;
  o.stepsPerText = 4;
  o.logEvery = 6;
  return o;
}

HashWeights zeroWeights(int64_t codeHeads, int64_t headDim) {
  HashWeights w;
  w.resize(codeHeads, headDim);
  initWeights(w, InitKind::Zero, 1, 1);
  return w;
}

Dataset tinyText() {
  Dataset d;
  std::string error;
  EXPECT_TRUE(generateSynthetic(tinyLayer(), d, error)) << error;
  return d;
}

TEST(TextSource, SyntheticTextsAreFreshTextsOfOneLayer) {
  SyntheticOptions layer = tinyLayer();
  SyntheticTexts a(layer, 1), b(layer, 2);
  std::string error;
  ASSERT_TRUE(a.init(error)) << error;
  ASSERT_TRUE(b.init(error)) << error;
  EXPECT_FALSE(a.heldOutIsTrained());
  const std::vector<float> first = a.text(0, error)->keys;
  EXPECT_EQ(first, b.text(0, error)->keys); // whatever the threads
  const std::vector<float> second = a.text(1, error)->keys;
  EXPECT_NE(first, second);
  EXPECT_NE(first, a.heldOutText().keys);
  // Neither is the text an evaluation with a small text seed would score.
  Dataset evaluated;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    layer.tokenSeed = seed;
    ASSERT_TRUE(generateSynthetic(layer, evaluated, error)) << error;
    EXPECT_NE(evaluated.keys, first);
    EXPECT_NE(evaluated.keys, second);
    EXPECT_NE(evaluated.keys, a.heldOutText().keys);
  }
}

TEST(TextSource, CapturedTextsCycleThroughFilesAndHoldOutTheLast) {
  // Three texts of one layer written as .npy, listed with relative paths.
  const std::string dir = ::testing::TempDir() + "quality_texts";
  ::mkdir(dir.c_str(), 0777);
  std::string error;
  SyntheticOptions layer = tinyLayer();
  std::vector<std::vector<float>> keys;
  std::string list = "# three texts\n";
  for (int i = 0; i < 3; ++i) {
    layer.tokenSeed = 10 + i;
    Dataset d;
    ASSERT_TRUE(generateSynthetic(layer, d, error)) << error;
    const std::string sub = "text" + std::to_string(i);
    ASSERT_TRUE(saveDataset(d, dir + "/" + sub, error)) << error;
    list += sub + "/queries.npy " + sub + "/keys.npy 320,320\n\n";
    keys.push_back(d.keys);
  }
  {
    std::ofstream(dir + "/texts.txt") << list;
    std::ofstream(dir + "/bad.txt") << "only-one-file.npy\n";
  }
  std::vector<TextFiles> files;
  ASSERT_TRUE(readTextList(dir + "/texts.txt", files, error)) << error;
  ASSERT_EQ(files.size(), 3u);
  CapturedTexts texts(files);
  ASSERT_TRUE(texts.init(error)) << error;
  EXPECT_FALSE(texts.heldOutIsTrained());
  EXPECT_EQ(texts.heldOutText().keys, keys[2]);
  EXPECT_EQ(texts.heldOutText().sequenceLengths,
            (std::vector<int64_t>{320, 320}));
  for (int round : {0, 1, 2, 3})
    EXPECT_EQ(texts.text(round, error)->keys, keys[round % 2]) << round;
  HashWeights w = zeroWeights(4, 32);
  EXPECT_TRUE(trainHashWeights(texts, tinyRounds(2), w, nullptr, error))
      << error;
  std::vector<TextFiles> none;
  EXPECT_FALSE(readTextList(dir + "/bad.txt", none, error));
  EXPECT_NE(error.find("bad.txt:1: expected"), std::string::npos) << error;
  files[0].keys = dir + "/missing.npy";
  CapturedTexts broken(files);
  ASSERT_TRUE(broken.init(error)) << error;
  EXPECT_FALSE(trainHashWeights(broken, tinyRounds(1), w, nullptr, error));
  EXPECT_NE(error.find("missing.npy"), std::string::npos) << error;
}

TEST(Synthetic, RopeRotatesEachVectorByItsPositionInItsSequence) {
  SyntheticOptions o = tinyLayer();
  Dataset plain, rotated;
  std::string error;
  ASSERT_TRUE(generateSynthetic(o, plain, error)) << error;
  o.ropeBase = 500;
  ASSERT_TRUE(generateSynthetic(o, rotated, error)) << error;
  const int64_t D = o.headDim, half = D / 2;
  // Channel i pairs with i + D/2 as the complex number x_i + i x_{i+D/2},
  // multiplied by e^{i p theta_i}, theta_i = base^(-2i/D), p the position.
  auto check = [&](const float *before, const float *after, int64_t p) {
    for (int64_t i = 0; i < half; ++i) {
      const std::complex<double> z(before[i], before[i + half]);
      const std::complex<double> w =
          z * std::polar(1.0, double(p) * std::pow(500.0, -2.0 * i / D));
      EXPECT_NEAR(after[i], w.real(), 1e-4 * (1 + std::abs(z)));
      EXPECT_NEAR(after[i + half], w.imag(), 1e-4 * (1 + std::abs(z)));
    }
  };
  for (int64_t t : {0, 1, 7, 319, 320, 321, 639}) {
    const int64_t p = t < 320 ? t : t - 320;
    for (int64_t qh = 0; qh < o.queryHeads; ++qh)
      check(plain.query(t, qh), rotated.query(t, qh), p);
    for (int64_t h = 0; h < o.kvHeads; ++h)
      check(plain.key(t, h), rotated.key(t, h), p);
  }
  o.ropeBase = 0.5;
  EXPECT_FALSE(generateSynthetic(o, rotated, error));
}

TEST(Trainer, FreshTextsAreDeterministicWhateverTheThreads) {
  HashWeights one = zeroWeights(4, 32), two = zeroWeights(4, 32);
  std::vector<TrainProgress> progress;
  std::string error;
  for (int threads : {1, 2}) {
    SyntheticTexts texts(tinyLayer(), threads);
    ASSERT_TRUE(texts.init(error)) << error;
    ASSERT_TRUE(trainHashWeights(
        texts, tinyRounds(threads), threads == 1 ? one : two,
        [&](const TrainProgress &p) { progress.push_back(p); }, error))
        << error;
  }
  EXPECT_EQ(one.w1, two.w1);
  EXPECT_EQ(one.b2, two.b2);
  EXPECT_NE(one.w1, zeroWeights(4, 32).w1);
  // Setup, step 6 and step 12 for each run; the held-out text is the same.
  ASSERT_EQ(progress.size(), 6u);
  EXPECT_EQ(progress[2].heldOutIoU, progress[5].heldOutIoU);
  EXPECT_GT(progress[2].loss, 0);
}

TEST(Trainer, GainMovesGeometricallyToTheFinalGain) {
  TrainOptions o;
  o.steps = 5;
  o.loss.gain = 0.25f;
  EXPECT_EQ(gainAt(o, 0), 0.25);
  EXPECT_EQ(gainAt(o, 4), 0.25); // no final gain: constant
  o.finalGain = 4;
  EXPECT_NEAR(gainAt(o, 0), 0.25, 1e-12);
  EXPECT_NEAR(gainAt(o, 2), 1.0, 1e-12);
  EXPECT_NEAR(gainAt(o, 4), 4.0, 1e-12);
}

TEST(Trainer, DefaultLearningRateByHeadDim) {
  // The measured choice of docs/Quality.md: 1e-2 at D <= 64, else 4.5e-3.
  EXPECT_EQ(defaultLearningRate(32), 1e-2);
  EXPECT_EQ(defaultLearningRate(64), 1e-2);
  EXPECT_EQ(defaultLearningRate(96), 4.5e-3);
  EXPECT_EQ(defaultLearningRate(128), 4.5e-3);
}

TEST(Dataset, RejectsNonFiniteValues) {
  const float bad[] = {std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(),
                       -std::numeric_limits<float>::infinity()};
  for (float value : bad) {
    Dataset d = tinyText();
    d.queries[(5 * d.queryHeads + 3) * d.headDim + 7] = value;
    EXPECT_EQ(d.finalize(),
              "queries hold a non-finite value (token 5, head 3, channel 7)");
    d = tinyText();
    d.keys[(600 * d.kvHeads + 1) * d.headDim] = value;
    EXPECT_EQ(d.finalize(),
              "keys hold a non-finite value (token 600, head 1, channel 0)");
  }
}

TEST(Trainer, RejectsNonFiniteOptionsAndWeights) {
  const Dataset d = tinyText();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::string error;
  for (double lr : {nan, inf, -1e-3, 0.0}) {
    TrainOptions o = tinyRounds(1);
    o.learningRate = lr;
    HashWeights w = zeroWeights(4, 32);
    EXPECT_FALSE(trainHashWeights(d, o, w, nullptr, error)) << lr;
    EXPECT_NE(error.find("learning rate"), std::string::npos) << error;
  }
  TrainOptions o = tinyRounds(1);
  o.adamw.weightDecay = nan;
  HashWeights w = zeroWeights(4, 32);
  EXPECT_FALSE(trainHashWeights(d, o, w, nullptr, error));
  o = tinyRounds(1);
  o.loss.gain = static_cast<float>(nan);
  EXPECT_FALSE(trainHashWeights(d, o, w, nullptr, error));
  EXPECT_NE(error.find("gain"), std::string::npos) << error;
  w.w2[17] = static_cast<float>(nan);
  EXPECT_FALSE(trainHashWeights(d, tinyRounds(1), w, nullptr, error));
  EXPECT_EQ(error, "the initial weights hold a non-finite value");
}

TEST(Trainer, StopsWhenTheLossIsNotFinite) {
  // A learning rate of 1e30 is finite but throws the weights so far that
  // the second layer overflows: the run must stop, not write NaN weights.
  const Dataset d = tinyText();
  TrainOptions o = tinyRounds(2);
  o.learningRate = 1e30;
  o.warmupFraction = 0;
  HashWeights w = zeroWeights(4, 32);
  std::string error;
  int reports = 0;
  EXPECT_FALSE(trainHashWeights(
      d, o, w, [&](const TrainProgress &) { ++reports; }, error));
  EXPECT_NE(error.find("not finite"), std::string::npos) << error;
  EXPECT_EQ(reports, 1); // only the report before the first step
}

} // namespace
