//===- SpotlightOps.cpp - Spotlight op verifiers ----------------*- C++ -*-===//
//
// Every verifier names the offending operand, the dimension and what was
// expected, so a malformed decode module fails with a located diagnostic.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::spotlight;

namespace {
/// Checks the shape of one operand piece by piece; the first mismatch is
/// reported against the op and later checks become no-ops.
class ShapeChecker {
public:
  explicit ShapeChecker(Operation *op) : op(op) {}

  /// Requires `type` to have exactly `layout.size()` dimensions, where
  /// `layout` names them (e.g. {"B", "H", "D"}).
  ShapeChecker &rank(StringRef name, Value value, ArrayRef<StringRef> layout) {
    auto type = cast<ShapedType>(value.getType());
    if (ok && type.getRank() != static_cast<int64_t>(layout.size()))
      fail() << "'" << name << "' must have rank " << layout.size() << " ["
             << llvm::join(layout, ", ") << "], got " << type;
    return *this;
  }

  /// Requires dimension `dim` (named `what`) of `value` to equal `expected`
  /// when both are static.
  ShapeChecker &dim(StringRef name, Value value, unsigned dim, StringRef what,
                    int64_t expected) {
    if (!ok)
      return *this;
    int64_t actual = cast<ShapedType>(value.getType()).getDimSize(dim);
    if (!ShapedType::isDynamic(expected) && !ShapedType::isDynamic(actual) &&
        actual != expected)
      fail() << "'" << name << "' dimension " << dim << " (" << what
             << ") must be " << expected << ", got " << actual;
    return *this;
  }

  /// Requires dimension `dim` of `value` to be static.
  ShapeChecker &isStatic(StringRef name, Value value, unsigned dim,
                         StringRef what) {
    if (ok && cast<ShapedType>(value.getType()).isDynamicDim(dim))
      fail() << "'" << name << "' dimension " << dim << " (" << what
             << ") must be static";
    return *this;
  }

  /// Requires every operand and result of the op to have a static element
  /// count that int64 can hold: lowerings flatten them into one dimension.
  ShapeChecker &addressable() {
    auto check = [&](StringRef kind, unsigned index, Type type) {
      auto shaped = dyn_cast<ShapedType>(type);
      if (!ok || !shaped || !shaped.hasRank())
        return;
      int64_t elements = 1;
      for (int64_t size : shaped.getShape())
        if (!ShapedType::isDynamic(size) &&
            llvm::MulOverflow(elements, size, elements)) {
          fail() << kind << " #" << index << " (" << type
                 << ") has more elements than int64 can count";
          return;
        }
    };
    for (auto [i, type] : llvm::enumerate(op->getOperandTypes()))
      check("operand", i, type);
    for (auto [i, type] : llvm::enumerate(op->getResultTypes()))
      check("result", i, type);
    return *this;
  }

  /// Requires the operands to be all tensors (the op then has a result) or
  /// all memrefs (bufferized: the op writes its init buffer, no result), and
  /// tensors to be plain: an encoding (a sparse one, say) would be lowered
  /// as if the tensor were dense.
  ShapeChecker &oneKind() {
    bool tensors = isa<RankedTensorType>(op->getOperand(0).getType());
    for (auto [i, type] : llvm::enumerate(op->getOperandTypes())) {
      if (ok && isa<RankedTensorType>(type) != tensors)
        fail() << "operand #" << i << " (" << type << ") must be a "
               << (tensors ? "tensor" : "memref")
               << " like operand #0: operands are all tensors or all memrefs";
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (ok && tensor && tensor.getEncoding())
        fail() << "operand #" << i << " (" << type
               << ") has an encoding: the ops take dense tensors";
    }
    return *this;
  }

  /// Reports a free-form error unless an earlier check already failed.
  ShapeChecker &require(bool condition, const Twine &message) {
    if (ok && !condition)
      fail() << message;
    return *this;
  }

  LogicalResult result() const { return success(ok); }

private:
  InFlightDiagnostic fail() {
    ok = false;
    return op->emitOpError();
  }

