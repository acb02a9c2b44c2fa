//===- SparsifyAttention.cpp - Dense decode attention to the sparse step --===//
//
//   func @f(%q, %k, %v, ...)
//     %o = decode_attention(%q, %k, %v)
//     ->
//   func @f(%q, %k, %v, ..., %w1, %b1, %w2, %b2, %kc {spotlight.key_codes})
//     %qc  = hash_encode(%q, %w1, %b1, %w2, %b2)            [B, QH, 1, W]
//     %idx = hamming_topk <mode>(%qc, %kc) {budget, sink, window}
//     %o   = sparse_attention(%q, %k, %v, %idx)
//
// The dense linalg form a frontend emits (LinalgAttention.h, no mask) is
// first raised to decode_attention(%q, %k, %v), then rewritten the same way.
//
//===----------------------------------------------------------------------===//

#include "HashWeightsFile.h"
#include "LinalgAttention.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace mlir::spotlight {
#define GEN_PASS_DEF_SPOTLIGHTSPARSIFYATTENTION
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;
using namespace mlir::spotlight;

namespace {

/// The module attribute saying that its functions take key codes.
constexpr StringLiteral kWantsKeyCodes = "spotlight.wants_key_codes";
/// The argument attribute of a key-code argument.
constexpr StringLiteral kKeyCodes = "spotlight.key_codes";
/// The argument attribute of a hash weight ("w1", "b1", "w2", "b2").
constexpr StringLiteral kHashWeight = "spotlight.hash_weight";
/// The stable prefix of this pass's remarks (-pass-remarks style).
constexpr StringLiteral kRemark =
    "spotlight-sparsify-attention: not sparsified: ";

struct SparsifyAttentionPass
    : mlir::spotlight::impl::SpotlightSparsifyAttentionBase<
          SparsifyAttentionPass> {
  using Base::Base;

  /// The weights-file tensors, read once per run.
  HashWeightsFile file;

  LogicalResult checkOptions() {
    ModuleOp module = getOperation();
    if (mode != "group" && mode != "head")
      return module.emitError("mode must be group or head, got '")
             << mode << "'";
    if (codeHeads != "query" && codeHeads != "kv")
      return module.emitError("code-heads must be query or kv, got '")
             << codeHeads << "'";
    if (weights != "arguments")
      return module.emitError("weights must be 'arguments' (for a file, give "
                              "weights-file=path), got '")
             << weights << "'";
    if (budget < 1 || sink < 0 || window < 0)
      return module.emitError(
          "budget must be at least 1, sink and window at least 0");
    // hamming_topk keeps them and its index rows of sink + window + budget
    // slots in i32.
    const int64_t limit = std::numeric_limits<int32_t>::max();
    if (budget > limit || sink > limit || window > limit ||
        budget + sink + window > limit)
      return module.emitError("budget + sink + window must be at most ")
             << limit << ", got " << int64_t(budget) << " + " << int64_t(sink)
             << " + " << int64_t(window);
    return success();
  }

  /// Why `op` cannot be sparsified, or an empty string.
  std::string whyNot(DecodeAttentionOp op) {
    if (!op.getResult())
      return "it is bufferized (the pass works on tensors)";
    if (op.isPaged())
      return "it reads a paged cache (its key-code pool would have to come "
             "from the caller; compile the paged step with spotlight-compile)";
    auto func = dyn_cast<func::FuncOp>(op->getParentOp());
    if (!func)
      return "it is not directly in a func.func body";
    if (func.isExternal() || func.isPublic() == false)
      return "its function is not a public definition";
    // The pass adds arguments to the function, which its callers lack.
    if (!SymbolTable::symbolKnownUseEmpty(func, getOperation()))
      return "its function is called in this module (the pass adds the hash "
             "weights and key codes as arguments)";
    auto keys = cast<ShapedType>(op.getKeyCache().getType());
    if (keys.getDimSize(3) <= 0 || keys.getDimSize(3) % 32 != 0)
      return "the head dimension is not a positive multiple of 32";
    return "";
  }

  void sparsify(DecodeAttentionOp op) {
    auto func = cast<func::FuncOp>(op->getParentOp());
    MLIRContext *context = &getContext();
    auto query = cast<RankedTensorType>(op.getQuery().getType());
    auto keys = cast<RankedTensorType>(op.getKeyCache().getType());
    int64_t batch = query.getDimSize(0), qHeads = query.getDimSize(1);
    int64_t kvHeads = keys.getDimSize(1), headDim = keys.getDimSize(3);
    int64_t tokens = keys.getDimSize(2), words = headDim / 32;
    int64_t codeHeadCount = codeHeads == "query" ? qHeads : kvHeads;
    int64_t codesPerToken = codeHeads == "query" ? qHeads / kvHeads : 1;
    bool headMode = mode == "head";
    int64_t sets = headMode ? qHeads : kvHeads;

    // New arguments: the hash weights (unless they come from a file), then
    // the key codes.
    std::array<ElementsAttr, 4> fromFile;
    if (!weightsFile.empty()) {
      std::string error;
      auto attrs = file.attributes(context, codeHeadCount, headDim, error);
      if (failed(attrs)) {
        op.emitError("hash weights: ") << error;
        return signalPassFailure();
      }
      fromFile = *attrs;
    }
    Type f32 = Float32Type::get(context);
    SmallVector<Type> types;
    SmallVector<DictionaryAttr> attrs;
    Builder b(context);
    if (weightsFile.empty()) {
      types = {RankedTensorType::get({codeHeadCount, headDim, headDim}, f32),
               RankedTensorType::get({codeHeadCount, headDim}, f32),
               RankedTensorType::get({codeHeadCount, headDim, headDim}, f32),
               RankedTensorType::get({codeHeadCount, headDim}, f32)};
      for (StringRef name : {"w1", "b1", "w2", "b2"})
        attrs.push_back(b.getDictionaryAttr(
            b.getNamedAttr(kHashWeight, b.getStringAttr(name))));
    }
    types.push_back(
        RankedTensorType::get({batch, kvHeads, tokens, codesPerToken, words},
                              IntegerType::get(context, 32)));
    attrs.push_back(
        b.getDictionaryAttr(b.getNamedAttr(kKeyCodes, b.getUnitAttr())));
    unsigned first = func.getNumArguments();
    SmallVector<unsigned> positions(types.size(), first);
    SmallVector<Location> locs(types.size(), op.getLoc());
    if (failed(func.insertArguments(positions, types, attrs, locs))) {
      op.emitError("could not add the hash weight and key code arguments");
      return signalPassFailure();
    }
    SmallVector<Value> added(func.getArguments().drop_front(first));

    OpBuilder builder(op);
    Location loc = op.getLoc();
    if (!weightsFile.empty()) {
      SmallVector<Value> weights;
      for (ElementsAttr attr : fromFile)
        weights.push_back(arith::ConstantOp::create(builder, loc, attr));
      added.insert(added.begin(), weights.begin(), weights.end());
    }
    auto empty = [&](RankedTensorType type, Value batchFrom) -> Value {
      SmallVector<Value> sizes;
      if (type.isDynamicDim(0))
        sizes.push_back(tensor::DimOp::create(builder, loc, batchFrom, 0));
      return tensor::EmptyOp::create(builder, loc, type, sizes);
    };
    auto i32 = IntegerType::get(context, 32);
    auto codeType = RankedTensorType::get({batch, qHeads, 1, words}, i32);
    Value queryCodes =
        HashEncodeOp::create(builder, loc, codeType, op.getQuery(), added[0],
                             added[1], added[2], added[3],
                             empty(codeType, op.getQuery()))
            ->getResult(0);
    auto idxType =
        RankedTensorType::get({batch, sets, sink + window + budget}, i32);
    Value indices =
        HammingTopKOp::create(
            builder, loc, idxType, queryCodes, added[4],
            /*block_table=*/Value(), /*seq_lens=*/Value(),
            empty(idxType, op.getQuery()),
            headMode ? SelectionMode::head : SelectionMode::group,
            builder.getI64IntegerAttr(budget), sink, window, /*min_budget=*/20)
            ->getResult(0);
    Value out = SparseAttentionOp::create(
                    builder, loc, op.getResult().getType(), op.getQuery(),
                    op.getKeyCache(), op.getValueCache(), indices,
                    /*block_table=*/Value(), /*seq_lens=*/Value(), op.getInit(),
                    op.getScaleAttr())
                    ->getResult(0);
    op.getResult().replaceAllUsesWith(out);
    op.erase();
  }

  /// Each dense linalg attention -> decode_attention; anything else around
  /// a softmax (linalg.softmax or its decomposed form) stays, with a remark.
  void raiseLinalgAttention() {
    SmallVector<Operation *> softmaxes;
    getOperation().walk([&](Operation *op) {
      if (isSoftmaxAnchor(op))
        softmaxes.push_back(op);
    });
    bool raised = false;
    for (Operation *softmax : softmaxes) {
      std::string why;
      FailureOr<LinalgAttention> a = matchLinalgAttention(softmax, why);
      if (succeeded(a))
        why = a->mask ? "the attention is masked (not a dense decode attention)"
                      : "";
      if (!why.empty()) {
        softmax->emitRemark(kRemark) << softmax->getName() << ": " << why;
        continue;
      }
      IRRewriter rewriter(a->root);
      Location loc = a->root->getLoc();
      Value init = createAttentionInit(rewriter, loc, a->query);
      rewriter.replaceOpWithNewOp<DecodeAttentionOp>(
          a->root, a->root->getResult(0).getType(), a->query, a->keys,
          a->values, /*block_table=*/Value(), /*seq_lens=*/Value(), init,
          rewriter.getF32FloatAttr(a->scale));
      raised = true;
    }
    // The broadcasts, contractions and softmax the raised ops used.
    if (raised)
      (void)applyPatternsGreedily(getOperation(),
                                  RewritePatternSet(&getContext()));
  }

  void runOnOperation() override {
    if (failed(checkOptions()))
      return signalPassFailure();
    std::string error;
    if (!weightsFile.empty() && !file.read(weightsFile, error)) {
      getOperation().emitError("cannot read the hash weights: ") << error;
      return signalPassFailure();
    }
    raiseLinalgAttention();
    SmallVector<DecodeAttentionOp> ops;
    getOperation().walk([&](DecodeAttentionOp op) { ops.push_back(op); });
    bool changed = false;
    for (DecodeAttentionOp op : ops) {
      std::string reason = whyNot(op);
      if (!reason.empty()) {
        op.emitRemark(kRemark) << reason;
        continue;
      }
      sparsify(op);
      changed = true;
    }
    if (changed)
      getOperation()->setAttr(kWantsKeyCodes, UnitAttr::get(&getContext()));
  }
};
} // namespace
