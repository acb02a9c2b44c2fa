//===- FuseGatherAttention.cpp - Unfused sparse step to sparse_attention --===//
//
//   %kg = sparse_gather(%k, %idx)      %vg = sparse_gather(%v, %idx)
//   %o  = masked_attention(%q, %kg, %vg, mask = %idx)
//     ->  %o = sparse_attention(%q, %k, %v, %idx)        (no copy of K, V)
//
//   masked_attention(%q, %kr, %vr, %mask)                (anything else)
//     ->  sparse_attention(%q, %kr, %vr, %mask >= 0 ? m : -1)
//
//   sparse_attention(%q, %k, %v, hamming_topk(..) selecting all N tokens)
//     ->  decode_attention(%q, %k, %v)
//
//   the linalg form (LinalgAttention.h) over %kg, %vg masked with %idx
//     ->  masked_attention(%q, %kg, %vg, %idx)          (then as above)
//
//   sparse_gather(sparse_gather(%c, %i1), %i2)  ->  sparse_gather(%c, %i)
//                                                   (ComposeGathers.cpp)
//
//===----------------------------------------------------------------------===//

#include "LinalgAttention.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

namespace mlir::spotlight {
#define GEN_PASS_DEF_SPOTLIGHTFUSEGATHERATTENTION
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;
using namespace mlir::spotlight;

namespace {

int64_t dimOf(Value value, unsigned dim) {
  return cast<ShapedType>(value.getType()).getDimSize(dim);
}

/// masked_attention over rows gathered with the indices it is masked with.
struct FuseGatherIntoAttention : OpRewritePattern<MaskedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MaskedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getResult())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    auto keys = op.getKeys().getDefiningOp<SparseGatherOp>();
    auto values = op.getValues().getDefiningOp<SparseGatherOp>();
    if (!keys || !values)
      return rewriter.notifyMatchFailure(op, "rows not from sparse_gather");
    Value idx = op.getMask();
    if (keys.getIndices() != idx || values.getIndices() != idx)
      return rewriter.notifyMatchFailure(
          op, "gathers' indices are not the attention's mask");
    // sparse_gather reads row s from KV head s / (S / KH) and
    // masked_attention gives query head qh row qh / (QH / S): sparse_attention
    // composes the two only when S is KH (group) or QH (head).
    int64_t sets = dimOf(idx, 1), qHeads = dimOf(op.getQuery(), 1);
    int64_t kvHeads = dimOf(keys.getCache(), 1);
    if (dimOf(values.getCache(), 1) != kvHeads ||
        (sets != kvHeads && sets != qHeads))
      return rewriter.notifyMatchFailure(op, "S is neither KH nor QH");
    if (cast<ShapedType>(keys.getCache().getType()).getShape() !=
        cast<ShapedType>(values.getCache().getType()).getShape())
      return rewriter.notifyMatchFailure(op, "K and V caches differ in shape");
    rewriter.replaceOpWithNewOp<SparseAttentionOp>(
        op, op.getResult().getType(), op.getQuery(), keys.getCache(),
        values.getCache(), idx, /*block_table=*/Value(), /*seq_lens=*/Value(),
        op.getInit(), op.getScaleAttr());
    return success();
  }
};

/// What the fusion cannot take: attention over the rows as they are, with
/// slot m of row s selected iff mask[b, s, m] >= 0.
struct LowerMaskedAttention : OpRewritePattern<MaskedAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MaskedAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getResult())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    Location loc = op.getLoc();
    Value mask = op.getMask();
    auto maskType = cast<RankedTensorType>(mask.getType());
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, mask);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         maskType.getElementType());
    MLIRContext *context = rewriter.getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(3, context);
    SmallVector<utils::IteratorType> parallel(3, utils::IteratorType::parallel);
    auto slots = linalg::GenericOp::create(
        rewriter, loc, maskType, ValueRange{mask}, ValueRange{init},
        ArrayRef<AffineMap>{identity, identity}, parallel,
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value zero = arith::ConstantIntOp::create(b, loc, 0, 32);
          Value empty = arith::ConstantIntOp::create(b, loc, -1, 32);
          Value slot = arith::IndexCastOp::create(
              b, loc, b.getI32Type(), linalg::IndexOp::create(b, loc, 2));
          Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                              args[0], zero);
          Value result = arith::SelectOp::create(b, loc, valid, slot, empty);
          linalg::YieldOp::create(b, loc, result);
        });
    rewriter.replaceOpWithNewOp<SparseAttentionOp>(
        op, op.getResult().getType(), op.getQuery(), op.getKeys(),
        op.getValues(), slots.getResult(0), /*block_table=*/Value(),
        /*seq_lens=*/Value(), op.getInit(), op.getScaleAttr());
    return success();
  }
};

/// The budget of `topk` when it statically selects all `tokens` tokens.
bool selectsEveryToken(HammingTopKOp topk, int64_t tokens) {
  int64_t slots = dimOf(topk.getInit(), 2);
  if (ShapedType::isDynamic(tokens) || ShapedType::isDynamic(slots))
    return false;
  int64_t k;
  if (auto count = dyn_cast<IntegerAttr>(topk.getBudget())) {
    k = count.getInt();
  } else {
    double fraction = cast<FloatAttr>(topk.getBudget()).getValueAsDouble();
    k = std::max<int64_t>(topk.getMinBudget(),
                          static_cast<int64_t>(fraction * tokens));
    k = std::min<int64_t>(k, slots - topk.getSink() - topk.getWindow());
  }
  // SEMANTICS: every token is selected when N <= sink + window + k.
  return tokens <= topk.getSink() + topk.getWindow() + std::max<int64_t>(k, 0);
}

