//===- NaiveReference.h - Naive reference of SEMANTICS.md -------*- C++ -*-===//
//
// A deliberately simple, independent implementation of one Spotlight decode
// step (SEMANTICS.md) in double precision: the oracle every backend is
// checked against. It shares no code with the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_REFERENCE_NAIVEREFERENCE_H
#define SPOTLIGHT_UNITTESTS_REFERENCE_NAIVEREFERENCE_H

#include <cstdint>
#include <vector>

namespace spotlight::reference {

/// bf16 / f16 storage conversions (round to nearest even).
uint16_t floatToBf16(float value);
float bf16ToFloat(uint16_t bits);
uint16_t floatToF16(float value);
float f16ToFloat(uint16_t bits);

struct Geometry {
  int64_t batch, queryHeads, kvHeads, headDim, codeHeads;
  int64_t group() const { return queryHeads / kvHeads; }
  int64_t words() const { return headDim / 32; }
  /// Code heads that hash the keys of one KV head.
  int64_t keyCodesPerHead() const { return codeHeads == queryHeads ? group() : 1; }
  int64_t codeHeadOfQuery(int64_t qh) const {
    return codeHeads == queryHeads ? qh : qh / group();
  }
};

struct Selection {
  bool headMode = false;
  int64_t sink = 4, window = 64;
  int64_t count = 0;        ///< > 0: a fixed budget
  double fraction = 0.02;   ///< used when count == 0
  int64_t minCount = 20;
};

/// Weights of all code heads, row-major: w1/w2 [CH, D, D], b1/b2 [CH, D].
struct HashWeights {
  std::vector<float> w1, b1, w2, b2;
};

/// The D/32 code words of row `x` under code head `c`. `minMargin`, when
/// given, receives min_j |h2[j]|: bits closer to 0 than rounding noise may
/// legitimately differ between f32 implementations.
std::vector<uint32_t> encodeRow(const float *x, const HashWeights &weights,
                                int64_t headDim, int64_t codeHead,
                                std::vector<double> *preSign = nullptr);

/// Matching bits of two codes of `words` words.
int64_t matchingBits(const uint32_t *a, const uint32_t *b, int64_t words);

/// The budget k for `tokens` tokens.
int64_t budgetFor(const Selection &selection, int64_t tokens);

/// Exact selection over one row of `scores` (one per token), ascending.
std::vector<int32_t> selectTokens(const std::vector<int64_t> &scores,
                                  const Selection &selection);

/// Scores of each selection set s of sequence b over `tokens` tokens, from
/// query codes [B, QH, W] and key codes [B, KH, N, C, W] (N = `capacity`).
std::vector<int64_t> scoreRow(const Geometry &g, const Selection &selection,
                              const uint32_t *queryCodes,
                              const uint32_t *keyCodes, int64_t tokens,
                              int64_t b, int64_t s);

/// Attention of query row `q` over rows `tokens` of K/V ([N, D] row-major).
std::vector<double> attend(const float *q, const float *keys,
                           const float *values, int64_t headDim,
                           const std::vector<int32_t> &tokens, double scale);

} // namespace spotlight::reference

#endif // SPOTLIGHT_UNITTESTS_REFERENCE_NAIVEREFERENCE_H
