//===- DecodeModule.h - Decode modules from a model geometry ----*- C++ -*-===//
//
// Builds the spotlight IR of one decode step from a model geometry, so that
// no user needs to write IR by hand: one function per entry point of the
// artifact ABI (spotlight/ABI/EntryPoints.def), inputs as tensors, outputs
// written into memref arguments (C interface `_mlir_ciface_<name>`):
//
//   spotlight_encode_queries(q, w1, b1, w2, b2, qc_out)  [B,QH,D] -> [B,QH,1,W]
//   spotlight_encode_keys(k, w1, b1, w2, b2, kc_out)     [B,KH,N,D] ->
//   [B,KH,N,C,W] spotlight_select(qc, kc, idx_out)                    ->
//   [B,S,M] i32, -1 padded spotlight_attend(q, k, v, idx, out) -> [B,QH,D]
//   spotlight_decode(q, k, v, kc, w1, b1, w2, b2, out, idx_out)  fused step
//   spotlight_decode_dense(q, k, v, out)                 the dense baseline
//
// and the paged step over a whole batch, which artifacts hold (pools
// [P, page, KH, ...], block_table [B, max_pages], seq_lens [B]):
//
//   spotlight_paged_write(new_k, new_v, slot_mapping, w1, b1, w2, b2,
//                         k_pool, v_pool, kc_pool)  hash keys, store at slots
//   spotlight_paged_select(q, kc_pool, block_table, seq_lens, w1.., idx_out)
//   spotlight_paged_decode(q, k_pool, v_pool, kc_pool, block_table, seq_lens,
//                          w1, b1, w2, b2, out, idx_out)
//   spotlight_paged_decode_dense(q, k_pool, v_pool, block_table, seq_lens,
//                                out)
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_CODEGEN_DECODEMODULE_H
#define SPOTLIGHT_CODEGEN_DECODEMODULE_H

#include "spotlight/ABI/EntryPoints.h"
#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace spotlight {

/// The decode module for `geometry`, built in `context`.
mlir::OwningOpRef<mlir::ModuleOp>
buildDecodeModule(mlir::MLIRContext &context, const DecodeGeometry &geometry);

/// The paged step for `geometry` (B dynamic when its batch is kAnyBatch).
mlir::OwningOpRef<mlir::ModuleOp>
buildPagedDecodeModule(mlir::MLIRContext &context,
                       const DecodeGeometry &geometry);

/// The paged step of `model` for any batch, carrying the model's manifest
/// as the `spotlight.manifest` module attribute: what `spotlight-compile`
/// turns into a runtime artifact.
mlir::OwningOpRef<mlir::ModuleOp>
buildArtifactModule(mlir::MLIRContext &context, const DecodeGeometry &model);

/// The decode module for `geometry` as text, for people and for tests that
/// compile from text.
std::string printDecodeModule(const DecodeGeometry &geometry,
                              bool paged = false);

} // namespace spotlight

#endif // SPOTLIGHT_CODEGEN_DECODEMODULE_H
