//===- SpotlightDialect.h - Spotlight dialect -------------------*- C++ -*-===//

#ifndef SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTDIALECT_H
#define SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTDIALECT_H

#include "mlir/IR/Dialect.h"

#include "spotlight/Dialect/Spotlight/IR/SpotlightOpsDialect.h.inc"

#endif // SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTDIALECT_H
