//===- LinalgAttention.cpp - Decode attention read back from linalg -------===//
//
// Walks out from a linalg.softmax: forward to the contraction with V (and
// an optional truncf), backward through an optional mask and scale to the
// contraction of q with K, peeling the GQA broadcasts of K and V. Only the
// exact form of LinalgAttention.h is accepted; every refusal says why.
//
//===----------------------------------------------------------------------===//

#include "LinalgAttention.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <type_traits>

using namespace mlir;
using namespace mlir::spotlight;

namespace {

/// `d<dim> floordiv G` -> G; `d<dim>` itself -> 1.
std::optional<int64_t> groupOf(AffineExpr expr, unsigned dim) {
  if (expr == getAffineDimExpr(dim, expr.getContext()))
    return 1;
  auto div = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!div || div.getKind() != AffineExprKind::FloorDiv)
    return std::nullopt;
  auto lhs = dyn_cast<AffineDimExpr>(div.getLHS());
  auto rhs = dyn_cast<AffineConstantExpr>(div.getRHS());
  if (!lhs || lhs.getPosition() != dim || !rhs || rhs.getValue() < 1)
    return std::nullopt;
  return rhs.getValue();
}

/// `map` is (d...) -> (d<dims[0]>, d<dims[1]> floordiv G, d<dims[2]>, ...):
/// G, the GQA group of the head dimension (result 1).
std::optional<int64_t> groupedMap(AffineMap map, ArrayRef<unsigned> dims) {
  if (map.getNumResults() != dims.size() || map.getNumSymbols() != 0)
    return std::nullopt;
  std::optional<int64_t> group;
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    if (i == 1)
      group = groupOf(expr, dims[i]);
    else if (expr != getAffineDimExpr(dims[i], map.getContext()))
      return std::nullopt;
  }
  return group;
}

bool isMap(AffineMap map, ArrayRef<unsigned> dims) {
  std::optional<int64_t> group = groupedMap(map, dims);
  return group && *group == 1;
}

Value yielded(linalg::GenericOp op) {
  return op.getBody()->getTerminator()->getOperand(0);
}

bool isArg(Value value, linalg::GenericOp op, unsigned i) {
  return value == op.getBody()->getArgument(i);
}

Value stripExtF(Value value) {
  if (auto ext = value.getDefiningOp<arith::ExtFOp>())
    return ext.getIn();
  return value;
}

std::optional<double> constantOf(Value value) {
  FloatAttr attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return std::nullopt;
  return attr.getValueAsDouble();
}

/// A generic on tensors with `inputs` inputs, one init and result, `loops`
/// loops of which only the last `reductions` reduce.
bool isGeneric(linalg::GenericOp op, unsigned inputs, unsigned loops,
               unsigned reductions) {
  if (!op || !op.hasPureTensorSemantics() || op.getNumDpsInputs() != inputs ||
      op.getNumDpsInits() != 1 || op->getNumResults() != 1 ||
      op.getNumLoops() != loops || op.getNumReductionLoops() != reductions)
    return false;
  auto iterators = op.getIteratorTypesArray();
  for (unsigned i = loops - reductions; i < loops; ++i)
    if (iterators[i] != utils::IteratorType::reduction)
      return false;
  return true;
}

/// `acc + a * b` over block arguments 0, 1 and 2 (extf on a and b allowed).
bool isMulAdd(linalg::GenericOp op) {
  auto add = yielded(op).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = add.getLhs(), product = add.getRhs();
  if (!isArg(acc, op, 2))
    std::swap(acc, product);
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!isArg(acc, op, 2) || !mul)
    return false;
  Value a = stripExtF(mul.getLhs()), b = stripExtF(mul.getRhs());
  return (isArg(a, op, 0) && isArg(b, op, 1)) ||
         (isArg(a, op, 1) && isArg(b, op, 0));
}

bool isZeroFilled(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// A contraction over 4 loops (b, h, x, r), reducing r, into out[b, h, x]
/// from zero; `plain` is the input indexed (b, h, r). Returns that input's
/// position, the other input's map being checked by the caller.
std::optional<unsigned> contraction(linalg::GenericOp op, Value plain) {
  if (!isGeneric(op, 2, 4, 1) || !isMulAdd(op) ||
      !isZeroFilled(op.getDpsInits()[0]))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!isMap(maps[2], {0, 1, 2}))
    return std::nullopt;
  for (unsigned i = 0; i < 2; ++i)
    if (op.getDpsInputs()[i] == plain && isMap(maps[i], {0, 1, 3}))
      return i;
  return std::nullopt;
}

