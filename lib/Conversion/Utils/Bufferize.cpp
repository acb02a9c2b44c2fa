//===- Bufferize.cpp - Bufferization before the Spotlight lowerings -------===//

#include "spotlight/Conversion/Bufferize.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::spotlight::buildSpotlightBufferizePipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Storing a result whose init was the output argument itself leaves a
  // self-copy (memref.copy %out, %out); it folds away.
  pm.addPass(createCanonicalizerPass());
}

/// Whether a spotlight op under `root` is still on tensors.
static bool hasTensorSpotlightOps(Operation *root) {
  return root
      ->walk([](DestinationStyleOpInterface op) {
        return isa<spotlight::SpotlightDialect>(op->getDialect()) &&
                       !op.hasPureBufferSemantics()
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

LogicalResult mlir::spotlight::lowerBufferizedOps(
    Operation *root, ConversionTarget &target, RewritePatternSet &&patterns,
    function_ref<LogicalResult(OpPassManager &)> runPipeline,
    function_ref<LogicalResult()> checkBuffers) {
  if (hasTensorSpotlightOps(root)) {
    OpPassManager bufferize(root->getName());
    buildSpotlightBufferizePipeline(bufferize);
    if (failed(runPipeline(bufferize)))
      return failure();
  }
  if (failed(checkBuffers()))
    return failure();
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
  return applyPartialConversion(root, target, std::move(patterns));
}
