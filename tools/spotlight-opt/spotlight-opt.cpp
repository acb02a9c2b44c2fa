//===- spotlight-opt.cpp - The Spotlight optimizer driver -----------------===//
//
// mlir-opt with every upstream dialect, pass, extension and GPU translation,
// plus the spotlight dialect, its passes and its pipelines.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/Passes.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h"
#include "spotlight/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::spotlight::registerSpotlightConversionPasses();
  mlir::spotlight::registerSpotlightTransformsPasses();
  mlir::spotlight::registerSpotlightPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  registry.insert<mlir::spotlight::SpotlightDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Spotlight optimizer driver\n", registry));
}
