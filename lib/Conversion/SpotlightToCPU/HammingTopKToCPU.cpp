//===- HammingTopKToCPU.cpp - Hamming selection to fused loops ------------===//
//
//   spotlight.hamming_topk ins(qcodes, kcodes) [pages(table, lens)]
//                          outs(indices)
//     ->  scf.for b:  N = N, or seq_lens[b]; k = budget(N)
//           N <= sink + window + k:  indices = 0 .. N-1 for every set
//           otherwise, one pass over the middle tokens [sink, N - window)
//           (paged: page by page, one block-table load a page), every
//           selection set s at each token:                  (ScoreScan)
//             score[s, t] = D*P - reduce_add(ctpop(qvec ^ kvec))  vector<P*W x i32>
//             hist[s, score[s, t]] += 1                        (fused)
//           then for each set s:                            (SetSelection)
//           threshold T from the histogram (scores are 0 .. D*G)
//           ascending compaction, 64 scores a step: score > T, and
//           the most recent ties at T (the first hist[T] - ties are
//           skipped), the taken tokens found through the set mask bits
//           indices = sink ++ compacted ++ window, then -1 padding
//
// `qvec` holds the P query codes of the set side by side (P = G in group
// mode, 1 in head mode) and `kvec` the matching key codes of token t, so
// one vector XOR/popcount scores a whole GQA group.
//
// The same two halves lower the split form, which lets the runtime scan the
// token ranges of one long sequence on different cores:
//   spotlight.hamming_scores: the pass over [sink, N - window) clipped to
//     the sequence's range, into the caller's scores and histograms;
//   spotlight.score_topk: the ranges' histograms summed, then the
//     selection of every set as above.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;

namespace {
Value asI32(ImplicitLocOpBuilder &b, Value index) {
  return arith::IndexCastOp::create(b, b.getI32Type(), index);
}

Value asIndex(ImplicitLocOpBuilder &b, Value i32) {
  return arith::IndexCastOp::create(b, b.getIndexType(), i32);
}

/// Where the scores and histograms of one sequence's selection sets live:
/// set s scores token t at scores[scoreBase + s * scoreStride + t] and
/// counts score v at histograms[histBase + s * bins + v].
struct ScoreLayout {
  FlatBuffer scores, histograms;
  Value scoreBase, scoreStride, histBase;

  /// Where the scores of set s start.
  Value setScores(LoopEmitter &e, Value s) const {
    return e.add(scoreBase, e.mul(s, scoreStride));
  }
};

/// The pass that scores a sequence's tokens against its query codes and
/// counts the scores (hamming_topk, hamming_scores).
class ScoreScan : public TopKShape {
public:
  template <typename OpTy>
  ScoreScan(ImplicitLocOpBuilder &b, OpTy op, typename OpTy::Adaptor adaptor)
      : TopKShape(op), b(b), e(b) {
    qc = e.flat(adaptor.getQueryCodes());
    kc = e.flat(adaptor.getKeyCodes());
    keys.emplace(b, adaptor.getKeyCodes(), adaptor.getBlockTable(),
                 adaptor.getSeqLens(), kvHeads);
  }

  int64_t bins() const { return maxScore() + 1; }
  const TokenAddressing &addressing() const { return *keys; }

