//===- DecodeModule.h - Decode modules from a model geometry ----*- C++ -*-===//
//
// Generates the spotlight IR of one decode step from a model geometry, so
// that no user needs to write IR by hand. Every function takes its inputs
// as tensors and writes its outputs into memref arguments (one memref per
// argument after bufferization, C interface `_mlir_ciface_<name>`); names
// carry a `spotlight_` prefix so they never collide with libc (`select`):
//
//   spotlight_encode_queries(q, w1, b1, w2, b2, qcodes)  [B,QH,D] -> [B,QH,1,W]
//   spotlight_encode_keys(k, w1, b1, w2, b2, kcodes)     [B,KH,N,D] ->
//   [B,KH,N,C,W] spotlight_select(qcodes, kcodes, indices)            ->
//   [B,S,M] i32, -1 padded spotlight_attend(q, k, v, indices, o) -> [B,QH,D]
//   spotlight_decode(q, k, v, kcodes, w1, b1, w2, b2, o, indices)  fused step
//   spotlight_decode_dense(q, k, v, o)                   the dense baseline
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_CODEGEN_DECODEMODULE_H
#define SPOTLIGHT_CODEGEN_DECODEMODULE_H

#include "spotlight/ABI/EntryPoints.h"
#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"

#include <string>

namespace spotlight {

/// The spotlight IR text of the decode module for `geometry`.
std::string buildDecodeModule(const DecodeGeometry &geometry);

/// The decode module of one work item of `model`, carrying the model's
/// manifest as the `spotlight.manifest` module attribute: what
/// `spotlight-compile` turns into a runtime artifact.
std::string buildArtifactModule(const DecodeGeometry &model);

} // namespace spotlight

#endif // SPOTLIGHT_CODEGEN_DECODEMODULE_H
