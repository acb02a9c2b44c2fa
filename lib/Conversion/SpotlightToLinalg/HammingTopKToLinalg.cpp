//===- HammingTopKToLinalg.cpp - spotlight.hamming_topk to linalg/scf -----===//
//
//   spotlight.hamming_topk ins(qcodes, kcodes) outs(indices)
//     ->  scores = linalg.generic  sum popcount(~(q ^ k))   [B, S, N] i32
//         scf.for b, s:
//           N <= sink + window + k:  indices = 0 .. N-1
//           otherwise:  histogram of middle scores -> threshold T,
//                       descending compaction (sink, window, > T, and the
//                       most recent ties at T), written in ascending order
//         remaining slots = -1
//
//   paged (pages(block_table, seq_lens), key codes a pool):
//     scf.for b:  codes_b = generic  pool[block_table[b, t / ps], t % ps]
//                 the above on codes_b [1, KH, seq_lens[b], C, W]
//
// Scores are small integers (0 .. D*G), so the exact top-k is an O(N)
// counting select rather than a sort.
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

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::lowering;

namespace {
/// Query heads [QH] split into [KH, G].
SmallVector<ReassociationIndices> groupedQueryCodes() {
  return {{0}, {1, 2}, {3}, {4}};
}

/// Query codes [B, QH, 1, W] viewed as [B, KH, G, 1, W] for group mode, in
/// their own layout (the paged form passes one sequence's strided slice;
/// the pass admits strided layouts only, checkOperandLayouts).
MemRefType groupedQueryCodesType(MemRefType qType, int64_t kvHeads) {
  return *memref::ExpandShapeOp::computeExpandedType(
      qType,
      {qType.getDimSize(0), kvHeads, qType.getDimSize(1) / kvHeads, 1,
       qType.getDimSize(3)},
      groupedQueryCodes());
}

/// scores[b, s, t] = sum over the query heads of set s and the code words of
/// popcount(~(qcode ^ kcode)).
Value buildScores(ImplicitLocOpBuilder &b, HammingTopKOp op, Value qc,
                  Value kc) {
  MLIRContext *ctx = op.getContext();
  auto qType = cast<MemRefType>(qc.getType());
  auto kType = cast<MemRefType>(kc.getType());
  int64_t qHeads = qType.getDimSize(1), kvHeads = kType.getDimSize(1);
  int64_t group = qHeads / kvHeads;
  bool perQueryKeyCode = kType.getDimSize(3) != 1;
  bool headMode = op.getMode() == SelectionMode::head;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineExpr zero = getAffineConstantExpr(0, ctx);

  SmallVector<AffineMap> maps;
  unsigned dims;
  if (headMode) {
    // (b, s = qh, t, w)
    dims = 4;
    AffineExpr code = perQueryKeyCode ? d(1) % group : zero;
    maps = {AffineMap::get(dims, 0, {d(0), d(1), zero, d(3)}, ctx),
            AffineMap::get(dims, 0, {d(0), d(1).floorDiv(group), d(2), code,
                                     d(3)}, ctx)};
  } else {
    // (b, s = kv head, t, g, w); the query codes viewed as [B, KH, G, 1, W]
    // (strided: the pass checked their layout, checkOperandLayouts).
    dims = 5;
    qc = memref::ExpandShapeOp::create(
        b, groupedQueryCodesType(qType, kvHeads), qc, groupedQueryCodes());
    AffineExpr code = perQueryKeyCode ? d(3) : zero;
    maps = {AffineMap::get(dims, 0, {d(0), d(1), d(3), zero, d(4)}, ctx),
            AffineMap::get(dims, 0, {d(0), d(1), d(2), code, d(4)}, ctx)};
  }
  maps.push_back(AffineMap::get(dims, 0, {d(0), d(1), d(2)}, ctx));

  SmallVector<OpFoldResult> sizes = leadingSizes(b, kc, 3);
  sizes[1] = b.getIndexAttr(headMode ? qHeads : kvHeads);
  Value init = filledBuffer(b, sizes, b.getI32Type(), b.getI32IntegerAttr(0));
  return generic(b, ValueRange{qc, kc}, init, maps, iterators(3, dims - 3),
             [&](ImplicitLocOpBuilder &nb, ValueRange args) {
               Value ones = arith::ConstantOp::create(
                   nb, nb.getI32IntegerAttr(-1));
               Value diff = arith::XOrIOp::create(nb, args[0], args[1]);
               Value same = arith::XOrIOp::create(nb, diff, ones);
               Value count = math::CtPopOp::create(nb, same);
               linalg::YieldOp::create(
                   nb, arith::AddIOp::create(nb, args[2], count).getResult());
             });
}

/// Emits the scalar selection loops over a scores buffer into `out`.
class SelectionEmitter {
public:
  /// `histogram` is scratch from `allocateHistogram`; when null, `emit`
  /// allocates it (a caller emitting in a loop allocates it outside once).
  SelectionEmitter(ImplicitLocOpBuilder &b, HammingTopKOp op, Value scores,
                   Value out, Value histogram = {})
      : b(b), op(op), scores(scores), out(out), histogram(histogram) {}

