//===- AlignedVector.h - std::vector on cache-line boundaries ---*- C++ -*-===//
//
// Rows of the training buffers are loaded as whole 64-byte vectors; when a
// buffer starts on a cache line, so does every row (D is a multiple of 32
// floats), and no load or store is split across two lines.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_QUALITY_ALIGNEDVECTOR_H
#define SPOTLIGHT_QUALITY_ALIGNEDVECTOR_H

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace spotlight::quality {

template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(size_t n) {
    const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, bytes ? bytes : 64);
    if (!p)
      std::abort(); // built without exceptions
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const CacheLineAllocator<U> &) const {
    return true;
  }
  template <class U>
  bool operator!=(const CacheLineAllocator<U> &) const {
    return false;
  }
};

template <class T>
using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

} // namespace spotlight::quality

#endif // SPOTLIGHT_QUALITY_ALIGNEDVECTOR_H
