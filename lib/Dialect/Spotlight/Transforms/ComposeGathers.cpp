//===- ComposeGathers.cpp - A gather of gathered rows as one gather -------===//
//
//   %r1 = sparse_gather(%cache [B, KH, N, D], %i1 [B, S1, M1])
//   %r2 = sparse_gather(%r1, %i2 [B, S2, M2])
//     ->  %r2 = sparse_gather(%cache, %i [B, S2, M2])
//   %i[b, s, m] = %i2[b, s, m] < 0 ? -1 : %i1[b, s / (S2 / S1), %i2[b, s, m]]
//
// Row s of the outer gather reads row s / (S2 / S1) of the inner one, which
// reads KV head (s / (S2 / S1)) / (S1 / KH) = s / (S2 / KH): exactly the head
// the composed gather reads. An empty slot of either gather stays empty
// (-1), so the zero rows are the same.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::spotlight;

namespace {

struct ComposeGathers : OpRewritePattern<SparseGatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SparseGatherOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getCache().getDefiningOp<SparseGatherOp>();
    if (!op.getResult() || !inner)
      return rewriter.notifyMatchFailure(op, "rows not gathered on tensors");
    Location loc = op.getLoc();
    Value innerIdx = inner.getIndices(), outerIdx = op.getIndices();
    auto idxType = cast<RankedTensorType>(outerIdx.getType());
    int64_t perRow = idxType.getDimSize(1) /
                     cast<ShapedType>(innerIdx.getType()).getDimSize(1);
    Value init = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, outerIdx),
        idxType.getElementType());
    AffineMap identity =
        AffineMap::getMultiDimIdentityMap(3, rewriter.getContext());
    SmallVector<utils::IteratorType> parallel(3, utils::IteratorType::parallel);
    auto composed = linalg::GenericOp::create(
        rewriter, loc, idxType, ValueRange{outerIdx}, ValueRange{init},
        ArrayRef<AffineMap>{identity, identity}, parallel,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
          Value empty = arith::ConstantIntOp::create(b, loc, -1, 32);
          Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                              args[0], zero);
          // An empty outer slot reads slot 0, then is set to -1.
          Value slot = arith::IndexCastOp::create(
              b, loc, b.getIndexType(),
              arith::SelectOp::create(b, loc, valid, args[0], zero));
          Value row = arith::DivUIOp::create(
              b, loc, linalg::IndexOp::create(b, loc, 1),
              arith::ConstantIndexOp::create(b, loc, perRow));
          Value token = tensor::ExtractOp::create(
              b, loc, innerIdx,
              ValueRange{linalg::IndexOp::create(b, loc, 0), row, slot});
          linalg::YieldOp::create(
              b, loc,
              ValueRange{arith::SelectOp::create(b, loc, valid, token, empty)});
        });
    rewriter.replaceOpWithNewOp<SparseGatherOp>(
        op, op.getResult().getType(), inner.getCache(), composed.getResult(0),
        op.getInit());
    return success();
  }
};
} // namespace

void mlir::spotlight::populateComposeGatherPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ComposeGathers>(patterns.getContext());
}
