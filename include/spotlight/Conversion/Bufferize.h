//===- Bufferize.h - Bufferization before the Spotlight lowerings -*- C++ -*-//

#ifndef SPOTLIGHT_CONVERSION_BUFFERIZE_H
#define SPOTLIGHT_CONVERSION_BUFFERIZE_H

namespace mlir {
class OpPassManager;
class Operation;
namespace spotlight {

/// One-Shot Bufferize as the lowerings want it: across function boundaries,
/// with identity layouts there (every argument is a contiguous memref, the
/// runtime's descriptors), after empty-tensor elimination (the init of a
/// result stored into an output argument is that argument). The spotlight
/// ops write their results in place into their init buffers
/// (BufferizableOpInterface); a canonicalization then drops the self-copies
/// left where a result was computed in its output argument.
void buildSpotlightBufferizePipeline(OpPassManager &pm);

/// Whether a spotlight op under `root` is still on tensors.
bool hasTensorSpotlightOps(Operation *root);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_CONVERSION_BUFFERIZE_H
