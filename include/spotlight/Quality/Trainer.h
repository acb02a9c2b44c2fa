//===- Trainer.h - Train the hash MLPs of one layer -------------*- C++ -*-===//
//
// The published recipe (arXiv 2508.19740 and the authors' train.py), for
// every code head of one layer at once:
//   - each step samples up to `queriesPerStep` queries of the head's pool;
//     a query's positives are its top `positiveFraction` causal keys by the
//     exact logit q.k, its negatives the other causal keys; up to
//     `maxPositives` / `maxNegatives` of each are sampled;
//   - the loss is the Bradley-Terry ranking loss of Ranking.h on softsign-
//     relaxed codes, averaged over all (positive, negative) pairs;
//   - AdamW with linear warm-up then cosine decay, gradient norm clipping.
// Training runs in rounds of `stepsPerText` steps, each on the text its
// TextSource gives (TextSource.h): fresh texts, or the same captured data
// with a fresh draw of query tokens.
// Code heads are independent models: each has its own random stream,
// optimizer state and clipping, and they are trained in parallel, one head
// per thread at a time, so results depend on the seed only (not on the
// thread count).
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_TRAINER_H
#define SPOTLIGHT_QUALITY_TRAINER_H

#include "spotlight/Quality/AdamW.h"
#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/HashModel.h"
#include "spotlight/Quality/Metrics.h"
#include "spotlight/Quality/Ranking.h"
#include "spotlight/Quality/TextSource.h"

#include <cstdint>
#include <functional>
#include <string>

namespace spotlight::quality {

struct TrainOptions {
  int64_t steps = 600;
  int64_t queriesPerStep = 256, maxPositives = 1024, maxNegatives = 1024;
  double positiveFraction = 0.02;
  RankingLossOptions loss;
  /// With a positive value, the softsign gain moves geometrically from
  /// loss.gain at the first step to this at the last (start soft, end close
  /// to the sign the codes use); 0 keeps loss.gain throughout.
  double finalGain = 0;
  double learningRate = 1e-3, warmupFraction = 0.01;
  AdamWOptions adamw;
  /// Queries (training and held-out) need at least this many causal keys.
  int64_t minContext = 128;
  /// Query tokens per code head drawn from each round's text; their
  /// positives are computed once per round.
  int64_t queryPool = 4096;
  /// Steps per round (per text).
  int64_t stepsPerText = 50;
  /// Held-out query tokens per query head, never trained on; the progress
  /// line reports their IoU at `heldOutBudget`.
  int64_t heldOutQueries = 128;
  double heldOutBudget = 0.02;
  /// A progress report every this many steps (and after the last).
  int64_t logEvery = 50;
  /// Early stopping: each code head ends with its parameters of the
  /// progress report where its held-out IoU was highest.
  bool keepBest = true;
  uint64_t seed = 1;
  int threads = 0;
};

struct TrainProgress {
  int64_t step = 0, steps = 0;
  /// Mean over code heads of the loss of their latest step.
  double loss = 0;
  /// Mean over query heads of the held-out IoU at heldOutBudget.
  double heldOutIoU = 0;
  /// Mean over code heads of their best held-out IoU so far (keepBest).
  double bestIoU = 0;
  double learningRate = 0, seconds = 0;
};

/// Trains `weights` (initialized by the caller; codeHeads QH or KH, headDim
/// D) on the texts of `source`. `progress` is called after setup (step 0,
/// before any update) and every logEvery steps. Fails on bad options or
/// data, and stops with an error as soon as a loss or a weight is not
/// finite (the weights are then not meant to be used).
bool trainHashWeights(
    TextSource &source, const TrainOptions &options, HashWeights &weights,
    const std::function<void(const TrainProgress &)> &progress,
    std::string &error);

/// The same on one dataset trained on in every round (FixedText).
bool trainHashWeights(
    const Dataset &data, const TrainOptions &options, HashWeights &weights,
    const std::function<void(const TrainProgress &)> &progress,
    std::string &error);

/// The default peak learning rate for head dim `headDim`: 4.5e-3, and 1e-2
/// at D <= 64 (docs/Quality.md: with gain 1 and margin 6, 3e-3 beat 1e-3 on
/// all eight D = 128 families of unseen text; 4.5e-3 beat 3e-3 on seven of
/// them and puts RoPE 1e6 above linear 1024 bits on three seeds, where 3e-3
/// tied, for 0.046 of narrow cones, still 0.12 above their target; 6e-3 lost
/// 0.07 there. At D = 64 1e-3 settles on a worse optimum, 0.304 against
/// 0.339).
double defaultLearningRate(int64_t headDim);

/// The softsign gain of step `step` (0-based).
double gainAt(const TrainOptions &options, int64_t step);

/// The instruction set the kernels run with ("avx512", "avx2", "generic");
/// SPOTLIGHT_QUALITY_ISA in the environment can pick a lower one.
const char *kernelInstructionSet();

/// IoU and recall of the codes of `weights` against `reference`.
RetrievalResult hashedRetrieval(const Dataset &data, const HashWeights &weights,
                                const ExactReference &reference, int threads);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_TRAINER_H
