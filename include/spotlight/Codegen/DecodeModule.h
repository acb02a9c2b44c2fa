//===- DecodeModule.h - Decode modules from a model geometry ----*- C++ -*-===//
//
// Generates the spotlight IR of one decode step from a model geometry, so
// that no user needs to write IR by hand. Every function takes its inputs
// as tensors and writes its outputs into memref arguments (one memref per
// argument after bufferization, C interface `_mlir_ciface_<name>`); names
// carry a `spotlight_` prefix so they never collide with libc (`select`):
//
//   spotlight_encode_queries(q, w1, b1, w2, b2, qcodes)  [B,QH,D] -> [B,QH,1,W]
//   spotlight_encode_keys(k, w1, b1, w2, b2, kcodes)     [B,KH,N,D] -> [B,KH,N,C,W]
//   spotlight_select(qcodes, kcodes, indices)            -> [B,S,M] i32, -1 padded
//   spotlight_attend(q, k, v, indices, o)                -> [B,QH,D]
//   spotlight_decode(q, k, v, kcodes, w1, b1, w2, b2, o, indices)  fused step
//   spotlight_decode_dense(q, k, v, o)                   the dense baseline
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_CODEGEN_DECODEMODULE_H
#define SPOTLIGHT_CODEGEN_DECODEMODULE_H

#include <cstdint>
#include <optional>
#include <string>

namespace spotlight {

enum class ElementType { F32, F16, BF16 };

/// The functions of a decode module (see above).
namespace entry {
constexpr const char *encodeQueries = "spotlight_encode_queries";
constexpr const char *encodeKeys = "spotlight_encode_keys";
constexpr const char *select = "spotlight_select";
constexpr const char *attend = "spotlight_attend";
constexpr const char *decode = "spotlight_decode";
constexpr const char *decodeDense = "spotlight_decode_dense";
} // namespace entry

/// The MLIR spelling of an element type ("f32", "f16", "bf16").
const char *elementTypeName(ElementType type);
/// The inverse of elementTypeName; false for any other name.
bool parseElementType(const std::string &name, ElementType &type);

/// Everything that fixes the shapes and attributes of a decode module.
struct DecodeGeometry {
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
  int64_t budgetCount = 0;       ///< > 0: a token count; 0: use the fraction
  double budgetFraction = 0.02;  ///< in (0, 1]
  int64_t minBudget = 20;
  int64_t maxTokens = 32768;     ///< sizes the slots of a fraction budget
  std::optional<float> scale;    ///< default 1/sqrt(D)
  /// What an artifact's code runs on: "cpu", or a CUDA chip ("sm_80",
  /// "sm_90"). Not part of the IR; recorded in the manifest.
  std::string target = "cpu";
  bool isCUDA() const { return target != "cpu"; }

  int64_t group() const { return queryHeads / kvHeads; }
  int64_t codeWords() const { return headDim / 32; }
  /// Key codes per KV head and token: G when CH = QH, 1 when CH = KH.
  int64_t keyCodesPerHead() const {
    return codeHeads >= kvHeads ? codeHeads / kvHeads : 1;
  }
  /// Selected sets per sequence: KH (group mode) or QH (head mode).
  int64_t selectionSets() const { return headMode ? queryHeads : kvHeads; }
  /// Budget for a context of `tokens` tokens before the slot cap.
  int64_t budgetFor(int64_t tokens) const;
  /// Output slots M of the selection: sink + window + the largest budget.
  int64_t selectionSlots() const;
  /// Describes the first inconsistency, or returns an empty string.
  std::string validate() const;

  /// The geometry of one work item of the runtime: one sequence and one
  /// KV head with its G query heads (B = 1, KH = 1, QH = G, CH = G or 1).
  /// Every operand of a work item is a contiguous slice of the full one.
  DecodeGeometry workItem() const;
  /// Code heads per work item: G when CH = QH, 1 when CH = KH.
  int64_t codeHeadsPerItem() const { return keyCodesPerHead(); }
};

/// The spotlight IR text of the decode module for `geometry`.
std::string buildDecodeModule(const DecodeGeometry &geometry);

/// The decode module of one work item of `model`, carrying the model's
/// manifest as the `spotlight.manifest` module attribute: what
/// `spotlight-compile` turns into a runtime artifact.
std::string buildArtifactModule(const DecodeGeometry &model);

/// The manifest of an artifact: one `key = value` line per field.
std::string writeManifest(const DecodeGeometry &model);
/// Parses a manifest; false with a message on a missing or bad field.
bool parseManifest(const std::string &text, DecodeGeometry &model,
                   std::string &error);

} // namespace spotlight

#endif // SPOTLIGHT_CODEGEN_DECODEMODULE_H