  Operation *op;
  bool ok = true;
};

/// Token positions are i32, so no token count may exceed this.
constexpr int64_t kMaxTokens = std::numeric_limits<int32_t>::max();
/// The largest Hamming score of a selection set (HammingTopKOp::verify).
constexpr int64_t kMaxScore = 65535;

int64_t dimOf(Value value, unsigned dim) {
  return cast<ShapedType>(value.getType()).getDimSize(dim);
}

Type elementTypeOf(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

/// A pool's static page_size (its dimension 1) holds at least one token.
ShapeChecker &checkPageSize(ShapeChecker &check, StringRef pool, Value value) {
  return check.require(dimOf(value, 1) != 0,
                       "'" + pool + "' page_size must be positive");
}

/// Checks `[B, QH, D]` queries against K and V caches: contiguous
/// `[B, KH, N, D]`, or paged pools `[P, page_size, KH, D]`.
ShapeChecker &checkQueryAndCaches(ShapeChecker &check, Value query, Value keys,
                                  Value values, bool paged) {
  static const StringRef pagedLayout[] = {"P", "page_size", "KH", "D"};
  static const StringRef contiguousLayout[] = {"B", "KH", "N", "D"};
  ArrayRef<StringRef> layout = paged ? pagedLayout : contiguousLayout;
  const unsigned headsDim = paged ? 2 : 1;
  check.rank("query", query, {"B", "QH", "D"})
      .rank("key_cache", keys, layout)
      .rank("value_cache", values, layout);
  if (failed(check.result()))
    return check;
  check.isStatic("query", query, 1, "QH")
      .isStatic("key_cache", keys, headsDim, "KH")
      .isStatic("query", query, 2, "D")
      .isStatic("key_cache", keys, 3, "D")
      .isStatic("value_cache", values, 3, "D");
  if (failed(check.result()))
    return check;
  int64_t qHeads = dimOf(query, 1), kvHeads = dimOf(keys, headsDim);
  check.require(qHeads > 0, "'query' must have at least one head")
      .dim("key_cache", keys, 0, "B", paged ? ShapedType::kDynamic
                                            : dimOf(query, 0))
      .dim("key_cache", keys, 3, "D", dimOf(query, 2))
      .require(kvHeads > 0 && qHeads % kvHeads == 0,
               "query heads (" + Twine(qHeads) +
                   ") must be a multiple of KV heads (" + Twine(kvHeads) + ")");
  for (unsigned d = 0; d < 4; ++d)
    check.dim("value_cache", values, d, "same as key_cache", dimOf(keys, d));
  if (paged)
    checkPageSize(check, "key_cache", keys);
  return check;
}

/// Checks the paged operands of an op over `batch` sequences: both or none;
/// `block_table` `[B, max_pages]` and `seq_lens` `[B]`.
ShapeChecker &checkPages(ShapeChecker &check, Value blockTable, Value seqLens,
                         int64_t batch) {
  check.require(static_cast<bool>(blockTable) == static_cast<bool>(seqLens),
                "'block_table' and 'seq_lens' go together: a paged op takes "
                "both, a contiguous one neither");
  if (!blockTable || !seqLens)
    return check;
  return check.rank("block_table", blockTable, {"B", "max_pages"})
      .rank("seq_lens", seqLens, {"B"})
      .dim("block_table", blockTable, 0, "B", batch)
      .dim("seq_lens", seqLens, 0, "B", batch);
}
} // namespace

//===----------------------------------------------------------------------===//
// Tensor or memref semantics, shared by every op
//===----------------------------------------------------------------------===//

/// On tensors the result has the init's type; on memrefs there is none.
LogicalResult mlir::spotlight::detail::inferDpsResult(
    Type init, SmallVectorImpl<Type> &inferred) {
  if (isa<RankedTensorType>(init))
    inferred.push_back(init);
  return success();
}

LogicalResult mlir::spotlight::detail::inferDpsResults(
    ValueRange inits, SmallVectorImpl<Type> &inferred) {
  for (Value init : inits)
    (void)inferDpsResult(init.getType(), inferred);
  return success();
}

/// No effect on tensors; on memrefs the inputs are read and the init buffer
/// is written (and not read: every element of it is overwritten).
void mlir::spotlight::detail::getDpsEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand *input : op.getDpsInputOperands())
    if (isa<MemRefType>(input->get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), input,
                           SideEffects::DefaultResource::get());
  for (OpOperand &init : op.getDpsInitsMutable())
    if (isa<MemRefType>(init.get().getType()))
      effects.emplace_back(MemoryEffects::Write::get(), &init,
                           SideEffects::DefaultResource::get());
}


//===----------------------------------------------------------------------===//
// HashEncodeOp
//===----------------------------------------------------------------------===//

