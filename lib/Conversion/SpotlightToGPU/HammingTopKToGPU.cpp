//===- HammingTopKToGPU.cpp - spotlight.hamming_topk to GPU kernels -------===//
//
//   spotlight.hamming_topk ins(qcodes, kcodes) [pages(block_table, seq_lens)]
//                          outs(indices)
//     ->  kernel score:  grid B*S*chunks, a chunk of 4096 middle tokens a
//                        block (chunks from the static token bound: N, or
//                        max_pages * page_size; a chunk past its sequence's
//                        middle is idle):
//                          score = sum popc(~(q ^ k)) over the 32-bit words
//                          scores[row, t] = score (i16); shared hist[score]
//                          += 1; chunk_hist[row, chunk] = shared hist
//         kernel select: grid B*S*chunks, per chunk:
//                          row hist = sum of the chunks' histograms
//                          plan (threshold T, the count above it, the ties
//                          to skip): a scan over bands of bins
//                          chosen before the chunk = counts above / at T in
//                          the earlier chunks' histograms + a scan over the
//                          threads; each thread writes its choices in order
//       Each block reads its sequence's N (seq_lens[b] when paged) on the
//       device and applies the budget, sink and window to it. Two launches
//       for any batch; nothing to clear before a step, no host decision.
//
// Exact and O(N): scores are small integers (0 .. D*G), so selection is a
// histogram threshold plus an ordered compaction in which the first
// hist[T] - ties tokens at the threshold are skipped (ties go to the most
// recent tokens). Every kernel is a KernelBuilder kernel, so the CPU
// emulation runs the same bodies in the tests.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpShapes.h"
#include "KernelBuilder.h"
#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <memory>

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;
using namespace mlir::spotlight::gpu_lowering;

namespace {
constexpr int64_t kThreads = 256;
constexpr int64_t kTokensPerBlock = 4096;
constexpr int64_t kTokensPerThread = kTokensPerBlock / kThreads;

class TopKKernels : TopKShape {
public:
  TopKKernels(ImplicitLocOpBuilder &b, HammingTopKOp op, KernelTarget target)
      : TopKShape(op), b(b), e(b), op(op), target(target),
        bins(maxScore() + 1) {}

  void emit(HammingTopKOp::Adaptor adaptor) {
    Value kcBuffer = adaptor.getKeyCodes(), init = adaptor.getInit();
    qc = e.flat(adaptor.getQueryCodes());
    kc = e.flat(kcBuffer);
    out = e.flat(init);
    keys = std::make_unique<TokenAddressing>(
        b, kcBuffer, adaptor.getBlockTable(), adaptor.getSeqLens(), kvHeads);
    // Every sequence's tokens fit `maxTokens`, known from the shapes alone
    // (N, or max_pages * page_size): the scratch and the grids are sized by
    // it, and each block finds its own sequence's length on the device.
    maxTokens =
        paged ? e.mul(keys->maxPages, keys->pageSize) : keys->tokensPerRow;
    slots = e.dim(init, 2);
    sink = e.index(op.getSink());
    window = e.index(op.getWindow());
    // B may be dynamic (the verifier allows it): read it, never assume it.
    rows = e.mul(e.dim(adaptor.getQueryCodes(), 0), e.index(sets));
    // Scores fit 16 bits (at most D * C * G <= 65535, checked by the
    // pattern): the selection kernels read them twice, so half the bytes.
    Type i16 = b.getI16Type();
    scores = {
        allocScratch(b, target, e.max(e.mul(rows, maxTokens), e.index(1)), i16),
        i16};
    // Tokens in chunks of kTokensPerBlock: a block each when scoring and
    // when selecting; a chunk past its sequence's middle has nothing to do.
    chunks = e.max(ceilDiv(maxTokens, e.index(kTokensPerBlock)), e.index(1));
    // Each score block stores its chunk's whole histogram (plain stores):
    // nothing needs clearing before a step, and the select kernel sums them.
    Type i32 = b.getI32Type();
    chunkHist = {
        allocScratch(b, target, e.mul(e.mul(rows, chunks), e.index(bins)), i32),
        i32};
    scoreTokens();
    selectChunks();
    for (FlatBuffer scratch : {scores, chunkHist})
      freeScratch(b, target, scratch.memref);
  }

private:
  Value asIndex(Value i32) {
    return arith::IndexCastOp::create(b, b.getIndexType(), i32);
  }
  Value asI32(Value index) {
    return arith::IndexCastOp::create(b, b.getI32Type(), index);
  }
  Value ceilDiv(Value lhs, Value rhs) {
    return arith::CeilDivSIOp::create(b, lhs, rhs);
  }
  /// `body(i)` for i in [lo, hi) spread over the block's threads.
  void strided(Value thread, Value lo, Value hi,
               function_ref<void(Value)> body) {
    e.forStep(e.add(lo, thread), hi, e.index(kThreads), body);
  }
  void onThreadZero(Value thread, function_ref<void()> body) {
    e.ifThen(e.cmp(Pred::eq, thread, e.index(0)), body);
  }
  void atomicAdd(Value value, Value memref, Value at) {
    memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi, value, memref,
                                ValueRange{at});
  }
  Value mul(Value lhs, int64_t rhs) { return e.mul(lhs, rhs); }

