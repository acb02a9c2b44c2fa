//===- CacheWriteToLinalg.cpp - spotlight.cache_write to scf/linalg -------===//
//
//   spotlight.cache_write ins(keys, values, codes, slot_mapping)
//                         outs(k_pool, v_pool, code_pool)     (on memrefs)
//     ->  scf.for i in [0, T):
//           slot = slot_mapping[i]
//           scf.if slot >= 0:
//             page = slot / page_size, offset = slot % page_size
//             linalg.generic  pool[page, offset, ...] = rows[i, ...]  (x 3)
//
// The op reads and writes its pools: only the named slots are stored, every
// other slot keeps its value, and a slot of -1 skips its token.
//
//===----------------------------------------------------------------------===//

#include "../Utils/OpLowering.h"
#include "LoweringUtils.h"
#include "PagedSequences.h"
#include "spotlight/Conversion/SpotlightToLinalg/SpotlightToLinalg.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::lowering;

namespace {
/// Copies `rows[token, ...]` into `pool[page, offset, ...]`.
void storeRow(ImplicitLocOpBuilder &b, Value rows, Value token, Value pool,
              Value page, Value offset) {
  MLIRContext *ctx = b.getContext();
  const unsigned dims = cast<MemRefType>(rows.getType()).getRank() - 1;
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  SmallVector<AffineExpr> rowIndex = {zero}, slotIndex = {zero, zero};
  for (unsigned d = 0; d < dims; ++d) {
    rowIndex.push_back(getAffineDimExpr(d, ctx));
    slotIndex.push_back(getAffineDimExpr(d, ctx));
  }
  Value row = leadingSlice(b, rows, token);
  Value slot = leadingSlice(b, pool, ValueRange{page, offset});
  generic(b, ValueRange{row}, slot,
          {AffineMap::get(dims, 0, rowIndex, ctx),
           AffineMap::get(dims, 0, slotIndex, ctx)},
          iterators(dims), [](ImplicitLocOpBuilder &nb, ValueRange args) {
            linalg::YieldOp::create(nb, args[0]);
          });
}

struct CacheWriteOpLowering : OpLowering<CacheWriteOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(CacheWriteOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    Value slots = adaptor.getSlotMapping();
    Value pageSize = getValueOrCreateConstantIndexOp(
        b, b.getLoc(),
        memref::getMixedSize(b, b.getLoc(), adaptor.getKeyCache(), 1));
    Value tokens = getValueOrCreateConstantIndexOp(
        b, b.getLoc(), memref::getMixedSize(b, b.getLoc(), slots, 0));
    auto loop =
        scf::ForOp::create(b, arith::ConstantIndexOp::create(b, 0), tokens,
                           arith::ConstantIndexOp::create(b, 1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    Value token = loop.getInductionVar();
    Value slot = memref::LoadOp::create(b, slots, token);
    Value stored = arith::CmpIOp::create(
        b, arith::CmpIPredicate::sge, slot,
        arith::ConstantOp::create(b, b.getI32IntegerAttr(0)));
    scf::IfOp::create(b, stored, [&](OpBuilder &, Location) {
      Value at = arith::IndexCastOp::create(b, b.getIndexType(), slot);
      Value page = arith::DivUIOp::create(b, at, pageSize);
      Value offset = arith::RemUIOp::create(b, at, pageSize);
      storeRow(b, adaptor.getKeys(), token, adaptor.getKeyCache(), page,
               offset);
      storeRow(b, adaptor.getValues(), token, adaptor.getValueCache(), page,
               offset);
      storeRow(b, adaptor.getCodes(), token, adaptor.getCodeCache(), page,
               offset);
      scf::YieldOp::create(b);
    });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateCacheWriteToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CacheWriteOpLowering>(patterns.getContext());
}