LogicalResult HashEncodeOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  Value in = getInput();
  int64_t rank = cast<ShapedType>(in.getType()).getRank();
  check.require(rank == 3 || rank == 4,
                "'input' must have rank 3 [B, H, D] or rank 4 [B, H, N, D], "
                "got " +
                    Twine(rank));
  if (failed(check.result()))
    return failure();
  unsigned headDimPos = rank - 1;
  check.isStatic("input", in, 1, "H").isStatic("input", in, headDimPos, "D");
  if (failed(check.result()))
    return failure();
  int64_t heads = dimOf(in, 1), headDim = dimOf(in, headDimPos);
  check.require(headDim > 0 && headDim % 32 == 0,
                "'input' head dim D must be a positive multiple of 32, got " +
                    Twine(headDim));
  check.rank("w1", getW1(), {"CH", "D", "D"})
      .rank("b1", getB1(), {"CH", "D"})
      .rank("w2", getW2(), {"CH", "D", "D"})
      .rank("b2", getB2(), {"CH", "D"})
      .isStatic("w1", getW1(), 0, "CH");
  if (failed(check.result()))
    return failure();
  int64_t codeHeads = dimOf(getW1(), 0);
  check.dim("w1", getW1(), 1, "D", headDim)
      .dim("w1", getW1(), 2, "D", headDim)
      .dim("b1", getB1(), 0, "CH", codeHeads)
      .dim("b1", getB1(), 1, "D", headDim)
      .dim("w2", getW2(), 0, "CH", codeHeads)
      .dim("w2", getW2(), 1, "D", headDim)
      .dim("w2", getW2(), 2, "D", headDim)
      .dim("b2", getB2(), 0, "CH", codeHeads)
      .dim("b2", getB2(), 1, "D", headDim)
      .require(codeHeads > 0 && heads > 0 &&
                   (codeHeads % heads == 0 || heads % codeHeads == 0),
               "code heads CH (" + Twine(codeHeads) +
                   ") must be a multiple or a divisor of input heads H (" +
                   Twine(heads) + ")");
  if (failed(check.result()))
    return failure();
  int64_t codesPerHead = codeHeads >= heads ? codeHeads / heads : 1;
  Value init = getInit();
  if (rank == 3)
    check.rank("init", init, {"B", "H", "C", "D/32"});
  else
    check.rank("init", init, {"B", "H", "N", "C", "D/32"});
  for (unsigned d = 0; d + 1 < rank; ++d)
    check.dim("init", init, d, d == 1 ? "H" : (d == 0 ? "B" : "N"),
              dimOf(in, d));
  check.dim("init", init, rank - 1, "C, codes per head", codesPerHead)
      .dim("init", init, rank, "D/32, code words", headDim / 32);
  return check.result();
}

//===----------------------------------------------------------------------===//
// HammingTopKOp
//===----------------------------------------------------------------------===//

