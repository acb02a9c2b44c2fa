//===- Dataset.h - Captured queries and keys of one layer -------*- C++ -*-===//
//
// What retrieval quality is measured on: the post-RoPE queries [T, QH, D]
// and keys [T, KH, D] of one attention layer over T tokens, which may be
// several sequences back to back. Token t of a sequence attends causally to
// the keys of its own sequence up to and including t.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_DATASET_H
#define SPOTLIGHT_QUALITY_DATASET_H

#include <cstdint>
#include <string>
#include <vector>

namespace spotlight::quality {

struct Dataset {
  int64_t tokens = 0, queryHeads = 0, kvHeads = 0, headDim = 0;
  /// Row-major [T, QH, D] and [T, KH, D], f32.
  std::vector<float> queries, keys;
  /// Lengths of the sequences, in order; they sum to `tokens`.
  std::vector<int64_t> sequenceLengths;
  /// Per token: the first token of its sequence (filled by finalize()).
  std::vector<int64_t> sequenceStart;

  int64_t group() const { return queryHeads / kvHeads; }
  const float *query(int64_t t, int64_t qh) const {
    return &queries[(t * queryHeads + qh) * headDim];
  }
  const float *key(int64_t t, int64_t h) const {
    return &keys[(t * kvHeads + h) * headDim];
  }
  /// Number of keys query t attends to (t - start + 1).
  int64_t causalCount(int64_t t) const { return t - sequenceStart[t] + 1; }

  /// Checks the geometry (QH a multiple of KH, D a multiple of 32, sizes,
  /// sequence lengths) and that every value is finite, and fills
  /// sequenceStart; an empty sequenceLengths
  /// means one sequence. Returns an error message, empty when valid.
  std::string finalize();
};

/// The keys of KV head `h` as a contiguous [T, D] matrix.
std::vector<float> keysOfHead(const Dataset &data, int64_t h);

/// Parses sequence lengths: a comma-separated list ("4096,4096") or a .npy
/// file of i32/i64 lengths. Empty text gives an empty list.
bool parseSequenceLengths(const std::string &text, std::vector<int64_t> &out,
                          std::string &error);

/// Reads queries [T,QH,D] and keys [T,KH,D] from .npy files (f32, f16, or
/// bf16 stored as <u2) and finalizes the dataset with `sequenceLengths`.
bool loadDataset(const std::string &queriesPath, const std::string &keysPath,
                 const std::vector<int64_t> &sequenceLengths, Dataset &out,
                 std::string &error);

/// Writes DIR/queries.npy, DIR/keys.npy (f32) and DIR/seq_lens.npy (i64).
bool saveDataset(const Dataset &data, const std::string &dir,
                 std::string &error);

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_DATASET_H
