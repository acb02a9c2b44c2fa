//===- LoweringUtils.h - Helpers shared by the reference lowering -*- C++ -*-//

#ifndef SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOLINALG_LOWERINGUTILS_H
#define SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOLINALG_LOWERINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::spotlight::lowering {

/// Widens f16/bf16 to f32 (the accumulation type); f32 passes through.
Value toF32(ImplicitLocOpBuilder &b, Value value);

/// Narrows an f32 value to `type` (f32, f16 or bf16).
Value fromF32(ImplicitLocOpBuilder &b, Value value, Type type);

/// A new, uninitialized buffer of `elementType` with the given sizes (freed
/// by the buffer-deallocation pipeline).
Value allocBuffer(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                  Type elementType);

/// A new buffer of `elementType` with the given sizes, filled with `fill`.
Value filledBuffer(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   Type elementType, TypedAttr fillValue);

/// `linalg.fill` of buffer `dest` with `value`.
void fill(ImplicitLocOpBuilder &b, Value value, Value dest);

/// `linalg.generic` on buffers writing `out`; returns `out`.
Value generic(ImplicitLocOpBuilder &b, ValueRange inputs, Value out,
              ArrayRef<AffineMap> maps,
              ArrayRef<utils::IteratorType> iteratorTypes,
              function_ref<void(ImplicitLocOpBuilder &, ValueRange)> body);

/// The sizes of `value`'s leading `count` dimensions (static or memref.dim).
SmallVector<OpFoldResult> leadingSizes(ImplicitLocOpBuilder &b, Value value,
                                       unsigned count);

/// `count` parallel iterators followed by `reductions` reduction iterators.
SmallVector<utils::IteratorType> iterators(unsigned parallel,
                                           unsigned reductions = 0);

/// A `linalg.index` for each of the first `count` loop dimensions.
SmallVector<Value> loopIndices(ImplicitLocOpBuilder &b, unsigned count);

} // namespace mlir::spotlight::lowering

#endif // SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOLINALG_LOWERINGUTILS_H
