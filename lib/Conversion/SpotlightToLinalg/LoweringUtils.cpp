//===- LoweringUtils.cpp - Helpers shared by the reference lowering -------===//

#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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

Value filledTensor(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   Type elementType, TypedAttr fillValue) {
  Value empty = tensor::EmptyOp::create(b, sizes, elementType);
  Value value = arith::ConstantOp::create(b, fillValue);
  return lowering::fill(b, value, empty);
}

Value fill(ImplicitLocOpBuilder &b, Value value, Value dest) {
  return linalg::FillOp::create(b, ValueRange{value}, ValueRange{dest})
      .getResult(0);
}

SmallVector<OpFoldResult> leadingSizes(ImplicitLocOpBuilder &b, Value value,
                                       unsigned count) {
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(b, b.getLoc(), value);
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
