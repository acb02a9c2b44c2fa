//===- SpotlightToGPU.h - GPU kernels from spotlight ops --------*- C++ -*-===//

#ifndef SPOTLIGHT_CONVERSION_SPOTLIGHTTOGPU_SPOTLIGHTTOGPU_H
#define SPOTLIGHT_CONVERSION_SPOTLIGHTTOGPU_SPOTLIGHTTOGPU_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace spotlight {

#define GEN_PASS_DECL_CONVERTSPOTLIGHTTOGPU
#define GEN_PASS_DECL_SPOTLIGHTMERGEGPUMODULES
#include "spotlight/Conversion/Passes.h.inc"

/// `spotlight.hamming_topk` as `gpu.launch` kernels, or (`emulate`) as the
/// same kernels emulated by loops on the CPU.
void populateHammingTopKToGPUPatterns(RewritePatternSet &patterns,
                                      bool emulate);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_CONVERSION_SPOTLIGHTTOGPU_SPOTLIGHTTOGPU_H
