//===- MergeGPUModules.cpp - One gpu.module for all outlined kernels ------===//
//
//   gpu.module @a { gpu.func @a }  gpu.module @b { gpu.func @a }
//     ->  gpu.module @spotlight_kernels { gpu.func @a  gpu.func @b }
//
// Globals the kernels share (outlining clones one into each module) are
// kept once.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::spotlight {
#define GEN_PASS_DEF_SPOTLIGHTMERGEGPUMODULES
#include "spotlight/Conversion/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;

namespace {
struct MergeGPUModulesPass
    : spotlight::impl::SpotlightMergeGPUModulesBase<MergeGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> kernels(module.getOps<gpu::GPUModuleOp>());
    if (kernels.size() <= 1)
      return;
    OpBuilder builder(kernels.front());
    auto merged = gpu::GPUModuleOp::create(builder, kernels.front().getLoc(),
                                           "spotlight_kernels");
    Block &body = merged.getBodyRegion().front();
    for (gpu::GPUModuleOp kernelModule : kernels) {
      StringAttr moduleName = kernelModule.getNameAttr();
      for (Operation &op :
           llvm::make_early_inc_range(kernelModule.getBody()->getOperations())) {
        if (auto func = dyn_cast<gpu::GPUFuncOp>(op)) {
          func.setName(moduleName);
        } else if (auto symbol = dyn_cast<SymbolOpInterface>(op);
                   symbol &&
                   SymbolTable::lookupSymbolIn(merged, symbol.getNameAttr())) {
          // A global several kernels use (a split counter) was cloned
          // into each kernel's module: one copy is kept.
          op.erase();
          continue;
        }
        op.moveBefore(&body, body.end());
      }
      kernelModule.erase();
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      launch.setKernelAttr(SymbolRefAttr::get(
          merged.getNameAttr(),
          {FlatSymbolRefAttr::get(launch.getKernelModuleName())}));
    });
  }
};
} // namespace
