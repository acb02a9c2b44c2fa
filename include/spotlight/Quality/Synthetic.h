//===- Synthetic.h - Queries and keys shaped like an LLM layer --*- C++ -*-===//
//
// A generator of post-RoPE-like queries and keys for tests and the demo, in
// the regime where the Spotlight paper reports that linear hashing fails:
// the queries of a head lie in one narrow cone and the keys of its KV head
// in another, the two nearly orthogonal; each cone is a large shared mean
// (with a few per-head outlier channels) plus low-rank variation and a
// little isotropic noise; attention concentrates on a few percent of keys.
// See docs/Quality.md for the model and the measured figures.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_SYNTHETIC_H
#define SPOTLIGHT_QUALITY_SYNTHETIC_H

#include "spotlight/Quality/Dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spotlight::quality {

struct SyntheticOptions {
  int64_t tokens = 8192, queryHeads = 28, kvHeads = 4, headDim = 128;
  /// Empty: one sequence of `tokens`.
  std::vector<int64_t> sequenceLengths;
  /// The "layer" (cone means, subspaces, outlier channels) and the "text"
  /// (per-token variation) are seeded separately, so that weights trained on
  /// one text can be evaluated on another text of the same layer.
  uint64_t layerSeed = 1, tokenSeed = 1;

  /// Dimension of the variation subspace of each KV head's keys.
  int64_t rank = 16;
  /// Norm of the mean key / query and the cone half-angles (degrees): the
  /// typical angle between a vector and its cone's mean direction.
  double keyNorm = 10, keyConeDegrees = 25;
  double queryNorm = 30, queryConeDegrees = 35;
  /// Angle between the mean query and the mean key direction.
  double interConeDegrees = 85;
  /// Target standard deviation, over the keys, of the attention logit
  /// q.k / sqrt(D) of a typical query: sets how concentrated attention is.
  double logitStd = 2.75;
  /// Share of the query variation that lies in the keys' subspace (the part
  /// that changes which keys a query prefers).
  double queryAlignedShare = 0.8;
  /// Share of each cone's variation that is isotropic noise.
  double noiseShare = 0.1;
  /// Outlier channels per KV head and the share of the mean's squared norm
  /// that sits on them.
  int64_t outlierChannels = 4;
  double outlierShare = 0.5;
  /// RoPE base: 0 leaves the vectors unrotated; otherwise queries and keys
  /// are rotated by their position in their sequence as in Hugging Face's
  /// rotate_half (channel i pairs with i + D/2, frequency base^(-2i/D)),
  /// which smears the cones along the fast-rotating channels.
  double ropeBase = 0;
  /// Share of the RoPE channel pairs, the slowest-rotating ones, that the
  /// cone means (outliers included) live in; 1: all channels. As in real
  /// models, means in slow pairs keep the cones narrow under RoPE.
  double meanBand = 1;
};

/// Generates the dataset; returns false with `error` on bad options. KV
/// heads are generated on up to `threads` threads (0: all cores); the data
/// does not depend on the thread count.
bool generateSynthetic(const SyntheticOptions &options, Dataset &out,
                       std::string &error, int threads = 0);

/// Applies a spec "key=value,key=value" (or "" / "default") to `options`.
/// Keys: tokens, seq-lens (lengths joined by ':'), qh, kh, d, layer-seed,
/// text-seed, rank, key-norm, key-cone, query-norm, query-cone, inter-cone,
/// logit-std, aligned, noise, outliers, outlier-share, rope-base,
/// mean-band.
bool parseSyntheticSpec(const std::string &spec, SyntheticOptions &options,
                        std::string &error);

/// The spec that reproduces `options` (every key).
std::string syntheticSpec(const SyntheticOptions &options);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_SYNTHETIC_H
