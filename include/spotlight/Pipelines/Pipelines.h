//===- Pipelines.h - Spotlight pass pipelines -------------------*- C++ -*-===//

#ifndef SPOTLIGHT_PIPELINES_PIPELINES_H
#define SPOTLIGHT_PIPELINES_PIPELINES_H

namespace mlir {
class OpPassManager;
namespace spotlight {

/// Reference pipeline: a decode module on tensors all the way to the LLVM
/// dialect for the host (convert-spotlight-to-linalg, One-Shot Bufferize,
/// buffer deallocation, linalg to loops, then everything to LLVM).
void buildSpotlightReferenceToLLVMPipeline(OpPassManager &pm);

/// Optimized CPU pipeline: convert-spotlight-to-cpu (fused, vectorized
/// loops), then the same bufferization and LLVM lowering.
void buildSpotlightCPUToLLVMPipeline(OpPassManager &pm);

/// Registers `spotlight-reference-to-llvm-pipeline` and
/// `spotlight-cpu-to-llvm-pipeline` with the pass registry.
void registerSpotlightPipelines();

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_PIPELINES_PIPELINES_H
