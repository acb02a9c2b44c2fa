//===- LoweringUtils.cpp - Helpers shared by the reference lowering -------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

namespace mlir::spotlight::lowering {

Value toF32(ImplicitLocOpBuilder &b, Value value) {
  if (value.getType().isF32())
    return value;
  return arith::ExtFOp::create(b, b.getF32Type(), value);
}

Value fromF32(ImplicitLocOpBuilder &b, Value value, Type type) {
  if (type.isF32())
    return value;
  return arith::TruncFOp::create(b, type, value);
}

Value allocBuffer(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                  Type elementType) {
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  dispatchIndexOpFoldResults(sizes, dynamicSizes, shape);
  return memref::AllocOp::create(b, MemRefType::get(shape, elementType),
                                 dynamicSizes);
}

Value filledBuffer(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   Type elementType, TypedAttr fillValue) {
  Value buffer = allocBuffer(b, sizes, elementType);
  lowering::fill(b, arith::ConstantOp::create(b, fillValue), buffer);
  return buffer;
}

void fill(ImplicitLocOpBuilder &b, Value value, Value dest) {
  linalg::FillOp::create(b, ValueRange{value}, ValueRange{dest});
}

Value generic(ImplicitLocOpBuilder &b, ValueRange inputs, Value out,
              ArrayRef<AffineMap> maps,
              ArrayRef<utils::IteratorType> iteratorTypes,
              function_ref<void(ImplicitLocOpBuilder &, ValueRange)> body) {
  linalg::GenericOp::create(
      b, /*resultTensorTypes=*/TypeRange(), inputs, ValueRange{out}, maps,
      iteratorTypes, [&](OpBuilder &ob, Location loc, ValueRange args) {
        ImplicitLocOpBuilder nb(loc, ob);
        body(nb, args);
      });
  return out;
}

SmallVector<OpFoldResult> leadingSizes(ImplicitLocOpBuilder &b, Value value,
                                       unsigned count) {
  SmallVector<OpFoldResult> sizes =
      memref::getMixedSizes(b, b.getLoc(), value);
  sizes.resize(count);
  return sizes;
}

SmallVector<utils::IteratorType> iterators(unsigned parallel,
                                           unsigned reductions) {
  SmallVector<utils::IteratorType> types(parallel,
                                         utils::IteratorType::parallel);
  types.append(reductions, utils::IteratorType::reduction);
  return types;
}

SmallVector<Value> loopIndices(ImplicitLocOpBuilder &b, unsigned count) {
  SmallVector<Value> indices;
  for (unsigned d = 0; d < count; ++d)
    indices.push_back(linalg::IndexOp::create(b, d));
  return indices;
}

} // namespace mlir::spotlight::lowering
