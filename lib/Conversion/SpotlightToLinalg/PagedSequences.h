//===- PagedSequences.h - Paged caches, one sequence at a time -*- C++ -*-===//
//
// The reference lowering of the paged forms (SEMANTICS.md, "Paged KV
// layout") is the contiguous computation run once per sequence: a loop over
// the batch, each sequence's tokens gathered in logical order through its
// block table into a contiguous `[1, KH, N, ...]` buffer with N =
// seq_lens[b], and the contiguous code applied to batch-1 slices. The
// gather reads only the pages the sequence's N tokens occupy, so block-table
// entries past them are never read.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOLINALG_PAGEDSEQUENCES_H
#define SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOLINALG_PAGEDSEQUENCES_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::spotlight::lowering {

/// Emits `scf.for seq in [0, B)` over `seqLens [B]` and calls `body` in it
/// with the sequence index and its token count (index; a negative length
/// counts as 0).
void forEachSequence(ImplicitLocOpBuilder &b, Value seqLens,
                     function_ref<void(Value seq, Value tokens)> body);

/// A new buffer `[1, KH, tokens, ...]` holding, in logical order, the first
/// `tokens` rows of sequence `seq` in `pool [P, page_size, KH, ...]`:
/// row t comes from `pool[blockTable[seq, t / page_size], t % page_size]`.
Value gatherSequence(ImplicitLocOpBuilder &b, Value pool, Value blockTable,
                     Value seq, Value tokens);

/// The view of `value` with its leading dims fixed at `leading`, each kept
/// with size 1: `value[seq : seq + 1, ...]` is one sequence of a batch.
Value leadingSlice(ImplicitLocOpBuilder &b, Value value, ValueRange leading);

} // namespace mlir::spotlight::lowering

#endif // SPOTLIGHT_LIB_CONVERSION_SPOTLIGHTTOLINALG_PAGEDSEQUENCES_H
