//===- AttentionToCPU.cpp - attention ops to streaming vector loops -------===//
//
//   spotlight.sparse_attention / decode_attention [pages(table, lens)]
//     ->  scf.for b, h (KV head):
//           q[g] *= scale for the query heads g that share the token stream
//           sparse: rows[i] = the K/V row of index i (paged: looked up in
//                   the block table here, once, not in the stream)
//           scf.for i over the index row (sparse), or
//           scf.for page, scf.for t of the page (dense; contiguous: one run):
//             prefetch the K/V rows 8 slots ahead (sparse)
//             k = K[row, :], v = V[row, :]              read in place, once
//             for each g:  l = reduce_add(q[g] * k)     vector<D x f32>
//                          online softmax (running max m, sum s, acc),
//                          one exp per token and head
//           o[g] = acc[g] / s[g]
//   spotlight.sparse_gather -> row copies (or zeros for empty slots)
//
// With group selection (and dense) the G query heads of a KV head share
// one token stream, so each K/V row is loaded once for the whole group; in
// head mode each query head streams its own index row.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpLowering.h"
#include "../Utils/OpShapes.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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
    scaledQuery = e.allocaFlat(group * headDim, b.getF32Type());
    acc = e.allocaFlat(group * headDim, b.getF32Type());
    Value slots = indicesBuffer ? e.dim(indicesBuffer, 2) : Value();
    if (indicesBuffer)
      rows = e.allocFlat(slots, b.getIndexType());
    e.forRange(e.index(0), batch, [&](Value bi) {
      e.forRange(e.index(0), e.index(kvHeads), [&](Value h) {
        if (!indicesBuffer) {
          stream(bi, h, allHeads(), [&](ValueRange inits, Step step) {
            return everyToken(bi, h, inits, step);
          });
          return;
        }
        // The tokens of index row `set`, streamed for query heads `heads`.
        auto fromRow = [&](Value set, ArrayRef<int64_t> heads) {
          Value row = e.mul(e.add(e.mul(bi, perHeadSets ? queryHeads : kvHeads),
                                  set),
                            slots);
          Value count = validSlots(row, slots);
          lookUpRows(bi, h, row, count);
          stream(bi, h, heads, [&](ValueRange inits, Step step) {
                   return selectedTokens(count, inits, step);
                 });
        };
        if (!perHeadSets)
          return fromRow(h, allHeads());
        for (int64_t g = 0; g < group; ++g)
          fromRow(e.add(e.mul(h, group), g), {g});
      });
    });
  }

