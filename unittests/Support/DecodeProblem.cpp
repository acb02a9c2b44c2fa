//===- DecodeProblem.cpp - Random decode-step inputs and oracles ----------===//

#include "DecodeProblem.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace spotlight::testing {

uint64_t freshSeed() {
  if (const char *fixed = std::getenv("SPOTLIGHT_TEST_SEED"))
    return std::strtoull(fixed, nullptr, 10);
  return std::random_device{}();
}

DecodeGeometry testGeometry(int64_t group, int64_t headDim,
                            bool codePerQueryHead, bool headMode,
                            ElementType dtype) {
  DecodeGeometry g;
  g.kvHeads = 2;
  g.queryHeads = 2 * group;
  g.headDim = headDim;
  g.codeHeads = codePerQueryHead ? g.queryHeads : g.kvHeads;
  g.headMode = headMode;
  g.dtype = dtype;
  return g;
}

HostTensor makeTensor(std::vector<int64_t> shape, ElementType type,
                      std::vector<float> &values) {
  HostTensor tensor(std::move(shape), elementTypeBytes(type));
  for (int64_t i = 0; i < tensor.numElements(); ++i) {
    switch (type) {
    case ElementType::F32:
      tensor.as<float>()[i] = values[i];
      break;
    case ElementType::BF16:
      tensor.as<uint16_t>()[i] = reference::floatToBf16(values[i]);
      break;
    case ElementType::F16:
      tensor.as<uint16_t>()[i] = reference::floatToF16(values[i]);
      break;
    }
    values[i] = readElement(tensor, type, i);
  }
  return tensor;
}

float readElement(const HostTensor &tensor, ElementType type, int64_t i) {
  switch (type) {
  case ElementType::F32:
    return tensor.as<float>()[i];
  case ElementType::BF16:
    return reference::bf16ToFloat(tensor.as<uint16_t>()[i]);
  case ElementType::F16:
    return reference::f16ToFloat(tensor.as<uint16_t>()[i]);
  }
  return 0;
}

double relativeError(const std::vector<double> &actual,
                     const std::vector<double> &expected) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
    norm += expected[i] * expected[i];
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

reference::Geometry referenceGeometry(const DecodeGeometry &g) {
  return {g.batch, g.queryHeads, g.kvHeads, g.headDim, g.codeHeads};
}

reference::Selection referenceSelection(const DecodeGeometry &g) {
  reference::Selection s;
  s.headMode = g.headMode;
  s.sink = g.sink;
  s.window = g.window;
  s.count = g.budgetCount;
  s.fraction = g.budgetFraction;
  s.minCount = g.minBudget;
  return s;
}

std::vector<float> gaussian(std::mt19937_64 &rng, int64_t count, float stddev,
                            float mean) {
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> values(count);
  for (float &v : values)
    v = dist(rng);
  return values;
}

RandomHashWeights::RandomHashWeights(const DecodeGeometry &g, uint64_t seed)
    : w1T({1}, 4), b1T({1}, 4), w2T({1}, 4), b2T({1}, 4) {
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  const int64_t CH = g.codeHeads, D = g.headDim;
  const float weightScale = 1.0f / std::sqrt(float(D));
  w1 = gaussian(rng, CH * D * D, weightScale);
  b1 = gaussian(rng, CH * D, 0.1f);
  w2 = gaussian(rng, CH * D * D, weightScale);
  b2 = gaussian(rng, CH * D, 0.1f);
  w1T = makeTensor({CH, D, D}, g.weightType, w1);
  b1T = makeTensor({CH, D}, g.weightType, b1);
  w2T = makeTensor({CH, D, D}, g.weightType, w2);
  b2T = makeTensor({CH, D}, g.weightType, b2);
  hashWeights = {w1, b1, w2, b2};
}

DecodeProblem::DecodeProblem(const DecodeGeometry &g, int64_t tokens,
                             uint64_t seed)
    : RandomHashWeights(g, seed), geometry(g), tokens(tokens), qT({1}, 4),
      kT({1}, 4), vT({1}, 4) {
  std::mt19937_64 rng(seed);
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  q = gaussian(rng, B * QH * D, 1.0f);
  k = gaussian(rng, B * KH * tokens * D, 1.0f);
  v = gaussian(rng, B * KH * tokens * D, 1.0f);
  qT = makeTensor({B, QH, D}, g.dtype, q);
  kT = makeTensor({B, KH, tokens, D}, g.dtype, k);
  vT = makeTensor({B, KH, tokens, D}, g.dtype, v);
}

std::vector<uint32_t>
DecodeProblem::keyCode(int64_t b, int64_t h, int64_t t, int64_t c,
                       std::vector<double> *preSign) const {
  const DecodeGeometry &g = geometry;
  int64_t codeHead = g.codeHeads == g.queryHeads ? h * g.group() + c : h;
  const float *row = k.data() + ((b * g.kvHeads + h) * tokens + t) * g.headDim;
  return reference::encodeRow(row, hashWeights, g.headDim, codeHead,
                              preSign);
}

std::vector<uint32_t>
DecodeProblem::queryCode(int64_t b, int64_t qh,
                         std::vector<double> *preSign) const {
  const DecodeGeometry &g = geometry;
  const float *row = q.data() + (b * g.queryHeads + qh) * g.headDim;
  return reference::encodeRow(row, hashWeights, g.headDim,
                              referenceGeometry(g).codeHeadOfQuery(qh),
                              preSign);
}

std::vector<double>
DecodeProblem::attention(int64_t b, int64_t qh,
                         const std::vector<int32_t> &set) const {
  const DecodeGeometry &g = geometry;
  int64_t h = qh / g.group();
  size_t cache = (b * g.kvHeads + h) * tokens * g.headDim;
  double scale = g.scale ? *g.scale : 1.0 / std::sqrt(double(g.headDim));
  return reference::attend(q.data() + (b * g.queryHeads + qh) * g.headDim,
                           k.data() + cache, v.data() + cache, g.headDim, set,
                           scale);
}

std::vector<double> DecodeProblem::denseOutput() const {
  std::vector<int32_t> all(tokens);
  for (int64_t t = 0; t < tokens; ++t)
    all[t] = t;
  std::vector<double> out;
  for (int64_t b = 0; b < geometry.batch; ++b)
    for (int64_t qh = 0; qh < geometry.queryHeads; ++qh) {
      std::vector<double> row = attention(b, qh, all);
      out.insert(out.end(), row.begin(), row.end());
    }
  return out;
}

} // namespace spotlight::testing
