//===- HashEncodeToLinalg.cpp - spotlight.hash_encode to linalg -----------===//
//
//   spotlight.hash_encode ins(x, W1, b1, W2, b2) outs(codes)
//     ->  acc1  = linalg.generic  x @ W1[c]                (f32, sum over i)
//         h1    = linalg.generic  silu(acc1 + b1[c]) + x
//         acc2  = linalg.generic  h1 @ W2[c]
//         h2    = linalg.generic  (acc2 + b2[c]) + h1
//         codes = linalg.generic  OR over i of (h2[32w + i] > 0) << i
//
// The code head is an affine function of the loop indices (h*C + c, or
// h floordiv (H/CH)), so the weights are read in place for every head.
//
//===----------------------------------------------------------------------===//

#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "LoweringUtils.h"
#include "spotlight/Conversion/SpotlightToLinalg/SpotlightToLinalg.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::lowering;

namespace {
/// Loop-space bookkeeping: `lead` leading row dims (B, H[, N]), then the
/// code index c, the output column j (or word w) and the reduction index.
struct HashLoopSpace {
  MLIRContext *ctx;
  unsigned lead;
  int64_t heads, codeHeads, codesPerHead;

  unsigned numDims() const { return lead + 3; }
  AffineExpr d(unsigned i) const { return getAffineDimExpr(i, ctx); }
  AffineExpr code() const { return d(lead); }
  AffineExpr column() const { return d(lead + 1); }
  AffineExpr inner() const { return d(lead + 2); }

  /// The code head hashing (head d1, code c).
  AffineExpr codeHead() const {
    if (codeHeads >= heads)
      return d(1) * codesPerHead + code();
    return d(1).floorDiv(heads / codeHeads);
  }

