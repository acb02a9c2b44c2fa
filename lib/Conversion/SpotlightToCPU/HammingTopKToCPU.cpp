//===- HammingTopKToCPU.cpp - spotlight.hamming_topk to fused loops -------===//
//
//   spotlight.hamming_topk ins(qcodes, kcodes) [pages(table, lens)]
//                          outs(indices)
//     ->  scf.for b:  N = N, or seq_lens[b]; k = budget(N)
//           N <= sink + window + k:  indices = 0 .. N-1 for every set
//           otherwise, one pass over the middle tokens [sink, N - window)
//           (paged: page by page, one block-table load a page), every
//           selection set s at each token:
//             score[s, t] = D*P - reduce_add(ctpop(qvec ^ kvec))  vector<P*W x i32>
//             hist[s, score[s, t]] += 1                        (fused)
//           then for each set s:
//           threshold T from the histogram (scores are 0 .. D*G)
//           ascending compaction, 16 scores a compare: score > T, and
//           the most recent ties at T (the first hist[T] - ties are
//           skipped), the taken tokens found through the set mask bits
//           indices = sink ++ compacted ++ window, then -1 padding
//
// `qvec` holds the P query codes of the set side by side (P = G in group
// mode, 1 in head mode) and `kvec` the matching key codes of token t, so
// one vector XOR/popcount scores a whole GQA group.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;

namespace {
class TopKEmitter : TopKShape {
public:
  TopKEmitter(ImplicitLocOpBuilder &b, HammingTopKOp op)
      : TopKShape(op), b(b), e(b), op(op) {}

  void emit(HammingTopKOp::Adaptor adaptor) {
    qc = e.flat(adaptor.getQueryCodes());
    kc = e.flat(adaptor.getKeyCodes());
    out = e.flat(adaptor.getInit());
    keys.emplace(b, adaptor.getKeyCodes(), adaptor.getBlockTable(),
                 adaptor.getSeqLens(), kvHeads);
    Value batch = e.dim(adaptor.getQueryCodes(), 0);
    slots = e.dim(adaptor.getInit(), 2);
    sink = e.index(op.getSink());
    window = e.index(op.getWindow());
    // Scratch: the middle scores of every set, the histograms, the
    // compacted middle (k <= slots - sink - window tokens).
    tokensPerSet = keys->maxTokens(e);
    scores = e.allocFlat(e.mul(tokensPerSet, sets), b.getI32Type());
    histograms = e.allocFlat(e.index(sets * bins()), b.getI32Type());
    compacted = e.allocFlat(slots, b.getI32Type());

    e.forRange(e.index(0), batch, [&](Value bi) {
      // Budget, sink and window apply to each sequence's own length.
      n = keys->tokens(e, bi);
      budget = op.buildBudget(b, b.getLoc(), n, slots);
      total = e.add(e.add(sink, window), budget);
      Value keepAll = e.cmp(Pred::sle, n, total);
      auto rowOf = [&](Value s) {
        return e.mul(e.add(e.mul(bi, sets), s), slots);
      };
      e.ifThen(
          keepAll,
          [&] {
            Value filled = e.min(n, slots);
            e.forRange(e.index(0), e.index(sets), [&](Value s) {
              writeRange(rowOf(s), e.index(0), e.index(0), filled);
              pad(rowOf(s), filled);
            });
          },
          [&] {
            scoreMiddle(bi);
            e.forRange(e.index(0), e.index(sets),
                       [&](Value s) { select(s, rowOf(s)); });
          });
    });
  }

private:
  Value asI32(Value index) {
    return arith::IndexCastOp::create(b, b.getI32Type(), index);
  }
  Value asIndex(Value i32) {
    return arith::IndexCastOp::create(b, b.getIndexType(), i32);
  }

  /// out[row + at + i] = from + i for i in [0, count).
  void writeRange(Value row, Value at, Value from, Value count) {
    e.forRange(e.index(0), count, [&](Value i) {
      e.store(asI32(e.add(from, i)), out, e.add(row, e.add(at, i)));
    });
  }