namespace {
/// The slots a count budget needs, or the least a fraction budget needs
/// (HammingTopKOp, ScoreTopKOp).
template <typename OpTy>
int64_t minimumSlots(OpTy op) {
  int64_t base = op.getSink() + op.getWindow();
  if (auto count = dyn_cast<IntegerAttr>(op.getBudget()))
    return base + count.getInt();
  return base + op.getMinBudget();
}

template <typename OpTy>
Value buildBudgetOf(OpTy op, OpBuilder &builder, Location loc, Value tokens,
                    Value slots) {
  ImplicitLocOpBuilder b(loc, builder);
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  Value k;
  if (auto count = dyn_cast<IntegerAttr>(op.getBudget())) {
    k = constant(count.getInt());
  } else {
    double fraction = cast<FloatAttr>(op.getBudget()).getValueAsDouble();
    Value asInt = arith::IndexCastOp::create(b, b.getI64Type(), tokens);
    Value asFloat = arith::SIToFPOp::create(b, b.getF64Type(), asInt);
    Value scaled = arith::MulFOp::create(
        b, asFloat, arith::ConstantOp::create(b, b.getF64FloatAttr(fraction)));
    Value floored = arith::FPToSIOp::create(b, b.getI64Type(), scaled);
    k = arith::MaxSIOp::create(
        b, arith::IndexCastOp::create(b, b.getIndexType(), floored),
        constant(op.getMinBudget()));
  }
  Value room =
      arith::SubIOp::create(b, slots, constant(op.getSink() + op.getWindow()));
  k = arith::MinSIOp::create(b, k, room);
  return arith::MaxSIOp::create(b, k, constant(0));
}

/// The codes of a selection: `query_codes` `[B, QH, 1, W]` against
/// `key_codes` `[B, KH, N, C, W]` or the pool `[P, page_size, KH, C, W]`
/// (HammingTopKOp, HammingScoresOp). Returns the selection sets S per
/// sequence, or 0 after reporting an error.
int64_t checkCodes(ShapeChecker &check, Value qc, Value kc, Value blockTable,
                   Value seqLens, bool headMode) {
  const bool paged = static_cast<bool>(blockTable);
  const unsigned headsDim = paged ? 2 : 1;
  static const StringRef pagedLayout[] = {"P", "page_size", "KH", "C", "W"};
  static const StringRef contiguousLayout[] = {"B", "KH", "N", "C", "W"};
  check.rank("query_codes", qc, {"B", "QH", "1", "W"})
      .rank("key_codes", kc, paged ? pagedLayout : contiguousLayout)
      .isStatic("query_codes", qc, 1, "QH")
      .isStatic("query_codes", qc, 3, "W")
      .isStatic("key_codes", kc, headsDim, "KH")
      .isStatic("key_codes", kc, 3, "C")
      .isStatic("query_codes", qc, 2, "one code per query head");
  if (failed(check.result()))
    return 0;
  checkPages(check, blockTable, seqLens, dimOf(qc, 0));
  if (failed(check.result()))
    return 0;
  int64_t qHeads = dimOf(qc, 1), kvHeads = dimOf(kc, headsDim);
  int64_t codesPerHead = dimOf(kc, 3);
  check.require(qHeads > 0, "'query_codes' must have at least one head")
      .dim("query_codes", qc, 2, "one code per query head", 1)
      .dim("key_codes", kc, 0, "B", paged ? ShapedType::kDynamic : dimOf(qc, 0))
      .dim("key_codes", kc, 4, "W, code words", dimOf(qc, 3))
      .require(kvHeads > 0 && qHeads % kvHeads == 0,
               "query heads (" + Twine(qHeads) +
                   ") must be a multiple of KV heads (" + Twine(kvHeads) + ")");
  if (paged)
    checkPageSize(check, "key_codes", kc);
  if (failed(check.result()))
    return 0;
  int64_t group = qHeads / kvHeads;
  // Every lowering keeps a histogram with a bin per possible score, and the
  // GPU kernels store scores in 16 bits: the largest score, 32 W bits summed
  // over the G query heads of a set (group mode), must fit 16 bits (a huge
  // group overflowed the lowerings' arithmetic; found by fuzz-dialect).
  int64_t maxScore = 0;
  bool scoreFits =
      !__builtin_mul_overflow(dimOf(qc, 3), headMode ? 1 : group, &maxScore) &&
      maxScore <= kMaxScore / 32;
  check.require(dimOf(qc, 3) > 0, "'query_codes' must have at least one "
                                  "code word (W)");
  check
      .require(scoreFits,
               "the largest score (32 x W code bits x " +
                   Twine(headMode ? "1 query head" : "G query heads") +
                   " per set) must fit 16 bits (at most " + Twine(kMaxScore) +
                   "), got 32 x " + Twine(dimOf(qc, 3)) + " x " +
                   Twine(headMode ? 1 : group))
      .require(codesPerHead == group || codesPerHead == 1,
               "'key_codes' dimension 3 (C) must be " + Twine(group) +
                   " (CH = QH) or 1 (CH = KH), got " + Twine(codesPerHead));
  if (failed(check.result()))
    return 0;
  return headMode ? qHeads : kvHeads;
}

/// Sink, window and budget of a selection, and the slots M (dimension 2)
/// of its `init` `[B, S, M]` (HammingTopKOp, ScoreTopKOp).
template <typename OpTy>
ShapeChecker &checkBudget(ShapeChecker &check, OpTy op) {
  Value init = op.getInit();
  check.require(op.getSinkAttr().getInt() >= 0, "'sink' must be non-negative")
      .require(op.getSinkAttr().getInt() <= kMaxTokens &&
                   op.getWindowAttr().getInt() <= kMaxTokens &&
                   op.getMinBudgetAttr().getInt() <= kMaxTokens &&
                   (!isa<IntegerAttr>(op.getBudget()) ||
                    cast<IntegerAttr>(op.getBudget()).getInt() <= kMaxTokens),
               "'sink', 'window' and the budgets must fit i32 token "
               "positions (at most " +
                   Twine(kMaxTokens) + ")")
      .require(op.getWindowAttr().getInt() >= 0,
               "'window' must be non-negative")
      .require(op.getMinBudgetAttr().getInt() >= 0,
               "'min_budget' must be non-negative");
  if (failed(check.result()))
    return check;
  if (auto count = dyn_cast<IntegerAttr>(op.getBudget())) {
    check.require(count.getInt() > 0, "'budget' count must be positive, got " +
                                          Twine(count.getInt()));
    return check.dim("init", init, 2, "M = sink + window + budget",
                     minimumSlots(op));
  }
  double fraction = cast<FloatAttr>(op.getBudget()).getValueAsDouble();
  check.require(fraction > 0.0 && fraction <= 1.0,
                "'budget' fraction must be in (0, 1], got " +
                    llvm::formatv("{0}", fraction).str());
  int64_t slots = dimOf(init, 2);
  return check.require(
      ShapedType::isDynamic(slots) || slots >= minimumSlots(op),
      "'init' dimension 2 (M) must be at least sink + window + "
      "min_budget = " +
          Twine(minimumSlots(op)) + ", got " + Twine(slots));
}

/// The sink and window of a scan (HammingScoresOp).
ShapeChecker &checkSinkAndWindow(ShapeChecker &check, int64_t sink,
                                 int64_t window) {
  return check.require(sink >= 0 && window >= 0,
                       "'sink' and 'window' must be non-negative")
      .require(sink <= kMaxTokens && window <= kMaxTokens,
               "'sink' and 'window' must fit i32 token positions (at most " +
                   Twine(kMaxTokens) + ")");
}
} // namespace

