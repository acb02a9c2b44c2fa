//===- SpotlightOps.h - Spotlight ops ---------------------------*- C++ -*-===//

#ifndef SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTOPS_H
#define SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "spotlight/Dialect/Spotlight/IR/SpotlightEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "spotlight/Dialect/Spotlight/IR/SpotlightAttrs.h.inc"

#define GET_OP_CLASSES
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h.inc"

#endif // SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTOPS_H