/// Hugging Face repeat_kv as named ops: `linalg.broadcast` of [B, KH, N, D]
/// to [B, KH, G, N, D] (dimensions = [2]), collapsed to [B, KH * G, N, D]
/// (head kh * G + g reads KV head kh): (src, G).
std::optional<std::pair<Value, int64_t>> peelNamedBroadcast(Value value) {
  auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse)
    return std::nullopt;
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  auto broadcast = collapse.getSrc().getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast || !broadcast.hasPureTensorSemantics() || groups.size() != 4 ||
      groups[0] != ReassociationIndices{0} ||
      groups[1] != ReassociationIndices{1, 2} ||
      groups[2] != ReassociationIndices{3} ||
      groups[3] != ReassociationIndices{4} ||
      broadcast.getDimensions() != ArrayRef<int64_t>{2})
    return std::nullopt;
  int64_t group = cast<ShapedType>(collapse.getSrcType()).getDimSize(2);
  if (ShapedType::isDynamic(group))
    return std::nullopt;
  return std::make_pair(broadcast.getInput(), group);
}

/// `%src` repeated G times along heads (Hugging Face repeat_kv as a
/// generic, or as linalg.broadcast + tensor.collapse_shape): (src, G);
/// anything else: (value, 1).
std::pair<Value, int64_t> peelBroadcast(Value value) {
  if (auto named = peelNamedBroadcast(value))
    return *named;
  auto op = value.getDefiningOp<linalg::GenericOp>();
  if (!isGeneric(op, 1, 4, 0) || !isArg(yielded(op), op, 0))
    return {value, 1};
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  std::optional<int64_t> group = groupedMap(maps[0], {0, 1, 2, 3});
  if (!group || !isMap(maps[1], {0, 1, 2, 3}))
    return {value, 1};
  return {op.getDpsInputs()[0], *group};
}

/// An elementwise generic over [B, QH, N] reading `value` first.
linalg::GenericOp elementwise(Value value, unsigned inputs) {
  auto op = value.getDefiningOp<linalg::GenericOp>();
  if (!isGeneric(op, inputs, 3, 0) ||
      !isMap(op.getIndexingMapsArray()[inputs], {0, 1, 2}))
    return nullptr;
  return op;
}

/// `s * c` or `s / c` with a constant c: (s, the factor).
std::optional<std::pair<Value, double>> peelScale(Value value) {
  linalg::GenericOp op = elementwise(value, 1);
  if (!op || !isMap(op.getIndexingMapsArray()[0], {0, 1, 2}))
    return std::nullopt;
  Operation *body = yielded(op).getDefiningOp();
  if (!body || body->getNumOperands() != 2)
    return std::nullopt;
  Value lhs = body->getOperand(0), rhs = body->getOperand(1);
  if (isa<arith::MulFOp>(body)) {
    if (!isArg(lhs, op, 0))
      std::swap(lhs, rhs);
    if (std::optional<double> c = constantOf(rhs); c && isArg(lhs, op, 0))
      return std::make_pair(op.getDpsInputs()[0], *c);
  }
  if (isa<arith::DivFOp>(body) && isArg(lhs, op, 0))
    if (std::optional<double> c = constantOf(rhs); c && *c != 0)
      return std::make_pair(op.getDpsInputs()[0], 1 / *c);
  return std::nullopt;
}

struct Mask {
  Value scores, indices;
  int64_t group;
  double fill;
};

