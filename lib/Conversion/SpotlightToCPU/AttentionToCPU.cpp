//===- AttentionToCPU.cpp - attention ops to streaming vector loops -------===//
//
//   spotlight.sparse_attention ins(q, K, V, idx) [pages(table, lens)]
//     ->  scf.for b, h (KV head):
//           rows[i] = the K/V row of idx[i]   (paged: the block table is read
//                                              here, once, not in the stream)
//           scf.for i over the index row, state (m, s, acc) per head g:
//             prefetch the K/V rows 8 slots ahead
//             k = K[rows[i], :], v = V[rows[i], :]      read in place, once
//             for each g:  l = reduce_add(q[g] * k)     vector<D x f32>
//                          online softmax (running max m, sum s, acc),
//                          one exp per token and head
//           o[g] = acc[g] / s[g]
//   spotlight.decode_attention ins(q, K, V) [pages(table, lens)]
//     ->  scf.for b:
//           scf.for page (paged; contiguous: one run of all N tokens):
//             scf.for h:  (m, s, acc) of h's heads from memory
//                         scf.for t of the page: as above, prefetching the
//                         rows a page ahead (paged)
//                         (m, s, acc) back to memory
//           o[qh] = acc[qh] / s[qh] for every query head
//   spotlight.sparse_gather -> row copies (or zeros for empty slots)
//
// The G query heads of a KV head (group selection, dense) share one token
// stream, so each K/V row is loaded once for the whole group; in head mode
// each query head streams its own index row. The dense op visits a page's
// heads one after another while the page is in cache, so that a paged
// pool is read page by page rather than once per head.
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

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;

namespace {
class AttentionEmitter : AttentionOperands {
public:
  AttentionEmitter(ImplicitLocOpBuilder &b, AttentionOperands operands)
      : AttentionOperands(std::move(operands)), b(b), e(b) {}

  void emit() {
    out = e.flat(init);
    if (!indicesBuffer) {
      // Every query head's state, kept between pages: no larger than q.
      const int64_t rowsSize = queryHeads * headDim;
      scaledQuery = e.allocFlat(e.index(rowsSize), b.getF32Type());
      acc = e.allocFlat(e.index(rowsSize), b.getF32Type());
      maxes = e.allocFlat(e.index(queryHeads), b.getF32Type());
      sums = e.allocFlat(e.index(queryHeads), b.getF32Type());
      e.forRange(e.index(0), batch, [&](Value bi) { everyToken(bi); });
      return;
    }
    Value slots = e.dim(indicesBuffer, 2);
    rows = e.allocFlat(slots, b.getIndexType());
    e.forRange(e.index(0), batch, [&](Value bi) {
      e.forRange(e.index(0), e.index(kvHeads), [&](Value h) {
        // The tokens of index row `set`, streamed for query heads `heads`.
        auto fromRow = [&](Value set, ArrayRef<int64_t> heads) {
          Value row = e.mul(e.add(e.mul(bi, perHeadSets ? queryHeads : kvHeads),
                                  set),
                            slots);
          Value count = validSlots(row, slots);
          lookUpRows(bi, h, row, count);
          selectedTokens(bi, h, heads, count);
        };
        if (!perHeadSets)
          return fromRow(h, allHeads());
        for (int64_t g = 0; g < group; ++g)
          fromRow(e.add(e.mul(h, group), g), {g});
      });
    });
  }

private:
  /// The running max, sum and accumulator (vector<D x f32>) of a head, as
  /// three consecutive loop-carried values.
  static constexpr int64_t kStateValues = 3;

  SmallVector<int64_t> allHeads() const {
    SmallVector<int64_t> heads;
    for (int64_t g = 0; g < group; ++g)
      heads.push_back(g);
    return heads;
  }

  /// Element offset of query head qh of sequence bi in q and the output.
  Value queryRow(Value bi, Value qh) {
    return e.mul(e.add(e.mul(bi, queryHeads), qh), headDim);
  }

