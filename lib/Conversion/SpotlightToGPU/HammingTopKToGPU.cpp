//===- HammingTopKToGPU.cpp - spotlight.hamming_topk to GPU kernels -------===//
//
//   spotlight.hamming_topk ins(qcodes, kcodes) outs(indices)
//     ->  kernel zero:   grid B*S,           clear the global histograms
//         kernel score:  grid B*S*chunks,    chunk of 4096 middle tokens a block:
//                          score = sum popc(~(q ^ k)) over the 32-bit words
//                          scores[row, t] = score; shared hist[score] += 1
//                          global hist[row] += shared hist   (atomics)
//         kernel select: grid B*S, T threads
//                          thread 0: threshold T and ties to skip
//                          each thread counts > T and == T in its chunk
//                          thread 0: exclusive prefix sums of the counts
//                          each thread writes its chosen tokens ascending
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

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;
using namespace mlir::spotlight::gpu_lowering;

namespace {
using Pred = arith::CmpIPredicate;

constexpr int64_t kThreads = 256;
constexpr int64_t kTokensPerBlock = 4096;

class TopKKernels : TopKShape {
public:
  TopKKernels(ImplicitLocOpBuilder &b, HammingTopKOp op, KernelTarget target)
      : TopKShape(op), b(b), e(b), op(op), target(target),
        batch(dimOf(op.getQueryCodes(), 0)), bins(maxScore() + 1) {}

  Value emit(Value qcTensor, Value kcTensor, Value init) {
    qc = e.readFlat(qcTensor);
    kc = e.readFlat(kcTensor);
    Value outBuffer = allocResult(b, target, init);
    out = e.flat(outBuffer);
    n = e.dim(kcTensor, 2);
    slots = e.dim(init, 2);
    sink = e.index(op.getSink());
    window = e.index(op.getWindow());
    budget = op.buildBudget(b, b.getLoc(), n, slots);
    total = e.add(e.add(sink, window), budget);
    keepAll = e.cmp(Pred::sle, n, total);
    middleEnd = e.max(sink, e.sub(n, window));
    rows = e.index(batch * sets);
    Type i32 = b.getI32Type();
    hist = {allocScratch(b, target, e.mul(rows, bins), i32), i32};
    scores = {allocScratch(b, target, e.max(e.mul(rows, n), e.index(1)), i32),
              i32};
    zeroHistograms();
    scoreTokens();
    selectTokens();
    freeScratch(b, target, hist.memref);
    freeScratch(b, target, scores.memref);
    return bufferization::ToTensorOp::create(b, init.getType(), outBuffer,
                                             /*restrict=*/true,
                                             /*writable=*/true);
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

  void zeroHistograms() {
    KernelBuilder k(b, target, rows, kThreads, {});
    k.build([&] {
      k.phase([&](Value thread) {
        Value base = mul(k.blockId(), bins);
        strided(thread, e.index(0), e.index(bins), [&](Value v) {
          e.store(e.i32(0), hist, e.add(base, v));
        });
      });
    });
  }

  /// The score of token t for selection row (bi, s): the P query codes of
  /// the set against the matching key codes, word by word.
  Value score(Value bi, Value s, Value t) {
    Value head = headMode ? arith::DivUIOp::create(b, s, e.index(group))
                                .getResult()
                          : s;
    Value firstQuery = headMode ? s : mul(s, group);
    Value keyRow = e.add(mul(bi, kvHeads), head);
    Value token = e.add(e.mul(keyRow, n), t);
    Value total32 = e.i32(0);
    for (int64_t p = 0; p < pairs; ++p) {
      Value code;
      if (codesPerHead == 1)
        code = e.index(0);
      else if (headMode)
        code = arith::RemUIOp::create(b, s, e.index(group));
      else
        code = e.index(p);
      Value keyBase = mul(e.add(mul(token, codesPerHead), code), words);
      Value queryBase =
          mul(e.add(e.add(mul(bi, queryHeads), firstQuery), e.index(p)), words);
      for (int64_t w = 0; w < words; ++w) {
        Value q = e.loadScalar(qc, e.add(queryBase, e.index(w)));
        Value k = e.loadScalar(kc, e.add(keyBase, e.index(w)));
        Value same = arith::XOrIOp::create(b, arith::XOrIOp::create(b, q, k),
                                           e.i32(-1));
        total32 = arith::AddIOp::create(b, total32,
                                        math::CtPopOp::create(b, same));
      }
    }
    return total32;
  }

  void scoreTokens() {
    Value middle = e.sub(middleEnd, sink);
    Value chunks = e.max(ceilDiv(middle, e.index(kTokensPerBlock)), e.index(1));
    Type i32 = b.getI32Type();
    KernelBuilder k(b, target, e.mul(rows, chunks), kThreads,
                    {MemRefType::get({bins}, i32)});
    k.build([&] {
      Value row = arith::DivUIOp::create(b, k.blockId(), chunks);
      Value chunk = arith::RemUIOp::create(b, k.blockId(), chunks);
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
        strided(thread, lo, hi, [&](Value t) {
          Value sc = score(bi, s, t);
          e.store(sc, scores, e.add(e.mul(row, n), t));
          atomicAdd(e.i32(1), shared, asIndex(sc));
        });
      });
      k.phase([&](Value thread) {
        Value base = mul(row, bins);
        strided(thread, e.index(0), e.index(bins), [&](Value v) {
          Value count = memref::LoadOp::create(b, shared, ValueRange{v});
          e.ifThen(e.cmp(Pred::ne, count, e.i32(0)),
                   [&] { atomicAdd(count, hist.memref, e.add(base, v)); });
        });
      });
    });
  }