  /// The selection geometry of `row`'s sequence, built at block level in
  /// every kernel (seq_lens[b] on the device for the paged form): its
  /// tokens N, budget, kept slots, the end of its scored middle and
  /// whether it keeps every token (N <= sink + window + budget).
  void planRow(Value row) {
    Value bi = arith::DivUIOp::create(b, row, e.index(sets));
    n = keys->tokens(e, bi);
    budget = op.buildBudget(b, b.getLoc(), n, slots);
    total = e.add(e.add(sink, window), budget);
    keepAll = e.cmp(Pred::sle, n, total);
    notKeepAll = arith::XOrIOp::create(
        b, keepAll, arith::ConstantOp::create(b, b.getBoolAttr(true)));
    middleEnd = e.max(sink, e.sub(n, window));
  }

  /// Code words are read `lanes` at a time: 16-byte loads when D is a
  /// multiple of 128 (ld.global.v4 on the GPU, aligned because every code
  /// starts at a multiple of W words).
  int64_t lanes() const { return words % 4 == 0 ? 4 : words % 2 == 0 ? 2 : 1; }

  Value loadLanes(FlatBuffer buffer, Value offset) {
    auto type = VectorType::get({lanes()}, b.getI32Type());
    // The emulation reads host test buffers, which promise less alignment.
    llvm::MaybeAlign align;
    if (target == KernelTarget::GPU)
      align = llvm::Align(4 * lanes());
    return vector::LoadOp::create(b, type, buffer.memref, ValueRange{offset},
                                  /*nontemporal=*/false, align);
  }

  /// Row (bi, s)'s side of a token's score: for each of the P pairs, the
  /// key code it is compared with, and the query code words (loaded once
  /// per thread, not per token).
  struct QuerySide {
    SmallVector<Value> keyCode;                 ///< per pair
    SmallVector<SmallVector<Value>> queryWords; ///< per pair, W / lanes
    Value sequence, kvHead;
  };

  QuerySide querySide(Value bi, Value s) {
    QuerySide side;
    Value head =
        headMode ? arith::DivUIOp::create(b, s, e.index(group)).getResult() : s;
    Value firstQuery = headMode ? s : mul(s, group);
    side.sequence = bi;
    side.kvHead = head;
    for (int64_t p = 0; p < pairs; ++p) {
      if (codesPerHead == 1)
        side.keyCode.push_back(e.index(0));
      else if (headMode)
        side.keyCode.push_back(arith::RemUIOp::create(b, s, e.index(group)));
      else
        side.keyCode.push_back(e.index(p));
      Value queryBase =
          mul(e.add(e.add(mul(bi, queryHeads), firstQuery), e.index(p)), words);
      SmallVector<Value> vectors;
      for (int64_t w = 0; w < words; w += lanes())
        vectors.push_back(loadLanes(qc, e.add(queryBase, e.index(w))));
      side.queryWords.push_back(vectors);
    }
    return side;
  }

  /// The score of token t: sum over the pairs and words of
  /// popc(~(query word ^ key word)).
  Value score(const QuerySide &side, Value t) {
    Value token = keys->row(e, side.sequence, side.kvHead, t);
    auto type = VectorType::get({lanes()}, b.getI32Type());
    Value ones = e.splat(e.i32(-1), lanes());
    Value total = arith::ConstantOp::create(
        b, type, DenseElementsAttr::get(type, b.getI32IntegerAttr(0)));
    for (int64_t p = 0; p < pairs; ++p) {
      Value keyBase =
          mul(e.add(mul(token, codesPerHead), side.keyCode[p]), words);
      for (int64_t w = 0, i = 0; w < words; w += lanes(), ++i) {
        Value k = loadLanes(kc, e.add(keyBase, e.index(w)));
        Value same = arith::XOrIOp::create(
            b, arith::XOrIOp::create(b, side.queryWords[p][i], k), ones);
        total = arith::AddIOp::create(b, total, math::CtPopOp::create(b, same));
      }
    }
    return vector::ReductionOp::create(b, vector::CombiningKind::ADD, total);
  }

