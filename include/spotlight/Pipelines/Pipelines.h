//===- Pipelines.h - Spotlight pass pipelines -------------------*- C++ -*-===//

#ifndef SPOTLIGHT_PIPELINES_PIPELINES_H
#define SPOTLIGHT_PIPELINES_PIPELINES_H

#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir {
class ModuleOp;
class OpPassManager;
class PassManager;
namespace spotlight {

/// What every pipeline starts with: the dialect's transforms that bring a
/// module to the form the lowerings take (the unfused gather + masked
/// attention fused into sparse_attention). For callers that run a single
/// conversion (`spotlight-compile -emit=gpu|mlir-cpu`).
void addSpotlightTransforms(OpPassManager &pm);

/// Reference pipeline: a decode module on tensors all the way to the LLVM
/// dialect for the host (convert-spotlight-to-linalg, One-Shot Bufferize,
/// buffer deallocation, linalg to loops, then everything to LLVM).
void buildSpotlightReferenceToLLVMPipeline(OpPassManager &pm);

/// Optimized CPU pipeline: convert-spotlight-to-cpu (fused, vectorized
/// loops for `cpu`: "native", the host, or an LLVM CPU name), then the same
/// bufferization and LLVM lowering.
void buildSpotlightCPUToLLVMPipeline(OpPassManager &pm,
                                     const std::string &cpu = "native");

/// The GPU kernels emulated on the CPU (convert-spotlight-to-gpu{emulate}),
/// the other ops by the CPU lowering: how the tests run the GPU kernels'
/// arithmetic and block cooperation without a GPU.
void buildSpotlightGPUEmulationToLLVMPipeline(OpPassManager &pm);

/// Options of the GPU pipeline.
struct GPUPipelineOptions {
  std::string chip = "sm_90";
  std::string features = "+ptx80";
  /// Stop at the NVVM dialect, before `gpu-module-to-binary`.
  bool stopAtNVVM = false;
  /// Serialize the kernels to a fatbin with ptxas and fatbinary: the cubin
  /// for `chip` plus the PTX, which the driver JIT-compiles for newer GPUs
  /// (else PTX alone, JIT-compiled when the module is loaded).
  bool fatbin = false;
  /// The CUDA toolkit, for libdevice (math.exp); empty: the environment's.
  std::string toolkitPath;
};

/// GPU pipeline up to the kernels: convert-spotlight-to-gpu, bufferization,
/// kernel outlining, NVVM, and `gpu.binary` ops holding PTX for `chip`.
/// Every spotlight op must have a GPU lowering (the host code never touches
/// device memory), so `sparse_gather` is an error here.
void buildSpotlightGPUToPTXPipeline(OpPassManager &pm,
                                    const GPUPipelineOptions &options);

/// The whole CUDA path: the kernels as above, in one `gpu.binary`, and the
/// host functions lowered to the LLVM dialect (`gpu-async-region`, then
/// `gpu-to-llvm`): they allocate scratch, launch and copy through the
/// `mgpu*` functions, which the Spotlight runtime implements.
void buildSpotlightGPUToLLVMPipeline(OpPassManager &pm,
                                     const GPUPipelineOptions &options);

/// Runs `pm` on `module` and fails when any error was reported, also one a
/// pass emitted without failing (gpu-module-to-binary reports a missing
/// CUDA toolkit and carries on, leaving libdevice calls unresolved).
LogicalResult runPipeline(PassManager &pm, ModuleOp module);

/// Registers the `spotlight-{reference,cpu,gpu-emulation}-to-llvm-pipeline`,
/// `spotlight-gpu-to-ptx-pipeline` and `spotlight-gpu-to-llvm-pipeline`
/// with the pass registry.
void registerSpotlightPipelines();

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_PIPELINES_PIPELINES_H
