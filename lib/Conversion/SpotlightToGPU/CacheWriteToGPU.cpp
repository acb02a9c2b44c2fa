//===- CacheWriteToGPU.cpp - spotlight.cache_write to a GPU kernel --------===//
//
//   spotlight.cache_write ins(keys, values, codes, slot_mapping)
//                         outs(k_cache, v_cache, code_cache)
//     ->  gpu.launch grid = T tokens, block = 128 threads:
//           slot = slot_mapping[i]; if slot >= 0:
//             k_cache[slot] = keys[i]; v_cache[slot] = values[i]
//             code_cache[slot] = codes[i]        (whole [KH, ...] rows)
//
// A pool is token-major ([P, page_size, KH, ...]), so a token's rows of all
// KV heads are one contiguous run at slot * row: each block copies three
// runs with consecutive threads on consecutive 16-byte vectors (coalesced).
// A skipped token (-1) leaves its block idle; slots are distinct (the
// runtime checks), so blocks never write the same memory.
//
//===----------------------------------------------------------------------===//

#include "CacheWriteToGPU.h"
#include "../Utils/LoopEmitter.h"
#include "KernelBuilder.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::spotlight;
using namespace mlir::spotlight::loops;
using namespace mlir::spotlight::gpu_lowering;

namespace {
constexpr int64_t kThreads = 128;

struct CacheWriteToGPU : KernelLowering<CacheWriteOp> {
  using KernelLowering::KernelLowering;

  LogicalResult emit(CacheWriteOp op, Adaptor adaptor,
                     ImplicitLocOpBuilder &b) const override {
    if (!isa<MemRefType>(adaptor.getKeyCache().getType()))
      return op.emitOpError("must be bufferized before the GPU lowering");
    LoopEmitter e(b);
    auto shape = [](Value v) { return cast<ShapedType>(v.getType()); };
    // Elements of one token's run (all KV heads) in each pool.
    const int64_t kvRun = shape(adaptor.getKeys()).getDimSize(1) *
                          shape(adaptor.getKeys()).getDimSize(2);
    ShapedType codes = shape(adaptor.getCodes());
    const int64_t codeWords =
        codes.getDimSize(1) * codes.getDimSize(2) * codes.getDimSize(3);
    FlatBuffer slots = e.flat(adaptor.getSlotMapping());
    struct Run {
      FlatBuffer from, to;
      int64_t elements;
    };
    const Run runs[] = {
        {e.flat(adaptor.getKeys()), e.flat(adaptor.getKeyCache()), kvRun},
        {e.flat(adaptor.getValues()), e.flat(adaptor.getValueCache()), kvRun},
        {e.flat(adaptor.getCodes()), e.flat(adaptor.getCodeCache()),
         codeWords}};
    Value tokens = e.dim(adaptor.getSlotMapping(), 0);

    KernelBuilder k(b, target, tokens, kThreads, {});
    k.build([&] {
      Value slot = arith::IndexCastOp::create(b, b.getIndexType(),
                                              e.loadScalar(slots, k.blockId()));
      k.phase([&](Value thread) {
        e.ifThen(e.cmp(Pred::sge, slot, e.index(0)), [&] {
          for (const Run &run : runs)
            copyRun(e, b, run.from, run.to, run.elements, k.blockId(), slot,
                    thread);
        });
      });
    });
    return success();
  }

  /// Copies `elements` from row `i` of `from` to row `slot` of `to`, in
  /// 16-byte vectors where the run allows (runs start at multiples of
  /// their length, so the vectors are aligned when the run is a multiple of
  /// them), else element by element.
  void copyRun(LoopEmitter &e, ImplicitLocOpBuilder &b, FlatBuffer from,
               FlatBuffer to, int64_t elements, Value i, Value slot,
               Value thread) const {
    const int64_t bytes = from.elementType.getIntOrFloatBitWidth() / 8;
    int64_t lanes = 16 / bytes;
    while (lanes > 1 && elements % lanes != 0)
      lanes /= 2;
    auto type = VectorType::get({lanes}, from.elementType);
    // The emulation reads host test buffers, which promise less alignment.
    llvm::MaybeAlign align;
    if (target == KernelTarget::GPU)
      align = llvm::Align(bytes * lanes);
    Value src = e.mul(i, elements), dst = e.mul(slot, elements);
    e.forStep(e.mul(thread, lanes), e.index(elements),
              e.index(kThreads * lanes), [&](Value at) {
                Value v = vector::LoadOp::create(b, type, from.memref,
                                                 ValueRange{e.add(src, at)},
                                                 /*nontemporal=*/false, align);
                vector::StoreOp::create(b, v, to.memref,
                                        ValueRange{e.add(dst, at)},
                                        /*nontemporal=*/false, align);
              });
  }
};
} // namespace

void mlir::spotlight::gpu_lowering::populateCacheWriteToGPUPatterns(
    RewritePatternSet &patterns, bool emulate) {
  patterns.add<CacheWriteToGPU>(patterns.getContext(), kernelTarget(emulate));
}