//===----------------------------------------------------------------------===//
// HammingTopKOp
//===----------------------------------------------------------------------===//

int64_t HammingTopKOp::getMinimumSlots() { return minimumSlots(*this); }

Value HammingTopKOp::buildBudget(OpBuilder &builder, Location loc, Value tokens,
                                 Value slots) {
  return buildBudgetOf(*this, builder, loc, tokens, slots);
}

LogicalResult HammingTopKOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  Value init = getInit();
  check.rank("init", init, {"B", "S", "M"});
  if (failed(check.result()))
    return failure();
  bool headMode = getMode() == SelectionMode::head;
  int64_t sets = checkCodes(check, getQueryCodes(), getKeyCodes(),
                            getBlockTable(), getSeqLens(), headMode);
  if (failed(check.result()))
    return failure();
  check.dim("init", init, 0, "B", dimOf(getQueryCodes(), 0))
      .dim("init", init, 1,
           headMode ? "S = QH in head mode" : "S = KH in group mode", sets);
  if (failed(check.result()))
    return failure();
  return checkBudget(check, *this).result();
}

//===----------------------------------------------------------------------===//
// HammingScoresOp
//===----------------------------------------------------------------------===//

LogicalResult HammingScoresOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  // The scores and histograms, on tensors; nothing on memrefs.
  return detail::inferDpsResults(operands.take_back(2), inferred);
}

/// The scores are read as well as written: the entries of other ranges
/// keep their values.
void HammingScoresOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  detail::getDpsEffects(*this, effects);
  if (isa<MemRefType>(getScores().getType()))
    effects.emplace_back(MemoryEffects::Read::get(), &getScoresMutable(),
                         SideEffects::DefaultResource::get());
}

LogicalResult HammingScoresOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  Value qc = getQueryCodes(), ranges = getTokenRanges();
  Value scores = getScores(), histograms = getHistograms();
  check.rank("token_ranges", ranges, {"B", "2"})
      .rank("scores", scores, {"B", "S", "N"})
      .rank("histograms", histograms, {"B", "S", "V"});
  if (failed(check.result()))
    return failure();
  bool headMode = getMode() == SelectionMode::head;
  int64_t sets =
      checkCodes(check, qc, getKeyCodes(), getBlockTable(), getSeqLens(),
                 headMode);
  if (failed(check.result()))
    return failure();
  const int64_t batch = dimOf(qc, 0);
  const int64_t bins =
      32 * dimOf(qc, 3) * (headMode ? 1 : dimOf(qc, 1) / sets) + 1;
  const StringRef setsName =
      headMode ? "S = QH in head mode" : "S = KH in group mode";
  check.dim("token_ranges", ranges, 0, "B", batch)
      .dim("token_ranges", ranges, 1, "begin and end", 2)
      .dim("scores", scores, 0, "B", batch)
      .dim("scores", scores, 1, setsName, sets)
      .dim("scores", scores, 2, "N, the tokens of a sequence",
           isPaged() ? ShapedType::kDynamic : dimOf(getKeyCodes(), 2))
      .dim("histograms", histograms, 0, "B", batch)
      .dim("histograms", histograms, 1, setsName, sets)
      .dim("histograms", histograms, 2, "V, the largest score + 1", bins);
  return checkSinkAndWindow(check, getSink(), getWindow()).result();
}

