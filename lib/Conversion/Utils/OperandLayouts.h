//===- OperandLayouts.h - Buffer layouts a lowering can address -*- C++ -*-===//
//
// Bufferization may hand a spotlight op a view: a slice of a tensor becomes
// a strided memref.subview, and an affine layout may come with the input.
// The loop lowerings (CPU, GPU) address flat buffers and read strides only
// where the runtime passes views; any other layout would be read as if it
// were contiguous. Each lowering pass therefore checks its ops' buffers
// before converting them and reports what it cannot address.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_UTILS_OPERANDLAYOUTS_H
#define SPOTLIGHT_LIB_CONVERSION_UTILS_OPERANDLAYOUTS_H

#include "mlir/IR/Operation.h"

namespace mlir::spotlight {

/// What a lowering addresses.
enum class AddressableLayouts {
  /// Any strided layout (the reference lowering: linalg and memref ops
  /// follow the strides).
  Strided,
  /// Identity layouts, plus the views the runtime's KV-head entry points
  /// pass: one KV head's view of a paged pool (static strides, rows
  /// contiguous, `TokenAddressing::poolTokenRows`) and, for score_topk, a
  /// sequence's rows of the scores (unit innermost stride) and histograms.
  LoopLowering,
};

/// Reports, on the op, every memref operand of a spotlight op under `root`
/// whose layout `pass` cannot address. Fails if there is one.
LogicalResult checkOperandLayouts(Operation *root, StringRef pass,
                                  AddressableLayouts addressable);

} // namespace mlir::spotlight

#endif // SPOTLIGHT_LIB_CONVERSION_UTILS_OPERANDLAYOUTS_H