private:
  /// The online-softmax update of one token at K/V row `row`.
  using Step = function_ref<SmallVector<Value>(Value row, ValueRange)>;
  /// Runs `step` over a token stream, carrying the softmax state.
  using Drive = function_ref<SmallVector<Value>(ValueRange, Step)>;

  SmallVector<int64_t> allHeads() const {
    SmallVector<int64_t> heads;
    for (int64_t g = 0; g < group; ++g)
      heads.push_back(g);
    return heads;
  }

  /// Dense: every token of the sequence, a page at a time when paged (with
  /// the rows a page ahead prefetched).
  SmallVector<Value> everyToken(Value bi, Value h, ValueRange inits,
                                Step step) {
    return kv.forEachRun(
        e, bi, h, e.index(0), kv.tokens(e, bi), inits,
        [&](const TokenAddressing::Run &run, ValueRange state) {
          ValueRange next = e.forRange(
              run.first, run.end, state,
              [&](Value t, ValueRange running) -> SmallVector<Value> {
                if (run.aheadBase)
                  prefetchRows(kv.runRow(e, run.aheadBase, t));
                return step(kv.runRow(e, run.rowBase, t), running);
              });
          return SmallVector<Value>(next.begin(), next.end());
        });
  }

  /// Sparse: the `count` rows looked up by `lookUpRows`.
  SmallVector<Value> selectedTokens(Value count, ValueRange inits, Step step) {
    Value last = e.sub(count, e.index(1));
    ValueRange state = e.forRange(
        e.index(0), count, inits,
        [&](Value i, ValueRange running) -> SmallVector<Value> {
          prefetchRows(
              e.loadScalar(rows, e.min(e.add(i, e.index(kPrefetchAhead)), last)));
          return step(e.loadScalar(rows, i), running);
        });
    return SmallVector<Value>(state.begin(), state.end());
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

  /// Selected rows are scattered over the cache: each token would wait for
  /// DRAM, as the loop body is too long for the core to run ahead into the
  /// next rows. So the K and V rows kPrefetchAhead tokens ahead are
  /// prefetched, every cache line of them.
  static constexpr int64_t kPrefetchAhead = 8;
  void prefetchRows(Value row) {
    Value rowOffset = e.mul(row, headDim);
    for (const FlatBuffer &rows : {k, v})
      e.prefetch(rows, rowOffset, headDim);
  }

  /// Online softmax of query heads `heads` (of KV head h) over the tokens
  /// `drive` visits; writes their outputs.
  void stream(Value bi, Value h, ArrayRef<int64_t> heads, Drive drive) {
    const int64_t D = headDim;
    auto vecType = VectorType::get({D}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0)));
    auto queryRow = [&](int64_t g) {
      return e.mul(e.add(e.mul(bi, queryHeads), e.add(e.mul(h, group), g)), D);
    };
    SmallVector<Value> inits;
    for (int64_t g : heads) {
      Value scaled = arith::MulFOp::create(
          b, e.loadF32(q, queryRow(g), D), e.splat(e.f32(scale), D));
      e.store(scaled, scaledQuery, e.index(g * D));
      e.store(zero, acc, e.index(g * D));
      inits.push_back(e.f32(-INFINITY)); // running max
      inits.push_back(e.f32(0));         // running sum
    }
    Value zeroF32 = e.f32(0), oneF32 = e.f32(1);
    auto reassoc = arith::FastMathFlags::reassoc;
    SmallVector<Value> state = drive(
        inits, [&](Value row, ValueRange running) -> SmallVector<Value> {
          Value rowOffset = e.mul(row, D);
          Value key = e.loadF32(k, rowOffset, D);
          Value value = e.loadF32(v, rowOffset, D);
          SmallVector<Value> next;
          for (auto [j, g] : llvm::enumerate(heads)) {
            Value qg = e.loadF32(scaledQuery, e.index(g * D), D);
            Value logit = vector::ReductionOp::create(
                b, vector::CombiningKind::ADD,
                arith::MulFOp::create(b, qg, key), reassoc);
            // One exp per token: exp(-|logit - max|) is the new
            // token's weight when the max stands, else the rescale of the
            // running sums (the new token then weighs 1).
            Value maxOld = running[2 * j], sumOld = running[2 * j + 1];
            Value maxNew = arith::MaximumFOp::create(b, maxOld, logit);
            Value delta = arith::SubFOp::create(b, logit, maxOld);
            Value decay = math::ExpOp::create(
                b, arith::NegFOp::create(b, math::AbsFOp::create(b, delta)));
            Value maxStands = arith::CmpFOp::create(
                b, arith::CmpFPredicate::OLE, delta, zeroF32);
            Value weight = arith::SelectOp::create(b, maxStands, decay, oneF32);
            Value correction =
                arith::SelectOp::create(b, maxStands, oneF32, decay);
            Value sumNew = arith::AddFOp::create(
                b, arith::MulFOp::create(b, sumOld, correction), weight);
            Value accOld = e.loadF32(acc, e.index(g * D), D);
            Value accNew = arith::AddFOp::create(
                b, arith::MulFOp::create(b, accOld, e.splat(correction, D)),
                arith::MulFOp::create(b, value, e.splat(weight, D)));
            e.store(accNew, acc, e.index(g * D));
            next.push_back(maxNew);
            next.push_back(sumNew);
          }
          return next;
        });
    for (auto [j, g] : llvm::enumerate(heads)) {
      Value sum = state[2 * j + 1];
      Value empty = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sum,
                                          e.f32(0));
      Value inverse = arith::DivFOp::create(b, e.f32(1), sum);
      inverse = arith::SelectOp::create(b, empty, e.f32(0), inverse);
      Value result = arith::MulFOp::create(
          b, e.loadF32(acc, e.index(g * D), D), e.splat(inverse, D));
      e.storeFromF32(result, out, queryRow(g));
    }
  }

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  FlatBuffer out, scaledQuery, acc;
  FlatBuffer rows; ///< sparse: the K/V rows of the index row streamed
};

/// The most query-row elements (G x D) of a KV head's group: the emitter
/// unrolls the group's heads and keeps two G x D f32 rows on the stack, so a
/// huge group (the verifier accepts up to int64 sizes) would exhaust the
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
