//===- SpotlightDialect.cpp - Spotlight dialect registration ----*- C++ -*-===//

#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::spotlight;

#include "spotlight/Dialect/Spotlight/IR/SpotlightOpsDialect.cpp.inc"
#include "spotlight/Dialect/Spotlight/IR/SpotlightEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "spotlight/Dialect/Spotlight/IR/SpotlightAttrs.cpp.inc"

void SpotlightDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "spotlight/Dialect/Spotlight/IR/SpotlightAttrs.cpp.inc"
      >();
  attachBufferizableOpInterfaceModels(*getContext());
}
