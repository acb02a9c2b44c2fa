//===- AttentionToCPU.cpp - attention ops to streaming vector loops -------===//
//
//   spotlight.sparse_attention ins(q, K, V, idx) [pages(table, lens)]
//     ->  scf.for b, h (KV head):
//           rows[i] = the K/V row of idx[i]   (paged: the block table is read
//                                              here, once, not in the stream)
//           acc[g] = 0, (m, s) = (-inf, 0) per head g
//           the index row's rows through the heads (AttentionKernel: tiles
//           of 32 rows, the next tile's rows prefetched, each head over a
//           tile in T-token passes)
//           o[g] = acc[g] / s[g]
//   spotlight.decode_attention ins(q, K, V) [pages(table, lens)]
//     ->  scf.for b:
//           scf.for page (paged; contiguous: one run of all N tokens):
//             scf.for h:  the run's rows through h's heads, their state
//                         (m, s, acc) in memory between runs, the rows a
//                         page ahead prefetched (paged)
//           o[qh] = acc[qh] / s[qh] for every query head
//   spotlight.partial_decode_attention: decode_attention's loops, with an f32
//     o and lse[qh] = m[qh] + log(s[qh]) besides
//   spotlight.merge_attention ins(o [R, B, QH, D], lse [R, B, QH])
//     ->  scf.for b, qh: w_r = exp(lse_r - max_r lse_r),
//                        o = sum_r w_r o_r / sum_r w_r
//   spotlight.sparse_gather -> row copies (or zeros for empty slots)
//
// The G query heads of a KV head (group selection, dense) share one token
// stream, so each K/V row is loaded once for the whole group; in head mode
// each query head streams its own index row. The dense op visits a page's
// heads one after another while the page is in cache, so that a paged
// pool is read page by page rather than once per head. The vector code of
// a pass (bf16 dot products, or f32 FMAs on 16, 8 or 4 lanes) follows the
// target CPU (the pass's `cpu` option).
//
//===----------------------------------------------------------------------===//

#include "AttentionKernel.h"

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
/// Stores the vector<D x f32> `acc` / `sum` at `offset` of `out` (zeros
/// where `sum` is 0: nothing was attended) and returns whether it was.
Value storeNormalized(LoopEmitter &e, Value acc, Value sum, FlatBuffer out,
                      Value offset) {
  ImplicitLocOpBuilder &b = e.builder();
  const int64_t D = cast<VectorType>(acc.getType()).getNumElements();
  Value empty =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, sum, e.f32(0));
  Value inverse = arith::SelectOp::create(
      b, empty, e.f32(0), arith::DivFOp::create(b, e.f32(1), sum));
  e.storeFromF32(arith::MulFOp::create(b, acc, e.splat(inverse, D)), out,
                 offset);
  return empty;
}

class AttentionEmitter : AttentionOperands {
public:
  /// `lseInit`: where the log-sum-exp of every query head goes
  /// (partial_decode_attention), or null.
  AttentionEmitter(ImplicitLocOpBuilder &b, AttentionOperands operands,
                   CPUVectorISA isa, Value lseInit = {})
      : AttentionOperands(std::move(operands)), b(b), e(b),
        shape(KernelShape::of(isa, q.elementType, k.elementType, v.elementType,
                              headDim)),
        lseInit(lseInit) {}

