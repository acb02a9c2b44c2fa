//===- SelectedIndices.h - What a selection's index rows must hold -*- C++ -*-//
//
// Shared by the C API fuzzers (the runtime's cache, the engines' path).
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_FUZZ_SELECTEDINDICES_H
#define SPOTLIGHT_FUZZ_SELECTEDINDICES_H

#include <cstdint>

namespace spotlight::fuzz {

/// Whether the [batch, S, M] index rows hold, per row, ascending positions
/// below the sequence's length (`length(b)`), then only -1 padding.
template <typename Length>
bool ascendingPositions(const int32_t *indices, int64_t batch, int64_t S,
                        int64_t M, Length length) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < S; ++s) {
      const int32_t *row = indices + (b * S + s) * M;
      bool padding = false;
      for (int64_t i = 0; i < M; ++i) {
        if (row[i] == -1) {
          padding = true;
          continue;
        }
        if (padding || row[i] < 0 || row[i] >= length(b) ||
            (i && row[i] <= row[i - 1]))
          return false;
      }
    }
  return true;
}

} // namespace spotlight::fuzz

#endif // SPOTLIGHT_FUZZ_SELECTEDINDICES_H
