//===- Passes.h - Spotlight conversion passes -------------------*- C++ -*-===//

#ifndef SPOTLIGHT_CONVERSION_PASSES_H
#define SPOTLIGHT_CONVERSION_PASSES_H

#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"
#include "spotlight/Conversion/SpotlightToLinalg/SpotlightToLinalg.h"

namespace mlir::spotlight {
#define GEN_PASS_REGISTRATION
#include "spotlight/Conversion/Passes.h.inc"
} // namespace mlir::spotlight

#endif // SPOTLIGHT_CONVERSION_PASSES_H