//===----------------------------------------------------------------------===//
// ScoreTopKOp
//===----------------------------------------------------------------------===//

int64_t ScoreTopKOp::getMinimumSlots() { return minimumSlots(*this); }

Value ScoreTopKOp::buildBudget(OpBuilder &builder, Location loc, Value tokens,
                               Value slots) {
  return buildBudgetOf(*this, builder, loc, tokens, slots);
}

LogicalResult ScoreTopKOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  Value scores = getScores(), histograms = getHistograms();
  Value lens = getSeqLens(), init = getInit();
  check.rank("scores", scores, {"B", "S", "N"})
      .rank("histograms", histograms, {"R", "B", "S", "V"})
      .rank("seq_lens", lens, {"B"})
      .rank("init", init, {"B", "S", "M"})
      .isStatic("scores", scores, 1, "S")
      .isStatic("histograms", histograms, 3, "V");
  if (failed(check.result()))
    return failure();
  const int64_t batch = dimOf(scores, 0), sets = dimOf(scores, 1);
  check.require(sets > 0, "'scores' must have at least one selection set")
      .require(dimOf(histograms, 3) > 0 &&
                   dimOf(histograms, 3) <= kMaxScore + 1,
               "'histograms' dimension 3 (V) must be a score count in 1 .. " +
                   Twine(kMaxScore + 1))
      .dim("histograms", histograms, 1, "B", batch)
      .dim("histograms", histograms, 2, "S", sets)
      .dim("seq_lens", lens, 0, "B", batch)
      .dim("init", init, 0, "B", batch)
      .dim("init", init, 1, "S", sets);
  if (failed(check.result()))
    return failure();
  return checkBudget(check, *this).result();
}

//===----------------------------------------------------------------------===//
// SparseGatherOp
//===----------------------------------------------------------------------===//

LogicalResult SparseGatherOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  Value cache = getCache(), idx = getIndices(), init = getInit();
  check.rank("cache", cache, {"B", "KH", "N", "D"})
      .rank("indices", idx, {"B", "S", "M"})
      .rank("init", init, {"B", "S", "M", "D"})
      .isStatic("cache", cache, 1, "KH")
      .isStatic("cache", cache, 3, "D")
      .isStatic("indices", idx, 1, "S");
  if (failed(check.result()))
    return failure();
  int64_t kvHeads = dimOf(cache, 1), sets = dimOf(idx, 1);
  check.dim("indices", idx, 0, "B", dimOf(cache, 0))
      .require(kvHeads > 0 && sets % kvHeads == 0,
               "'indices' dimension 1 (S) must be a multiple of KV heads (" +
                   Twine(kvHeads) + "), got " + Twine(sets))
      .dim("init", init, 0, "B", dimOf(cache, 0))
      .dim("init", init, 1, "S", sets)
      .dim("init", init, 2, "M", dimOf(idx, 2))
      .dim("init", init, 3, "D", dimOf(cache, 3))
      .require(elementTypeOf(init) == elementTypeOf(cache),
               "'init' element type must match 'cache'");
  return check.result();
}

//===----------------------------------------------------------------------===//
// SparseAttentionOp / DecodeAttentionOp
//===----------------------------------------------------------------------===//

/// An attention output is `[B, QH, D]`, the query's shape.
static ShapeChecker &checkAttentionOutputShape(ShapeChecker &check,
                                               Value query, Value init) {
  check.rank("init", init, {"B", "QH", "D"});
  for (unsigned d = 0; d < 3; ++d)
    check.dim("init", init, d, "same as query", dimOf(query, d));
  return check;
}

