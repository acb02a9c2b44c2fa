//===- HashEncodeToGPU.cpp - spotlight.hash_encode to a GPU kernel --------===//
//
//   spotlight.hash_encode ins(x, W1, b1, W2, b2) outs(codes)
//     ->  gpu.launch grid = rows * C, block = 128 threads (column j each):
//           xs[j]   = x[row, j]                                  (shared)
//           hs[j]   = silu(sum_i xs[i] * W1[c, i, j] + b1[c, j]) + xs[j]
//           bits[j] = ((sum_i hs[i] * W2[c, i, j] + b2[c, j]) + hs[j] > 0) << j%32
//           codes[row, c, w] = OR of bits[32w .. 32w+31]         (threads w < D/32)
//
// Weight rows are read coalesced (consecutive threads, consecutive j); the
// sums over i run in the reference's order.
//
//===----------------------------------------------------------------------===//

#include "../Utils/LoopEmitter.h"
#include "../Utils/OpShapes.h"
#include "KernelBuilder.h"
#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;
using namespace mlir::spotlight::gpu_lowering;

namespace {
constexpr int64_t kThreads = 128;

struct HashEncodeToGPU : KernelLowering<HashEncodeOp> {
  using KernelLowering::KernelLowering;

  LogicalResult emit(HashEncodeOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    LoopEmitter e(b);
    const HashOperands hash(e, adaptor);
    const int64_t heads = hash.heads;
    const int64_t D = hash.headDim, W = hash.words, C = hash.codesPerHead;
    Value rowsPerHead = hash.rowsPerHead(e);
    Value rows = e.mul(e.mul(e.dim(hash.input, 0), heads), rowsPerHead);
    Type f32 = b.getF32Type(), i32 = b.getI32Type();

    KernelBuilder k(b, target, e.mul(rows, C), kThreads,
                    {MemRefType::get({D}, f32), MemRefType::get({D}, f32),
                     MemRefType::get({D}, i32)});
    k.build([&] {
      Value row = arith::DivUIOp::create(b, k.blockId(), e.index(C));
      Value c = arith::RemUIOp::create(b, k.blockId(), e.index(C));
      Value h = arith::RemUIOp::create(
          b, arith::DivUIOp::create(b, row, rowsPerHead), e.index(heads));
      Value codeHead = hash.codeHead(e, h, c);
      Value xs = k.shared(0), hs = k.shared(1), bits = k.shared(2);
      auto columns = [&](Value thread, function_ref<void(Value)> body) {
        e.forStep(thread, e.index(D), e.index(kThreads), body);
      };
      auto sharedLoad = [&](Value buffer, Value i) -> Value {
        return memref::LoadOp::create(b, buffer, ValueRange{i});
      };
      auto sharedStore = [&](Value v, Value buffer, Value i) {
        memref::StoreOp::create(b, v, buffer, ValueRange{i});
      };
      // sum_i in[i] * w[codeHead, i, j], i ascending.
      auto column = [&](FlatBuffer w, Value in, Value j) -> Value {
        Value base = e.mul(codeHead, D * D);
        return e.forRange(e.index(0), e.index(D), ValueRange{e.f32(0)},
                          [&](Value i, ValueRange acc) -> SmallVector<Value> {
                            Value wij = e.toF32(e.loadScalar(
                                w, e.add(base, e.add(e.mul(i, D), j))));
                            Value prod = arith::MulFOp::create(
                                b, sharedLoad(in, i), wij);
                            return {arith::AddFOp::create(b, acc[0], prod)};
                          })[0];
      };
      k.phase([&](Value thread) {
        columns(thread, [&](Value j) {
          sharedStore(e.toF32(e.loadScalar(hash.x, e.add(e.mul(row, D), j))),
                      xs, j);
        });
      });
      k.phase([&](Value thread) {
        columns(thread, [&](Value j) {
          Value s = arith::AddFOp::create(
              b, column(hash.w1, xs, j),
              e.toF32(e.loadScalar(hash.b1, e.add(e.mul(codeHead, D), j))));
          Value denom = arith::AddFOp::create(
              b, e.f32(1),
              math::ExpOp::create(b, arith::NegFOp::create(b, s)));
          Value h1 = arith::AddFOp::create(
              b, arith::DivFOp::create(b, s, denom), sharedLoad(xs, j));
          sharedStore(h1, hs, j);
        });
      });
      k.phase([&](Value thread) {
        columns(thread, [&](Value j) {
          Value v = arith::AddFOp::create(
              b, column(hash.w2, hs, j),
              e.toF32(e.loadScalar(hash.b2, e.add(e.mul(codeHead, D), j))));
          v = arith::AddFOp::create(b, v, sharedLoad(hs, j));
          Value bit = arith::ExtUIOp::create(
              b, i32,
              arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, v, e.f32(0)));
          Value shift = arith::IndexCastOp::create(
              b, i32, arith::RemUIOp::create(b, j, e.index(32)));
          sharedStore(arith::ShLIOp::create(b, bit, shift), bits, j);
        });
      });
      k.phase([&](Value thread) {
        e.forStep(thread, e.index(W), e.index(kThreads), [&](Value w) {
          Value word = e.forRange(
              e.index(0), e.index(32), ValueRange{e.i32(0)},
              [&](Value i, ValueRange acc) -> SmallVector<Value> {
                return {arith::OrIOp::create(
                    b, acc[0], sharedLoad(bits, e.add(e.mul(w, 32), i)))};
              })[0];
          e.store(word, hash.codes,
                  e.add(e.mul(e.add(e.mul(row, C), c), W), w));
        });
      });
    });
    return success();
  }
};
} // namespace

void mlir::spotlight::populateHashEncodeToGPUPatterns(
    RewritePatternSet &patterns, bool emulate) {
  patterns.add<HashEncodeToGPU>(patterns.getContext(), kernelTarget(emulate));
}
