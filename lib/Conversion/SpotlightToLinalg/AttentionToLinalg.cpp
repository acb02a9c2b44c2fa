//===- AttentionToLinalg.cpp - gather and attention ops to linalg ---------===//
//
//   spotlight.sparse_gather     -> linalg.generic { memref.load cache[b, h, idx, d] }
//   spotlight.sparse_attention  -> logits  = generic  sum_d q * K[b, h, idx[m], d]
//   spotlight.decode_attention     weights = generic  exp(scale*logit - max) (masked)
//                                  o       = generic  sum_m w * V[b, h, idx[m], d] / sum w
//
// The op is bufferized: the generics run on buffers, and K and V rows are
// read by `memref.load` inside their bodies, so the selected rows are never
// copied; the dense op is the same with idx[m] = m.
// Slots holding -1 are masked out of the softmax.
//
//   paged (pages(block_table, seq_lens), K and V pools):
//     scf.for b:  seq_lens[b] == 0:  o[b] = 0
//                 otherwise:  K_b, V_b = generic  pool[block_table[b, t / ps],
//                                                  t % ps]   [1, KH, N_b, D]
//                             the above on q[b], K_b, V_b (, idx[b]) -> o[b]
//
//===----------------------------------------------------------------------===//

#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "LoweringUtils.h"
#include "PagedSequences.h"
#include "spotlight/Conversion/SpotlightToLinalg/SpotlightToLinalg.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::lowering;

namespace {
/// Reads `cache[b, h, max(index, 0), d]`: an empty slot (-1) reads row 0 and
/// is masked by the caller.
Value extractRow(ImplicitLocOpBuilder &b, Value cache, Value batch, Value head,
                 Value token, Value column) {
  return memref::LoadOp::create(b, cache,
                                ValueRange{batch, head, token, column});
}

/// The token position of slot `index` (i32, may be -1) as a safe index.
Value clampedToken(ImplicitLocOpBuilder &b, Value index) {
  Value zero = arith::ConstantOp::create(b, b.getI32IntegerAttr(0));
  Value clamped = arith::MaxSIOp::create(b, index, zero);
  return arith::IndexCastOp::create(b, b.getIndexType(), clamped);
}

Value isEmptySlot(ImplicitLocOpBuilder &b, Value index) {
  Value zero = arith::ConstantOp::create(b, b.getI32IntegerAttr(0));
  return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, index, zero);
}

struct SparseGatherOpLowering : OpLowering<SparseGatherOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(SparseGatherOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    MLIRContext *ctx = op.getContext();
    Value cache = adaptor.getCache();
    int64_t kvHeads = loops::dimOf(cache, 1);
    int64_t setsPerHead = loops::dimOf(op.getIndices(), 1) / kvHeads;
    auto identity = AffineMap::getMultiDimIdentityMap(4, ctx);
    generic(b, ValueRange{adaptor.getIndices()}, adaptor.getInit(),
            {identity.dropResult(3), identity}, iterators(4),
            [&](ImplicitLocOpBuilder &nb, ValueRange args) {
              SmallVector<Value> ix = loopIndices(nb, 4);
              Value head = arith::DivUIOp::create(
                  nb, ix[1], arith::ConstantIndexOp::create(nb, setsPerHead));
              Value value = extractRow(nb, cache, ix[0], head,
                                       clampedToken(nb, args[0]), ix[3]);
              Value zero = arith::ConstantOp::create(
                  nb, nb.getZeroAttr(value.getType()));
              linalg::YieldOp::create(
                  nb, arith::SelectOp::create(nb, isEmptySlot(nb, args[0]),
                                              zero, value)
                          .getResult());
            });
    return success();
  }
};

