//===- SpotlightToCPU.h - Optimized CPU lowering ----------------*- C++ -*-===//

#ifndef SPOTLIGHT_CONVERSION_SPOTLIGHTTOCPU_SPOTLIGHTTOCPU_H
#define SPOTLIGHT_CONVERSION_SPOTLIGHTTOCPU_SPOTLIGHTTOCPU_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace spotlight {

#define GEN_PASS_DECL_CONVERTSPOTLIGHTTOCPU
#include "spotlight/Conversion/Passes.h.inc"

/// Patterns lowering every spotlight op to fused, vectorized loops.
void populateSpotlightToCPUPatterns(RewritePatternSet &patterns);

/// One pattern set per op family (one file each).
void populateHashEncodeToCPUPatterns(RewritePatternSet &patterns);
void populateHammingTopKToCPUPatterns(RewritePatternSet &patterns);
void populateAttentionToCPUPatterns(RewritePatternSet &patterns);
void populateCacheWriteToCPUPatterns(RewritePatternSet &patterns);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_CONVERSION_SPOTLIGHTTOCPU_SPOTLIGHTTOCPU_H
