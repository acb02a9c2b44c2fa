//===- TinyTraining.h - A layer and recipe small enough for tests -*- C++
//-*-===//
//
// Training tests run in milliseconds: a 640-token layer of two sequences
// (QH=4, KH=2, D=32) and a recipe of a few steps on a few dozen queries.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_QUALITY_TINYTRAINING_H
#define SPOTLIGHT_UNITTESTS_QUALITY_TINYTRAINING_H

#include "spotlight/Quality/Synthetic.h"
#include "spotlight/Quality/Trainer.h"

namespace spotlight::quality {

inline SyntheticOptions tinyLayer() {
  SyntheticOptions o;
  o.tokens = 640;
  o.sequenceLengths = {320, 320};
  o.queryHeads = 4;
  o.kvHeads = 2;
  o.headDim = 32;
  o.rank = 4;
  return o;
}

/// 8 steps with progress after setup, step 4 and step 8.
inline TrainOptions tinyRecipe(int threads) {
  TrainOptions o;
  o.steps = 8;
  o.queriesPerStep = 48;
  o.maxNegatives = 64;
  o.minContext = 64;
  o.queryPool = 96;
  o.heldOutQueries = 16;
  o.positiveFraction = 0.05;
  o.logEvery = 4;
  o.threads = threads;
  return o;
}

} // namespace spotlight::quality

#endif // SPOTLIGHT_UNITTESTS_QUALITY_TINYTRAINING_H
