//===- DataInit.h - Hash MLPs initialised from a text's keys ----*- C++ -*-===//
//
// The keys of a head sit in a narrow cone: a large shared mean plus a
// low-rank variation. Sign codes of raw vectors spend almost every bit on
// the mean, which does not change the ranking of keys for a query. This
// initialisation starts each code head as a linear hash of the variation
// only (the first layer is zero, so h1 = x):
//
//   h2 = (x - mu) A R,     A = V diag((lambda_i / lambda_1)^power) V^T
//
// with mu the mean key of the head's KV head, V, lambda the eigenvectors and
// eigenvalues of the keys' covariance (a soft projection onto the directions
// keys vary in: power 0 keeps every direction, large powers keep the top
// ones), R a random rotation per code head that spreads them over the D
// bits, and a scale giving the keys unit variance per bit. For a query q,
// (q - mu) A . (k - mu) A ranks keys like q . A^2 (k - mu), which keeps the
// order of q . k where the keys vary and drops the directions they do not.
// Training then starts from there.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_DATAINIT_H
#define SPOTLIGHT_QUALITY_DATAINIT_H

#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/HashModel.h"

#include <cstdint>
#include <string>

namespace spotlight::quality {

/// Sets W1 = b1 = 0, W2 = s A R - I and b2 = -s mu A R for every code head
/// of `weights` (CH = QH or KH of `data`, D = data.headDim) from the keys
/// of `data`. R is drawn from `seed` per code head. Fails (with `error`) on
/// a geometry mismatch, a negative or non-finite power, or keys that do not
/// vary.
bool initFromKeys(HashWeights &weights, const Dataset &data, double power,
                  uint64_t seed, std::string &error);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_DATAINIT_H