/// `idx[b, h floordiv G, n] >= 0 ? s : fill` (or `< 0 ? fill : s`, or the
/// same against -1 with sgt / sle).
std::optional<Mask> peelMask(Value value) {
  linalg::GenericOp op = elementwise(value, 2);
  if (!op)
    return std::nullopt;
  auto select = yielded(op).getDefiningOp<arith::SelectOp>();
  auto cmp =
      select ? select.getCondition().getDefiningOp<arith::CmpIOp>() : nullptr;
  if (!cmp)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (unsigned s = 0; s < 2; ++s) {
    unsigned i = 1 - s;
    std::optional<int64_t> group = groupedMap(maps[i], {0, 1, 2});
    if (!isMap(maps[s], {0, 1, 2}) || !group || !isArg(cmp.getLhs(), op, i))
      continue;
    IntegerAttr bound;
    if (!matchPattern(cmp.getRhs(), m_Constant(&bound)))
      return std::nullopt;
    int64_t c = bound.getValue().getSExtValue();
    using P = arith::CmpIPredicate;
    P pred = cmp.getPredicate();
    bool valid = (pred == P::sge && c == 0) || (pred == P::sgt && c == -1);
    bool invalid = (pred == P::slt && c == 0) || (pred == P::sle && c == -1);
    if (!valid && !invalid)
      return std::nullopt;
    Value kept = valid ? select.getTrueValue() : select.getFalseValue();
    Value fill = valid ? select.getFalseValue() : select.getTrueValue();
    std::optional<double> fillValue = constantOf(fill);
    if (!isArg(kept, op, s) || !fillValue)
      return std::nullopt;
    return Mask{op.getDpsInputs()[s], op.getDpsInputs()[i], *group, *fillValue};
  }
  return std::nullopt;
}

int64_t dimOf(Value value, unsigned dim) {
  return cast<ShapedType>(value.getType()).getDimSize(dim);
}

/// `root`'s [B, QH, D] output, converted to `type` by a truncf or extf
/// generic if the contraction accumulated in another type.
Operation *convertedOutput(linalg::GenericOp contraction, Type type) {
  Value out = contraction->getResult(0);
  if (getElementTypeOrSelf(out.getType()) == type)
    return contraction;
  if (!out.hasOneUse())
    return nullptr;
  auto cast = dyn_cast<linalg::GenericOp>(*out.getUsers().begin());
  if (!isGeneric(cast, 1, 3, 0) || cast.getDpsInputs()[0] != out)
    return nullptr;
  Operation *body = yielded(cast).getDefiningOp();
  if (!isa_and_nonnull<arith::TruncFOp, arith::ExtFOp>(body) ||
      !isArg(body->getOperand(0), cast, 0) ||
      !isMap(cast.getIndexingMapsArray()[0], {0, 1, 2}) ||
      getElementTypeOrSelf(cast->getResult(0).getType()) != type)
    return nullptr;
  return cast;
}

/// A reduction over the tokens of [B, QH, N] into [B, QH]: (b,h,n) ->
/// (b,h,n), (b,h); whose body combines its two arguments with `Combine`.
template <typename... Combine>
linalg::GenericOp rowReduction(Value value) {
  auto op = value.getDefiningOp<linalg::GenericOp>();
  if (!isGeneric(op, 1, 3, 1))
    return nullptr;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  Operation *body = yielded(op).getDefiningOp();
  if (!isMap(maps[0], {0, 1, 2}) || maps[1].getNumResults() != 2 ||
      maps[1].getResult(0) != getAffineDimExpr(0, op.getContext()) ||
      maps[1].getResult(1) != getAffineDimExpr(1, op.getContext()) ||
      !isa_and_nonnull<Combine...>(body))
    return nullptr;
  Value a = body->getOperand(0), b = body->getOperand(1);
  if (!((isArg(a, op, 0) && isArg(b, op, 1)) ||
        (isArg(a, op, 1) && isArg(b, op, 0))))
    return nullptr;
  return op;
}

/// An elementwise generic over [B, QH, N] of x[b,h,n] and r[b,h] yielding
/// `Op(x, r)` (through `Outer` when given): (x, r).
template <typename Op, typename Outer = void>
std::optional<std::pair<Value, Value>> rowBroadcast(Value value) {
  linalg::GenericOp op = elementwise(value, 2);
  if (!op)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!isMap(maps[0], {0, 1, 2}) || maps[1].getNumResults() != 2 ||
      maps[1].getResult(0) != getAffineDimExpr(0, op.getContext()) ||
      maps[1].getResult(1) != getAffineDimExpr(1, op.getContext()))
    return std::nullopt;
  Value result = yielded(op);
  if constexpr (!std::is_void_v<Outer>) {
    auto outer = result.getDefiningOp<Outer>();
    if (!outer)
      return std::nullopt;
    result = outer->getOperand(0);
  }
  auto inner = result.getDefiningOp<Op>();
  if (!inner || !isArg(inner.getLhs(), op, 0) || !isArg(inner.getRhs(), op, 1))
    return std::nullopt;
  return std::make_pair(op.getDpsInputs()[0], op.getDpsInputs()[1]);
}