  /// One counter per possible score of a row.
  static Value allocateHistogram(ImplicitLocOpBuilder &b, HammingTopKOp op) {
    return memref::AllocaOp::create(
        b, MemRefType::get({loops::TopKShape(op).maxScore() + 1},
                           b.getIndexType()));
  }

  void emit() {
    Value batch = memref::DimOp::create(b, scores, 0);
    Value sets = memref::DimOp::create(b, scores, 1);
    n = memref::DimOp::create(b, scores, 2);
    slots = memref::DimOp::create(b, out, 2);
    sink = constant(op.getSink());
    window = constant(op.getWindow());
    Value fixed = arith::AddIOp::create(b, sink, window);
    budget = op.buildBudget(b, b.getLoc(), n, slots);
    total = arith::AddIOp::create(b, fixed, budget);
    if (!histogram)
      histogram = allocateHistogram(b, op);
    topScore = constant(loops::TopKShape(op).maxScore());
    Value keepAll = arith::CmpIOp::create(b, arith::CmpIPredicate::sle, n,
                                          total);
    forRange(constant(0), batch, [&](Value bi) {
      forRange(constant(0), sets, [&](Value si) {
        scf::IfOp::create(
            b, keepAll,
            [&](OpBuilder &, Location) {
              emitKeepAll(bi, si);
              scf::YieldOp::create(b);
            },
            [&](OpBuilder &, Location) {
              emitTopK(bi, si);
              scf::YieldOp::create(b);
            });
      });
    });
  }

private:
  Value constant(int64_t v) { return arith::ConstantIndexOp::create(b, v); }

