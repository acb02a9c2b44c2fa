//===- LoopEmitter.cpp - Loop and vector building for lowerings ----------===//

#include "LoopEmitter.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <algorithm>

namespace mlir::spotlight::loops {

Value LoopEmitter::index(int64_t value) {
  return arith::ConstantIndexOp::create(b, value);
}
Value LoopEmitter::add(Value lhs, Value rhs) {
  return arith::AddIOp::create(b, lhs, rhs);
}
Value LoopEmitter::sub(Value lhs, Value rhs) {
  return arith::SubIOp::create(b, lhs, rhs);
}
Value LoopEmitter::mul(Value lhs, Value rhs) {
  return arith::MulIOp::create(b, lhs, rhs);
}
Value LoopEmitter::min(Value lhs, Value rhs) {
  return arith::MinSIOp::create(b, lhs, rhs);
}
Value LoopEmitter::max(Value lhs, Value rhs) {
  return arith::MaxSIOp::create(b, lhs, rhs);
}
Value LoopEmitter::cmp(Pred predicate, Value lhs, Value rhs) {
  return arith::CmpIOp::create(b, predicate, lhs, rhs);
}
Value LoopEmitter::f32(float value) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(value));
}
Value LoopEmitter::toF32(Value scalar) {
  if (scalar.getType().isF32())
    return scalar;
  return arith::ExtFOp::create(b, b.getF32Type(), scalar);
}
Value LoopEmitter::i32(int32_t value) {
  return arith::ConstantOp::create(b, b.getI32IntegerAttr(value));
}

/// A strided view (one KV head of a pool) as a 1-D view from its first
/// element, large enough for its last one; its callers index it through the
/// view's strides (TokenAddressing).
static FlatBuffer flattenStrided(ImplicitLocOpBuilder &b, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  auto metadata = memref::ExtractStridedMetadataOp::create(b, memref);
  // The last element's offset + 1: 1 + sum over d of (size_d - 1) * stride_d.
  Value extent = arith::ConstantIndexOp::create(b, 1);
  for (auto [d, size] : llvm::enumerate(metadata.getSizes())) {
    Value last = arith::SubIOp::create(
        b, size, arith::ConstantIndexOp::create(b, 1));
    extent = arith::AddIOp::create(
        b, extent,
        arith::MulIOp::create(b, last, metadata.getStrides()[d]));
  }
  // An empty view (no pages) holds nothing.
  extent = arith::MaxSIOp::create(b, extent,
                                  arith::ConstantIndexOp::create(b, 0));
  auto flatType = MemRefType::get(
      {ShapedType::kDynamic}, type.getElementType(),
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, {1}));
  Value flat = memref::ReinterpretCastOp::create(
      b, flatType, metadata.getBaseBuffer(),
      OpFoldResult(metadata.getOffset()), ArrayRef<OpFoldResult>{extent},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return {flat, type.getElementType()};
}

static FlatBuffer flatten(ImplicitLocOpBuilder &b, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (!type.getLayout().isIdentity())
    return flattenStrided(b, memref);
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  // Dynamic when any dimension is: collapse_shape's own inference makes a
  // static 0 of 0 x ?, which its verifier then rejects.
  int64_t size = type.hasStaticShape() ? type.getNumElements()
                                       : ShapedType::kDynamic;
  Value flat = memref::CollapseShapeOp::create(
      b, MemRefType::get({size}, type.getElementType()), memref,
      SmallVector<ReassociationIndices>{all});
  return {flat, type.getElementType()};
}

FlatBuffer LoopEmitter::flat(Value memref) { return flatten(b, memref); }

FlatBuffer LoopEmitter::allocFlat(Value size, Type elementType) {
  Value buffer = memref::AllocOp::create(
      b, MemRefType::get({ShapedType::kDynamic}, elementType),
      ValueRange{size});
  return {buffer, elementType};
}

FlatBuffer LoopEmitter::allocaFlat(int64_t size, Type elementType) {
  Value buffer =
      memref::AllocaOp::create(b, MemRefType::get({size}, elementType));
  return {buffer, elementType};
}

Value LoopEmitter::dim(Value buffer, int64_t d) {
  return memref::DimOp::create(b, buffer, d);
}

Value LoopEmitter::load(FlatBuffer buffer, Value offset, int64_t width) {
  return vector::LoadOp::create(
      b, VectorType::get({width}, buffer.elementType), buffer.memref,
      ValueRange{offset});
}

Value LoopEmitter::loadF32(FlatBuffer buffer, Value offset, int64_t width) {
  Value raw = load(buffer, offset, width);
  if (buffer.elementType.isF32())
    return raw;
  return arith::ExtFOp::create(b, VectorType::get({width}, b.getF32Type()),
                               raw);
}