  /// Clears the histograms of sequence bi in `layout`, then scores its
  /// tokens [lo, hi) into it: token by token and every set at each token,
  /// so that a page (all heads of its tokens) is read in order.
  void scan(Value bi, Value lo, Value hi, const ScoreLayout &layout) {
    e.forRange(e.index(0), e.index(sets * bins()), [&](Value v) {
      e.store(e.i32(0), layout.histograms, e.add(layout.histBase, v));
    });
    const int64_t codeRow = codesPerHead * words;
    const bool unrolled = sets <= kMaxUnrolledSets;
    SmallVector<Value> queries, setScores, histograms;
    if (unrolled)
      for (int64_t s = 0; s < sets; ++s) {
        queries.push_back(queryVector(bi, e.index(s)));
        setScores.push_back(layout.setScores(e, e.index(s)));
        histograms.push_back(e.add(layout.histBase, e.index(s * bins())));
      }
    keys->forEachRun(
        e, bi, e.index(0), lo, hi, {},
        [&](const TokenAddressing::Run &run, ValueRange) -> SmallVector<Value> {
          e.forRange(run.first, run.end, [&](Value t) {
            if (run.aheadBase)
              e.prefetch(kc, e.mul(keys->runRow(e, run.aheadBase, t), codeRow),
                         kvHeads * codeRow);
            Value row = keys->runRow(e, run.rowBase, t);
            auto scoreSet = [&](Value s, Value q, Value scoresOfSet,
                                Value histogram) {
              Value k = keyVector(s, e.add(row, keys->headRows(e, headOf(s))));
              Value setScore = score(q, k);
              e.store(setScore, layout.scores, e.add(scoresOfSet, t));
              Value bin = e.add(histogram, asIndex(b, setScore));
              Value old = e.loadScalar(layout.histograms, bin);
              e.store(arith::AddIOp::create(b, old, e.i32(1)),
                      layout.histograms, bin);
            };
            if (unrolled) {
              for (int64_t s = 0; s < sets; ++s)
                scoreSet(e.index(s), queries[s], setScores[s], histograms[s]);
              return;
            }
            e.forRange(e.index(0), e.index(sets), [&](Value s) {
              scoreSet(s, queryVector(bi, s), layout.setScores(e, s),
                       e.add(layout.histBase, e.mul(s, e.index(bins()))));
            });
          });
          return {};
        },
        kAheadPages);
  }

private:
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

  /// Pages ahead the paged pass prefetches. One core's scan of 256K
  /// tokens of Qwen2.5-7B (16-token pages, spotlight-bench-cpu with
  /// SPOTLIGHT_SPLIT=0): median 3.84 ms 2 pages ahead against 4.11 ms 1
  /// page ahead (faster in 7 of 8 alternations), 4.1-4.7 ms 3 or 4 ahead.
  /// On two cores the difference is within the machine's noise.
  static constexpr int64_t kAheadPages = 2;

  /// Sets whose query vectors are loaded once, before the pass, and whose
  /// loop is unrolled inside it: the query vectors stay in registers (at
  /// most QH x W words together). More sets run as a loop.
  static constexpr int64_t kMaxUnrolledSets = 32;

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  std::optional<TokenAddressing> keys;
  FlatBuffer qc, kc;
};

/// Picks every set's tokens from its scores and histogram and writes the
/// index rows of a sequence (hamming_topk, score_topk).
class SetSelection {
public:
  SetSelection(ImplicitLocOpBuilder &b, Value init, int64_t sets, int64_t sink,
               int64_t window, int64_t bins)
      : b(b), e(b), sets(sets), bins(bins) {
    out = e.flat(init);
    slots = e.dim(init, 2);
    this->sink = e.index(sink);
    this->window = e.index(window);
    // The compacted middle: k <= slots - sink - window tokens.
    compacted = e.allocFlat(slots, b.getI32Type());
  }

  Value slotCount() const { return slots; }

  /// The index rows of sequence bi, of n tokens and budget k: every token
  /// when n <= sink + window + k; otherwise `score` fills `layout` for bi
  /// (its middle tokens [sink, n - window)), from which each set selects.
  void emit(Value bi, Value n, Value budget, function_ref<void()> score,
            const ScoreLayout &layout) {
    Value total = e.add(e.add(sink, window), budget);
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
          score();
          e.forRange(e.index(0), e.index(sets), [&](Value s) {
            select(s, rowOf(s), n, budget, total, layout);
          });
        });
  }

