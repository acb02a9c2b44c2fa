//===- Bufferize.cpp - Bufferization before the Spotlight lowerings -------===//

#include "spotlight/Conversion/Bufferize.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Pass/PassManager.h"
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

bool mlir::spotlight::hasTensorSpotlightOps(Operation *root) {
  return root
      ->walk([](DestinationStyleOpInterface op) {
        return isa<SpotlightDialect>(op->getDialect()) &&
                       !op.hasPureBufferSemantics()
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}
