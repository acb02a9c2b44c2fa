//===- OpShapes.h - The static shapes every lowering of an op needs -*- C++ -*-//
//
// Each lowering (reference, CPU, GPU) derives the same few numbers from an
// op's operand types; they are derived here once.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_UTILS_OPSHAPES_H
#define SPOTLIGHT_LIB_CONVERSION_UTILS_OPSHAPES_H

#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include <cmath>
#include <optional>
#include <type_traits>

namespace mlir::spotlight::loops {

inline int64_t dimOf(Value value, unsigned dim) {
  return cast<ShapedType>(value.getType()).getDimSize(dim);
}

/// hash_encode: input [B, H, (N,) D], weights [CH, D, D].
struct HashShape {
  HashShape(Value input, Value w1)
      : perToken(cast<ShapedType>(input.getType()).getRank() == 4),
        heads(dimOf(input, 1)), headDim(dimOf(input, perToken ? 3 : 2)),
        words(headDim / 32), codeHeads(dimOf(w1, 0)),
        codesPerHead(codeHeads >= heads ? codeHeads / heads : 1) {}

  bool perToken;
  int64_t heads, headDim, words, codeHeads, codesPerHead;
};

/// hamming_topk: query codes [B, QH, 1, W], key codes [B, KH, N, C, W].
struct TopKShape {
  explicit TopKShape(HammingTopKOp op)
      : queryHeads(dimOf(op.getQueryCodes(), 1)),
        kvHeads(dimOf(op.getKeyCodes(), 1)), group(queryHeads / kvHeads),
        codesPerHead(dimOf(op.getKeyCodes(), 3)),
        words(dimOf(op.getQueryCodes(), 3)),
        headMode(op.getMode() == SelectionMode::head),
        sets(headMode ? queryHeads : kvHeads), pairs(headMode ? 1 : group) {}

  /// The largest score of a set: D bits per query head it sums.
  int64_t maxScore() const { return 32 * words * pairs; }

  int64_t queryHeads, kvHeads, group, codesPerHead, words;
  bool headMode;
  int64_t sets;  ///< selection sets per sequence (S)
  int64_t pairs; ///< query heads scored together per set (G or 1)
};

/// sparse_attention / decode_attention: q [B, QH, D], K/V [B, KH, N, D],
/// indices [B, S, M] or none (dense).
struct AttentionShape {
  AttentionShape(Value query, Value keys, Value indices,
                 std::optional<APFloat> scaleAttr)
      : queryHeads(dimOf(query, 1)), headDim(dimOf(query, 2)),
        kvHeads(dimOf(keys, 1)), group(queryHeads / kvHeads),
        scale(scaleAttr ? scaleAttr->convertToFloat()
                        : 1.0f / std::sqrt(float(headDim))),
        perHeadSets(indices && dimOf(indices, 1) == queryHeads) {}

  int64_t queryHeads, headDim, kvHeads, group;
  float scale;
  bool perHeadSets; ///< one index row per query head (head selection)
};

/// The index operand of an attention op's adaptor; null for the dense op.
template <typename OpTy, typename Adaptor>
Value attentionIndices(Adaptor adaptor) {
  if constexpr (std::is_same_v<OpTy, SparseAttentionOp>)
    return adaptor.getIndices();
  return Value();
}

} // namespace mlir::spotlight::loops

#endif // SPOTLIGHT_LIB_CONVERSION_UTILS_OPSHAPES_H
