//===- Pipelines.cpp - Spotlight pass pipelines ---------------------------===//

#include "spotlight/Pipelines/Pipelines.h"
#include "spotlight/Conversion/Bufferize.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"
#include "spotlight/Conversion/SpotlightToLinalg/SpotlightToLinalg.h"
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

/// What every host path ends with: arith, memref, func and cf to LLVM.
static void addCoreToLLVM(OpPassManager &pm) {
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

/// The shared tail of the host pipelines, after One-Shot Bufferize
/// (buildSpotlightBufferizePipeline) and the lowering of the memref-form
/// spotlight ops: free buffers, then everything to LLVM.
static void addLowerToLLVM(OpPassManager &pm) {
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);

  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createCanonicalizerPass());

  // bf16 <-> f32 as integer ops: no soft-float library calls at run time.
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  ConvertVectorToLLVMPassOptions vector;
  vector.reassociateFPReductions = true;
  // The CPU lowering's bf16 dot products (x86vector.avx512.dot) become
  // LLVM's AVX512_BF16 intrinsics; other modules hold no x86vector op.
  vector.x86Vector = true;
  pm.addPass(createConvertVectorToLLVMPass(vector));
  pm.addPass(createConvertMathToLLVMPass());
  addCoreToLLVM(pm);
}

/// What every pipeline starts with: the unfused step a user writes
/// (sparse_gather + masked_attention) becomes sparse_attention, so each
/// lowering sees the fused form, and what cannot fuse still lowers.
void mlir::spotlight::addSpotlightTransforms(OpPassManager &pm) {
  pm.addPass(spotlight::createSpotlightFuseGatherAttention());
}

void mlir::spotlight::buildSpotlightReferenceToLLVMPipeline(OpPassManager &pm) {
  addSpotlightTransforms(pm);
  buildSpotlightBufferizePipeline(pm);
  pm.addPass(createConvertSpotlightToLinalg());
  addLowerToLLVM(pm);
}

void mlir::spotlight::buildSpotlightCPUToLLVMPipeline(OpPassManager &pm,
                                                      const std::string &cpu) {
  addSpotlightTransforms(pm);
  buildSpotlightBufferizePipeline(pm);
  ConvertSpotlightToCPUOptions options;
  options.cpu = cpu;
  pm.addPass(createConvertSpotlightToCPU(options));
  addLowerToLLVM(pm);
}

void mlir::spotlight::buildSpotlightGPUEmulationToLLVMPipeline(
    OpPassManager &pm) {
  ConvertSpotlightToGPUOptions gpu;
  gpu.emulate = true;
  addSpotlightTransforms(pm);
  buildSpotlightBufferizePipeline(pm);
  pm.addPass(createConvertSpotlightToGPU(gpu));
  pm.addPass(createConvertSpotlightToCPU());
  addLowerToLLVM(pm);
}

void mlir::spotlight::buildSpotlightGPUToPTXPipeline(
    OpPassManager &pm, const GPUPipelineOptions &options) {
  addSpotlightTransforms(pm);
  buildSpotlightBufferizePipeline(pm);
  pm.addPass(createConvertSpotlightToGPU());
  pm.addNestedPass<func::FuncOp>(createSpotlightGPUHostBuffers());
  // Constants move into the kernels so loop bounds and strides fold there.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createSpotlightMergeGPUModules());
  pm.addPass(createSCFToControlFlowPass());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  // GPU-to-NVVM maps math.exp to libdevice; what it leaves (math.ctpop)
  // goes to LLVM intrinsics (popc) afterwards.
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(createConvertMathToLLVMPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  if (options.stopAtNVVM)
    return;
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.fatbin ? "fatbin" : "isa";
  binary.toolkitPath = options.toolkitPath;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::spotlight::buildSpotlightGPUToLLVMPipeline(
    OpPassManager &pm, const GPUPipelineOptions &options) {
  GPUPipelineOptions kernels = options;
  kernels.stopAtNVVM = false;
  buildSpotlightGPUToPTXPipeline(pm, kernels);
  // One stream per host function: every allocation, launch and copy is
  // ordered on it, with one synchronization at the end.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createGpuToLLVMConversionPass());
  addCoreToLLVM(pm);
}

namespace {
struct GPUPipelineCLOptions : public PassPipelineOptions<GPUPipelineCLOptions> {
  Option<std::string> chip{*this, "chip", llvm::cl::desc("sm_80 or sm_90"),
                           llvm::cl::init("sm_90")};
  Option<std::string> features{*this, "features",
                               llvm::cl::desc("PTX features"),
                               llvm::cl::init("+ptx80")};
  Option<bool> fatbin{
      *this, "fatbin",
      llvm::cl::desc("Embed a fatbin, cubin + PTX (runs ptxas and fatbinary), "
                     "instead of PTX"),
      llvm::cl::init(false)};
};
} // namespace

LogicalResult mlir::spotlight::runPipeline(PassManager &pm, ModuleOp module) {
  bool reportedError = false;
  // Sees every diagnostic first and passes it on to the caller's handler.
  ScopedDiagnosticHandler errors(module.getContext(), [&](Diagnostic &d) {
    reportedError |= d.getSeverity() == DiagnosticSeverity::Error;
    return failure();
  });
  return success(succeeded(pm.run(module)) && !reportedError);
}

void mlir::spotlight::registerSpotlightPipelines() {
  PassPipelineRegistration<>(
      "spotlight-reference-to-llvm-pipeline",
      "Lower a spotlight decode module through the reference lowering to the "
      "LLVM dialect for the host",
      buildSpotlightReferenceToLLVMPipeline);
  PassPipelineRegistration<>(
      "spotlight-cpu-to-llvm-pipeline",
      "Lower a spotlight decode module through the optimized CPU lowering to "
      "the LLVM dialect for the host",
      [](OpPassManager &pm) { buildSpotlightCPUToLLVMPipeline(pm); });
  PassPipelineRegistration<>(
      "spotlight-gpu-emulation-to-llvm-pipeline",
      "Run the GPU kernels of a decode module as CPU loops (testing)",
      buildSpotlightGPUEmulationToLLVMPipeline);
  PassPipelineRegistration<GPUPipelineCLOptions>(
      "spotlight-gpu-to-ptx-pipeline",
      "Lower a decode module's GPU kernels through NVVM to PTX",
      [](OpPassManager &pm, const GPUPipelineCLOptions &cl) {
        buildSpotlightGPUToPTXPipeline(
            pm, {cl.chip, cl.features, false, false, ""});
      });
  PassPipelineRegistration<GPUPipelineCLOptions>(
      "spotlight-gpu-to-llvm-pipeline",
      "Lower a decode module for CUDA: the kernels to PTX (or a fatbin) in a "
      "gpu.binary, the host functions to the LLVM dialect calling mgpu*",
      [](OpPassManager &pm, const GPUPipelineCLOptions &cl) {
        buildSpotlightGPUToLLVMPipeline(
            pm, {cl.chip, cl.features, false, cl.fatbin, ""});
      });
}
