//===- HashEncodeToCPU.cpp - spotlight.hash_encode to vector loops --------===//
//
//   spotlight.hash_encode ins(x, W1, b1, W2, b2) outs(codes)
//     ->  scf.for b, h, c (code head ch), row r:
//           acc  = sum_i splat(x[i]) * W1[ch, i, :]        vector<D x f32>
//           h1   = silu(acc + b1[ch]) + x                  (vector exp)
//           acc2 = sum_i splat(h1[i]) * W2[ch, i, :]
//           bits = (acc2 + b2[ch]) + h1 > 0                vector<D x i1>
//           codes[row, c] = vector.bitcast bits            vector<D/32 x i32>
//
// One weight matrix (D x D) stays in cache while every row of a head is
// hashed; the sums over i run in the same order as the reference lowering.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;

namespace {
struct HashEncodeOpLowering : OpLowering<HashEncodeOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(HashEncodeOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    const HashOperands hash(e, adaptor);
    const int64_t heads = hash.heads;
    const int64_t D = hash.headDim, W = hash.words, C = hash.codesPerHead;
    const FlatBuffer &x = hash.x, &b1 = hash.b1, &b2 = hash.b2;
    FlatBuffer hidden = e.allocaFlat(D, b.getF32Type());
    Value batch = e.dim(hash.input, 0);
    Value rows = hash.rowsPerHead(e);
    auto vecF32 = VectorType::get({D}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, DenseElementsAttr::get(vecF32, b.getF32FloatAttr(0)));

    // acc = sum_i splat(row[i]) * w[ch, i, :]; `scalarAt(i)` reads row[i].
    auto matvec = [&](FlatBuffer w, Value codeHead,
                      function_ref<Value(Value)> scalarAt) -> Value {
      Value base = e.mul(codeHead, D * D);
      return e.forRange(e.index(0), e.index(D), ValueRange{zero},
                        [&](Value i, ValueRange acc) -> SmallVector<Value> {
                          Value xi = e.splat(scalarAt(i), D);
                          Value wi = e.loadF32(w, e.add(base, e.mul(i, D)), D);
                          Value prod = arith::MulFOp::create(b, xi, wi);
                          return {arith::AddFOp::create(b, acc[0], prod)};
                        })[0];
    };

    e.forRange(e.index(0), batch, [&](Value bi) {
      e.forRange(e.index(0), e.index(heads), [&](Value h) {
        e.forRange(e.index(0), e.index(C), [&](Value c) {
          Value codeHead = hash.codeHead(e, h, c);
          e.forRange(e.index(0), rows, [&](Value r) {
            Value row = e.add(e.mul(e.add(e.mul(bi, heads), h), rows), r);
            Value xOffset = e.mul(row, D);
            Value acc = matvec(hash.w1, codeHead, [&](Value i) {
              return e.toF32(e.loadScalar(x, e.add(xOffset, i)));
            });
            Value s = arith::AddFOp::create(
                b, acc, e.loadF32(b1, e.mul(codeHead, D), D));
            Value expNeg = math::ExpOp::create(b, arith::NegFOp::create(b, s));
            Value denom =
                arith::AddFOp::create(b, e.splat(e.f32(1), D), expNeg);
            Value h1 = arith::AddFOp::create(
                b, arith::DivFOp::create(b, s, denom),
                e.loadF32(x, xOffset, D));
            e.store(h1, hidden, e.index(0));
            Value acc2 = matvec(hash.w2, codeHead, [&](Value i) {
              return e.loadScalar(hidden, i);
            });
            Value h2 = arith::AddFOp::create(
                b,
                arith::AddFOp::create(b, acc2,
                                      e.loadF32(b2, e.mul(codeHead, D), D)),
                h1);
            Value bits = arith::CmpFOp::create(b, arith::CmpFPredicate::OGT,
                                               h2, e.splat(e.f32(0), D));
            Value words = vector::BitCastOp::create(
                b, VectorType::get({W}, b.getI32Type()), bits);
            e.store(words, hash.codes, e.mul(e.add(e.mul(row, C), c), W));
          });
        });
      });
    });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateHashEncodeToCPUPatterns(
    RewritePatternSet &patterns) {
  patterns.add<HashEncodeOpLowering>(patterns.getContext());
}
