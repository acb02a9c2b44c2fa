//===- LinalgAttention.h - Decode attention read back from linalg -*- C++
//-*-===//
//
// The decode attention a frontend emits for scaled_dot_product_attention
// with one query token (docs/Semantics.md, "The linalg form"), recognised
// from its linalg.softmax so that the dialect passes can raise it to a
// spotlight op:
//
//   [%kr = linalg.generic (b,h,n,d) -> (b, h floordiv G, n, d)  ins(%k),
//    or linalg.broadcast [B,KH,G,N,D] + tensor.collapse_shape]
//   %s  = linalg.generic  s[b,h,n] += q[b,h,d] * kr[b,h,n,d]   (zero init)
//   [%s = linalg.generic  s * scale | s / c]
//   [%s = linalg.generic  idx[b, h floordiv G, n] >= 0 ? s : fill]
//   %p  = linalg.softmax dimension(2) ins(%s)    (or the generics
//         m = max_n s, e = exp(s - m), z = sum_n e, p = e / z)
//   [%vr = the same broadcast of %v]
//   %o  = linalg.generic  o[b,h,d] += p[b,h,n] * vr[b,h,n,d]   (zero init)
//   [%o = linalg.generic  truncf(o)]
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_DIALECT_SPOTLIGHT_TRANSFORMS_LINALGATTENTION_H
#define SPOTLIGHT_LIB_DIALECT_SPOTLIGHT_TRANSFORMS_LINALGATTENTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <string>

namespace mlir::spotlight {

/// What the linalg form computes, in the operands of the spotlight ops.
struct LinalgAttention {
  /// [B, QH, D].
  Value query;
  /// [B, R, T, D] before the GQA broadcast (R * G = QH): the caches
  /// (R = KH, T = N) or gathered rows (R = S, T = M).
  Value keys, values;
  /// [B, R, T] i32, or null: slots with a negative entry are masked out.
  Value mask;
  /// The constant the masked scores are set to (after scaling).
  double maskFill = 0;
  /// The softmax scale (1 when the form applies none).
  float scale = 1;
  /// The op whose result is the attention output, [B, QH, D] in the
  /// query's element type.
  Operation *root = nullptr;
};

/// Whether `op` may end a softmax over attention scores: a linalg.softmax,
/// or the `e / sum(e)` generic of the decomposed max/sub/exp/sum/div form.
/// The passes try the match from these, and remark on those that fail.
bool isSoftmaxAnchor(Operation *op);

/// The attention around the softmax ending in `anchor`, or failure with the
/// reason in `whyNot`.
FailureOr<LinalgAttention> matchLinalgAttention(Operation *anchor,
                                                std::string &whyNot);

/// An empty [B, QH, D] output like `query`, for the op that replaces the
/// form's root.
Value createAttentionInit(OpBuilder &builder, Location loc, Value query);

} // namespace mlir::spotlight

#endif // SPOTLIGHT_LIB_DIALECT_SPOTLIGHT_TRANSFORMS_LINALGATTENTION_H