/// A given `scale` multiplies every logit: NaN or an infinity would make
/// every output NaN.
static ShapeChecker &checkScale(ShapeChecker &check,
                                std::optional<APFloat> scale) {
  return check.require(!scale || scale->isFinite(),
                       "'scale' must be finite");
}

/// The output is `[B, QH, D]` with the query's element type.
static LogicalResult verifyAttentionOutput(ShapeChecker &check, Value query,
                                           Value init) {
  checkAttentionOutputShape(check, query, init);
  check.require(elementTypeOf(init) == elementTypeOf(query),
                "'init' element type must match 'query'");
  return check.result();
}

LogicalResult SparseAttentionOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  checkScale(check, getScale());
  checkQueryAndCaches(check, getQuery(), getKeyCache(), getValueCache(),
                      isPaged());
  if (failed(check.result()))
    return failure();
  checkPages(check, getBlockTable(), getSeqLens(), dimOf(getQuery(), 0));
  Value idx = getIndices();
  check.rank("indices", idx, {"B", "S", "M"}).isStatic("indices", idx, 1, "S");
  if (failed(check.result()))
    return failure();
  int64_t qHeads = dimOf(getQuery(), 1);
  int64_t kvHeads = dimOf(getKeyCache(), isPaged() ? 2 : 1);
  int64_t sets = dimOf(idx, 1);
  check.dim("indices", idx, 0, "B", dimOf(getQuery(), 0))
      .require(sets == kvHeads || sets == qHeads,
               "'indices' dimension 1 (S) must be KV heads (" + Twine(kvHeads) +
                   ") or query heads (" + Twine(qHeads) + "), got " +
                   Twine(sets));
  return verifyAttentionOutput(check, getQuery(), getInit());
}

/// The inputs of the dense attention ops: query, caches and pages.
template <typename OpTy>
static LogicalResult checkDenseAttentionInputs(OpTy op, ShapeChecker &check) {
  check.oneKind().addressable();
  checkScale(check, op.getScale());
  checkQueryAndCaches(check, op.getQuery(), op.getKeyCache(),
                      op.getValueCache(), op.isPaged());
  if (failed(check.result()))
    return failure();
  checkPages(check, op.getBlockTable(), op.getSeqLens(),
             dimOf(op.getQuery(), 0));
  return check.result();
}

LogicalResult DecodeAttentionOp::verify() {
  ShapeChecker check(*this);
  if (failed(checkDenseAttentionInputs(*this, check)))
    return failure();
  return verifyAttentionOutput(check, getQuery(), getInit());
}

//===----------------------------------------------------------------------===//
// PartialDecodeAttentionOp / MergeAttentionOp
//===----------------------------------------------------------------------===//

LogicalResult PartialDecodeAttentionOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  // The output and the log-sum-exp, on tensors; nothing on memrefs.
  return detail::inferDpsResults(operands.take_back(2), inferred);
}

void PartialDecodeAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  detail::getDpsEffects(*this, effects);
}

LogicalResult PartialDecodeAttentionOp::verify() {
  ShapeChecker check(*this);
  if (failed(checkDenseAttentionInputs(*this, check)))
    return failure();
  // The output is f32 (its type constraint), not the query's type.
  Value query = getQuery(), lse = getLse();
  checkAttentionOutputShape(check, query, getInit())
      .rank("lse", lse, {"B", "QH"});
  for (unsigned d = 0; d < 2; ++d)
    check.dim("lse", lse, d, "same as query", dimOf(query, d));
  return check.result();
}

LogicalResult MergeAttentionOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  Value outputs = getOutputs(), lses = getLses(), init = getInit();
  check.rank("outputs", outputs, {"R", "B", "QH", "D"})
      .rank("lses", lses, {"R", "B", "QH"})
      .rank("init", init, {"B", "QH", "D"});
  if (failed(check.result()))
    return failure();
  check.isStatic("init", init, 1, "QH").isStatic("init", init, 2, "D");
  for (unsigned d = 0; d < 3; ++d)
    check.dim("lses", lses, d, "same as outputs", dimOf(outputs, d));
  for (unsigned d = 0; d < 3; ++d)
    check.dim("init", init, d, "same as outputs", dimOf(outputs, d + 1));
  return check.result();
}