  void emit() {
    out = e.flat(init);
    if (lseInit)
      lse = e.flat(lseInit);
    // Every query head's state (accumulator, running max and sum and, for
    // f32 dot products, scaled query), no larger than q: the dense op
    // keeps it between pages. Allocated once, outside every loop.
    const int64_t rowsSize = queryHeads * headDim;
    acc = e.allocFlat(e.index(rowsSize), b.getF32Type());
    if (!shape.bf16Dot)
      scaledQuery = e.allocFlat(e.index(rowsSize), b.getF32Type());
    maxes = e.allocFlat(e.index(queryHeads), b.getF32Type());
    sums = e.allocFlat(e.index(queryHeads), b.getF32Type());
    scratch = AttentionKernel::Scratch::allocate(e, shape, headDim, group);
    if (!indicesBuffer) {
      e.forRange(e.index(0), batch, [&](Value bi) { everyToken(bi); });
      return;
    }
    Value slots = e.dim(indicesBuffer, 2);
    rows = e.allocFlat(slots, b.getIndexType());
    e.forRange(e.index(0), batch, [&](Value bi) {
      e.forRange(e.index(0), e.index(kvHeads), [&](Value h) {
        // The tokens of index row `set`, streamed for `heads` query heads
        // from `firstHead`.
        auto fromRow = [&](Value set, Value firstHead, int64_t heads) {
          Value row = e.mul(
              e.add(e.mul(bi, perHeadSets ? queryHeads : kvHeads), set), slots);
          Value count = validSlots(row, slots);
          lookUpRows(bi, h, row, count);
          selectedTokens(bi, firstHead, heads, count);
        };
        Value firstHead = e.mul(h, group);
        if (!perHeadSets)
          return fromRow(h, firstHead, group);
        e.forRange(e.index(0), e.index(group), [&](Value g) {
          fromRow(e.add(firstHead, g), e.add(firstHead, g), 1);
        });
      });
    });
  }

private:
  /// The kernel over sequence bi's queries.
  AttentionKernel kernel(Value bi) {
    // The raw query of head qh is at (bi * QH + qh) * D; the scaled one at
    // qh * D.
    Value queryBase = shape.bf16Dot ? queryRow(bi, e.index(0)) : e.index(0);
    return AttentionKernel(e, shape, k, v, shape.bf16Dot ? q : scaledQuery,
                           queryBase, acc, maxes, sums, scratch, headDim,
                           scale);
  }

  /// Element offset of query head qh of sequence bi in q and the output.
  Value queryRow(Value bi, Value qh) {
    return e.mul(e.add(e.mul(bi, queryHeads), qh), headDim);
  }