private:
  /// out[row + at + i] = from + i for i in [0, count).
  void writeRange(Value row, Value at, Value from, Value count) {
    e.forRange(e.index(0), count, [&](Value i) {
      e.store(asI32(b, e.add(from, i)), out, e.add(row, e.add(at, i)));
    });
  }

  void pad(Value row, Value from) {
    Value empty = e.i32(-1);
    e.forRange(from, slots,
               [&](Value slot) { e.store(empty, out, e.add(row, slot)); });
  }

  /// The exact top-k of set s from its scores and histogram, written with
  /// the sink and the window at index row `row`.
  void select(Value s, Value row, Value n, Value budget, Value total,
              const ScoreLayout &layout) {
    Value middleEnd = e.sub(n, window);
    Value histogram = e.add(layout.histBase, e.mul(s, e.index(bins)));
    // Threshold: the largest T with count(score >= T) >= k.
    auto [thresholdIndex, above] =
        e.thresholdSearch(layout.histograms, histogram, bins, budget);
    Value threshold = asI32(b, thresholdIndex);
    Value tiesTaken = e.sub(budget, above);
    Value tiesAtThreshold = asIndex(
        b, e.loadScalar(layout.histograms, e.add(histogram, thresholdIndex)));
    Value skip = e.sub(tiesAtThreshold, tiesTaken);

    compact(layout.scores, layout.setScores(e, s), threshold, skip, middleEnd,
            budget);

    writeRange(row, e.index(0), e.index(0), sink);
    e.forRange(e.index(0), budget, [&](Value i) {
      e.store(e.loadScalar(compacted, i), out, e.add(row, e.add(sink, i)));
    });
    writeRange(row, e.add(sink, budget), middleEnd, window);
    pad(row, total);
  }

  /// Tokens a step of the compaction compares at once: four 16-lane
  /// compares on AVX-512, their masks one 64-bit word.
  static constexpr int64_t kChunk = 64;

  Value maskConstant(int64_t value) {
    return arith::ConstantOp::create(b, b.getI64IntegerAttr(value));
  }

  /// The bits of an i1 mask vector of kChunk lanes, as an i64.
  Value maskBits(Value mask) {
    Value packed = vector::BitCastOp::create(
        b, VectorType::get({1}, b.getIntegerType(kChunk)), mask);
    return vector::ExtractOp::create(b, packed, ArrayRef<int64_t>{0});
  }

  /// `bits` less its `count` lowest set bits.
  Value clearLowestBits(Value bits, Value count) {
    return e.forRange(e.index(0), count, ValueRange{bits},
                      [&](Value, ValueRange state) -> SmallVector<Value> {
                        Value lower = arith::SubIOp::create(b, state[0],
                                                            maskConstant(1));
                        return {arith::AndIOp::create(b, state[0], lower)};
                      })[0];
  }

  /// compacted = the middle tokens [sink, middleEnd) of the set whose
  /// scores start at `setScores`, ascending, that score above `threshold`,
  /// or at it once the `skip` oldest ties are passed; at most `budget` of
  /// them (scores that disagree with their histogram, which score_topk
  /// cannot rule out, write no further). kChunk scores are compared at
  /// once into bit masks; only the few taken tokens (the budget of a long
  /// context is a small share of it) are visited one by one, through the
  /// set bits of their mask.
  void compact(FlatBuffer scores, Value setScores, Value threshold, Value skip,
               Value middleEnd, Value budget) {
    auto lanesType = VectorType::get({kChunk}, b.getI32Type());
    Value thresholds = vector::BroadcastOp::create(b, lanesType, threshold);
    // Past the end, -1: neither above nor at any threshold (scores >= 0).
    Value outside = arith::ConstantOp::create(
        b, DenseElementsAttr::get(lanesType, b.getI32IntegerAttr(-1)));
    Type maskType = b.getIntegerType(kChunk);
    e.forStep(
        sink, middleEnd, e.index(kChunk), ValueRange{e.index(0), skip},
        [&](Value t0, ValueRange state) -> SmallVector<Value> {
          Value slot = state[0], skipLeft = state[1];
          Value inside = vector::CreateMaskOp::create(
              b, VectorType::get({kChunk}, b.getI1Type()),
              ValueRange{e.sub(middleEnd, t0)});
          Value chunk = vector::MaskedLoadOp::create(
              b, lanesType, scores.memref, ValueRange{e.add(setScores, t0)},
              inside, outside);
          Value above = maskBits(arith::CmpIOp::create(
              b, arith::CmpIPredicate::sgt, chunk, thresholds));
          Value ties = maskBits(arith::CmpIOp::create(
              b, arith::CmpIPredicate::eq, chunk, thresholds));
          Value tieCount = asIndex(b, math::CtPopOp::create(b, ties));
          // Skip whole chunks of ties while the skip lasts; in the chunk
          // where it ends, drop its lowest (oldest) skipLeft ties.
          Value skipsAll = e.cmp(Pred::sge, skipLeft, tieCount);
          Value kept = scf::IfOp::create(
                           b, skipsAll,
                           [&](OpBuilder &, Location) {
                             scf::YieldOp::create(b, maskConstant(0));
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
              b, TypeRange{maskType, b.getIndexType()}, ValueRange{take, slot},
              [&](OpBuilder &, Location, ValueRange args) {
                Value more = arith::AndIOp::create(
                    b,
                    arith::CmpIOp::create(b, arith::CmpIPredicate::ne, args[0],
                                          maskConstant(0)),
                    e.cmp(Pred::slt, args[1], budget));
                scf::ConditionOp::create(b, more, args);
              },
              [&](OpBuilder &, Location, ValueRange args) {
                Value lane = asIndex(
                    b, math::CountTrailingZerosOp::create(b, args[0]));
                e.store(asI32(b, e.add(t0, lane)), compacted, args[1]);
                Value rest = arith::AndIOp::create(
                    b, args[0],
                    arith::SubIOp::create(b, args[0], maskConstant(1)));
                scf::YieldOp::create(
                    b, ValueRange{rest, e.add(args[1], e.index(1))});
              });
          return {taken.getResult(1), skipNext};
        });
  }

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  int64_t sets, bins;
  FlatBuffer out, compacted;
  Value slots, sink, window;
};