Value LoopEmitter::loadScalar(FlatBuffer buffer, Value offset) {
  return memref::LoadOp::create(b, buffer.memref, ValueRange{offset});
}

void LoopEmitter::storeFromF32(Value vector, FlatBuffer buffer, Value offset) {
  auto type = cast<VectorType>(vector.getType());
  if (!buffer.elementType.isF32())
    vector = arith::TruncFOp::create(
        b, VectorType::get(type.getShape(), buffer.elementType), vector);
  vector::StoreOp::create(b, vector, buffer.memref, ValueRange{offset});
}

void LoopEmitter::store(Value value, FlatBuffer buffer, Value offset) {
  if (isa<VectorType>(value.getType()))
    vector::StoreOp::create(b, value, buffer.memref, ValueRange{offset});
  else
    memref::StoreOp::create(b, value, buffer.memref, ValueRange{offset});
}

void LoopEmitter::prefetch(FlatBuffer buffer, Value offset,
                           int64_t elements, unsigned locality) {
  constexpr int64_t kLineBytes = 64;
  const int64_t perLine = std::max<int64_t>(
      1, kLineBytes * 8 / buffer.elementType.getIntOrFloatBitWidth());
  for (int64_t at = 0; at < elements; at += perLine)
    memref::PrefetchOp::create(b, buffer.memref,
                               ValueRange{at ? add(offset, at) : offset},
                               /*isWrite=*/false, locality,
                               /*isDataCache=*/true);
}

void LoopEmitter::forRange(Value lb, Value ub, function_ref<void(Value)> body) {
  auto loop = scf::ForOp::create(b, lb, ub, index(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
}

void LoopEmitter::forStep(Value lb, Value ub, Value step,
                          function_ref<void(Value)> body) {
  auto loop = scf::ForOp::create(b, lb, ub, step);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
}

ValueRange LoopEmitter::forRange(
    Value lb, Value ub, ValueRange inits,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  return forStep(lb, ub, index(1), inits, body);
}

ValueRange LoopEmitter::forStep(
    Value lb, Value ub, Value step, ValueRange inits,
    function_ref<SmallVector<Value>(Value, ValueRange)> body) {
  auto loop = scf::ForOp::create(b, lb, ub, step, inits);
  OpBuilder::InsertionGuard guard(b);
  if (inits.empty()) {
    // Without iter_args the loop comes with its empty scf.yield, and `body`
    // yields nothing. (Erasing that yield behind the back of a conversion's
    // rewriter left it a dangling op: a use after free in isLegal.)
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar(), loop.getRegionIterArgs());
    return loop.getResults();
  }
  b.setInsertionPointToStart(loop.getBody());
  SmallVector<Value> yielded =
      body(loop.getInductionVar(), loop.getRegionIterArgs());
  scf::YieldOp::create(b, yielded);
  return loop.getResults();
}

void LoopEmitter::ifThen(Value cond, function_ref<void()> then,
                         function_ref<void()> otherwise) {
  auto op = scf::IfOp::create(b, cond, /*withElseRegion=*/bool(otherwise));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(op.thenBlock()->getTerminator());
  then();
  if (otherwise) {
    b.setInsertionPoint(op.elseBlock()->getTerminator());
    otherwise();
  }
}

Value LoopEmitter::splat(Value scalar, int64_t width) {
  return vector::BroadcastOp::create(
      b, VectorType::get({width}, scalar.getType()), scalar);
}

std::pair<Value, Value> LoopEmitter::thresholdSearch(FlatBuffer hist,
                                                     Value base, int64_t bins,
                                                     Value budget) {
  Type indexType = b.getIndexType();
  auto countAt = [&](Value bin) -> Value {
    return arith::IndexCastOp::create(b, indexType,
                                      loadScalar(hist, add(base, bin)));
  };
  auto search = scf::WhileOp::create(
      b, TypeRange{indexType, indexType}, ValueRange{index(bins - 1), index(0)},
      [&](OpBuilder &, Location, ValueRange args) {
        Value reached = add(args[1], countAt(args[0]));
        scf::ConditionOp::create(
            b, cmp(arith::CmpIPredicate::slt, reached, budget), args);
      },
      [&](OpBuilder &, Location, ValueRange args) {
        scf::YieldOp::create(b, ValueRange{sub(args[0], index(1)),
                                           add(args[1], countAt(args[0]))});
      });
  return {search.getResult(0), search.getResult(1)};
}

} // namespace mlir::spotlight::loops