/// The scores that `anchor` normalises over the tokens: linalg.softmax
/// dimension(2), or the decomposed sequence frontends emit
///   m = max_n s,  e = exp(s - m),  z = sum_n e,  p = e / z
/// with m starting at -inf (or a finite lowest) and z at 0.
std::optional<Value> softmaxScores(Operation *anchor, std::string &whyNot) {
  if (auto softmax = dyn_cast<linalg::SoftmaxOp>(anchor)) {
    if (!softmax.hasPureTensorSemantics()) {
      whyNot = "it is bufferized (the pass works on tensors)";
      return std::nullopt;
    }
    auto type = dyn_cast<RankedTensorType>(softmax.getInput().getType());
    if (!type || type.getRank() != 3 || softmax.getDimension() != 2) {
      whyNot = "the softmax is not over the tokens of [B, QH, N] scores";
      return std::nullopt;
    }
    return softmax.getInput();
  }
  whyNot = "not a softmax e / sum(e), e = exp(s - max(s)), over the tokens of "
           "[B, QH, N] scores";
  auto division = rowBroadcast<arith::DivFOp>(anchor->getResult(0));
  if (!division)
    return std::nullopt;
  auto [exps, sums] = *division;
  linalg::GenericOp sum = rowReduction<arith::AddFOp>(sums);
  auto shifted = rowBroadcast<arith::SubFOp, math::ExpOp>(exps);
  if (!sum || sum.getDpsInputs()[0] != exps ||
      !isZeroFilled(sum.getDpsInits()[0]) || !shifted)
    return std::nullopt;
  auto [scores, maxima] = *shifted;
  linalg::GenericOp max =
      rowReduction<arith::MaximumFOp, arith::MaxNumFOp>(maxima);
  auto fill =
      max ? max.getDpsInits()[0].getDefiningOp<linalg::FillOp>() : nullptr;
  std::optional<double> start =
      fill ? constantOf(fill.getInputs()[0]) : std::nullopt;
  if (!max || max.getDpsInputs()[0] != scores || !start || !(*start <= -1e30))
    return std::nullopt;
  whyNot.clear();
  return scores;
}

} // namespace

bool mlir::spotlight::isSoftmaxAnchor(Operation *op) {
  if (isa<linalg::SoftmaxOp>(op))
    return true;
  // The decomposed form's last step, `e / z` with z a sum over the tokens.
  if (!isa<linalg::GenericOp>(op) || op->getNumResults() != 1)
    return false;
  auto division = rowBroadcast<arith::DivFOp>(op->getResult(0));
  return division && rowReduction<arith::AddFOp>(division->second);
}

