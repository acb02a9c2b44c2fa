//===- BufferizableOpInterfaceImpl.cpp - Spotlight ops and One-Shot -------===//
//
//   %r = spotlight.X ins(%a : tensor<..>) outs(%init : tensor<..>)
//     ->  spotlight.X ins(%a_buf : memref<..>) outs(%init_buf : memref<..>)
//
// Every spotlight op is destination-passing: its result is its init operand,
// written in place. The models follow upstream's
// DstBufferizableOpInterfaceExternalModel (as linalg's ops do), with one
// refinement: the init is never read, since every op overwrites all of it,
// so a `tensor.empty` init needs no copy and no initialization.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {
template <typename OpTy>
struct SpotlightOpBufferization
    : DstBufferizableOpInterfaceExternalModel<SpotlightOpBufferization<OpTy>,
                                              OpTy> {
  /// Inputs are read; the init is only written, except by cache_write,
  /// which keeps every slot it does not store, and the scores of
  /// hamming_scores, which keep the other ranges' entries.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    if (auto scan = dyn_cast<spotlight::HammingScoresOp>(op))
      if (&operand == &scan.getScoresMutable())
        return true;
    return isa<spotlight::CacheWriteOp>(op) ||
           !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  /// The same op on the operands' buffers, with no result: it writes the
  /// init buffer, which replaces the tensor result.
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    Operation *bufferized = Operation::create(
        op->getLoc(), op->getName(), /*resultTypes=*/TypeRange(), buffers,
        NamedAttrList(op->getDiscardableAttrDictionary()),
        op->getPropertiesStorage(), /*successors=*/BlockRange(),
        /*numRegions=*/0);
    rewriter.insert(bufferized);
    SmallVector<Value> inits;
    for (OpOperand &init :
         cast<DestinationStyleOpInterface>(op).getDpsInitsMutable())
      inits.push_back(buffers[init.getOperandNumber()]);
    replaceOpWithBufferizedValues(rewriter, op, inits);
    return success();
  }
};
} // namespace

void mlir::spotlight::attachBufferizableOpInterfaceModels(
    MLIRContext &context) {
  HashEncodeOp::attachInterface<SpotlightOpBufferization<HashEncodeOp>>(
      context);
  HammingTopKOp::attachInterface<SpotlightOpBufferization<HammingTopKOp>>(
      context);
  HammingScoresOp::attachInterface<SpotlightOpBufferization<HammingScoresOp>>(
      context);
  ScoreTopKOp::attachInterface<SpotlightOpBufferization<ScoreTopKOp>>(context);
  SparseGatherOp::attachInterface<SpotlightOpBufferization<SparseGatherOp>>(
      context);
  SparseAttentionOp::attachInterface<
      SpotlightOpBufferization<SparseAttentionOp>>(context);
  DecodeAttentionOp::attachInterface<
      SpotlightOpBufferization<DecodeAttentionOp>>(context);
  CacheWriteOp::attachInterface<SpotlightOpBufferization<CacheWriteOp>>(
      context);
  MaskedAttentionOp::attachInterface<
      SpotlightOpBufferization<MaskedAttentionOp>>(context);
  PartialDecodeAttentionOp::attachInterface<
      SpotlightOpBufferization<PartialDecodeAttentionOp>>(context);
  MergeAttentionOp::attachInterface<
      SpotlightOpBufferization<MergeAttentionOp>>(context);
}