LogicalResult MaskedAttentionOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  checkScale(check, getScale());
  // Gathered rows have the cache layout with S rows of M slots per sequence.
  checkQueryAndCaches(check, getQuery(), getKeys(), getValues(),
                      /*paged=*/false);
  Value mask = getMask();
  check.rank("mask", mask, {"B", "S", "M"});
  if (failed(check.result()))
    return failure();
  check.dim("mask", mask, 0, "B", dimOf(getKeys(), 0))
      .dim("mask", mask, 1, "S", dimOf(getKeys(), 1))
      .dim("mask", mask, 2, "M", dimOf(getKeys(), 2));
  return verifyAttentionOutput(check, getQuery(), getInit());
}

//===----------------------------------------------------------------------===//
// CacheWriteOp
//===----------------------------------------------------------------------===//

LogicalResult CacheWriteOp::inferReturnTypes(
    MLIRContext *, std::optional<Location>, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  // The three pools, updated, on tensors; nothing on memrefs.
  if (operands.size() != 7)
    return success();
  return detail::inferDpsResults(operands.drop_front(4), inferred);
}

/// Unlike the other ops, the pools are read as well as written: every slot
/// the op does not store keeps its value.
void CacheWriteOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  detail::getDpsEffects(*this, effects);
  for (OpOperand &init : getDpsInitsMutable())
    if (isa<MemRefType>(init.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &init,
                           SideEffects::DefaultResource::get());
}

LogicalResult CacheWriteOp::verify() {
  ShapeChecker check(*this);
  check.oneKind().addressable();
  Value keys = getKeys(), values = getValues(), codes = getCodes();
  Value slots = getSlotMapping();
  Value kPool = getKeyCache(), vPool = getValueCache(), cPool = getCodeCache();
  check.rank("keys", keys, {"T", "KH", "D"})
      .rank("values", values, {"T", "KH", "D"})
      .rank("codes", codes, {"T", "KH", "C", "W"})
      .rank("slot_mapping", slots, {"T"})
      .rank("key_cache", kPool, {"P", "page_size", "KH", "D"})
      .rank("value_cache", vPool, {"P", "page_size", "KH", "D"})
      .rank("code_cache", cPool, {"P", "page_size", "KH", "C", "W"})
      .isStatic("keys", keys, 1, "KH")
      .isStatic("keys", keys, 2, "D")
      .isStatic("values", values, 1, "KH")
      .isStatic("values", values, 2, "D")
      .isStatic("codes", codes, 1, "KH")
      .isStatic("codes", codes, 2, "C")
      .isStatic("codes", codes, 3, "W");
  if (failed(check.result()))
    return failure();
  const int64_t tokens = dimOf(keys, 0), kvHeads = dimOf(keys, 1);
  const int64_t headDim = dimOf(keys, 2), codesPerHead = dimOf(codes, 2);
  check.require(kvHeads > 0, "'keys' must have at least one KV head")
      .require(headDim > 0 && headDim % 32 == 0,
               "'keys' head dim D must be a positive multiple of 32, got " +
                   Twine(headDim))
      .require(codesPerHead > 0, "'codes' must hold at least one code per "
                                 "head (C)");
  for (unsigned d = 0; d < 3; ++d)
    check.dim("values", values, d, "same as keys", dimOf(keys, d));
  check.dim("codes", codes, 0, "T", tokens)
      .dim("codes", codes, 1, "KH", kvHeads)
      .dim("codes", codes, 3, "W = D/32", headDim / 32)
      .dim("slot_mapping", slots, 0, "T", tokens)
      .dim("key_cache", kPool, 2, "KH", kvHeads)
      .dim("key_cache", kPool, 3, "D", headDim);
  for (unsigned d = 0; d < 4; ++d)
    check.dim("value_cache", vPool, d, "same as key_cache", dimOf(kPool, d));
  check.dim("code_cache", cPool, 0, "P, as key_cache", dimOf(kPool, 0))
      .dim("code_cache", cPool, 1, "page_size, as key_cache", dimOf(kPool, 1))
      .dim("code_cache", cPool, 2, "KH", kvHeads)
      .dim("code_cache", cPool, 3, "C", codesPerHead)
      .dim("code_cache", cPool, 4, "W = D/32", headDim / 32)
      .require(elementTypeOf(kPool) == elementTypeOf(keys),
               "'key_cache' element type must match 'keys'")
      .require(elementTypeOf(vPool) == elementTypeOf(values),
               "'value_cache' element type must match 'values'");
  checkPageSize(check, "key_cache", kPool);
  return check.result();
}

#define GET_OP_CLASSES
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.cpp.inc"