  /// Map from `dims` loop dims to the leading row dims followed by `rest`.
  AffineMap rowMap(unsigned dims, ArrayRef<AffineExpr> rest) const {
    SmallVector<AffineExpr> exprs;
    for (unsigned i = 0; i < lead; ++i)
      exprs.push_back(d(i));
    llvm::append_range(exprs, rest);
    return AffineMap::get(dims, 0, exprs, ctx);
  }
  AffineMap map(unsigned dims, ArrayRef<AffineExpr> exprs) const {
    return AffineMap::get(dims, 0, exprs, ctx);
  }
};

struct HashEncodeOpLowering : OpLowering<HashEncodeOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(HashEncodeOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    Value x = adaptor.getInput();
    const loops::HashShape shape(x, adaptor.getW1());
    const unsigned lead = cast<MemRefType>(x.getType()).getRank() - 1;
    const int64_t headDim = shape.headDim;
    HashLoopSpace s{op.getContext(), lead, shape.heads, shape.codeHeads,
                    shape.codesPerHead};
    Type f32 = b.getF32Type();

    // Intermediates are [lead..., C, D] in f32.
    SmallVector<OpFoldResult> hiddenSizes = leadingSizes(b, x, lead);
    hiddenSizes.push_back(b.getIndexAttr(s.codesPerHead));
    hiddenSizes.push_back(b.getIndexAttr(headDim));
    auto zeros = [&] {
      return filledBuffer(b, hiddenSizes, f32, b.getF32FloatAttr(0.0f));
    };

    // acc[.., c, j] = sum_i x[.., i] * W[code head, i, j], with the
    // reduction i outside j so the weight rows stream contiguously (the
    // order of the sum over i, and so the numerics, is unchanged).
    auto matmul = [&](Value rows, bool rowsHaveCode, Value w) {
      unsigned n = s.numDims();
      AffineExpr reduction = s.d(lead + 1), column = s.d(lead + 2);
      SmallVector<AffineExpr> rowIndex;
      if (rowsHaveCode)
        rowIndex.push_back(s.code());
      rowIndex.push_back(reduction);
      SmallVector<AffineMap> maps = {s.rowMap(n, rowIndex),
                                     s.map(n, {s.codeHead(), reduction, column}),
                                     s.rowMap(n, {s.code(), column})};
      SmallVector<utils::IteratorType> loops = iterators(n);
      loops[lead + 1] = utils::IteratorType::reduction;
      return generic(b, ValueRange{rows, w}, zeros(), maps, loops,
                     [&](ImplicitLocOpBuilder &nb, ValueRange args) {
                       Value prod = arith::MulFOp::create(
                           nb, toF32(nb, args[0]), toF32(nb, args[1]));
                       Value sum = arith::AddFOp::create(nb, args[2], prod);
                       linalg::YieldOp::create(nb, sum);
                     });
    };

    // body(acc + bias[code head, column], residual) over [lead..., C, D];
    // `residualMap` indexes the residual.
    unsigned n2 = lead + 2;
    AffineMap identity = AffineMap::getMultiDimIdentityMap(n2, s.ctx);
    auto addBias =
        [&](Value acc, Value bias, Value residual, AffineMap residualMap,
            function_ref<Value(ImplicitLocOpBuilder &, Value, Value)> body) {
          return generic(
              b, ValueRange{acc, bias, residual}, zeros(),
              SmallVector<AffineMap>{identity,
                                     s.map(n2, {s.codeHead(), s.column()}),
                                     residualMap, identity},
              iterators(n2), [&](ImplicitLocOpBuilder &nb, ValueRange args) {
                Value v =
                    arith::AddFOp::create(nb, args[0], toF32(nb, args[1]));
                linalg::YieldOp::create(nb, body(nb, v, args[2]));
              });
        };

    // h1 = silu(acc1 + b1) + x, with silu(v) = v / (1 + exp(-v)).
    Value acc1 = matmul(x, /*rowsHaveCode=*/false, adaptor.getW1());
    Value h1 = addBias(
        acc1, adaptor.getB1(), x, s.rowMap(n2, {s.column()}),
        [](ImplicitLocOpBuilder &nb, Value v, Value row) {
          Value negV = arith::NegFOp::create(nb, v);
          Value one = arith::ConstantOp::create(nb, nb.getF32FloatAttr(1));
          Value denom =
              arith::AddFOp::create(nb, one, math::ExpOp::create(nb, negV));
          Value silu = arith::DivFOp::create(nb, v, denom);
          return arith::AddFOp::create(nb, silu, toF32(nb, row)).getResult();
        });

    // h2 = (acc2 + b2) + h1, then viewed as [lead..., C, D/32, 32] bits.
    Value acc2 = matmul(h1, /*rowsHaveCode=*/true, adaptor.getW2());
    Value h2 =
        addBias(acc2, adaptor.getB2(), h1, identity,
                [](ImplicitLocOpBuilder &nb, Value v, Value hidden) {
                  return arith::AddFOp::create(nb, v, hidden).getResult();
                });
    SmallVector<int64_t> bitShape(cast<MemRefType>(h2.getType()).getShape());
    bitShape.back() = headDim / 32;
    bitShape.push_back(32);
    SmallVector<ReassociationIndices> reassociation;
    for (unsigned i = 0; i <= lead; ++i)
      reassociation.push_back({i});
    reassociation.push_back({lead + 1, lead + 2});
    Value bits = memref::ExpandShapeOp::create(
        b, MemRefType::get(bitShape, f32), h2, reassociation);

    // word w = OR over bits i of (h2[.., 32w + i] > 0) << i (LSB first).
    unsigned n = s.numDims();
    Value init = adaptor.getInit();
    fill(b, arith::ConstantOp::create(b, b.getI32IntegerAttr(0)), init);
    generic(b, ValueRange{bits}, init,
            SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(n, s.ctx),
                                   s.rowMap(n, {s.code(), s.column()})},
            iterators(n - 1, 1),
            [&](ImplicitLocOpBuilder &nb, ValueRange args) {
              Value zero = arith::ConstantOp::create(nb, nb.getF32FloatAttr(0));
              Value bit = arith::CmpFOp::create(nb, arith::CmpFPredicate::OGT,
                                                args[0], zero);
              Value bitIndex = arith::IndexCastOp::create(
                  nb, nb.getI32Type(), linalg::IndexOp::create(nb, n - 1));
              Value word = arith::ShLIOp::create(
                  nb, arith::ExtUIOp::create(nb, nb.getI32Type(), bit),
                  bitIndex);
              linalg::YieldOp::create(
                  nb, arith::OrIOp::create(nb, args[1], word).getResult());
            });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateHashEncodeToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<HashEncodeOpLowering>(patterns.getContext());
}