  void scoreTokens() {
    Type i32 = b.getI32Type();
    KernelBuilder k(b, target, e.mul(rows, chunks), kThreads,
                    {MemRefType::get({bins}, i32)});
    k.build([&] {
      Value row = arith::DivUIOp::create(b, k.blockId(), chunks);
      Value chunk = arith::RemUIOp::create(b, k.blockId(), chunks);
      planRow(row);
      Value shared = k.shared(0);
      k.phase([&](Value thread) {
        strided(thread, e.index(0), e.index(bins), [&](Value v) {
          memref::StoreOp::create(b, e.i32(0), shared, ValueRange{v});
        });
      });
      k.phase([&](Value thread) {
        Value bi = arith::DivUIOp::create(b, row, e.index(sets));
        Value s = arith::RemUIOp::create(b, row, e.index(sets));
        Value lo = e.add(sink, mul(chunk, kTokensPerBlock));
        Value hi = e.min(e.add(lo, e.index(kTokensPerBlock)), middleEnd);
        QuerySide side = querySide(bi, s);
        strided(thread, lo, hi, [&](Value t) {
          Value sc = score(side, t);
          e.store(arith::TruncIOp::create(b, b.getI16Type(), sc), scores,
                  e.add(e.mul(row, maxTokens), t));
          atomicAdd(e.i32(1), shared, asIndex(sc));
        });
      });
      k.phase([&](Value thread) {
        Value base = mul(k.blockId(), bins);
        strided(thread, e.index(0), e.index(bins), [&](Value v) {
          e.store(memref::LoadOp::create(b, shared, ValueRange{v}), chunkHist,
                  e.add(base, v));
        });
      });
    });
  }

  /// Tokens [lo, hi) of thread `thread` in chunk `chunk`: 16 consecutive
  /// middle tokens, so each thread's choices are in token order.
  std::pair<Value, Value> threadTokens(Value chunk, Value thread) {
    Value chunkLo = e.add(sink, mul(chunk, kTokensPerBlock));
    Value chunkHi = e.min(e.add(chunkLo, e.index(kTokensPerBlock)), middleEnd);
    Value lo = e.min(e.add(chunkLo, mul(thread, kTokensPerThread)), chunkHi);
    return {lo, e.min(e.add(lo, e.index(kTokensPerThread)), chunkHi)};
  }

  /// (tokens scoring above `threshold`, tokens scoring equal) in [lo, hi).
  std::pair<Value, Value> countAgainst(Value row, Value threshold, Value lo,
                                       Value hi) {
    ValueRange counts =
        e.forRange(lo, hi, ValueRange{e.i32(0), e.i32(0)},
                   [&](Value t, ValueRange c) -> SmallVector<Value> {
                     Value sc = scoreAt(row, t);
                     Value gt = arith::ExtUIOp::create(
                         b, b.getI32Type(), e.cmp(Pred::sgt, sc, threshold));
                     Value eq = arith::ExtUIOp::create(
                         b, b.getI32Type(), e.cmp(Pred::eq, sc, threshold));
                     return {arith::AddIOp::create(b, c[0], gt),
                             arith::AddIOp::create(b, c[1], eq)};
                   });
    return {counts[0], counts[1]};
  }

  /// The stored score of token t of `row`, as i32.
  Value scoreAt(Value row, Value t) {
    return arith::ExtUIOp::create(
        b, b.getI32Type(),
        e.loadScalar(scores, e.add(e.mul(row, maxTokens), t)));
  }

  Value sharedAt(Value buffer, Value i) {
    return memref::LoadOp::create(b, buffer, ValueRange{i});
  }
  Value sharedAt(Value buffer, int64_t i) {
    return sharedAt(buffer, e.index(i));
  }
  void sharedStore(Value value, Value buffer, Value i) {
    memref::StoreOp::create(b, value, buffer, ValueRange{i});
  }