struct HammingTopKOpLowering : OpLowering<HammingTopKOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(HammingTopKOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    ScoreScan scan(b, op, adaptor);
    // Scratch: the middle scores of every set, their histograms.
    Value tokensPerSet = scan.addressing().longestSequence(
        e, e.dim(adaptor.getQueryCodes(), 0));
    ScoreLayout layout{
        e.allocFlat(e.mul(tokensPerSet, e.index(scan.sets)), b.getI32Type()),
        e.allocFlat(e.index(scan.sets * scan.bins()), b.getI32Type()),
        e.index(0), tokensPerSet, e.index(0)};
    SetSelection selection(b, adaptor.getInit(), scan.sets, op.getSink(),
                           op.getWindow(), scan.bins());
    Value sink = e.index(op.getSink()), window = e.index(op.getWindow());
    e.forRange(e.index(0), e.dim(adaptor.getQueryCodes(), 0), [&](Value bi) {
      // Budget, sink and window apply to each sequence's own length.
      Value n = scan.addressing().tokens(e, bi);
      Value budget =
          op.buildBudget(b, b.getLoc(), n, selection.slotCount());
      selection.emit(
          bi, n, budget,
          [&] { scan.scan(bi, sink, e.sub(n, window), layout); }, layout);
    });
    return success();
  }
};

