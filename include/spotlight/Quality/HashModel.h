//===- HashModel.h - The per-code-head hash MLP of SEMANTICS.md -*- C++ -*-===//
//
//   h1 = silu(x @ W1 + b1) + x
//   h2 = (h1 @ W2 + b2) + h1
//   bit j = h2[j] > 0, packed LSB first into D/32 uint32 words
//
// Weights of all code heads in the layout spotlight-run reads: w1 [CH,D,D],
// b1 [CH,D], w2 [CH,D,D], b2 [CH,D], f32, row-major. For training, a batched
// forward pass that keeps its activations and the matching backward pass.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_HASHMODEL_H
#define SPOTLIGHT_QUALITY_HASHMODEL_H

#include "spotlight/Quality/AlignedVector.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace spotlight::quality {

struct HashWeights {
  int64_t codeHeads = 0, headDim = 0;
  std::vector<float> w1, b1, w2, b2;

  void resize(int64_t codeHeads, int64_t headDim);
  float *w1Of(int64_t c) { return &w1[c * headDim * headDim]; }
  float *b1Of(int64_t c) { return &b1[c * headDim]; }
  float *w2Of(int64_t c) { return &w2[c * headDim * headDim]; }
  float *b2Of(int64_t c) { return &b2[c * headDim]; }
  const float *w1Of(int64_t c) const { return &w1[c * headDim * headDim]; }
  const float *b1Of(int64_t c) const { return &b1[c * headDim]; }
  const float *w2Of(int64_t c) const { return &w2[c * headDim * headDim]; }
  const float *b2Of(int64_t c) const { return &b2[c * headDim]; }
};

/// The parameters of one code head (pointers into HashWeights, or into a
/// gradient of the same shape).
struct HeadParams {
  float *w1, *b1, *w2, *b2;
};
struct ConstHeadParams {
  const float *w1, *b1, *w2, *b2;
  ConstHeadParams(const float *w1, const float *b1, const float *w2,
                  const float *b2)
      : w1(w1), b1(b1), w2(w2), b2(b2) {}
  ConstHeadParams(const HeadParams &p)
      : w1(p.w1), b1(p.b1), w2(p.w2), b2(p.b2) {}
};
inline HeadParams headParams(HashWeights &w, int64_t c) {
  return {w.w1Of(c), w.b1Of(c), w.w2Of(c), w.b2Of(c)};
}
inline ConstHeadParams headParams(const HashWeights &w, int64_t c) {
  return {w.w1Of(c), w.b1Of(c), w.w2Of(c), w.b2Of(c)};
}

enum class InitKind {
  /// W ~ N(0, scale^2 * 2/D), b = 0 (the authors' initialisation at scale 1).
  Normal,
  /// W = 0, b = 0: the MLP starts as the identity, codes = sign(x).
  Zero,
};

/// Initializes all code heads; head c draws from its own stream of `seed`.
void initWeights(HashWeights &weights, InitKind kind, double scale,
                 uint64_t seed);

/// Writes w1, b1, w2, b2 (f32) as .safetensors, with `metadata`.
bool saveWeights(const std::string &path, const HashWeights &weights,
                 const std::map<std::string, std::string> &metadata,
                 std::string &error);

/// Reads w1, b1, w2, b2 from .safetensors or .npz (f32, f16, bf16; U16 is
/// bf16) and checks their shapes agree.
bool loadWeights(const std::string &path, HashWeights &weights,
                 std::string &error);

/// Activations of a batch of `rows` rows through one head, row-major
/// [rows, D] each: a1 = x W1 + b1, h1 = silu(a1) + x, h2 = h1 W2 + b2 + h1.
struct ForwardCache {
  int64_t rows = 0;
  AlignedVector<float> a1, h1, h2;
};

/// Batched forward pass of `rows` contiguous rows `x` ([rows, D]).
void forwardBatch(ConstHeadParams p, int64_t headDim, const float *x,
                  int64_t rows, ForwardCache &cache);

/// Backward pass: given dL/dh2 ([rows, D]; overwritten as scratch), adds
/// dL/dW1, dL/db1, dL/dW2, dL/db2 into `grad`. The inputs are constants, so
/// dL/dx is not formed.
void backwardBatch(ConstHeadParams p, int64_t headDim, const float *x,
                   const ForwardCache &cache, float *dH2, HeadParams grad,
                   AlignedVector<float> &scratch);

/// The D/32 code words of each of `rows` rows of `x` (row stride
/// `xStride` floats) under one head, written to codes[r * D/32 + w].
void encodeRows(ConstHeadParams p, int64_t headDim, const float *x,
                int64_t xStride, int64_t rows, uint32_t *codes);

/// Sign bits of `rows` rows of `bits` values each (value > 0 -> 1), LSB
/// first; bits must be a multiple of 32.
void packSigns(const float *values, int64_t rows, int64_t bits,
               uint32_t *codes);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_HASHMODEL_H