  Value scaledQueryRow(Value queryOffset) {
    return arith::MulFOp::create(b, e.loadF32(q, queryOffset, headDim),
                                 e.splat(e.f32(scale), headDim));
  }

  Value zeroRow() {
    auto vecType = VectorType::get({headDim}, b.getF32Type());
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0)));
  }

  /// Dense: every token of sequence bi; for each run (page), every KV head
  /// in turn over the run's tokens, the heads' state loaded from and stored
  /// to memory around the token loop (once a page, not once a token).
  void everyToken(Value bi) {
    const int64_t D = headDim;
    e.forRange(e.index(0), e.index(queryHeads), [&](Value qh) {
      e.store(scaledQueryRow(queryRow(bi, qh)), scaledQuery, e.mul(qh, D));
      e.store(zeroRow(), acc, e.mul(qh, D));
      e.store(e.f32(-INFINITY), maxes, qh);
      e.store(e.f32(0), sums, qh);
    });
    kv.forEachRun(
        e, bi, e.index(0), e.index(0), kv.tokens(e, bi), {},
        [&](const TokenAddressing::Run &run, ValueRange) -> SmallVector<Value> {
          e.forRange(e.index(0), e.index(kvHeads), [&](Value h) {
            SmallVector<Value> queries, state;
            for (int64_t g = 0; g < group; ++g) {
              Value qh = e.add(e.mul(h, group), g);
              queries.push_back(e.loadF32(scaledQuery, e.mul(qh, D), D));
              state.append({e.loadScalar(maxes, qh), e.loadScalar(sums, qh),
                            e.loadF32(acc, e.mul(qh, D), D)});
            }
            Value headRows = kv.headRows(e, h);
            state = softmaxLoop(run.first, run.end, queries, state,
                                [&](Value t) {
                                  if (run.aheadBase)
                                    prefetchRows(e.add(
                                        kv.runRow(e, run.aheadBase, t),
                                        headRows));
                                  return e.add(kv.runRow(e, run.rowBase, t),
                                               headRows);
                                });
            for (int64_t g = 0; g < group; ++g) {
              Value qh = e.add(e.mul(h, group), g);
              e.store(state[kStateValues * g], maxes, qh);
              e.store(state[kStateValues * g + 1], sums, qh);
              e.store(state[kStateValues * g + 2], acc, e.mul(qh, D));
            }
          });
          return {};
        });
    e.forRange(e.index(0), e.index(queryHeads), [&](Value qh) {
      finishHead(e.loadF32(acc, e.mul(qh, D), D), e.loadScalar(sums, qh),
                 queryRow(bi, qh));
    });
  }

  /// Sparse: query heads `heads` of KV head h over the `count` rows looked
  /// up by `lookUpRows`, prefetching kPrefetchAhead rows ahead.
  void selectedTokens(Value bi, Value h, ArrayRef<int64_t> heads,
                      Value count) {
    SmallVector<Value> queries, state;
    for (int64_t g : heads) {
      queries.push_back(
          scaledQueryRow(queryRow(bi, e.add(e.mul(h, group), g))));
      state.append({e.f32(-INFINITY), e.f32(0), zeroRow()});
    }
    Value last = e.sub(count, e.index(1));
    state = softmaxLoop(e.index(0), count, queries, state, [&](Value i) {
      prefetchRows(
          e.loadScalar(rows, e.min(e.add(i, e.index(kPrefetchAhead)), last)));
      return e.loadScalar(rows, i);
    });
    for (auto [j, g] : llvm::enumerate(heads))
      finishHead(state[kStateValues * j + 2], state[kStateValues * j + 1],
                 queryRow(bi, e.add(e.mul(h, group), g)));
  }

  /// rows[i] = the K/V row of the token at index i of the index row at
  /// `row`, for its `count` valid entries. The block table is read here,
  /// before the stream, so that the stream's loads and prefetches need no
  /// lookup, and only for tokens that exist (never for -1 padding).
  void lookUpRows(Value bi, Value h, Value row, Value count) {
    e.forRange(e.index(0), count, [&](Value i) {
      Value token = arith::IndexCastOp::create(
          b, b.getIndexType(), e.loadScalar(idx, e.add(row, i)));
      e.store(kv.row(e, bi, h, token), rows, i);
    });
  }

  /// Selected slots come first in ascending order, then -1 padding: the
  /// number of leading non-negative entries.
  Value validSlots(Value row, Value slots) {
    return e.forRange(e.index(0), slots, ValueRange{e.index(0)},
                      [&](Value slot, ValueRange count) -> SmallVector<Value> {
                        Value valid = e.cmp(Pred::sge,
                                            e.loadScalar(idx, e.add(row, slot)),
                                            e.i32(0));
                        Value next = e.add(count[0], e.index(1));
                        return {arith::SelectOp::create(b, valid, next,
                                                        count[0])};
                      })[0];
  }

  /// Selected rows are scattered over the cache, and paged rows jump from
  /// page to page: each token would wait for DRAM, as the loop body is too
  /// long for the core to run ahead into the next rows. So the K and V rows
  /// ahead are prefetched, every cache line of them.
  static constexpr int64_t kPrefetchAhead = 8;
  void prefetchRows(Value row) {
    Value rowOffset = e.mul(row, headDim);
    for (const FlatBuffer &rows : {k, v})
      e.prefetch(rows, rowOffset, headDim);
  }

  /// The online softmax of the query heads whose scaled query rows are
  /// `queries` over the tokens i in [lb, ub) at K/V row rowOf(i), from
  /// `state` (kStateValues a head); returns the final state.
  SmallVector<Value> softmaxLoop(Value lb, Value ub, ArrayRef<Value> queries,
                                 ValueRange state,
                                 function_ref<Value(Value)> rowOf) {
    ValueRange final = e.forRange(
        lb, ub, state, [&](Value i, ValueRange running) -> SmallVector<Value> {
          Value rowOffset = e.mul(rowOf(i), headDim);
          Value key = e.loadF32(k, rowOffset, headDim);
          Value value = e.loadF32(v, rowOffset, headDim);
          SmallVector<Value> next;
          for (auto [j, query] : llvm::enumerate(queries))
            next.append(update(query, key, value,
                               running.slice(kStateValues * j, kStateValues)));
          return next;
        });
    return SmallVector<Value>(final.begin(), final.end());
  }

  /// One token's online-softmax update of a head's (max, sum, acc).
  SmallVector<Value> update(Value query, Value key, Value value,
                            ValueRange state) {
    const int64_t D = headDim;
    Value maxOld = state[0], sumOld = state[1], accOld = state[2];
    Value logit = vector::ReductionOp::create(
        b, vector::CombiningKind::ADD, arith::MulFOp::create(b, query, key),
        arith::FastMathFlags::reassoc);
    // One exp per token: exp(-|logit - max|) is the new token's weight when
    // the max stands, else the rescale of the running sums (the new token
    // then weighs 1).
    Value zeroF32 = e.f32(0), oneF32 = e.f32(1);
    Value maxNew = arith::MaximumFOp::create(b, maxOld, logit);
    Value delta = arith::SubFOp::create(b, logit, maxOld);
    Value decay = math::ExpOp::create(
        b, arith::NegFOp::create(b, math::AbsFOp::create(b, delta)));
    Value maxStands =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OLE, delta, zeroF32);
    Value weight = arith::SelectOp::create(b, maxStands, decay, oneF32);
    Value correction = arith::SelectOp::create(b, maxStands, oneF32, decay);
    Value sumNew = arith::AddFOp::create(
        b, arith::MulFOp::create(b, sumOld, correction), weight);
    Value accNew = arith::AddFOp::create(
        b, arith::MulFOp::create(b, accOld, e.splat(correction, D)),
        arith::MulFOp::create(b, value, e.splat(weight, D)));
    return {maxNew, sumNew, accNew};
  }

  /// out = acc / sum (0 for a head that saw no token) at element
  /// `outOffset` of the output.
  void finishHead(Value accRow, Value sum, Value outOffset) {
    Value empty =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sum, e.f32(0));
    Value inverse = arith::DivFOp::create(b, e.f32(1), sum);
    inverse = arith::SelectOp::create(b, empty, e.f32(0), inverse);
    e.storeFromF32(
        arith::MulFOp::create(b, accRow, e.splat(inverse, headDim)), out,
        outOffset);
  }

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  FlatBuffer out;
  FlatBuffer rows; ///< sparse: the K/V rows of the index row streamed
  /// dense: every query head's scaled query, accumulator, running max and
  /// sum, kept between pages.
  FlatBuffer scaledQuery, acc, maxes, sums;
};