struct SparseOverAllTokens : OpRewritePattern<SparseAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SparseAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getResult())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    if (op.isPaged())
      return rewriter.notifyMatchFailure(
          op, "paged: token counts are per sequence, known at run time");
    auto topk = op.getIndices().getDefiningOp<HammingTopKOp>();
    if (!topk)
      return rewriter.notifyMatchFailure(op, "indices not from hamming_topk");
    if (topk.isPaged())
      return rewriter.notifyMatchFailure(
          op, "selection over a paged pool: token counts known at run time");
    // The codes scored must be those of this cache's N tokens.
    int64_t tokens = dimOf(op.getKeyCache(), 2);
    if (dimOf(topk.getKeyCodes(), 2) != tokens ||
        !selectsEveryToken(topk, tokens))
      return rewriter.notifyMatchFailure(op, "budget may leave tokens out");
    rewriter.replaceOpWithNewOp<DecodeAttentionOp>(
        op, op.getResult().getType(), op.getQuery(), op.getKeyCache(),
        op.getValueCache(), /*block_table=*/Value(), /*seq_lens=*/Value(),
        op.getInit(), op.getScaleAttr());
    return success();
  }
};

/// The stable prefix of this pass's remarks (-pass-remarks style: grep for
/// it, or match it with -verify-diagnostics).
constexpr StringLiteral kRemark =
    "spotlight-fuse-gather-attention: not fused: ";

/// Masked scores at or below this weigh exactly 0 in an f32 softmax next to
/// any real score, and an all-masked row averages the gather's zero V rows
/// to 0, as sparse_attention's empty row.
constexpr double kMaskedScoreBound = -1e30;

/// Why the linalg attention `a` does not mean masked_attention exactly.
std::string whyNotMasked(const LinalgAttention &a) {
  if (!a.mask)
    return "no mask: the zero rows of the empty (-1) slots would take "
           "softmax weight";
  auto values = a.values.getDefiningOp<SparseGatherOp>();
  if (!values || values.getIndices() != a.mask)
    return "V is not sparse_gather'ed with the mask's indices (an all-empty "
           "row must average zero rows)";
  if (!std::isfinite(a.maskFill) || a.maskFill > kMaskedScoreBound)
    return "the masked score is " +
           (std::isinf(a.maskFill)
                ? std::string(a.maskFill < 0 ? "-inf" : "inf")
                : llvm::formatv("{0:e}", a.maskFill).str()) +
           ": it must be finite and at most -1e30 (as finfo.min); with -inf "
           "an all-empty row is NaN where the fused step gives 0";
  return "";
}

struct FuseGatherAttentionPass
    : spotlight::impl::SpotlightFuseGatherAttentionBase<
          FuseGatherAttentionPass> {
  using Base::Base;

  /// Each linalg attention over gathered rows that means masked_attention
  /// becomes one, for the patterns to fuse. Others stay (they lower as
  /// linalg), with a remark when the scope gathers rows at all.
  void raiseLinalgAttention() {
    SmallVector<Operation *> softmaxes;
    bool gathers = false;
    getOperation()->walk([&](Operation *op) {
      if (isSoftmaxAnchor(op))
        softmaxes.push_back(op);
      gathers |= isa<SparseGatherOp>(op);
    });
    if (!gathers)
      return;
    for (Operation *softmax : softmaxes) {
      std::string why;
      FailureOr<LinalgAttention> a = matchLinalgAttention(softmax, why);
      if (succeeded(a))
        why = whyNotMasked(*a);
      if (!why.empty()) {
        softmax->emitRemark(kRemark) << why;
        continue;
      }
      IRRewriter rewriter(a->root);
      Location loc = a->root->getLoc();
      Value init = createAttentionInit(rewriter, loc, a->query);
      rewriter.replaceOpWithNewOp<MaskedAttentionOp>(
          a->root, a->root->getResult(0).getType(), a->query, a->keys,
          a->values, a->mask, init, rewriter.getF32FloatAttr(a->scale));
    }
  }

  void runOnOperation() override {
    raiseLinalgAttention();
    RewritePatternSet patterns(&getContext());
    populateFuseGatherAttentionPatterns(patterns);
    populateComposeGatherPatterns(patterns);
    populateSparseOverAllTokensPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    getOperation()->walk([](MaskedAttentionOp op) {
      if (!op.getResult())
        op.emitRemark(kRemark)
            << "it is bufferized (the pass works on tensors; run it before "
               "bufferization)";
    });
    if (!lowerUnfused)
      return;
    // Only after fusion had its chance: the fallback would match first.
    RewritePatternSet fallback(&getContext());
    populateLowerMaskedAttentionPatterns(fallback);
    if (failed(applyPatternsGreedily(getOperation(), std::move(fallback))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::spotlight::populateFuseGatherAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<FuseGatherIntoAttention>(patterns.getContext());
}

void mlir::spotlight::populateLowerMaskedAttentionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LowerMaskedAttention>(patterns.getContext());
}

void mlir::spotlight::populateSparseOverAllTokensPatterns(
    RewritePatternSet &patterns) {
  patterns.add<SparseOverAllTokens>(patterns.getContext());
}
