//===- LoopEmitter.h - Loop and vector building for lowerings ---*- C++ -*-===//
//
// The CPU and GPU lowerings work on bufferized ops (One-Shot Bufferize runs
// first) through flat (1-D) views with explicit offsets: every operand
// buffer is collapsed, and every result is written in place into the op's
// init buffer.
// These helpers keep the index arithmetic and loop building readable.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_UTILS_LOOPEMITTER_H
#define SPOTLIGHT_LIB_CONVERSION_UTILS_LOOPEMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::spotlight::loops {

using Pred = arith::CmpIPredicate;

/// A contiguous buffer viewed as 1-D, with the element type it stores.
struct FlatBuffer {
  Value memref;
  Type elementType;
};

class LoopEmitter {
public:
  explicit LoopEmitter(ImplicitLocOpBuilder &b) : b(b) {}

  ImplicitLocOpBuilder &builder() { return b; }

  // Index arithmetic.
  Value index(int64_t value);
  Value add(Value lhs, Value rhs);
  Value sub(Value lhs, Value rhs);
  Value mul(Value lhs, Value rhs);
  Value mul(Value lhs, int64_t rhs) { return mul(lhs, index(rhs)); }
  Value add(Value lhs, int64_t rhs) { return add(lhs, index(rhs)); }
  Value min(Value lhs, Value rhs);
  Value max(Value lhs, Value rhs);
  Value cmp(Pred predicate, Value lhs, Value rhs);
  Value f32(float value);
  /// A scalar f16/bf16 widened to f32; an f32 passes through.
  Value toF32(Value scalar);
  Value i32(int32_t value);

  /// A contiguous memref viewed as 1-D.
  FlatBuffer flat(Value memref);
  /// A fresh 1-D buffer of `size` elements.
  FlatBuffer allocFlat(Value size, Type elementType);
  /// A fixed-size stack buffer of `size` elements.
  FlatBuffer allocaFlat(int64_t size, Type elementType);
  /// Dimension `dim` of memref `buffer`.
  Value dim(Value buffer, int64_t dim);

  /// Loads `width` elements at `offset` widened to f32 (vector<width x f32>).
  Value loadF32(FlatBuffer buffer, Value offset, int64_t width);
  /// Loads `width` elements at `offset` as they are stored.
  Value load(FlatBuffer buffer, Value offset, int64_t width);
  Value loadScalar(FlatBuffer buffer, Value offset);
  /// Stores f32 `vector` narrowed to the buffer's element type.
  void storeFromF32(Value vector, FlatBuffer buffer, Value offset);
  void store(Value value, FlatBuffer buffer, Value offset);
  /// Prefetches (for reading) every 64-byte cache line of the `elements`
  /// elements at `offset`, into the cache levels of `locality` (3: all, as
  /// prefetcht0; 2: L2 and beyond; 0: non-temporal).
  void prefetch(FlatBuffer buffer, Value offset, int64_t elements,
                unsigned locality = 3);

  /// `for iv in [lb, ub)` with `body` built at the insertion point.
  void forRange(Value lb, Value ub, function_ref<void(Value)> body);
  /// `for iv in [lb, ub) step step`.
  void forStep(Value lb, Value ub, Value step, function_ref<void(Value)> body);
  /// The same carrying `inits`; `body` returns the values to yield.
  ValueRange forRange(Value lb, Value ub, ValueRange inits,
                      function_ref<SmallVector<Value>(Value, ValueRange)> body);
  ValueRange forStep(Value lb, Value ub, Value step, ValueRange inits,
                     function_ref<SmallVector<Value>(Value, ValueRange)> body);
  /// `if cond` with `then` (and optionally `otherwise`) bodies.
  void ifThen(Value cond, function_ref<void()> then,
              function_ref<void()> otherwise = nullptr);

  /// A vector<width x f32> splat.
  Value splat(Value scalar, int64_t width);

  /// The score threshold of an exact top-`budget` over a histogram of
  /// `bins` counts at `hist[base ...]`: the largest T with
  /// count(score >= T) >= budget, and count(score > T).
  std::pair<Value, Value> thresholdSearch(FlatBuffer hist, Value base,
                                          int64_t bins, Value budget);

private:
  ImplicitLocOpBuilder &b;
};

} // namespace mlir::spotlight::loops

#endif // SPOTLIGHT_LIB_CONVERSION_UTILS_LOOPEMITTER_H