  /// Phases computing the exclusive prefix sums of the kThreads values in
  /// each shared `buffers` (Hillis-Steele: log2(kThreads) steps, each
  /// reading one shared buffer and writing the other, so no thread reads a
  /// value another thread is overwriting). `scratch` holds one buffer per
  /// input; returns the buffers that hold the sums (inputs or scratch).
  SmallVector<Value> exclusiveScan(KernelBuilder &k, ArrayRef<Value> buffers,
                                   ArrayRef<Value> scratch) {
    SmallVector<Value> from(buffers), to(scratch);
    for (int64_t offset = 1; offset < kThreads; offset *= 2) {
      k.phase([&](Value thread) {
        Value hasLeft = e.cmp(Pred::sge, thread, e.index(offset));
        Value left = arith::SelectOp::create(
            b, hasLeft, e.sub(thread, e.index(offset)), thread);
        for (size_t i = 0; i < from.size(); ++i) {
          Value mine = sharedAt(from[i], thread);
          Value added = arith::AddIOp::create(b, mine, sharedAt(from[i], left));
          sharedStore(arith::SelectOp::create(b, hasLeft, added, mine), to[i],
                      thread);
        }
      });
      std::swap(from, to);
    }
    // `from` holds inclusive sums; shift them right by one into `to`.
    k.phase([&](Value thread) {
      Value hasLeft = e.cmp(Pred::sge, thread, e.index(1));
      Value left = arith::SelectOp::create(b, hasLeft,
                                           e.sub(thread, e.index(1)), thread);
      for (size_t i = 0; i < from.size(); ++i)
        sharedStore(arith::SelectOp::create(b, hasLeft, sharedAt(from[i], left),
                                            e.i32(0)),
                    to[i], thread);
    });
    return to;
  }

  /// Shared memory of the selection plan: per-thread bin sums and their
  /// scan, and the plan itself (threshold T, the count above it, the ties
  /// at T to skip).
  static constexpr int64_t kPlanBuffers = 3;
  SmallVector<MemRefType> planTypes() {
    Type i32 = b.getI32Type();
    return {MemRefType::get({kThreads}, i32), MemRefType::get({kThreads}, i32),
            MemRefType::get({3}, i32)};
  }

  /// Phases that plan row `row` from its histogram into `plan`: thread t
  /// sums a band of bins from the top (thread 0 the highest), a scan gives
  /// each band the count above it, and the thread whose band holds the
  /// crossing of the budget finds T. Every selection block recomputes it:
  /// a few hundred bins, cheaper than a kernel launch.
  void planPhases(KernelBuilder &k, Value rowHist, Value bandSums,
                  Value scratch, Value plan) {
    const int64_t binsPerThread = (bins + kThreads - 1) / kThreads;
    // Band t: bins [top - binsPerThread, top), top = bins - t * binsPerThread.
    auto bandOf = [&](Value thread) {
      Value top =
          e.max(e.sub(e.index(bins), mul(thread, binsPerThread)), e.index(0));
      return std::make_pair(
          e.max(e.sub(top, e.index(binsPerThread)), e.index(0)), top);
    };
    k.phase([&](Value thread) {
      auto [lo, hi] = bandOf(thread);
      Value sum = e.forRange(
          lo, hi, ValueRange{e.i32(0)},
          [&](Value v, ValueRange acc) -> SmallVector<Value> {
            return {arith::AddIOp::create(b, acc[0], sharedAt(rowHist, v))};
          })[0];
      sharedStore(sum, bandSums, thread);
    });
    Value countAbove = exclusiveScan(k, {bandSums}, {scratch})[0];
    k.phase([&](Value thread) {
      auto [lo, hi] = bandOf(thread);
      Value budget32 = asI32(budget);
      e.forRange(
          e.index(0), e.sub(hi, lo), ValueRange{sharedAt(countAbove, thread)},
          [&](Value i, ValueRange state) -> SmallVector<Value> {
            Value v = e.sub(e.sub(hi, e.index(1)), i);
            Value count = sharedAt(rowHist, v);
            Value running = state[0];
            Value reached = arith::AddIOp::create(b, running, count);
            // A zero budget stops at the top bin, taking no ties.
            Value zeroAtTop =
                arith::AndIOp::create(b, e.cmp(Pred::eq, budget32, e.i32(0)),
                                      e.cmp(Pred::eq, v, e.index(bins - 1)));
            Value crossing = arith::AndIOp::create(
                b, e.cmp(Pred::sge, reached, budget32),
                arith::OrIOp::create(b, e.cmp(Pred::slt, running, budget32),
                                     zeroAtTop));
            e.ifThen(crossing, [&] {
              Value tiesTaken = arith::SubIOp::create(b, budget32, running);
              sharedStore(asI32(v), plan, e.index(0));
              sharedStore(running, plan, e.index(1));
              sharedStore(arith::SubIOp::create(b, count, tiesTaken), plan,
                          e.index(2));
            });
            return {reached};
          });
    });
  }

