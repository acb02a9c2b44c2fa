//===- VerifyArtifactModule.cpp - A module against its manifest -----------===//
//
// The manifest an artifact carries is what the runtime believes about the
// code: the shapes of the buffers it passes and the selection it reports.
// A module written or edited by hand can contradict its manifest attribute;
// compiling it would give an artifact that the runtime drives with
// wrong-sized buffers. So the entry points' types must be exactly those
// the ABI derives from the geometry, and every selection and attention op
// must carry the manifest's parameters.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Target/Artifact.h"

#include "spotlight/ABI/EntryPoints.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <type_traits>

namespace spotlight {
namespace {
std::string printed(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

/// Reports an op's disagreement with the manifest at the op.
bool mismatch(mlir::Operation *op, const llvm::Twine &what,
              std::string &error) {
  op->emitOpError() << what << " disagrees with the module's "
                    << abi::kManifestAttribute;
  error = "the module contradicts its manifest";
  return false;
}

template <typename SelectionOp>
bool verifyBudget(SelectionOp op, const DecodeGeometry &g, std::string &error) {
  mlir::Attribute budget = op.getBudget();
  auto count = llvm::dyn_cast<mlir::IntegerAttr>(budget);
  auto fraction = llvm::dyn_cast<mlir::FloatAttr>(budget);
  bool sameBudget =
      g.budgetCount > 0
          ? count && count.getInt() == g.budgetCount
          : fraction && fraction.getValueAsDouble() == g.budgetFraction;
  if (!sameBudget)
    return mismatch(op, "the budget", error);
  if (op.getMinBudget() != static_cast<uint64_t>(g.minBudget))
    return mismatch(op, "min_budget", error);
  return true;
}

/// The parameters of a selection op (hamming_topk, and the two steps of
/// the CPU's token split: hamming_scores, score_topk) that it has.
template <typename SelectionOp>
bool verifySelection(SelectionOp op, const DecodeGeometry &g,
                     std::string &error) {
  constexpr bool scans =
      !std::is_same_v<SelectionOp, mlir::spotlight::ScoreTopKOp>;
  constexpr bool selects =
      !std::is_same_v<SelectionOp, mlir::spotlight::HammingScoresOp>;
  if constexpr (scans) {
    bool headMode = op.getMode() == mlir::spotlight::SelectionMode::head;
    if (headMode != g.headMode)
      return mismatch(op, "the selection mode", error);
  }
  if (op.getSink() != static_cast<uint64_t>(g.sink) ||
      op.getWindow() != static_cast<uint64_t>(g.window))
    return mismatch(op, "sink or window", error);
  if constexpr (selects)
    return verifyBudget(op, g, error);
  return true;
}

template <typename AttentionOp>
bool verifyScale(AttentionOp op, const DecodeGeometry &g, std::string &error) {
  std::optional<llvm::APFloat> scale = op.getScale();
  bool same = scale.has_value() == g.scale.has_value() &&
              (!scale || scale->convertToFloat() == *g.scale);
  return same || mismatch(op, "the attention scale", error);
}
} // namespace

bool verifyArtifactModule(mlir::ModuleOp module, const DecodeGeometry &model,
                          std::string &error) {
  for (abi::EntryPoint entry : abi::allEntryPoints()) {
    if (!abi::entryInArtifact(entry, model))
      continue;
    auto function =
        module.lookupSymbol<mlir::func::FuncOp>(abi::entrySymbol(entry));
    if (!function) {
      error = std::string("the module lacks the entry point @") +
              abi::entrySymbol(entry);
      return false;
    }
    std::string expected =
        abi::entrySignature(entry, abi::entryGeometry(entry, model));
    std::string actual = printed(function.getFunctionType());
    if (actual != expected)
      return mismatch(function,
                      "its type " + actual +
                          " (the manifest's geometry needs " + expected + ")",
                      error);
  }
  bool ok = true;
  module.walk([&](mlir::Operation *op) {
    if (auto select = llvm::dyn_cast<mlir::spotlight::HammingTopKOp>(op))
      ok = verifySelection(select, model, error);
    else if (auto scan = llvm::dyn_cast<mlir::spotlight::HammingScoresOp>(op))
      ok = verifySelection(scan, model, error);
    else if (auto pick = llvm::dyn_cast<mlir::spotlight::ScoreTopKOp>(op))
      ok = verifySelection(pick, model, error);
    else if (auto sparse =
                 llvm::dyn_cast<mlir::spotlight::SparseAttentionOp>(op))
      ok = verifyScale(sparse, model, error);
    else if (auto dense =
                 llvm::dyn_cast<mlir::spotlight::DecodeAttentionOp>(op))
      ok = verifyScale(dense, model, error);
    return ok ? mlir::WalkResult::advance() : mlir::WalkResult::interrupt();
  });
  return ok;
}

void dropEntriesNotInArtifact(mlir::ModuleOp module,
                              const DecodeGeometry &model) {
  for (abi::EntryPoint entry : abi::allEntryPoints())
    if (abi::entryScope(entry) != abi::EntryScope::Contiguous &&
        !abi::entryInArtifact(entry, model))
      if (auto function =
              module.lookupSymbol<mlir::func::FuncOp>(abi::entrySymbol(entry)))
        function.erase();
}

} // namespace spotlight