  /// Readies query head qh of sequence bi for a stream: no token seen yet
  /// and, for f32 dot products, its scaled query.
  void startHead(Value bi, Value qh) {
    const int64_t D = headDim;
    auto vecType = VectorType::get({D}, b.getF32Type());
    e.store(arith::ConstantOp::create(
                b, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0))),
            acc, e.mul(qh, D));
    e.store(e.f32(-INFINITY), maxes, qh);
    e.store(e.f32(0), sums, qh);
    if (!shape.bf16Dot)
      e.store(arith::MulFOp::create(b, e.loadF32(q, queryRow(bi, qh), D),
                                    e.splat(e.f32(scale), D)),
              scaledQuery, e.mul(qh, D));
  }

  /// Dense: every token of sequence bi; for each run (page), every KV head
  /// in turn over the run's tokens, the heads' state in memory between
  /// runs.
  void everyToken(Value bi) {
    e.forRange(e.index(0), e.index(queryHeads),
               [&](Value qh) { startHead(bi, qh); });
    AttentionKernel attention = kernel(bi);
    kv.forEachRun(
        e, bi, e.index(0), e.index(0), kv.tokens(e, bi), {},
        [&](const TokenAddressing::Run &run, ValueRange) -> SmallVector<Value> {
          e.forRange(e.index(0), e.index(kvHeads), [&](Value h) {
            Value headRows = kv.headRows(e, h);
            // Paged: the rows a page ahead (the hardware prefetcher loses
            // the stream at every page jump). Contiguous: the rows two tiles
            // ahead (prefetches past the end are harmless), so that a tile's
            // loads do not wait for DRAM while its heads compute.
            auto prefetch = [&](Value t) {
              Value ahead =
                  run.aheadBase
                      ? kv.runRow(e, run.aheadBase, t)
                      : kv.runRow(e, run.rowBase,
                                  e.add(t, kAheadTiles * shape.tile));
              prefetchRows(e.add(ahead, headRows), kDenseLocality);
            };
            attention.stream(
                e.mul(h, group), e.index(group), run.first, run.end,
                [&](Value t) {
                  return e.add(kv.runRow(e, run.rowBase, t), headRows);
                },
                prefetch, AttentionKernel::PrefetchSpread::EveryPass);
          });
          return {};
        });
    e.forRange(e.index(0), e.index(queryHeads),
               [&](Value qh) { finishHead(bi, qh); });
  }

  /// Sparse: `heads` query heads from `firstHead` over the `count` rows
  /// looked up by `lookUpRows`, prefetching the rows of the next tile.
  void selectedTokens(Value bi, Value firstHead, int64_t heads, Value count) {
    for (int64_t g = 0; g < heads; ++g)
      startHead(bi, e.add(firstHead, g));
    Value last = e.sub(count, e.index(1));
    kernel(bi).stream(
        firstHead, e.index(heads), e.index(0), count,
        [&](Value i) { return e.loadScalar(rows, i); },
        [&](Value i) {
          prefetchRows(e.loadScalar(rows, e.min(e.add(i, shape.tile), last)),
                       kSparseLocality);
        });
    for (int64_t g = 0; g < heads; ++g)
      finishHead(bi, e.add(firstHead, g));
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
    return e.forRange(
        e.index(0), slots, ValueRange{e.index(0)},
        [&](Value slot, ValueRange count) -> SmallVector<Value> {
          Value valid =
              e.cmp(Pred::sge, e.loadScalar(idx, e.add(row, slot)), e.i32(0));
          Value next = e.add(count[0], e.index(1));
          return {arith::SelectOp::create(b, valid, next, count[0])};
        })[0];
  }

  /// Selected rows are scattered over the cache, and paged rows jump from
  /// page to page: each tile would wait for DRAM, as the core cannot run
  /// far enough ahead into the next rows. So the K and V rows ahead are
  /// prefetched, every cache line of them.
  static constexpr int64_t kAheadTiles = 2;
  /// Where the rows ahead go, as measured with spotlight-bench-paged (one
  /// core, QH=32, KH=8, 64K tokens, best of 7): the dense stream into L2
  /// (a page's rows at once overflow L1's miss buffers; paged dense 7%
  /// faster than into L1), the scattered sparse rows non-temporally (read
  /// once; 15% faster).
  static constexpr unsigned kDenseLocality = 2, kSparseLocality = 0;
  void prefetchRows(Value row, unsigned locality) {
    Value rowOffset = e.mul(row, headDim);
    for (const FlatBuffer &rows : {k, v})
      e.prefetch(rows, rowOffset, headDim, locality);
  }

  /// out[qh] = acc[qh] / sum[qh] (0 for a head that saw no token), and
  /// where asked, lse[qh] = max[qh] + log(sum[qh]) (-inf for no token).
  void finishHead(Value bi, Value qh) {
    Value sum = e.loadScalar(sums, qh);
    Value empty =
        storeNormalized(e, e.loadF32(acc, e.mul(qh, headDim), headDim), sum,
                        out, queryRow(bi, qh));
    if (!lseInit)
      return;
    Value logSum = arith::AddFOp::create(b, e.loadScalar(maxes, qh),
                                         math::LogOp::create(b, sum));
    e.store(arith::SelectOp::create(b, empty, e.f32(-INFINITY), logSum), lse,
            e.add(e.mul(bi, queryHeads), qh));
  }

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  KernelShape shape;
  Value lseInit;
  FlatBuffer out, lse;
  FlatBuffer rows; ///< sparse: the K/V rows of the index row streamed
  /// Every query head's accumulator, running max and sum and (f32 dot
  /// products) scaled query.
  FlatBuffer acc, scaledQuery, maxes, sums;
  AttentionKernel::Scratch scratch;
};

/// The most query-row elements (G x D) of a KV head's group: the emitter
/// unrolls the setup and finish of the group's heads, and every head's state
/// and scaled query live in scratch of QH x D f32, so a huge group (the
/// verifier accepts up to int64 sizes) would exhaust the compiler's memory
/// or the machine's.
constexpr int64_t kMaxGroupElements = int64_t(1) << 17;