  /// The slots that need no scores: positions 0 .. N-1 then -1 when the
  /// row keeps every token (N <= sink + window + budget); else the sink,
  /// the window and the padding.
  void writeFixedSlots(Value thread, Value outRow) {
    e.ifThen(
        keepAll,
        [&] {
          Value filled = e.min(n, slots);
          strided(thread, e.index(0), filled,
                  [&](Value t) { e.store(asI32(t), out, e.add(outRow, t)); });
          strided(thread, filled, slots, [&](Value slot) {
            e.store(e.i32(-1), out, e.add(outRow, slot));
          });
        },
        [&] {
          strided(thread, e.index(0), sink,
                  [&](Value t) { e.store(asI32(t), out, e.add(outRow, t)); });
          Value windowStart = e.add(sink, budget);
          strided(thread, e.index(0), window, [&](Value i) {
            e.store(asI32(e.add(middleEnd, i)), out,
                    e.add(outRow, e.add(windowStart, i)));
          });
          strided(thread, total, slots, [&](Value slot) {
            e.store(e.i32(-1), out, e.add(outRow, slot));
          });
        });
  }

public:
  /// The select kernel's shared memory: the plan, the per-thread counts
  /// and their scan scratch, the earlier chunks' counts, the row histogram.
  static int64_t selectSharedBytes(int64_t bins) {
    return 4 * (2 * kThreads + 3 + 4 * kThreads + 2 + bins);
  }

private:
  /// Kernel: per (row, chunk), the chosen tokens of the chunk in order.
  /// Every block sums the row's histogram from the chunks' ones and plans
  /// the row (threshold T); the tokens chosen before its own are the
  /// counts above / at T of the earlier chunks' histograms (no other
  /// block's result is awaited) and of the threads before it in the chunk
  /// (a scan): tokens above T, and the ties at T past the first `skip` of
  /// the row (ties go to the most recent tokens). Chunk 0 also writes the
  /// sink, window and padding slots.
  void selectChunks() {
    Type i32 = b.getI32Type();
    SmallVector<MemRefType> shared = planTypes();
    for (int64_t i = 0; i < 4; ++i) // above, ties, and their scan scratch
      shared.push_back(MemRefType::get({kThreads}, i32));
    shared.push_back(MemRefType::get({2}, i32));    // earlier chunks' counts
    shared.push_back(MemRefType::get({bins}, i32)); // the row's histogram
    KernelBuilder k(b, target, e.mul(rows, chunks), kThreads, shared);
    k.build([&] {
      Value row = arith::DivUIOp::create(b, k.blockId(), chunks);
      Value chunk = arith::RemUIOp::create(b, k.blockId(), chunks);
      planRow(row);
      Value plan = k.shared(2);
      Value above = k.shared(kPlanBuffers), ties = k.shared(kPlanBuffers + 1);
      Value before = k.shared(kPlanBuffers + 4);
      Value rowHist = k.shared(kPlanBuffers + 5);
      Value outRow = e.mul(row, slots);
      Value rowChunks = e.mul(row, chunks);
      /// Bin v of chunks [0, end) of the row.
      auto binOfChunks = [&](Value v, Value end) {
        return e.forRange(e.index(0), end, ValueRange{e.i32(0)},
                          [&](Value c, ValueRange acc) -> SmallVector<Value> {
                            Value at = e.add(mul(e.add(rowChunks, c), bins), v);
                            return {arith::AddIOp::create(
                                b, acc[0], e.loadScalar(chunkHist, at))};
                          })[0];
      };
      k.phase([&](Value thread) {
        strided(thread, e.index(0), e.index(bins), [&](Value v) {
          sharedStore(binOfChunks(v, chunks), rowHist, v);
        });
        onThreadZero(thread, [&] {
          for (int64_t i = 0; i < 2; ++i)
            sharedStore(e.i32(0), before, e.index(i));
        });
        e.ifThen(e.cmp(Pred::eq, chunk, e.index(0)),
                 [&] { writeFixedSlots(thread, outRow); });
      });
      planPhases(k, rowHist, k.shared(0), k.shared(1), plan);
      k.phase([&](Value thread) {
        // A row that keeps everything was written by writeFixedSlots; its
        // plan is meaningless, so the chunks only go through the phases.
        e.ifThen(notKeepAll, [&] {
          Value threshold = asIndex(sharedAt(plan, 0));
          strided(thread, threshold, e.index(bins), [&](Value v) {
            Value which = arith::SelectOp::create(
                b, e.cmp(Pred::eq, v, threshold), e.index(1), e.index(0));
            atomicAdd(binOfChunks(v, chunk), before, which);
          });
        });
        auto [lo, hi] = threadTokens(chunk, thread);
        auto [a, t] = countAgainst(row, sharedAt(plan, 0), lo, hi);
        sharedStore(a, above, thread);
        sharedStore(t, ties, thread);
      });
      SmallVector<Value> sums = exclusiveScan(
          k, {above, ties},
          {k.shared(kPlanBuffers + 2), k.shared(kPlanBuffers + 3)});
      Value aboveSums = sums[0], tieSums = sums[1];
      k.phase([&](Value thread) {
        e.ifThen(notKeepAll, [&] {
          Value threshold = sharedAt(plan, 0);
          Value skip = asIndex(sharedAt(plan, 2));
          Value tiesBefore = asIndex(arith::AddIOp::create(
              b, sharedAt(tieSums, thread), sharedAt(before, 1)));
          Value aboveBefore = asIndex(arith::AddIOp::create(
              b, sharedAt(aboveSums, thread), sharedAt(before, 0)));
          Value takenTiesBefore = e.max(e.sub(tiesBefore, skip), e.index(0));
          Value first = e.add(sink, e.add(aboveBefore, takenTiesBefore));
          auto [lo, hi] = threadTokens(chunk, thread);
          e.forRange(lo, hi, ValueRange{first, tiesBefore},
                     [&](Value t, ValueRange state) -> SmallVector<Value> {
                       Value slot = state[0], tieRank = state[1];
                       Value sc = scoreAt(row, t);
                       Value gt = e.cmp(Pred::sgt, sc, threshold);
                       Value eq = e.cmp(Pred::eq, sc, threshold);
                       Value tieTaken = arith::AndIOp::create(
                           b, eq, e.cmp(Pred::sge, tieRank, skip));
                       Value take = arith::OrIOp::create(b, gt, tieTaken);
                       e.ifThen(take, [&] {
                         e.store(asI32(t), out, e.add(outRow, slot));
                       });
                       Value one = e.index(1);
                       return {arith::SelectOp::create(b, take,
                                                       e.add(slot, one), slot),
                               arith::SelectOp::create(
                                   b, eq, e.add(tieRank, one), tieRank)};
                     });
        });
      });
    });
  }

