//===- InitAll.cpp - Registration for spotlight tools ---------------------===//
//
// Kept in a file of its own: InitAllDialects/Extensions are the most
// expensive headers to compile.
//
//===----------------------------------------------------------------------===//

#include "spotlight/InitAll.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::spotlight::registerSpotlightToolDialects(DialectRegistry &registry) {
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registerAllGPUToLLVMIRTranslations(registry);
  registry.insert<SpotlightDialect>();
}
