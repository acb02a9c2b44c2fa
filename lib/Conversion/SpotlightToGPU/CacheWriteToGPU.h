//===- CacheWriteToGPU.h - spotlight.cache_write to a GPU kernel -*- C++
//-*-===//
//
// Declared here rather than in the public SpotlightToGPU.h: only this
// library's pass adds it.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOGPU_CACHEWRITETOGPU_H
#define SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOGPU_CACHEWRITETOGPU_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::spotlight::gpu_lowering {

void populateCacheWriteToGPUPatterns(RewritePatternSet &patterns, bool emulate);

} // namespace mlir::spotlight::gpu_lowering

#endif // SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOGPU_CACHEWRITETOGPU_H
