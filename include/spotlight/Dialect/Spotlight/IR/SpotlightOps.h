//===- SpotlightOps.h - Spotlight ops ---------------------------*- C++ -*-===//

#ifndef SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTOPS_H
#define SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "spotlight/Dialect/Spotlight/IR/SpotlightEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "spotlight/Dialect/Spotlight/IR/SpotlightAttrs.h.inc"

namespace mlir::spotlight::detail {
/// The result types of a DPS op whose init has type `init`: that type on
/// tensors, none on memrefs.
LogicalResult inferDpsResult(Type init, SmallVectorImpl<Type> &inferred);
/// The same for an op with several inits, in order.
LogicalResult inferDpsResults(ValueRange inits,
                              SmallVectorImpl<Type> &inferred);
/// The memory effects of a DPS op: none on tensors; on memrefs, reads of
/// the inputs and a write of the init buffer.
void getDpsEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects);
} // namespace mlir::spotlight::detail

namespace mlir::spotlight {
/// Attaches the BufferizableOpInterface models of every spotlight op (One-Shot
/// Bufferize writes each result in place into its init buffer). The dialect
/// does so when it is loaded, so every tool bufferizes spotlight ops.
void attachBufferizableOpInterfaceModels(MLIRContext &context);
} // namespace mlir::spotlight

#define GET_OP_CLASSES
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h.inc"

#endif // SPOTLIGHT_DIALECT_SPOTLIGHT_IR_SPOTLIGHTOPS_H
