//===- SpotlightToCPU.cpp - The optimized CPU lowering pass ---------------===//
//
//   spotlight.*  ->  scf + vector + memref (fused, vectorized loops)
//
// The patterns live one file per op family; this file gathers them and runs
// them as a partial conversion in which the whole dialect is illegal.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "../Utils/LoweringPass.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::spotlight {
#define GEN_PASS_DEF_CONVERTSPOTLIGHTTOCPU
#include "spotlight/Conversion/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;
using namespace mlir::spotlight;

void mlir::spotlight::populateSpotlightToCPUPatterns(
    RewritePatternSet &patterns) {
  populateHashEncodeToCPUPatterns(patterns);
  populateHammingTopKToCPUPatterns(patterns);
  populateAttentionToCPUPatterns(patterns);
  populateCacheWriteToCPUPatterns(patterns);
}

namespace {
struct ConvertSpotlightToCPUPass
    : LoweringPass<spotlight::impl::ConvertSpotlightToCPUBase<
          ConvertSpotlightToCPUPass>> {
  LogicalResult configure(ConversionTarget &target,
                          RewritePatternSet &patterns) override {
    target.addIllegalDialect<SpotlightDialect>();
    populateSpotlightToCPUPatterns(patterns);
    return success();
  }
};
} // namespace
