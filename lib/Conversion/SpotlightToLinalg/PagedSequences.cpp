//===- PagedSequences.cpp - Paged caches, one sequence at a time ----------===//

#include "PagedSequences.h"
#include "LoweringUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace mlir::spotlight::lowering {

void forEachSequence(ImplicitLocOpBuilder &b, Value seqLens,
                     function_ref<void(Value, Value)> body) {
  Value batch = getValueOrCreateConstantIndexOp(
      b, b.getLoc(), memref::getMixedSize(b, b.getLoc(), seqLens, 0));
  auto loop = scf::ForOp::create(b, arith::ConstantIndexOp::create(b, 0), batch,
                                 arith::ConstantIndexOp::create(b, 1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  Value seq = loop.getInductionVar();
  Value length = arith::MaxSIOp::create(
      b, memref::LoadOp::create(b, seqLens, seq),
      arith::ConstantOp::create(b, b.getI32IntegerAttr(0)));
  body(seq, arith::IndexCastOp::create(b, b.getIndexType(), length));
}

Value gatherSequence(ImplicitLocOpBuilder &b, Value pool, Value blockTable,
                     Value seq, Value tokens) {
  auto poolType = cast<MemRefType>(pool.getType());
  const unsigned rank = poolType.getRank();
  auto sizeOf = [&](unsigned dim) {
    return memref::getMixedSize(b, b.getLoc(), pool, dim);
  };
  // [P, page_size, KH, rest...] -> [1, KH, tokens, rest...]
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), sizeOf(2), tokens};
  for (unsigned d = 3; d < rank; ++d)
    sizes.push_back(sizeOf(d));
  Value pageSize = getValueOrCreateConstantIndexOp(b, b.getLoc(), sizeOf(1));
  Value rows = allocBuffer(b, sizes, poolType.getElementType());
  generic(b, ValueRange{}, rows,
          {AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
          iterators(rank), [&](ImplicitLocOpBuilder &nb, ValueRange) {
            SmallVector<Value> ix = loopIndices(nb, rank);
            Value token = ix[2];
            Value page = memref::LoadOp::create(
                nb, blockTable,
                ValueRange{seq, arith::DivUIOp::create(nb, token, pageSize)});
            SmallVector<Value> at = {
                arith::IndexCastOp::create(nb, nb.getIndexType(), page),
                arith::RemUIOp::create(nb, token, pageSize), ix[1]};
            at.append(ix.begin() + 3, ix.end());
            linalg::YieldOp::create(
                nb, memref::LoadOp::create(nb, pool, at).getResult());
          });
  return rows;
}

Value leadingSlice(ImplicitLocOpBuilder &b, Value value, ValueRange leading) {
  const unsigned rank = cast<MemRefType>(value.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes(leading.size(), b.getIndexAttr(1));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  for (auto [d, index] : llvm::enumerate(leading))
    offsets[d] = index;
  for (unsigned d = leading.size(); d < rank; ++d)
    sizes.push_back(memref::getMixedSize(b, b.getLoc(), value, d));
  return memref::SubViewOp::create(b, value, offsets, sizes, strides);
}

} // namespace mlir::spotlight::lowering