/// Builds attention of `query` over the K/V caches into buffer `init`;
/// `indices` is null for the dense form (slot m is token m).
void buildAttention(ImplicitLocOpBuilder &b, Value query, Value keys,
                    Value values, Value indices, Value init,
                    std::optional<float> scaleAttr) {
  MLIRContext *ctx = b.getContext();
  int64_t qHeads = loops::dimOf(query, 1), headDim = loops::dimOf(query, 2);
  int64_t group = qHeads / loops::dimOf(keys, 1);
  float scale = scaleAttr ? *scaleAttr : 1.0f / std::sqrt(float(headDim));
  Type f32 = b.getF32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };

  // Loop dims: (b, qh, m) plus d for the reductions over the head dim.
  SmallVector<OpFoldResult> rowSizes = leadingSizes(b, query, 2);
  SmallVector<OpFoldResult> slotSizes = rowSizes;
  slotSizes.push_back(memref::getMixedSize(b, b.getLoc(), indices ? indices : keys, 2));
  bool perQueryHeadSet = indices && loops::dimOf(indices, 1) == qHeads;
  auto indexMap = [&](unsigned dims, unsigned slotDim) {
    AffineExpr set = perQueryHeadSet ? d(1) : d(1).floorDiv(group);
    return AffineMap::get(dims, 0, {d(0), set, d(slotDim)}, ctx);
  };
  SmallVector<Value> slotInputs;
  if (indices)
    slotInputs.push_back(indices);
  auto kvHead = [&](ImplicitLocOpBuilder &nb, Value qh) -> Value {
    return arith::DivUIOp::create(nb, qh,
                                  arith::ConstantIndexOp::create(nb, group));
  };
  auto tokenOf = [&](ImplicitLocOpBuilder &nb, ValueRange args,
                     Value slot) -> Value {
    return indices ? clampedToken(nb, args.back()) : slot;
  };
  auto zeroSlots = [&] {
    return filledBuffer(b, slotSizes, f32, b.getF32FloatAttr(0));
  };

  // logits[b, qh, m] = sum_d q[b, qh, d] * K[b, h, token(m), d]
  SmallVector<AffineMap> logitMaps = {
      AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx)};
  if (indices)
    logitMaps.push_back(indexMap(4, 2));
  logitMaps.push_back(AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx));
  SmallVector<Value> logitInputs = {query};
  llvm::append_range(logitInputs, slotInputs);
  Value logits = generic(
      b, logitInputs, zeroSlots(), logitMaps, iterators(3, 1),
      [&](ImplicitLocOpBuilder &nb, ValueRange args) {
        SmallVector<Value> ix = loopIndices(nb, 4);
        Value key = extractRow(nb, keys, ix[0], kvHead(nb, ix[1]),
                               tokenOf(nb, args.drop_back(), ix[2]), ix[3]);
        Value prod =
            arith::MulFOp::create(nb, toF32(nb, args[0]), toF32(nb, key));
        linalg::YieldOp::create(
            nb, arith::AddFOp::create(nb, args.back(), prod).getResult());
      });

  // Scaled logits, -inf in empty slots.
  auto slotMap = AffineMap::getMultiDimIdentityMap(3, ctx);
  SmallVector<AffineMap> scaleMaps = {slotMap};
  SmallVector<Value> scaleInputs = {logits};
  if (indices) {
    scaleMaps.push_back(indexMap(3, 2));
    scaleInputs.push_back(indices);
  }
  scaleMaps.push_back(slotMap);
  Value scaled = generic(
      b, scaleInputs, zeroSlots(), scaleMaps, iterators(3),
      [&](ImplicitLocOpBuilder &nb, ValueRange args) {
        Value v = arith::MulFOp::create(
            nb, args[0],
            arith::ConstantOp::create(nb, nb.getF32FloatAttr(scale)));
        if (indices) {
          Value negInf =
              arith::ConstantOp::create(nb, nb.getF32FloatAttr(-INFINITY));
          v = arith::SelectOp::create(nb, isEmptySlot(nb, args[1]), negInf, v);
        }
        linalg::YieldOp::create(nb, v);
      });

  // Row maximum and softmax weights (0 when a row has no token at all).
  auto rowMap = AffineMap::get(3, 0, {d(0), d(1)}, ctx);
  auto reduceRow = [&](Value input, TypedAttr initValue, bool maximum) {
    return generic(
        b, ValueRange{input}, filledBuffer(b, rowSizes, f32, initValue),
        {slotMap, rowMap}, iterators(2, 1),
        [&](ImplicitLocOpBuilder &nb, ValueRange args) {
          Value r =
              maximum
                  ? arith::MaximumFOp::create(nb, args[1], args[0]).getResult()
                  : arith::AddFOp::create(nb, args[1], args[0]).getResult();
          linalg::YieldOp::create(nb, r);
        });
  };
  Value rowMax = reduceRow(scaled, b.getF32FloatAttr(-INFINITY), true);
  Value weights = generic(
      b, ValueRange{scaled, rowMax}, zeroSlots(), {slotMap, rowMap, slotMap},
      iterators(3), [&](ImplicitLocOpBuilder &nb, ValueRange args) {
        Value negInf =
            arith::ConstantOp::create(nb, nb.getF32FloatAttr(-INFINITY));
        Value zero = arith::ConstantOp::create(nb, nb.getF32FloatAttr(0));
        Value noToken = arith::CmpFOp::create(nb, arith::CmpFPredicate::OEQ,
                                              args[1], negInf);
        Value e =
            math::ExpOp::create(nb, arith::SubFOp::create(nb, args[0], args[1]));
        linalg::YieldOp::create(
            nb, arith::SelectOp::create(nb, noToken, zero, e).getResult());
      });
  Value rowSum = reduceRow(weights, b.getF32FloatAttr(0), false);

  // acc[b, qh, d] = sum_m w[b, qh, m] * V[b, h, token(m), d]
  SmallVector<OpFoldResult> outSizes = rowSizes;
  outSizes.push_back(b.getIndexAttr(headDim));
  SmallVector<AffineMap> mixMaps = {
      AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx)};
  SmallVector<Value> mixInputs = {weights};
  if (indices) {
    mixMaps.push_back(indexMap(4, 3));
    mixInputs.push_back(indices);
  }
  mixMaps.push_back(AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx));
  Value mixed = generic(
      b, mixInputs, filledBuffer(b, outSizes, f32, b.getF32FloatAttr(0)),
      mixMaps, iterators(3, 1), [&](ImplicitLocOpBuilder &nb, ValueRange args) {
        SmallVector<Value> ix = loopIndices(nb, 4);
        Value value = extractRow(nb, values, ix[0], kvHead(nb, ix[1]),
                                 tokenOf(nb, args.drop_back(), ix[3]), ix[2]);
        Value prod = arith::MulFOp::create(nb, args[0], toF32(nb, value));
        linalg::YieldOp::create(
            nb, arith::AddFOp::create(nb, args.back(), prod).getResult());
      });

  // o = acc / sum in the output element type.
  auto outMap = AffineMap::getMultiDimIdentityMap(3, ctx);
  Type outElement = cast<MemRefType>(init.getType()).getElementType();
  generic(b, ValueRange{mixed, rowSum}, init, {outMap, rowMap, outMap},
          iterators(3), [&](ImplicitLocOpBuilder &nb, ValueRange args) {
            Value zero = arith::ConstantOp::create(nb, nb.getF32FloatAttr(0));
            Value empty = arith::CmpFOp::create(nb, arith::CmpFPredicate::OEQ,
                                                args[1], zero);
            Value o = arith::DivFOp::create(nb, args[0], args[1]);
            o = arith::SelectOp::create(nb, empty, zero, o);
            linalg::YieldOp::create(nb, fromF32(nb, o, outElement));
          });
}