struct HammingScoresOpLowering : OpLowering<HammingScoresOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(HammingScoresOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    ScoreScan scan(b, op, adaptor);
    FlatBuffer ranges = e.flat(adaptor.getTokenRanges());
    // Positions past the scores' N are not written, whatever the ranges.
    Value capacity = e.dim(adaptor.getScores(), 2);
    Value sink = e.index(op.getSink()), window = e.index(op.getWindow());
    ScoreLayout layout{e.flat(adaptor.getScores()),
                       e.flat(adaptor.getHistograms()), {}, capacity, {}};
    e.forRange(e.index(0), e.dim(adaptor.getQueryCodes(), 0), [&](Value bi) {
      Value setsOfBatch = e.mul(bi, e.index(scan.sets));
      layout.scoreBase = e.mul(setsOfBatch, capacity);
      layout.histBase = e.mul(setsOfBatch, e.index(scan.bins()));
      Value n = scan.addressing().tokens(e, bi);
      Value begin = asIndex(b, e.loadScalar(ranges, e.mul(bi, e.index(2))));
      Value end = asIndex(
          b, e.loadScalar(ranges, e.add(e.mul(bi, e.index(2)), e.index(1))));
      Value lo = e.max(begin, sink);
      Value hi = e.min(e.min(end, e.sub(n, window)), capacity);
      scan.scan(bi, lo, e.max(hi, lo), layout);
    });
    return success();
  }
};

struct ScoreTopKOpLowering : OpLowering<ScoreTopKOp> {
  using OpLowering::OpLowering;

  LogicalResult emit(ScoreTopKOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    Value scores = adaptor.getScores(), histograms = adaptor.getHistograms();
    const int64_t sets = dimOf(scores, 1), bins = dimOf(histograms, 3);
    SetSelection selection(b, adaptor.getInit(), sets, op.getSink(),
                           op.getWindow(), bins);
    FlatBuffer lens = e.flat(adaptor.getSeqLens());
    // Scores and histograms may be views (a KV head's sets of a sequence's
    // scores): addressed through their strides.
    ValueRange scoreStrides =
        memref::ExtractStridedMetadataOp::create(b, scores).getStrides();
    ValueRange histogramStrides =
        memref::ExtractStridedMetadataOp::create(b, histograms).getStrides();
    FlatBuffer rangeHistograms = e.flat(histograms);
    Value rangeCount = e.dim(histograms, 0), capacity = e.dim(scores, 2);
    // The histograms of a sequence's sets, summed over the ranges.
    ScoreLayout layout{e.flat(scores),
                       e.allocFlat(e.index(sets * bins), b.getI32Type()),
                       {}, scoreStrides[1], e.index(0)};
    e.forRange(e.index(0), e.dim(scores, 0), [&](Value bi) {
      layout.scoreBase = e.mul(bi, scoreStrides[0]);
      // A length past the scores could only read past them.
      Value n = e.min(
          e.max(asIndex(b, e.loadScalar(lens, bi)), e.index(0)), capacity);
      Value budget =
          op.buildBudget(b, b.getLoc(), n, selection.slotCount());
      auto sumRanges = [&] {
        Value ofBatch = e.mul(bi, histogramStrides[1]);
        e.forRange(e.index(0), e.index(sets), [&](Value s) {
          Value ofSet = e.add(ofBatch, e.mul(s, histogramStrides[2]));
          e.forRange(e.index(0), e.index(bins), [&](Value v) {
            Value first = e.add(ofSet, e.mul(v, histogramStrides[3]));
            Value sum = e.forRange(
                e.index(0), rangeCount, ValueRange{e.i32(0)},
                [&](Value r, ValueRange acc) -> SmallVector<Value> {
                  Value at = e.add(first, e.mul(r, histogramStrides[0]));
                  return {arith::AddIOp::create(
                      b, acc[0], e.loadScalar(rangeHistograms, at))};
                })[0];
            e.store(sum, layout.histograms, e.add(e.mul(s, bins), v));
          });
        });
      };
      selection.emit(bi, n, budget, sumRanges, layout);
    });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateHammingTopKToCPUPatterns(
    RewritePatternSet &patterns) {
  patterns.add<HammingTopKOpLowering, HammingScoresOpLowering,
               ScoreTopKOpLowering>(patterns.getContext());
}
