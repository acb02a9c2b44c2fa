//===- SpotlightToGPU.cpp - The GPU kernel lowering pass ------------------===//
//
//   spotlight.{hash_encode, hamming_topk, sparse_attention, decode_attention,
//              cache_write}
//     ->  gpu.launch kernels (or their CPU emulation)
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"
#include "../Utils/LoweringPass.h"
#include "CacheWriteToGPU.h"
#include "KernelBuilder.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::spotlight {
#define GEN_PASS_DEF_CONVERTSPOTLIGHTTOGPU
#include "spotlight/Conversion/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;
using namespace mlir::spotlight;

void mlir::spotlight::populateSpotlightToGPUPatterns(
    RewritePatternSet &patterns, bool emulate) {
  populateHashEncodeToGPUPatterns(patterns, emulate);
  populateHammingTopKToGPUPatterns(patterns, emulate);
  populateAttentionToGPUPatterns(patterns, emulate);
  gpu_lowering::populateCacheWriteToGPUPatterns(patterns, emulate);
}

namespace {
struct ConvertSpotlightToGPUPass
    : LoweringPass<spotlight::impl::ConvertSpotlightToGPUBase<
          ConvertSpotlightToGPUPass>> {
  using LoweringPass::LoweringPass;

  /// The attention kernels order their split counters with LLVM fences
  /// (acquire / release around the last block's combine).
  void getDependentDialects(DialectRegistry &registry) const override {
    LoweringPass::getDependentDialects(registry);
    registry.insert<LLVM::LLVMDialect>();
  }

  LogicalResult configure(ConversionTarget &target,
                          RewritePatternSet &patterns) override {
    // On a GPU the host code only launches kernels; a gathered copy would be
    // host loops over device memory. The emulation may leave it to the CPU
    // lowering.
    if (!emulate) {
      WalkResult gathers = getOperation()->walk([](SparseGatherOp op) {
        op.emitOpError("has no GPU lowering: attention reads the selected "
                       "rows in place (spotlight.sparse_attention); a "
                       "gathered copy exists only on the CPU");
        return WalkResult::interrupt();
      });
      if (gathers.wasInterrupted())
        return failure();
    }
    if (failed(rejectTokenSplitOps(getOperation(), "GPU")))
      return failure();
    // Each op becomes host code that allocates and launches kernels.
    WalkResult inKernel = getOperation()->walk([](Operation *op) {
      const bool inDeviceCode = op->getParentOfType<gpu::LaunchOp>() ||
                                op->getParentOfType<gpu::GPUModuleOp>();
      if (!isa<SpotlightDialect>(op->getDialect()) || !inDeviceCode)
        return WalkResult::advance();
      op->emitOpError("is inside GPU device code; the GPU lowering turns it "
                      "into host code that launches kernels, so it must be "
                      "outside gpu.launch and gpu.module");
      return WalkResult::interrupt();
    });
    if (inKernel.wasInterrupted())
      return failure();
    target.addIllegalOp<HashEncodeOp, HammingTopKOp, SparseAttentionOp,
                        DecodeAttentionOp, CacheWriteOp>();
    populateSpotlightToGPUPatterns(patterns, emulate);
    return success();
  }

  LogicalResult finalize() override {
    if (!mapThreads)
      return success();
    return gpu_lowering::mapKernelThreads(
        getOperation(), gpu_lowering::kernelTarget(emulate));
  }
};
} // namespace
