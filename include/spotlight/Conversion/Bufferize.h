//===- Bufferize.h - Bufferization before the Spotlight lowerings -*- C++ -*-//

#ifndef SPOTLIGHT_CONVERSION_BUFFERIZE_H
#define SPOTLIGHT_CONVERSION_BUFFERIZE_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class ConversionTarget;
class OpPassManager;
class Operation;
class RewritePatternSet;
namespace spotlight {

/// One-Shot Bufferize as the lowerings want it: across function boundaries,
/// with identity layouts there (every argument is a contiguous memref, the
/// runtime's descriptors), after empty-tensor elimination (the init of a
/// result stored into an output argument is that argument). The spotlight
/// ops write their results in place into their init buffers
/// (BufferizableOpInterface); a canonicalization then drops the self-copies
/// left where a result was computed in its output argument.
void buildSpotlightBufferizePipeline(OpPassManager &pm);

/// What every lowering pass does: the patterns lower bufferized ops, so a
/// module still on tensors (the pass run alone) is bufferized first with the
/// pipeline above, through `runPipeline` (the pass's own); `checkBuffers`
/// then vets the buffers the ops got (their layouts), and `patterns` run as
/// a partial conversion in which what `target` marks illegal must go and
/// every other op is legal.
LogicalResult
lowerBufferizedOps(Operation *root, ConversionTarget &target,
                   RewritePatternSet &&patterns,
                   function_ref<LogicalResult(OpPassManager &)> runPipeline,
                   function_ref<LogicalResult()> checkBuffers);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_CONVERSION_BUFFERIZE_H