FailureOr<LinalgAttention>
mlir::spotlight::matchLinalgAttention(Operation *anchor, std::string &whyNot) {
  auto fail = [&](const Twine &why) -> FailureOr<LinalgAttention> {
    whyNot = why.str();
    return failure();
  };
  std::optional<Value> softmaxInput = softmaxScores(anchor, whyNot);
  if (!softmaxInput)
    return failure();

  // Forward: p[b,h,n] * v[b, h floordiv G, n, d] summed over n.
  Value probs = anchor->getResult(0);
  if (!probs.hasOneUse())
    return fail("the probabilities have users besides the product with V");
  auto pv = dyn_cast<linalg::GenericOp>(*probs.getUsers().begin());
  std::optional<unsigned> probsAt = contraction(pv, probs);
  if (!probsAt)
    return fail("the probabilities do not feed a zero-initialised "
                "contraction o[b,h,d] += p[b,h,n] * v[b,h,n,d]");
  std::optional<int64_t> valueGroup =
      groupedMap(pv.getIndexingMapsArray()[1 - *probsAt], {0, 1, 3, 2});
  if (!valueGroup)
    return fail("V is not indexed [b, h floordiv G, n, d] in the product "
                "with the probabilities");
  LinalgAttention result;
  std::tie(result.values, *valueGroup) =
      *valueGroup == 1
          ? peelBroadcast(pv.getDpsInputs()[1 - *probsAt])
          : std::make_pair(pv.getDpsInputs()[1 - *probsAt], *valueGroup);

  // Backward: at most one mask and one scale, in either order.
  Value scores = *softmaxInput;
  bool scaled = false;
  std::optional<Mask> mask;
  double fillScale = 1;
  for (int step = 0; step < 2; ++step) {
    if (!mask)
      if ((mask = peelMask(scores))) {
        scores = mask->scores;
        continue;
      }
    if (!scaled)
      if (auto scale = peelScale(scores)) {
        scaled = true;
        scores = scale->first;
        result.scale = static_cast<float>(scale->second);
        // A mask not met yet lies further back, applied before the scale:
        // its fill is scaled too.
        if (!mask)
          fillScale = scale->second;
        continue;
      }
    break;
  }
  if (mask) {
    result.mask = mask->indices;
    result.maskFill = mask->fill * fillScale;
  }

  // q[b,h,d] * k[b, h floordiv G, n, d] summed over d.
  auto qk = scores.getDefiningOp<linalg::GenericOp>();
  std::optional<unsigned> queryAt;
  if (qk && isGeneric(qk, 2, 4, 1))
    for (unsigned i = 0; i < 2 && !queryAt; ++i)
      queryAt = contraction(qk, qk.getDpsInputs()[i]);
  if (!queryAt)
    return fail("the scores are not a zero-initialised contraction "
                "s[b,h,n] += q[b,h,d] * k[b,h,n,d] (through at most a scale "
                "and a mask)");
  std::optional<int64_t> keyGroup =
      groupedMap(qk.getIndexingMapsArray()[1 - *queryAt], {0, 1, 2, 3});
  if (!keyGroup)
    return fail("K is not indexed [b, h floordiv G, n, d] in the scores");
  result.query = qk.getDpsInputs()[*queryAt];
  std::tie(result.keys, *keyGroup) =
      *keyGroup == 1
          ? peelBroadcast(qk.getDpsInputs()[1 - *queryAt])
          : std::make_pair(qk.getDpsInputs()[1 - *queryAt], *keyGroup);

  // Shapes: q [B, QH, D], K and V [B, R, T, D] with R * G = QH.
  auto queryType = dyn_cast<RankedTensorType>(result.query.getType());
  auto keysType = dyn_cast<RankedTensorType>(result.keys.getType());
  auto valuesType = dyn_cast<RankedTensorType>(result.values.getType());
  if (!queryType || !keysType || !valuesType || queryType.getRank() != 3 ||
      keysType.getRank() != 4 || keysType.getShape() != valuesType.getShape())
    return fail("q is not [B, QH, D] or K and V are not [B, R, T, D] of one "
                "shape");
  auto isStorageType = [](Type type) {
    return type.isF32() || type.isF16() || type.isBF16();
  };
  if (!isStorageType(queryType.getElementType()) ||
      !isStorageType(keysType.getElementType()) ||
      !isStorageType(valuesType.getElementType()))
    return fail("q, K and V must be f32, f16 or bf16");
  if (!std::isfinite(result.scale) || result.scale == 0)
    return fail("the scale must be finite and nonzero");
  int64_t qHeads = queryType.getDimSize(1), rows = keysType.getDimSize(1);
  if (ShapedType::isDynamic(qHeads) || ShapedType::isDynamic(rows) ||
      ShapedType::isDynamic(queryType.getDimSize(2)) ||
      queryType.getDimSize(2) != keysType.getDimSize(3))
    return fail("heads and head dim must be static and D must agree");
  if (*keyGroup != *valueGroup || rows * *keyGroup != qHeads)
    return fail("K and V are not broadcast from R to QH = R * G heads with "
                "one G (query heads " +
                Twine(qHeads) + ", K/V heads " + Twine(rows) + ")");
  if (result.mask && (mask->group != *keyGroup ||
                      !getElementTypeOrSelf(result.mask).isInteger(32) ||
                      cast<ShapedType>(result.mask.getType()).getShape() !=
                          keysType.getShape().take_front(3)))
    return fail("the mask is not [B, R, T] i32 read as [b, h floordiv G, n]");

  result.root = convertedOutput(pv, queryType.getElementType());
  if (!result.root || result.root->getResult(0).getType() != queryType)
    return fail("the output is not [B, QH, D] in the query's type");
  return result;
}

Value mlir::spotlight::createAttentionInit(OpBuilder &builder, Location loc,
                                           Value query) {
  auto type = cast<RankedTensorType>(query.getType());
  return tensor::EmptyOp::create(builder, loc,
                                 tensor::getMixedSizes(builder, loc, query),
                                 type.getElementType());
}