  void pad(Value row, Value from) {
    Value empty = e.i32(-1);
    e.forRange(from, slots,
               [&](Value slot) { e.store(empty, out, e.add(row, slot)); });
  }

  /// Lanes of a score vector: the P x W words of a set padded to a power
  /// of two with zeros (which differ in no bit), so that the vectors fill
  /// whole registers: an odd width such as 7 x 4 = 28 is legalized lane by
  /// lane, and hoisted query vectors were then rebuilt from the stack at
  /// every token.
  int64_t lanes() const { return llvm::PowerOf2Ceil(pairs * words); }

  /// The `count` words at `offset` of `buffer` in a vector of lanes(),
  /// zero-padded.
  Value loadPadded(FlatBuffer buffer, Value offset, int64_t count) {
    if (count == lanes())
      return e.load(buffer, offset, count);
    auto type = VectorType::get({lanes()}, b.getI32Type());
    SmallVector<bool> valid(lanes(), false);
    std::fill_n(valid.begin(), count, true);
    Value mask = arith::ConstantOp::create(
        b, DenseElementsAttr::get(
               VectorType::get({lanes()}, b.getI1Type()), valid));
    Value zeros = arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getI32IntegerAttr(0)));
    return vector::MaskedLoadOp::create(b, type, buffer.memref,
                                        ValueRange{offset}, mask, zeros);
  }

  /// The P query codes of set s, side by side.
  Value queryVector(Value bi, Value s) {
    Value firstHead = headMode ? s : e.mul(s, group);
    return loadPadded(
        qc, e.mul(e.add(e.mul(bi, queryHeads), firstHead), words),
        pairs * words);
  }

  /// The KV head whose keys set s scores.
  Value headOf(Value s) {
    return headMode ? arith::DivUIOp::create(b, s, e.index(group)).getResult()
                    : s;
  }

  /// The key codes matching `queryVector` of the token at code row `token`
  /// (a row holds the C codes of one token and KV head).
  Value keyVector(Value s, Value token) {
    Value base = e.mul(token, codesPerHead * words);
    if (codesPerHead == 1 && pairs > 1) {
      // One key code shared by the G query heads: replicate it (then zeros).
      Value code = e.load(kc, base, words);
      Value zeros = arith::ConstantOp::create(
          b, DenseElementsAttr::get(cast<VectorType>(code.getType()),
                                    b.getI32IntegerAttr(0)));
      SmallVector<int64_t> mask;
      for (int64_t p = 0; p < pairs; ++p)
        for (int64_t w = 0; w < words; ++w)
          mask.push_back(w);
      while (int64_t(mask.size()) < lanes())
        mask.push_back(words);
      return vector::ShuffleOp::create(b, code, zeros, mask);
    }
    if (headMode && codesPerHead > 1)
      base = e.add(base, e.mul(arith::RemUIOp::create(b, s, e.index(group)),
                               words));
    return loadPadded(kc, base, pairs * words);
  }

  /// The score of a set: its matching bits, D x P less the differing ones.
  Value score(Value queryCodes, Value keyCodes) {
    Value differing = math::CtPopOp::create(
        b, arith::XOrIOp::create(b, queryCodes, keyCodes));
    Value sum =
        vector::ReductionOp::create(b, vector::CombiningKind::ADD, differing);
    return arith::SubIOp::create(b, e.i32(int32_t(maxScore())), sum);
  }

  int64_t bins() const { return maxScore() + 1; }

  /// Sets whose query vectors are loaded once, before the pass, and whose
  /// loop is unrolled inside it: the query vectors stay in registers (at
  /// most QH x W words together). More sets run as a loop.
  static constexpr int64_t kMaxUnrolledSets = 32;

  /// One pass over the middle tokens [sink, N - window) of sequence bi,
  /// token by token and every set at each token, so that a page (all heads
  /// of its tokens) is read in order: scores and histograms of every set.
  void scoreMiddle(Value bi) {
    e.forRange(e.index(0), e.index(sets * bins()),
               [&](Value v) { e.store(e.i32(0), histograms, v); });
    const int64_t codeRow = codesPerHead * words;
    const bool unrolled = sets <= kMaxUnrolledSets;
    SmallVector<Value> queries;
    if (unrolled)
      for (int64_t s = 0; s < sets; ++s)
        queries.push_back(queryVector(bi, e.index(s)));
    keys->forEachRun(
        e, bi, e.index(0), sink, e.sub(n, window), {},
        [&](const TokenAddressing::Run &run, ValueRange) -> SmallVector<Value> {
          e.forRange(run.first, run.end, [&](Value t) {
            if (run.aheadBase)
              e.prefetch(kc, e.mul(keys->runRow(e, run.aheadBase, t), codeRow),
                         kvHeads * codeRow);
            Value row = keys->runRow(e, run.rowBase, t);
            auto scoreSet = [&](Value s, Value q) {
              Value k = keyVector(s, e.add(row, keys->headRows(e, headOf(s))));
              Value setScore = score(q, k);
              e.store(setScore, scores, e.add(e.mul(s, tokensPerSet), t));
              Value bin = e.add(e.mul(s, bins()), asIndex(setScore));
              Value old = e.loadScalar(histograms, bin);
              e.store(arith::AddIOp::create(b, old, e.i32(1)), histograms,
                      bin);
            };
            if (unrolled) {
              for (int64_t s = 0; s < sets; ++s)
                scoreSet(e.index(s), queries[s]);
              return;
            }
            e.forRange(e.index(0), e.index(sets), [&](Value s) {
              scoreSet(s, queryVector(bi, s));
            });
          });
          return {};
        });
  }

  /// The exact top-k of set s from its scores and histogram, written with
  /// the sink and the window at index row `row`.
  void select(Value s, Value row) {
    Value middleEnd = e.sub(n, window);
    Value histogram = e.mul(s, bins());
    Value setScores = e.mul(s, tokensPerSet);
    // Threshold: the largest T with count(score >= T) >= k.
    auto [thresholdIndex, above] =
        e.thresholdSearch(histograms, histogram, bins(), budget);
    Value threshold =
        arith::IndexCastOp::create(b, b.getI32Type(), thresholdIndex);
    Value tiesTaken = e.sub(budget, above);
    Value tiesAtThreshold =
        asIndex(e.loadScalar(histograms, e.add(histogram, thresholdIndex)));
    Value skip = e.sub(tiesAtThreshold, tiesTaken);

    compact(setScores, threshold, skip, middleEnd);

    writeRange(row, e.index(0), e.index(0), sink);
    e.forRange(e.index(0), budget, [&](Value i) {
      e.store(e.loadScalar(compacted, i), out, e.add(row, e.add(sink, i)));
    });
    writeRange(row, e.add(sink, budget), middleEnd, window);
    pad(row, total);
  }

  /// Tokens a step of the compaction compares at once.
  static constexpr int64_t kChunk = 16;

  /// The bits of an i1 mask vector of kChunk lanes, as an i32.
  Value maskBits(Value mask) {
    Value packed = vector::BitCastOp::create(
        b, VectorType::get({1}, b.getIntegerType(kChunk)), mask);
    Value bits = vector::ExtractOp::create(b, packed, ArrayRef<int64_t>{0});
    return arith::ExtUIOp::create(b, b.getI32Type(), bits);
  }

  /// `bits` less its `count` lowest set bits.
  Value clearLowestBits(Value bits, Value count) {
    return e.forRange(e.index(0), count, ValueRange{bits},
                      [&](Value, ValueRange state) -> SmallVector<Value> {
                        Value lower = arith::SubIOp::create(b, state[0],
                                                            e.i32(1));
                        return {arith::AndIOp::create(b, state[0], lower)};
                      })[0];
  }

  /// compacted = the middle tokens [sink, middleEnd) of the set whose
  /// scores start at `setScores`, ascending, that score above `threshold`,
  /// or at it once the `skip` oldest ties are passed. kChunk scores are
  /// compared at once into bit masks; only the few taken tokens (the budget
  /// of a long context is a small share of it) are visited one by one,
  /// through the set bits of their mask.
  void compact(Value setScores, Value threshold, Value skip, Value middleEnd) {
    auto lanesType = VectorType::get({kChunk}, b.getI32Type());
    Value thresholds = vector::BroadcastOp::create(b, lanesType, threshold);
    // Past the end, -1: neither above nor at any threshold (scores >= 0).
    Value outside = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesType, b.getI32IntegerAttr(-1)));
    e.forStep(
        sink, middleEnd, e.index(kChunk), ValueRange{e.index(0), skip},
        [&](Value t0, ValueRange state) -> SmallVector<Value> {
          Value slot = state[0], skipLeft = state[1];
          Value inside = vector::CreateMaskOp::create(
              b, VectorType::get({kChunk}, b.getI1Type()),
              ValueRange{e.sub(middleEnd, t0)});
          Value chunk = vector::MaskedLoadOp::create(
              b, lanesType, scores.memref,
              ValueRange{e.add(setScores, t0)}, inside, outside);
          Value above = maskBits(arith::CmpIOp::create(
              b, arith::CmpIPredicate::sgt, chunk, thresholds));
          Value ties = maskBits(arith::CmpIOp::create(
              b, arith::CmpIPredicate::eq, chunk, thresholds));
          Value tieCount = asIndex(math::CtPopOp::create(b, ties));
          // Skip whole chunks of ties while the skip lasts; in the chunk
          // where it ends, drop its lowest (oldest) skipLeft ties.
          Value skipsAll = e.cmp(Pred::sge, skipLeft, tieCount);
          Value kept = scf::IfOp::create(
                           b, skipsAll,
                           [&](OpBuilder &, Location) {
                             scf::YieldOp::create(b, e.i32(0));
                           },
                           [&](OpBuilder &, Location) {
                             scf::YieldOp::create(
                                 b, clearLowestBits(ties, skipLeft));
                           })
                           .getResult(0);
          Value skipNext = arith::SelectOp::create(
              b, skipsAll, e.sub(skipLeft, tieCount), e.index(0));
          Value take = arith::OrIOp::create(b, above, kept);
          auto taken = scf::WhileOp::create(
              b, TypeRange{b.getI32Type(), b.getIndexType()},
              ValueRange{take, slot},
              [&](OpBuilder &, Location, ValueRange args) {
                scf::ConditionOp::create(
                    b, e.cmp(Pred::ne, args[0], e.i32(0)), args);
              },
              [&](OpBuilder &, Location, ValueRange args) {
                Value lane =
                    asIndex(math::CountTrailingZerosOp::create(b, args[0]));
                e.store(asI32(e.add(t0, lane)), compacted, args[1]);
                Value rest = arith::AndIOp::create(
                    b, args[0], arith::SubIOp::create(b, args[0], e.i32(1)));
                scf::YieldOp::create(b,
                                     ValueRange{rest, e.add(args[1], e.index(1))});
              });
          return {taken.getResult(1), skipNext};
        });
  }

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  HammingTopKOp op;
  std::optional<TokenAddressing> keys;
  FlatBuffer qc, kc, out, scores, histograms, compacted;
  Value slots, sink, window, tokensPerSet;
  /// Of the sequence being emitted.
  Value n, budget, total;
};

struct HammingTopKOpLowering : OpLowering<HammingTopKOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(HammingTopKOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    TopKEmitter(b, op).emit(adaptor);
    return success();
  }
};
} // namespace

void mlir::spotlight::populateHammingTopKToCPUPatterns(
    RewritePatternSet &patterns) {
  patterns.add<HammingTopKOpLowering>(patterns.getContext());
}
