//===- Passes.h - Spotlight dialect transforms ------------------*- C++ -*-===//

#ifndef SPOTLIGHT_DIALECT_SPOTLIGHT_TRANSFORMS_PASSES_H
#define SPOTLIGHT_DIALECT_SPOTLIGHT_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace spotlight {

#define GEN_PASS_DECL
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h.inc"

/// masked_attention over sparse_gather rows masked with the gathers' own
/// indices -> sparse_attention on the caches (tensors only).
void populateFuseGatherAttentionPatterns(RewritePatternSet &patterns);

/// Any remaining masked_attention (tensors) -> sparse_attention over the
/// gathered rows with slot indices `mask >= 0 ? m : -1`.
void populateLowerMaskedAttentionPatterns(RewritePatternSet &patterns);

/// sparse_attention over a hamming_topk whose budget statically covers
/// every token -> decode_attention.
void populateSparseOverAllTokensPatterns(RewritePatternSet &patterns);

/// sparse_gather of rows that a sparse_gather produced -> one sparse_gather
/// of the cache with composed indices (-1 kept).
void populateComposeGatherPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "spotlight/Dialect/Spotlight/Transforms/Passes.h.inc"

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_DIALECT_SPOTLIGHT_TRANSFORMS_PASSES_H
