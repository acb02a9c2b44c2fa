//===- SpotlightToLinalg.h - Reference lowering -----------------*- C++ -*-===//

#ifndef SPOTLIGHT_CONVERSION_SPOTLIGHTTOLINALG_SPOTLIGHTTOLINALG_H
#define SPOTLIGHT_CONVERSION_SPOTLIGHTTOLINALG_SPOTLIGHTTOLINALG_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace spotlight {

#define GEN_PASS_DECL_CONVERTSPOTLIGHTTOLINALG
#include "spotlight/Conversion/Passes.h.inc"

/// Patterns lowering every spotlight op to upstream dialects.
void populateSpotlightToLinalgPatterns(RewritePatternSet &patterns);

/// One pattern set per op family (one file each).
void populateHashEncodeToLinalgPatterns(RewritePatternSet &patterns);
void populateHammingTopKToLinalgPatterns(RewritePatternSet &patterns);
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);
void populateCacheWriteToLinalgPatterns(RewritePatternSet &patterns);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_CONVERSION_SPOTLIGHTTOLINALG_SPOTLIGHTTOLINALG_H
