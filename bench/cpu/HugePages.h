//===- HugePages.h - Benchmark buffers in 2 MiB pages -----------*- C++ -*-===//
//
// The runtime maps its caches' pools in 2 MiB pages (CPUDevice.cpp); the
// benchmark's own buffers (an engine's pools, the bandwidth probe) are
// mapped the same way, so that neither side of a comparison pays TLB misses
// the other does not.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_BENCH_CPU_HUGEPAGES_H
#define SPOTLIGHT_BENCH_CPU_HUGEPAGES_H

#include <sys/mman.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace spotlight::bench {

/// Memory in 2 MiB pages where the kernel grants them (MADV_HUGEPAGE), as
/// the runtime allocates its own cache's pools.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U> &) {}
  static constexpr size_t kHugePage = size_t(2) << 20;
  static size_t mappedBytes(size_t n) {
    return (n * sizeof(T) + kHugePage - 1) / kHugePage * kHugePage;
  }
  T *allocate(size_t n) {
    void *memory = mmap(nullptr, mappedBytes(n), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      std::fprintf(stderr, "spotlight-bench: cannot map %zu bytes\n",
                   mappedBytes(n));
      std::exit(1);
    }
    madvise(memory, mappedBytes(n), MADV_HUGEPAGE);
    return static_cast<T *>(memory);
  }
  void deallocate(T *memory, size_t n) { munmap(memory, mappedBytes(n)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U> &) const {
    return true;
  }
};
template <typename T>
using PoolVector = std::vector<T, HugePageAllocator<T>>;

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_CPU_HUGEPAGES_H
