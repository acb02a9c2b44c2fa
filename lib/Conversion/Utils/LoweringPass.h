//===- LoweringPass.h - The driver of the lowering passes -------*- C++ -*-===//
//
// --convert-spotlight-to-{linalg,cpu,gpu} differ only in what they lower
// and with which patterns; the driver (bufferize a module still on tensors,
// then the partial conversion) is written once here.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_UTILS_LOWERINGPASS_H
#define SPOTLIGHT_LIB_CONVERSION_UTILS_LOWERINGPASS_H

#include "OperandLayouts.h"
#include "spotlight/Conversion/Bufferize.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::spotlight {

/// Reports the ops of the CPU's token split under `root`: hamming_scores and
/// score_topk, partial_decode_attention and merge_attention, which only
/// convert-spotlight-to-cpu lowers (the other targets select with
/// spotlight.hamming_topk and attend with spotlight.decode_attention). Fails
/// if there is one.
inline LogicalResult rejectTokenSplitOps(Operation *root, StringRef target) {
  WalkResult found = root->walk([&](Operation *op) {
    StringRef instead;
    if (isa<HammingScoresOp, ScoreTopKOp>(op))
      instead = "select with spotlight.hamming_topk";
    else if (isa<PartialDecodeAttentionOp, MergeAttentionOp>(op))
      instead = "attend with spotlight.decode_attention";
    else
      return WalkResult::advance();
    op->emitOpError() << "has no " << target
                      << " lowering: it is a step of the CPU runtime's token "
                         "split (convert-spotlight-to-cpu); "
                      << instead;
    return WalkResult::interrupt();
  });
  return failure(found.wasInterrupted());
}

/// A lowering pass on top of its TableGen base (`impl::...Base<Derived>`):
/// `Derived : LoweringPass<impl::...Base<Derived>>` writes `configure`.
template <typename PassBase>
class LoweringPass : public PassBase {
public:
  using PassBase::PassBase;

  /// Marks illegal the ops the pass lowers and adds the patterns lowering
  /// them. A failure, reported on the offending op, fails the pass.
  virtual LogicalResult configure(ConversionTarget &target,
                                  RewritePatternSet &patterns) = 0;

  /// The buffer layouts the patterns address; an op given another is
  /// reported before the conversion.
  virtual AddressableLayouts addressableLayouts() const {
    return AddressableLayouts::LoopLowering;
  }

  /// Runs after every op is lowered (e.g. maps the GPU kernels' thread
  /// loops). A failure, reported on the offending op, fails the pass.
  virtual LogicalResult finalize() { return success(); }

  void runOnOperation() final {
    ConversionTarget target(this->getContext());
    RewritePatternSet patterns(&this->getContext());
    if (failed(configure(target, patterns)))
      return this->signalPassFailure();
    auto run = [&](OpPassManager &pm) {
      return this->runPipeline(pm, this->getOperation());
    };
    auto checkBuffers = [&] {
      return checkOperandLayouts(this->getOperation(), this->getArgument(),
                                 addressableLayouts());
    };
    if (failed(lowerBufferizedOps(this->getOperation(), target,
                                  std::move(patterns), run, checkBuffers)) ||
        failed(finalize()))
      this->signalPassFailure();
  }
};

} // namespace mlir::spotlight

#endif // SPOTLIGHT_LIB_CONVERSION_UTILS_LOWERINGPASS_H
