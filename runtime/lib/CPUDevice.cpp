//===- CPUDevice.cpp - Caches in host memory, items on a thread pool ------===//

#include "Device.h"
#include "Status.h"
#include "ThreadPool.h"

#include <sys/mman.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace spotlight::runtime {
namespace {
class CPUDevice final : public Device {
public:
  CPUDevice() {
    unsigned threads = std::thread::hardware_concurrency();
    pool = std::make_unique<ThreadPool>(threads ? threads : 1);
    workerCount = pool->threads();
  }
  int64_t workers() const override { return workerCount; }
  /// Zeroed memory. Buffers of 2 MiB or more (the caches' pools) are
  /// mapped at a 2 MiB boundary and offered to the kernel for huge pages
  /// (transparent huge pages in madvise mode, Debian's default): a pool of
  /// 256K tokens spans 131K pages of 4 KiB, far beyond the TLB's reach, so a
  /// scan or an attention stream walked the page tables at every 4 KiB.
  /// The pages are committed here, as an engine commits its KV pool at
  /// start-up, so that no append or decode step pays page faults: on a
  /// fresh VM the first touch of a 256K-token cache (650 MB) took 1.1 s,
  /// as long as hashing its keys.
  void *allocate(int64_t bytes) override {
    if (bytes < int64_t(kHugePage))
      return std::calloc(bytes, 1);
    const size_t size = (size_t(bytes) + kHugePage - 1) / kHugePage * kHugePage;
    const size_t mapped = size + kHugePage;
    void *base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
      return nullptr;
    auto aligned = reinterpret_cast<void *>(
        (reinterpret_cast<uintptr_t>(base) + kHugePage - 1) & ~(kHugePage - 1));
#ifdef MADV_HUGEPAGE
    madvise(aligned, size, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
    // Best effort: a kernel before 5.14 leaves the pages to their first
    // touch (EINVAL). Memory the kernel cannot give is an out-of-memory
    // status here, not a kill at the first step.
    if (madvise(aligned, size, MADV_POPULATE_WRITE) != 0 && errno == ENOMEM) {
      munmap(base, mapped);
      return nullptr;
    }
#endif
    std::lock_guard<std::mutex> lock(mappingsMutex);
    mappings[aligned] = {base, mapped};
    return aligned;
  }
  void release(void *memory) override {
    {
      std::lock_guard<std::mutex> lock(mappingsMutex);
      auto mapping = mappings.find(memory);
      if (mapping != mappings.end()) {
        munmap(mapping->second.first, mapping->second.second);
        mappings.erase(mapping);
        return;
      }
    }
    std::free(memory);
  }
  bool usesHostMemory() const override { return true; }
  spt_status upload(void *device, const void *host, int64_t bytes) override {
    std::memcpy(device, host, bytes);
    return SPT_OK;
  }
  spt_status download(void *host, const void *device, int64_t bytes) override {
    std::memcpy(host, device, bytes);
    return SPT_OK;
  }
  spt_status run(int64_t count,
                 const std::function<void(int64_t)> &item) override {
    auto start = std::chrono::steady_clock::now();
    pool->parallelFor(count, item);
    runMilliseconds += std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    return SPT_OK;
  }

  spt_status useStream(void *) override {
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "a CPU decoder runs on the calling thread: it has no stream");
  }

private:
  static constexpr size_t kHugePage = size_t(2) << 20;
  /// The mappings of large buffers: aligned start -> (mapping, its size).
  std::unordered_map<void *, std::pair<void *, size_t>> mappings;
  std::mutex mappingsMutex;
  int64_t workerCount;
  std::unique_ptr<ThreadPool> pool;
};
} // namespace

std::unique_ptr<Device> makeCPUDevice() { return std::make_unique<CPUDevice>(); }

} // namespace spotlight::runtime
