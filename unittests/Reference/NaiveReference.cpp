//===- NaiveReference.cpp - Naive reference of SEMANTICS.md ---------------===//

#include "NaiveReference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace spotlight::reference {

uint16_t floatToBf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (std::isnan(value))
    return 0x7fc0;
  uint32_t rounding = 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float bf16ToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &wide, sizeof(value));
  return value;
}

uint16_t floatToF16(float value) {
  _Float16 half = static_cast<_Float16>(value);
  uint16_t bits;
  std::memcpy(&bits, &half, sizeof(bits));
  return bits;
}

float f16ToFloat(uint16_t bits) {
  _Float16 h;
  std::memcpy(&h, &bits, sizeof(h));
  return static_cast<float>(h);
}

std::vector<uint32_t> encodeRow(const float *x, const HashWeights &weights,
                                int64_t headDim, int64_t codeHead,
                                std::vector<double> *preSign) {
  const int64_t D = headDim;
  const float *w1 = weights.w1.data() + codeHead * D * D;
  const float *b1 = weights.b1.data() + codeHead * D;
  const float *w2 = weights.w2.data() + codeHead * D * D;
  const float *b2 = weights.b2.data() + codeHead * D;
  std::vector<double> h1(D), h2(D);
  for (int64_t j = 0; j < D; ++j) {
    double acc = b1[j];
    for (int64_t i = 0; i < D; ++i)
      acc += double(x[i]) * double(w1[i * D + j]);
    h1[j] = acc / (1.0 + std::exp(-acc)) + double(x[j]);
  }
  std::vector<uint32_t> code(D / 32, 0);
  for (int64_t j = 0; j < D; ++j) {
    double acc = b2[j];
    for (int64_t i = 0; i < D; ++i)
      acc += h1[i] * double(w2[i * D + j]);
    h2[j] = acc + h1[j];
    if (h2[j] > 0)
      code[j / 32] |= 1u << (j % 32);
  }
  if (preSign)
    *preSign = h2;
  return code;
}

int64_t matchingBits(const uint32_t *a, const uint32_t *b, int64_t words) {
  int64_t same = 0;
  for (int64_t w = 0; w < words; ++w)
    for (int bit = 0; bit < 32; ++bit)
      same += ((a[w] >> bit) & 1) == ((b[w] >> bit) & 1);
  return same;
}

int64_t budgetFor(const Selection &selection, int64_t tokens) {
  if (selection.count > 0)
    return selection.count;
  int64_t k = static_cast<int64_t>(std::floor(selection.fraction * tokens));
  return std::max(k, selection.minCount);
}

std::vector<int32_t> selectTokens(const std::vector<int64_t> &scores,
                                  const Selection &selection) {
  const int64_t n = scores.size();
  const int64_t k = budgetFor(selection, n);
  std::vector<int32_t> chosen;
  if (n <= selection.sink + selection.window + k) {
    for (int64_t t = 0; t < n; ++t)
      chosen.push_back(t);
    return chosen;
  }
  std::vector<int32_t> middle;
  for (int64_t t = 0; t < n; ++t) {
    if (t < selection.sink || t >= n - selection.window)
      chosen.push_back(t);
    else
      middle.push_back(t);
  }
  // Highest score first; among equal scores the larger position first.
  std::sort(middle.begin(), middle.end(), [&](int32_t a, int32_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a > b;
  });
  chosen.insert(chosen.end(), middle.begin(), middle.begin() + k);
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::vector<int64_t> scoreRow(const Geometry &g, const Selection &selection,
                              const uint32_t *queryCodes,
                              const uint32_t *keyCodes, int64_t tokens,
                              int64_t b, int64_t s) {
  const int64_t W = g.words(), C = g.keyCodesPerHead();
  std::vector<int64_t> queryHeads;
  if (selection.headMode)
    queryHeads.push_back(s);
  else
    for (int64_t i = 0; i < g.group(); ++i)
      queryHeads.push_back(s * g.group() + i);
  std::vector<int64_t> scores(tokens, 0);
  for (int64_t qh : queryHeads) {
    int64_t h = qh / g.group();
    int64_t c = C == 1 ? 0 : qh % g.group();
    const uint32_t *q = queryCodes + (b * g.queryHeads + qh) * W;
    for (int64_t t = 0; t < tokens; ++t) {
      const uint32_t *k =
          keyCodes + (((b * g.kvHeads + h) * tokens + t) * C + c) * W;
      scores[t] += matchingBits(q, k, W);
    }
  }
  return scores;
}

std::vector<double> attend(const float *q, const float *keys,
                           const float *values, int64_t headDim,
                           const std::vector<int32_t> &tokens, double scale) {
  std::vector<double> logits;
  double peak = -INFINITY;
  for (int32_t t : tokens) {
    double dot = 0;
    for (int64_t d = 0; d < headDim; ++d)
      dot += double(q[d]) * double(keys[t * headDim + d]);
    logits.push_back(scale * dot);
    peak = std::max(peak, logits.back());
  }
  std::vector<double> out(headDim, 0.0);
  double total = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    double p = std::exp(logits[i] - peak);
    total += p;
    for (int64_t d = 0; d < headDim; ++d)
      out[d] += p * double(values[tokens[i] * headDim + d]);
  }
  for (double &o : out)
    o = total > 0 ? o / total : 0.0;
  return out;
}

} // namespace spotlight::reference