  ImplicitLocOpBuilder &b;
  LoopEmitter e;
  HammingTopKOp op;
  KernelTarget target;
  int64_t bins;
  FlatBuffer qc, kc, out, scores, chunkHist;
  std::unique_ptr<TokenAddressing> keys;
  Value maxTokens, slots, sink, window, rows, chunks;
  /// The current kernel's row (planRow).
  Value n, budget, total, keepAll, notKeepAll, middleEnd;
};

struct HammingTopKToGPU : KernelLowering<HammingTopKOp> {
  using KernelLowering::KernelLowering;

  LogicalResult emit(HammingTopKOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    // The kernels keep a histogram of every score in shared memory (and
    // the scores fit 16 bits well below that limit).
    const int64_t bins = TopKShape(op).maxScore() + 1;
    if (int64_t bytes = TopKKernels::selectSharedBytes(bins);
        target == KernelTarget::GPU && bytes > kMaxSharedBytes)
      return op.emitOpError("has no GPU lowering for ")
             << bins << " possible scores: their histogram needs " << bytes
             << " bytes of shared memory, more than " << kMaxSharedBytes;
    TopKKernels(b, op, target).emit(adaptor);
    return success();
  }
};
} // namespace

void mlir::spotlight::populateHammingTopKToGPUPatterns(
    RewritePatternSet &patterns, bool emulate) {
  patterns.add<HammingTopKToGPU>(patterns.getContext(), kernelTarget(emulate));
}