/// The attention ops; the dense ones have no indices.
template <typename OpTy>
struct AttentionOpLowering : OpLowering<OpTy> {
  AttentionOpLowering(MLIRContext *context, CPUVectorISA isa)
      : OpLowering<OpTy>(context), isa(isa) {}
  LogicalResult emit(OpTy op, typename OpTy::Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    const AttentionShape shape = AttentionShape::of(op, adaptor);
    if (shape.group > kMaxGroupElements ||
        shape.headDim > kMaxGroupElements / std::max<int64_t>(shape.group, 1))
      return op.emitOpError("has no CPU lowering for ")
             << shape.group << " query heads of dimension " << shape.headDim
             << " per KV head (at most " << kMaxGroupElements << " elements)";
    // Vector loops over rows of no elements would be vectors of no lanes.
    if (shape.headDim == 0)
      return op.emitOpError("has no CPU lowering for a head dimension of 0");
    Value lseInit;
    if constexpr (std::is_same_v<OpTy, PartialDecodeAttentionOp>)
      lseInit = adaptor.getLse();
    AttentionEmitter(b, AttentionOperands(b, op, adaptor), isa, lseInit)
        .emit();
    return success();
  }

  CPUVectorISA isa;
};

/// Attention over R parts of the tokens merged: per (b, qh), the parts'
/// outputs weighted by exp(lse_r - max_r lse_r), over the weights' sum.
struct MergeAttentionOpLowering : OpLowering<MergeAttentionOp> {
  using OpLowering::OpLowering;
  LogicalResult emit(MergeAttentionOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    auto initType = cast<MemRefType>(adaptor.getInit().getType());
    const int64_t heads = initType.getDimSize(1), D = initType.getDimSize(2);
    // A row is one vector<D x f32>: none of no lanes, none too large to
    // compile (the attention ops' limit).
    if (D == 0 || D > kMaxGroupElements)
      return op.emitOpError("has no CPU lowering for a head dimension of ")
             << D << " (1 to " << kMaxGroupElements << ")";
    FlatBuffer outputs = e.flat(adaptor.getOutputs());
    FlatBuffer lses = e.flat(adaptor.getLses());
    FlatBuffer out = e.flat(adaptor.getInit());
    Value parts = e.dim(adaptor.getOutputs(), 0);
    Value rows = e.mul(e.dim(adaptor.getInit(), 0), e.index(heads));
    auto rowType = VectorType::get({D}, b.getF32Type());
    Value zeros = arith::ConstantOp::create(
        b, DenseElementsAttr::get(rowType, b.getF32FloatAttr(0)));
    // Row i = b * QH + qh of the output; part r's is row r * rows + i.
    e.forRange(e.index(0), rows, [&](Value i) {
      auto partRow = [&](Value r) { return e.add(e.mul(r, rows), i); };
      Value top = e.forRange(
          e.index(0), parts, ValueRange{e.f32(-INFINITY)},
          [&](Value r, ValueRange m) -> SmallVector<Value> {
            return {arith::MaximumFOp::create(
                b, m[0], e.loadScalar(lses, partRow(r)))};
          })[0];
      ValueRange sums = e.forRange(
          e.index(0), parts, ValueRange{e.f32(0), zeros},
          [&](Value r, ValueRange acc) -> SmallVector<Value> {
            // An empty part (lse -inf) weighs 0, also when all are empty.
            Value part = e.loadScalar(lses, partRow(r));
            Value weight = arith::SelectOp::create(
                b,
                arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, part,
                                      e.f32(-INFINITY)),
                e.f32(0),
                math::ExpOp::create(b, arith::SubFOp::create(b, part, top)));
            Value row = e.loadF32(outputs, e.mul(partRow(r), D), D);
            return {arith::AddFOp::create(b, acc[0], weight),
                    arith::AddFOp::create(
                        b, acc[1],
                        arith::MulFOp::create(b, e.splat(weight, D), row))};
          });
      storeNormalized(e, sums[1], sums[0], out, e.mul(i, D));
    });
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
    RewritePatternSet &patterns, CPUVectorISA isa) {
  patterns.add<SparseGatherOpLowering>(patterns.getContext());
  patterns.add<AttentionOpLowering<SparseAttentionOp>,
               AttentionOpLowering<DecodeAttentionOp>,
               AttentionOpLowering<PartialDecodeAttentionOp>>(
      patterns.getContext(), isa);
  patterns.add<MergeAttentionOpLowering>(patterns.getContext());
}
