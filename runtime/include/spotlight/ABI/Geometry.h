//===- Geometry.h - The model geometry of a decode module -------*- C++ -*-===//
//
// The artifact ABI: what the compiler and the runtime must agree on, defined
// once and free of dependencies (no MLIR, no LLVM), so that the compiler
// includes it and the runtime needs nothing else:
//
//   Geometry.h     the model geometry (shapes and selection parameters)
//   ElementType.h  element types
//   Manifest.h     the manifest an artifact carries, and its symbols
//   EntryPoints.h  the entry points, their arguments and signatures
//   GPUSymbols.def the mgpu* functions CUDA artifacts call in the runtime
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_ABI_GEOMETRY_H
#define SPOTLIGHT_ABI_GEOMETRY_H

#include "spotlight/ABI/ElementType.h"

#include <cstdint>
#include <optional>
#include <string>

namespace spotlight {

/// Everything that fixes the shapes and attributes of a decode module.
struct DecodeGeometry {
  /// Bounds that keep every size of a module and of a cache far from int64
  /// overflow; selected indices are i32, so positions stay below 2^31.
  static constexpr int64_t kMaxHeads = 1 << 16;
  static constexpr int64_t kMaxHeadDim = 1 << 14;
  static constexpr int64_t kMaxTokens = (int64_t(1) << 31) - 1;
  static constexpr int64_t kMaxPageSize = 1 << 16;
  /// The batch of a geometry whose functions take any batch (the paged
  /// step of an artifact): its B dimensions are dynamic.
  static constexpr int64_t kAnyBatch = -1;

  int64_t batch = 1;
  int64_t queryHeads = 28;
  int64_t kvHeads = 4;
  int64_t headDim = 128;
  int64_t codeHeads = 28; ///< queryHeads or kvHeads.
  ElementType dtype = ElementType::BF16;
  ElementType weightType = ElementType::F32;
  bool headMode = false; ///< one token set per query head (else per KV head)
  int64_t sink = 4;
  int64_t window = 64;
  int64_t budgetCount = 0;      ///< > 0: a token count; 0: use the fraction
  double budgetFraction = 0.02; ///< in (0, 1]
  int64_t minBudget = 20;
  int64_t maxTokens = 32768;  ///< sizes the slots of a fraction budget
  int64_t pageSize = 16;      ///< token slots per page of a paged cache
  std::optional<float> scale; ///< default 1/sqrt(D)
  /// What an artifact's code runs on: "cpu", or a CUDA chip ("sm_80",
  /// "sm_90"). Not part of the IR; recorded in the manifest.
  std::string target = "cpu";
  bool isCUDA() const { return target != "cpu"; }
  /// The CPU features the artifact's host code was compiled to use
  /// (comma-separated LLVM names; abi::missingHostFeatures checks them).
  /// Recorded in the manifest; empty before compilation.
  std::string hostFeatures;

  int64_t group() const { return queryHeads / kvHeads; }
  int64_t codeWords() const { return headDim / 32; }
  /// Key codes per KV head and token: G when CH = QH, 1 when CH = KH.
  int64_t keyCodesPerHead() const {
    return codeHeads >= kvHeads ? codeHeads / kvHeads : 1;
  }
  /// Selected sets per sequence: KH (group mode) or QH (head mode).
  int64_t selectionSets() const { return headMode ? queryHeads : kvHeads; }
  /// Possible scores of a selection set, 0 .. 32 W per query head it sums
  /// (G in group mode, 1 in head mode): the bins of its histogram.
  int64_t selectionBins() const {
    return 32 * codeWords() * (headMode ? 1 : group()) + 1;
  }
  /// Budget for a context of `tokens` tokens before the slot cap.
  int64_t budgetFor(int64_t tokens) const;
  /// Output slots M of the selection: sink + window + the largest budget.
  /// Only meaningful for a geometry that validate() accepts.
  int64_t selectionSlots() const;
  /// Describes the first inconsistency, or returns an empty string.
  std::string validate() const;

  /// The geometry of an artifact's paged step: this one for any batch.
  DecodeGeometry anyBatch() const {
    DecodeGeometry step = *this;
    step.batch = kAnyBatch;
    return step;
  }

  /// The geometry of one KV head of one sequence: its G query heads, its
  /// key codes and their code heads (C of them, or the one shared), and its
  /// selection sets (1, or G in head mode). The pools keep every head: a
  /// slice is a view of them (offset h, the whole pool's strides).
  DecodeGeometry kvHeadSlice() const {
    DecodeGeometry slice = *this;
    slice.batch = 1;
    slice.queryHeads = group();
    slice.codeHeads = keyCodesPerHead();
    slice.kvHeads = 1;
    return slice;
  }
};

} // namespace spotlight

#endif // SPOTLIGHT_ABI_GEOMETRY_H
