//===- OperandLayouts.cpp - The buffer layouts a lowering can address -----===//

#include "OperandLayouts.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::spotlight;

/// The paged pools `op` reaches through TokenAddressing, which reads a
/// pool's token stride from its layout.
static SmallVector<Value> addressedPools(Operation *op) {
  return TypeSwitch<Operation *, SmallVector<Value>>(op)
      .Case<HammingTopKOp, HammingScoresOp>([](auto topk) {
        return topk.isPaged() ? SmallVector<Value>{topk.getKeyCodes()}
                              : SmallVector<Value>{};
      })
      .Case<SparseAttentionOp, DecodeAttentionOp, PartialDecodeAttentionOp>(
          [](auto attention) {
            return attention.isPaged()
                       ? SmallVector<Value>{attention.getKeyCache(),
                                            attention.getValueCache()}
                       : SmallVector<Value>{};
          })
      .Default([](Operation *) { return SmallVector<Value>{}; });
}

/// One KV head's view of a pool [P, page_size, KH, row...]: static strides,
/// each row contiguous, consecutive tokens a whole number of rows apart and
/// consecutive pages page_size tokens apart.
static bool isPoolView(MemRefType type) {
  if (type.getRank() < 4 || !type.isStrided())
    return false;
  auto [strides, offset] = type.getStridesAndOffset();
  if (llvm::any_of(strides, ShapedType::isDynamic) ||
      llvm::any_of(type.getShape().drop_front(1), ShapedType::isDynamic))
    return false;
  int64_t rowElements = 1;
  for (int64_t d = type.getRank() - 1; d >= 3; --d) {
    if (strides[d] != rowElements)
      return false;
    rowElements *= type.getDimSize(d);
  }
  const bool oneHead = type.getDimSize(2) == 1;
  return (oneHead || strides[2] == rowElements) && rowElements > 0 &&
         strides[1] % rowElements == 0 &&
         strides[1] >= type.getDimSize(2) * rowElements &&
         strides[0] == strides[1] * type.getDimSize(1);
}

/// Whether the loop lowerings address `operand` of `op` as its layout says.
static bool loopsAddress(Operation *op, Value operand, MemRefType type) {
  if (type.getLayout().isIdentity())
    return true;
  if (llvm::is_contained(addressedPools(op), operand))
    return isPoolView(type);
  // score_topk reads a sequence's rows of the scores through their outer
  // strides and the histograms through all of theirs.
  if (auto select = dyn_cast<ScoreTopKOp>(op)) {
    if (!type.isStrided())
      return false;
    if (operand == select.getHistograms())
      return true;
    if (operand == select.getScores())
      return type.getStridesAndOffset().first.back() == 1;
  }
  return false;
}

LogicalResult
mlir::spotlight::checkOperandLayouts(Operation *root, StringRef pass,
                                     AddressableLayouts addressable) {
  WalkResult walk = root->walk([&](Operation *op) {
    if (!isa<SpotlightDialect>(op->getDialect()))
      return WalkResult::advance();
    for (OpOperand &operand : op->getOpOperands()) {
      auto type = dyn_cast<MemRefType>(operand.get().getType());
      if (!type)
        continue;
      bool addressed = addressable == AddressableLayouts::Strided
                           ? type.isStrided()
                           : loopsAddress(op, operand.get(), type);
      if (addressed)
        continue;
      op->emitOpError() << "operand #" << operand.getOperandNumber()
                        << " has the layout " << type.getLayout() << ", which "
                        << pass
                        << " cannot address: copy it into a buffer of "
                           "identity layout first (memref.copy)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}