  void selectTokens() {
    Type index = b.getIndexType();
    KernelBuilder k(b, target, rows, kThreads,
                    {MemRefType::get({kThreads}, index),
                     MemRefType::get({kThreads}, index),
                     MemRefType::get({2}, index)});
    Value perThread =
        ceilDiv(e.sub(middleEnd, sink), e.index(kThreads));
    k.build([&] {
      Value row = k.blockId();
      Value above = k.shared(0), ties = k.shared(1), meta = k.shared(2);
      Value outRow = e.mul(row, slots);
      Value notKeepAll = arith::XOrIOp::create(
          b, keepAll, arith::ConstantOp::create(b, b.getBoolAttr(true)));
      auto chunkOf = [&](Value thread) {
        Value lo = e.add(sink, e.mul(thread, perThread));
        Value hi = e.min(e.add(lo, perThread), middleEnd);
        return std::make_pair(e.min(lo, middleEnd), hi);
      };
      auto sharedAt = [&](Value buffer, int64_t i) -> Value {
        return memref::LoadOp::create(b, buffer, ValueRange{e.index(i)});
      };
      // Threshold and the number of ties at it to skip.
      k.phase([&](Value thread) {
        onThreadZero(thread, [&] {
          e.ifThen(notKeepAll, [&] {
            auto [threshold, countAbove] =
                e.thresholdSearch(hist, mul(row, bins), bins, budget);
            Value atThreshold =
                asIndex(e.loadScalar(hist, e.add(mul(row, bins), threshold)));
            Value tiesTaken = e.sub(budget, countAbove);
            memref::StoreOp::create(b, threshold, meta, ValueRange{e.index(0)});
            memref::StoreOp::create(b, e.sub(atThreshold, tiesTaken), meta,
                                    ValueRange{e.index(1)});
          });
        });
      });
      // Everything selected, or each thread's counts in its chunk.
      k.phase([&](Value thread) {
        e.ifThen(
            keepAll,
            [&] {
              Value filled = e.min(n, slots);
              strided(thread, e.index(0), filled, [&](Value t) {
                e.store(asI32(t), out, e.add(outRow, t));
              });
              strided(thread, filled, slots, [&](Value slot) {
                e.store(e.i32(-1), out, e.add(outRow, slot));
              });
            },
            [&] {
              Value threshold = asI32(sharedAt(meta, 0));
              auto [lo, hi] = chunkOf(thread);
              ValueRange counts = e.forRange(
                  lo, hi, ValueRange{e.index(0), e.index(0)},
                  [&](Value t, ValueRange c) -> SmallVector<Value> {
                    Value sc = e.loadScalar(scores, e.add(e.mul(row, n), t));
                    Value gt = e.cmp(Pred::sgt, sc, threshold);
                    Value eq = e.cmp(Pred::eq, sc, threshold);
                    Value one = e.index(1);
                    return {arith::SelectOp::create(b, gt, e.add(c[0], one), c[0]),
                            arith::SelectOp::create(b, eq, e.add(c[1], one), c[1])};
                  });
              memref::StoreOp::create(b, counts[0], above, ValueRange{thread});
              memref::StoreOp::create(b, counts[1], ties, ValueRange{thread});
            });
      });
      // Exclusive prefix sums of the per-thread counts.
      k.phase([&](Value thread) {
        onThreadZero(thread, [&] {
          e.ifThen(notKeepAll, [&] {
            e.forRange(e.index(0), e.index(kThreads),
                       ValueRange{e.index(0), e.index(0)},
                       [&](Value i, ValueRange sums) -> SmallVector<Value> {
                         Value a = memref::LoadOp::create(b, above, ValueRange{i});
                         Value t = memref::LoadOp::create(b, ties, ValueRange{i});
                         memref::StoreOp::create(b, sums[0], above, ValueRange{i});
                         memref::StoreOp::create(b, sums[1], ties, ValueRange{i});
                         return {e.add(sums[0], a), e.add(sums[1], t)};
                       });
          });
        });
      });
      // Ordered writes: sink, each chunk's choices, window, padding.
      k.phase([&](Value thread) {
        e.ifThen(notKeepAll, [&] {
          Value threshold = asI32(sharedAt(meta, 0));
          Value skip = sharedAt(meta, 1);
          strided(thread, e.index(0), sink, [&](Value t) {
            e.store(asI32(t), out, e.add(outRow, t));
          });
          Value windowStart = e.add(sink, budget);
          strided(thread, e.index(0), window, [&](Value i) {
            e.store(asI32(e.add(middleEnd, i)), out,
                    e.add(outRow, e.add(windowStart, i)));
          });
          strided(thread, total, slots, [&](Value slot) {
            e.store(e.i32(-1), out, e.add(outRow, slot));
          });
          Value tiesBefore = memref::LoadOp::create(b, ties, ValueRange{thread});
          Value aboveBefore =
              memref::LoadOp::create(b, above, ValueRange{thread});
          Value takenTiesBefore = e.max(e.sub(tiesBefore, skip), e.index(0));
          Value first = e.add(sink, e.add(aboveBefore, takenTiesBefore));
          auto [lo, hi] = chunkOf(thread);
          e.forRange(lo, hi, ValueRange{first, tiesBefore},
                     [&](Value t, ValueRange state) -> SmallVector<Value> {
                       Value slot = state[0], tieRank = state[1];
                       Value sc = e.loadScalar(scores, e.add(e.mul(row, n), t));
                       Value gt = e.cmp(Pred::sgt, sc, threshold);
                       Value eq = e.cmp(Pred::eq, sc, threshold);
                       Value tieTaken = arith::AndIOp::create(
                           b, eq, e.cmp(Pred::sge, tieRank, skip));
                       Value take = arith::OrIOp::create(b, gt, tieTaken);
                       e.ifThen(take, [&] {
                         e.store(asI32(t), out, e.add(outRow, slot));
                       });
                       Value one = e.index(1);
                       return {arith::SelectOp::create(b, take, e.add(slot, one),
                                                       slot),
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
  int64_t batch, bins;
  FlatBuffer qc, kc, out, hist, scores;
  Value n, slots, sink, window, budget, total, keepAll, middleEnd, rows;
};

struct HammingTopKToGPU : OpConversionPattern<HammingTopKOp> {
  HammingTopKToGPU(MLIRContext *ctx, KernelTarget target)
      : OpConversionPattern(ctx), target(target) {}

  LogicalResult
  matchAndRewrite(HammingTopKOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    rewriter.replaceOp(op, TopKKernels(b, op, target)
                               .emit(adaptor.getQueryCodes(),
                                     adaptor.getKeyCodes(), adaptor.getInit()));
    return success();
  }

  KernelTarget target;
};
} // namespace

void mlir::spotlight::populateHammingTopKToGPUPatterns(
    RewritePatternSet &patterns, bool emulate) {
  patterns.add<HammingTopKToGPU>(patterns.getContext(),
                                 emulate ? KernelTarget::Emulation
                                         : KernelTarget::GPU);
}