/// The most query-row elements (G x D) of a KV head's group: the emitter
/// unrolls the group's heads and carries their G x D f32 accumulators
/// through the token loops, so a huge group (the verifier accepts up to int64 sizes) would exhaust the
/// compiler's memory or the stack.
constexpr int64_t kMaxGroupElements = int64_t(1) << 17;

/// Both attention ops; the dense one has no indices.
template <typename OpTy>
struct AttentionOpLowering : OpLowering<OpTy> {
  using OpLowering<OpTy>::OpLowering;
  LogicalResult emit(OpTy op, typename OpTy::Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    const AttentionShape shape = AttentionShape::of(op, adaptor);
    if (shape.group > kMaxGroupElements ||
        shape.headDim > kMaxGroupElements / std::max<int64_t>(shape.group, 1))
      return op.emitOpError("has no CPU lowering for ")
             << shape.group << " query heads of dimension " << shape.headDim
             << " per KV head (at most " << kMaxGroupElements
             << " elements)";
    AttentionEmitter(b, AttentionOperands(b, op, adaptor)).emit();
    return success();
  }
};

/// Gathered rows are copied as they are stored; empty slots become zeros.
struct SparseGatherOpLowering : OpLowering<SparseGatherOp> {
  using OpLowering::OpLowering;
  LogicalResult emit(SparseGatherOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    auto cacheType = cast<MemRefType>(adaptor.getCache().getType());
    const int64_t kvHeads = cacheType.getDimSize(1);
    const int64_t D = cacheType.getDimSize(3);
    const int64_t sets =
        cast<MemRefType>(adaptor.getIndices().getType()).getDimSize(1);
    FlatBuffer cache = e.flat(adaptor.getCache());
    FlatBuffer idx = e.flat(adaptor.getIndices());
    FlatBuffer out = e.flat(adaptor.getInit());
    Value n = e.dim(adaptor.getCache(), 2);
    Value slots = e.dim(adaptor.getIndices(), 2);
    auto rowType = VectorType::get({D}, cacheType.getElementType());
    Value zeros = arith::ConstantOp::create(
        b, DenseElementsAttr::get(rowType,
                                  b.getZeroAttr(cacheType.getElementType())));
    e.forRange(e.index(0), e.dim(adaptor.getCache(), 0), [&](Value bi) {
      e.forRange(e.index(0), e.index(sets), [&](Value s) {
        Value h = arith::DivUIOp::create(b, s, e.index(sets / kvHeads));
        e.forRange(e.index(0), slots, [&](Value m) {
          Value slot = e.add(e.mul(e.add(e.mul(bi, sets), s), slots), m);
          Value index = e.loadScalar(idx, slot);
          Value empty = e.cmp(Pred::slt, index, e.i32(0));
          e.ifThen(
              empty, [&] { e.store(zeros, out, e.mul(slot, D)); },
              [&] {
                Value token =
                    arith::IndexCastOp::create(b, b.getIndexType(), index);
                Value cacheRow =
                    e.add(e.mul(e.add(e.mul(bi, kvHeads), h), n), token);
                e.store(e.load(cache, e.mul(cacheRow, D), D), out,
                        e.mul(slot, D));
              });
        });
      });
    });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateAttentionToCPUPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SparseGatherOpLowering, AttentionOpLowering<SparseAttentionOp>,
               AttentionOpLowering<DecodeAttentionOp>>(patterns.getContext());
}
