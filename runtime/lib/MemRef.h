//===- MemRef.h - Memref descriptors of MLIR's C interface ------*- C++ -*-===//

#ifndef SPOTLIGHT_RUNTIME_MEMREF_H
#define SPOTLIGHT_RUNTIME_MEMREF_H

#include <array>
#include <cstdint>

namespace spotlight::runtime {

/// The descriptor of a contiguous memref of rank R (MLIR's C interface).
template <int R>
struct MemRef {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

/// A row-major view of `sizes` elements at `base` (host or device memory:
/// the descriptor is only read by the entry points).
template <int R>
MemRef<R> view(void *base, std::array<int64_t, R> sizes) {
  MemRef<R> m{base, base, 0, {}, {}};
  int64_t stride = 1;
  for (int i = R - 1; i >= 0; --i) {
    m.sizes[i] = sizes[i];
    m.strides[i] = stride;
    stride *= sizes[i];
  }
  return m;
}

} // namespace spotlight::runtime

#endif // SPOTLIGHT_RUNTIME_MEMREF_H
