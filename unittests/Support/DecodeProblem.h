//===- DecodeProblem.h - Random decode-step inputs and oracles --*- C++ -*-===//
//
// Fresh random inputs for one decode step of a given geometry, stored in
// the module's element types, with the naive reference's answers for them.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_SUPPORT_DECODEPROBLEM_H
#define SPOTLIGHT_UNITTESTS_SUPPORT_DECODEPROBLEM_H

#include "Reference/NaiveReference.h"
#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/ExecutionEngine/HostTensor.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace spotlight::testing {

/// A seed that is fresh per run unless SPOTLIGHT_TEST_SEED fixes it.
uint64_t freshSeed();

/// A host tensor of `type` filled with `values` rounded to `type`; the
/// rounded values are written back into `values`.
HostTensor makeTensor(std::vector<int64_t> shape, ElementType type,
                      std::vector<float> &values);

/// Reads element `i` of a tensor of `type` as float.
float readElement(const HostTensor &tensor, ElementType type, int64_t i);

/// ||a - b|| / ||b|| over all elements.
double relativeError(const std::vector<double> &actual,
                     const std::vector<double> &expected);

/// The geometry most tests vary: KH = 2 KV heads of `group` query heads,
/// one code per query head (CH = QH) or per KV head, group or head mode.
DecodeGeometry testGeometry(int64_t group, int64_t headDim,
                            bool codePerQueryHead, bool headMode,
                            ElementType dtype);

reference::Geometry referenceGeometry(const DecodeGeometry &g);
reference::Selection referenceSelection(const DecodeGeometry &g);

/// `count` values drawn from N(mean, stddev^2).
std::vector<float> gaussian(std::mt19937_64 &rng, int64_t count,
                            float stddev = 1, float mean = 0);

/// Random hash weights of a geometry's code heads, scaled so that hidden
/// activations stay O(1): the floats rounded to the weight type (what the
/// reference reads, once as `hashWeights`) and the typed tensors (what the
/// compiled code reads). Drawn from their own stream of `seed`.
struct RandomHashWeights {
  RandomHashWeights(const DecodeGeometry &geometry, uint64_t seed);

  std::vector<float> w1, b1, w2, b2;
  HostTensor w1T, b1T, w2T, b2T;
  reference::HashWeights hashWeights;
};

/// Random q, K, V, hash weights for `tokens` tokens, both as typed host
/// tensors (what the compiled code reads) and as the exactly rounded floats
/// (what the reference reads).
struct DecodeProblem : RandomHashWeights {
  DecodeProblem(const DecodeGeometry &geometry, int64_t tokens, uint64_t seed);

  DecodeGeometry geometry;
  int64_t tokens;
  std::vector<float> q, k, v;
  HostTensor qT, kT, vT;

  /// Reference code of a key row (b, h, t) for code c, and of a query row.
  std::vector<uint32_t> keyCode(int64_t b, int64_t h, int64_t t, int64_t c,
                                std::vector<double> *preSign) const;
  std::vector<uint32_t> queryCode(int64_t b, int64_t qh,
                                  std::vector<double> *preSign) const;
  /// Reference attention over `set` for query head (b, qh).
  std::vector<double> attention(int64_t b, int64_t qh,
                                const std::vector<int32_t> &set) const;
  /// Reference dense output, flattened [B, QH, D].
  std::vector<double> denseOutput() const;
};

} // namespace spotlight::testing

#endif // SPOTLIGHT_UNITTESTS_SUPPORT_DECODEPROBLEM_H