std::optional<float> scaleOf(std::optional<APFloat> attr) {
  if (!attr)
    return std::nullopt;
  return attr->convertToFloat();
}

/// Both attention ops; the dense one has no indices.
template <typename OpTy>
struct AttentionOpLowering : OpLowering<OpTy> {
  using OpLowering<OpTy>::OpLowering;

  LogicalResult emit(OpTy op, typename OpTy::Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    Value indices = loops::attentionIndices<OpTy>(adaptor);
    std::optional<float> scale = scaleOf(op.getScale());
    if (op.isPaged()) {
      emitPaged(adaptor, indices, scale, b);
      return success();
    }
    buildAttention(b, adaptor.getQuery(), adaptor.getKeyCache(),
                   adaptor.getValueCache(), indices, adaptor.getInit(), scale);
    return success();
  }

  /// One sequence at a time over its own tokens, gathered in logical order
  /// (the indices are logical positions). A sequence without tokens attends
  /// to nothing; it is skipped, since its empty index slots would read token
  /// 0, which it does not have.
  void emitPaged(typename OpTy::Adaptor adaptor, Value indices,
                 std::optional<float> scale, ImplicitLocOpBuilder &b) const {
    forEachSequence(b, adaptor.getSeqLens(), [&](Value seq, Value tokens) {
      Value out = leadingSlice(b, adaptor.getInit(), seq);
      Value empty = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tokens,
                                          arith::ConstantIndexOp::create(b, 0));
      scf::IfOp::create(
          b, empty,
          [&](OpBuilder &, Location) {
            Type element = cast<MemRefType>(out.getType()).getElementType();
            fill(b, arith::ConstantOp::create(b, b.getZeroAttr(element)), out);
            scf::YieldOp::create(b);
          },
          [&](OpBuilder &, Location) {
            // Named in order: argument evaluation order would decide the
            // order of the emitted ops.
            Value query = leadingSlice(b, adaptor.getQuery(), seq);
            Value keys = gatherSequence(b, adaptor.getKeyCache(),
                                        adaptor.getBlockTable(), seq, tokens);
            Value values = gatherSequence(b, adaptor.getValueCache(),
                                          adaptor.getBlockTable(), seq, tokens);
            Value rows = indices ? leadingSlice(b, indices, seq) : Value();
            buildAttention(b, query, keys, values, rows, out, scale);
            scf::YieldOp::create(b);
          });
    });
  }
};
} // namespace

void mlir::spotlight::populateAttentionToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SparseGatherOpLowering, AttentionOpLowering<SparseAttentionOp>,
               AttentionOpLowering<DecodeAttentionOp>>(patterns.getContext());
}