  /// A plain `scf.for` whose body is built by `body` at the insertion point.
  void forRange(Value lb, Value ub, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, lb, ub, constant(1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    body(loop.getInductionVar());
  }

  Value score(Value bi, Value si, Value t) {
    Value s = memref::LoadOp::create(b, scores, ValueRange{bi, si, t});
    return arith::IndexCastOp::create(b, b.getIndexType(), s);
  }

  void store(Value bi, Value si, Value slot, Value token) {
    Value asI32 = arith::IndexCastOp::create(b, b.getI32Type(), token);
    memref::StoreOp::create(b, asI32, out, ValueRange{bi, si, slot});
  }

  void pad(Value bi, Value si, Value from) {
    Value empty = arith::ConstantOp::create(b, b.getI32IntegerAttr(-1));
    forRange(from, slots, [&](Value slot) {
      memref::StoreOp::create(b, empty, out, ValueRange{bi, si, slot});
    });
  }

  void emitKeepAll(Value bi, Value si) {
    Value filled = arith::MinSIOp::create(b, n, slots);
    forRange(constant(0), filled, [&](Value t) { store(bi, si, t, t); });
    pad(bi, si, filled);
  }

  void emitTopK(Value bi, Value si) {
    Value one = constant(1);
    Value middleEnd = arith::SubIOp::create(b, n, window);
    // Histogram of the middle scores.
    forRange(constant(0), arith::AddIOp::create(b, topScore, one),
             [&](Value v) {
               memref::StoreOp::create(b, constant(0), histogram, v);
             });
    forRange(sink, middleEnd, [&](Value t) {
      Value s = score(bi, si, t);
      Value c = memref::LoadOp::create(b, histogram, s);
      memref::StoreOp::create(b, arith::AddIOp::create(b, c, one), histogram,
                              s);
    });
    // Threshold T: the largest score with count(score >= T) >= k.
    Type index = b.getIndexType();
    auto search = scf::WhileOp::create(
        b, TypeRange{index, index}, ValueRange{topScore, constant(0)},
        [&](OpBuilder &ob, Location loc, ValueRange args) {
          ImplicitLocOpBuilder nb(loc, ob);
          Value c = memref::LoadOp::create(nb, histogram, args[0]);
          Value reached = arith::AddIOp::create(nb, args[1], c);
          Value more = arith::CmpIOp::create(nb, arith::CmpIPredicate::slt,
                                             reached, budget);
          scf::ConditionOp::create(nb, more, args);
        },
        [&](OpBuilder &ob, Location loc, ValueRange args) {
          ImplicitLocOpBuilder nb(loc, ob);
          Value c = memref::LoadOp::create(nb, histogram, args[0]);
          Value next = arith::SubIOp::create(nb, args[0],
                                             arith::ConstantIndexOp::create(nb, 1));
          scf::YieldOp::create(
              nb, ValueRange{next, arith::AddIOp::create(nb, args[1], c)});
        });
    Value threshold = search.getResult(0);
    Value ties = arith::SubIOp::create(b, budget, search.getResult(1));

    // Descending compaction: the most recent tokens at T win the ties.
    Value lastSlot = arith::SubIOp::create(b, total, one);
    scf::ForOp::create(
        b, constant(0), n, one, ValueRange{lastSlot, ties},
        // The body builder receives `b` itself, positioned in the body.
        [&](OpBuilder &, Location, Value i, ValueRange args) {
          Value slot = args[0], tiesLeft = args[1];
          Value t = arith::SubIOp::create(
              b, arith::SubIOp::create(b, n, one), i);
          Value s = score(bi, si, t);
          auto cmp = [&](arith::CmpIPredicate p, Value l, Value r) -> Value {
            return arith::CmpIOp::create(b, p, l, r);
          };
          Value middle = arith::AndIOp::create(
              b, cmp(arith::CmpIPredicate::sge, t, sink),
              cmp(arith::CmpIPredicate::slt, t, middleEnd));
          Value tieTaken = arith::AndIOp::create(
              b,
              arith::AndIOp::create(b, middle,
                                    cmp(arith::CmpIPredicate::eq, s, threshold)),
              cmp(arith::CmpIPredicate::sgt, tiesLeft, constant(0)));
          Value take = arith::OrIOp::create(
              b,
              arith::OrIOp::create(
                  b, arith::XOrIOp::create(
                         b, middle,
                         arith::ConstantOp::create(b, b.getBoolAttr(true))),
                  cmp(arith::CmpIPredicate::sgt, s, threshold)),
              tieTaken);
          Value fits = cmp(arith::CmpIPredicate::slt, slot, slots);
          scf::IfOp::create(b, arith::AndIOp::create(b, take, fits),
                            [&](OpBuilder &, Location) {
                              store(bi, si, slot, t);
                              scf::YieldOp::create(b);
                            });
          Value nextSlot = arith::SelectOp::create(
              b, take, arith::SubIOp::create(b, slot, one), slot);
          Value nextTies = arith::SelectOp::create(
              b, tieTaken, arith::SubIOp::create(b, tiesLeft, one), tiesLeft);
          scf::YieldOp::create(b, ValueRange{nextSlot, nextTies});
        });
    pad(bi, si, total);
  }

  ImplicitLocOpBuilder &b;
  HammingTopKOp op;
  Value scores, out, histogram;
  Value n, slots, sink, window, budget, total, topScore;
};

struct HammingTopKOpLowering : OpLowering<HammingTopKOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(HammingTopKOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    if (op.isPaged()) {
      emitPaged(op, adaptor, b);
      return success();
    }
    Value scores =
        buildScores(b, op, adaptor.getQueryCodes(), adaptor.getKeyCodes());
    SelectionEmitter(b, op, scores, adaptor.getInit()).emit();
    return success();
  }

  /// The contiguous selection of each sequence over its own seq_lens[b]
  /// tokens, its key codes gathered in logical order, so the sets (logical
  /// positions) are the contiguous form's by construction.
  void emitPaged(HammingTopKOp op, Adaptor adaptor,
                 ImplicitLocOpBuilder &b) const {
    Value histogram = SelectionEmitter::allocateHistogram(b, op);
    forEachSequence(b, adaptor.getSeqLens(), [&](Value seq, Value tokens) {
      Value keyCodes = gatherSequence(b, adaptor.getKeyCodes(),
                                      adaptor.getBlockTable(), seq, tokens);
      Value scores = buildScores(
          b, op, leadingSlice(b, adaptor.getQueryCodes(), seq), keyCodes);
      SelectionEmitter(b, op, scores, leadingSlice(b, adaptor.getInit(), seq),
                       histogram)
          .emit();
    });
  }
};
} // namespace

void mlir::spotlight::populateHammingTopKToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<HammingTopKOpLowering>(patterns.getContext());
}
