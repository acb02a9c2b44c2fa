//===- GPUHostBuffers.cpp - Host functions that leave device memory alone -===//
//
//   %r = memref.alloc(...)            ->  %r = gpu.alloc (...)
//   memref.dealloc %r                 ->  gpu.dealloc %r
//   memref.copy %src, %dst            ->  gpu.memcpy %dst, %src
//   %r = gpu.alloc ... (never freed)  ->  ... gpu.dealloc %r before return
//
// One-Shot Bufferize allocates the buffers of intermediate results (a
// `tensor.empty` init that is not an output argument: the query codes, the
// selected indices) with `memref.alloc`, host memory, which the kernels
// cannot write: on the GPU path they belong in device memory.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::spotlight {
#define GEN_PASS_DEF_SPOTLIGHTGPUHOSTBUFFERS
#include "spotlight/Conversion/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;

namespace {
struct GPUHostBuffersPass
    : spotlight::impl::SpotlightGPUHostBuffersBase<GPUHostBuffersPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    OpBuilder b(func.getContext());
    func.walk([&](memref::AllocOp alloc) {
      b.setInsertionPoint(alloc);
      auto device = gpu::AllocOp::create(
          b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/UnitAttr());
      alloc.replaceAllUsesWith(device.getMemref());
      alloc.erase();
    });
    func.walk([&](memref::DeallocOp dealloc) {
      b.setInsertionPoint(dealloc);
      gpu::DeallocOp::create(b, dealloc.getLoc(), /*asyncToken=*/Type(),
                             /*asyncDependencies=*/ValueRange(),
                             dealloc.getMemref());
      dealloc.erase();
    });
    func.walk([&](memref::CopyOp copy) {
      b.setInsertionPoint(copy);
      gpu::MemcpyOp::create(b, copy.getLoc(), /*asyncToken=*/Type(),
                            /*asyncDependencies=*/ValueRange(),
                            copy.getTarget(), copy.getSource());
      copy.erase();
    });

    SmallVector<gpu::AllocOp> unfreed;
    func.walk([&](gpu::AllocOp alloc) {
      bool freed = llvm::any_of(alloc.getMemref().getUsers(), [](Operation *u) {
        return isa<gpu::DeallocOp>(u);
      });
      if (!freed)
        unfreed.push_back(alloc);
    });
    if (unfreed.empty())
      return;
    // Buffers allocated in nested regions would need frees there; the GPU
    // lowering allocates only at function level.
    for (gpu::AllocOp alloc : unfreed)
      if (alloc->getParentOp() != func) {
        alloc.emitOpError("is nested in a region: its buffer cannot be freed "
                          "at the function's return");
        return signalPassFailure();
      }
    func.walk([&](func::ReturnOp ret) {
      b.setInsertionPoint(ret);
      for (gpu::AllocOp alloc : unfreed)
        gpu::DeallocOp::create(b, ret.getLoc(), /*asyncToken=*/Type(),
                               /*asyncDependencies=*/ValueRange(),
                               alloc.getMemref());
    });
  }
};
} // namespace
