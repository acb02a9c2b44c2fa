//===- SpotlightToGPU.h - GPU kernels from spotlight ops --------*- C++ -*-===//

#ifndef SPOTLIGHT_CONVERSION_SPOTLIGHTTOGPU_SPOTLIGHTTOGPU_H
#define SPOTLIGHT_CONVERSION_SPOTLIGHTTOGPU_SPOTLIGHTTOGPU_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace spotlight {

#define GEN_PASS_DECL_CONVERTSPOTLIGHTTOGPU
#define GEN_PASS_DECL_SPOTLIGHTMERGEGPUMODULES
#define GEN_PASS_DECL_SPOTLIGHTGPUHOSTBUFFERS
#include "spotlight/Conversion/Passes.h.inc"

/// Spotlight ops as `gpu.launch` kernels, or (`emulate`) as the same
/// kernels emulated by loops on the CPU. One pattern set per op family.
void populateSpotlightToGPUPatterns(RewritePatternSet &patterns, bool emulate);
void populateHashEncodeToGPUPatterns(RewritePatternSet &patterns, bool emulate);
void populateHammingTopKToGPUPatterns(RewritePatternSet &patterns,
                                      bool emulate);
void populateAttentionToGPUPatterns(RewritePatternSet &patterns, bool emulate);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_CONVERSION_SPOTLIGHTTOGPU_SPOTLIGHTTOGPU_H
