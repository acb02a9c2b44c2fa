//===- PagedProblem.h - A ragged paged batch and its oracle -----*- C++ -*-===//
//
// Random inputs of one decode step over the serving engines' paged layout
// (SEMANTICS.md, "Paged KV layout"), built to catch addressing mistakes:
// pages in shuffled order, a partial last page, a first page shared by
// sequences 0 and 1, block-table entries past a sequence's pages holding -1
// or garbage, and every pool slot no sequence owns filled with NaN (a
// lowering that reads one poisons its output). The answers come from the
// naive reference over each sequence's tokens gathered in logical order.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_SUPPORT_PAGEDPROBLEM_H
#define SPOTLIGHT_UNITTESTS_SUPPORT_PAGEDPROBLEM_H

#include "Support/DecodeProblem.h"

#include <cstdint>
#include <vector>

namespace spotlight::testing {

struct PagedProblem : RandomHashWeights {
  /// `lengths.size()` sequences (the geometry's batch is set to it) over
  /// pages of `pageSize` tokens. The key codes in the pool are the
  /// reference codes of the keys, or, when `codesFromKeys` is false (long
  /// contexts, where the reference MLP would take minutes), random words:
  /// selection does not care where codes come from.
  PagedProblem(DecodeGeometry geometry, int64_t pageSize,
               std::vector<int64_t> lengths, uint64_t seed,
               bool codesFromKeys = true);

  DecodeGeometry geometry;
  int64_t pageSize, pages, maxPages;
  std::vector<int64_t> lengths;
  /// Rounded values: q [B, QH, D]; pools [P, page, KH, D] (NaN in unowned
  /// slots).
  std::vector<float> q, kPool, vPool;
  /// What the compiled code reads: the tensors above in the geometry's
  /// types, the reference key codes [P, page, KH, C, W] (random words in
  /// unowned slots), block_table [B, max_pages], seq_lens [B], and the
  /// reference query codes [B, QH, 1, W].
  HostTensor qT, kPoolT, vPoolT, codePoolT, blockTableT, seqLensT,
      queryCodesT;

  /// The tokens as an engine writes them (cache_write): keys and values
  /// [T, KH, D] with their slot_mapping [T]; each owned slot once (the
  /// shared page too) plus rows with slot -1, which must be skipped.
  HostTensor newKeysT, newValuesT, slotMappingT;
  std::vector<int32_t> slotMapping;

  /// The pool slot of token t of sequence b.
  int64_t slotOf(int64_t b, int64_t t) const;
  /// Whether some sequence owns pool slot `slot`.
  bool owned(int64_t slot) const { return ownedSlots[slot]; }

  /// Reference key code of pool slot `slot`, KV head h, code c.
  std::vector<uint32_t> keyCode(int64_t slot, int64_t h, int64_t c) const;
  /// Reference selection of set s of sequence b: logical positions,
  /// ascending.
  std::vector<int32_t> selection(int64_t b, int64_t s) const;
  /// The expected indices [B, S, M]: selections, -1 padded.
  std::vector<int32_t> expectedIndices() const;
  /// Reference outputs [B, QH, D]: over the reference selections, and over
  /// every token (0 for an empty sequence).
  std::vector<double> sparseOutput() const;
  std::vector<double> denseOutput() const;
  /// Log-sum-exp [B, QH] of each query head's scaled logits over every
  /// token of its sequence (-inf for an empty one), in double.
  std::vector<double> denseLogSumExp() const;

private:
  std::vector<double> attention(int64_t b, int64_t qh,
                                const std::vector<int32_t> &set) const;
  std::vector<bool> ownedSlots;
  std::vector<int32_t> blockTable;
  std::vector<uint32_t> queryCodes;
};

} // namespace spotlight::testing

#endif // SPOTLIGHT_UNITTESTS_SUPPORT_PAGEDPROBLEM_H
