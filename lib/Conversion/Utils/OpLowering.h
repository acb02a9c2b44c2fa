//===- OpLowering.h - Patterns that emit code in place of an op -*- C++ -*-===//
//
//   spotlight.op ins(...) outs(%init)   (on memrefs)
//     ->  the code `emit` builds, which writes %init; the op is erased
//
// Every lowering (reference, CPU, GPU) starts from bufferized ops: an op has
// no results to replace, only code to emit before it is erased. The pattern
// holds that shape once; a lowering writes only `emit`.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_UTILS_OPLOWERING_H
#define SPOTLIGHT_LIB_CONVERSION_UTILS_OPLOWERING_H

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::spotlight {

template <typename OpTy>
struct OpLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using Adaptor = typename OpTy::Adaptor;

  /// Emits the code that replaces `op` at `b`'s insertion point. A failure
  /// (a shape this lowering cannot handle, reported on the op) emits nothing
  /// and leaves the op in place.
  virtual LogicalResult emit(OpTy op, Adaptor adaptor,
                             ImplicitLocOpBuilder &b) const = 0;

  LogicalResult
  matchAndRewrite(OpTy op, Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const final {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    if (failed(emit(op, adaptor, b)))
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace mlir::spotlight

#endif // SPOTLIGHT_LIB_CONVERSION_UTILS_OPLOWERING_H
