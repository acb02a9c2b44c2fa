//===- CPUDevice.cpp - Caches in host memory, items on a thread pool ------===//

#include "Device.h"
#include "Status.h"
#include "ThreadPool.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace spotlight::runtime {
namespace {
class CPUDevice final : public Device {
public:
  CPUDevice() {
    unsigned threads = std::thread::hardware_concurrency();
    workerCount = threads ? threads : 1;
    pool = std::make_unique<ThreadPool>(workerCount);
  }
  int64_t workers() const override { return workerCount; }
  void *allocate(int64_t bytes) override { return std::calloc(bytes, 1); }
  void release(void *memory) override { std::free(memory); }
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
    lastMilliseconds = std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    return SPT_OK;
  }

  spt_status useStream(void *) override {
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "a CPU decoder runs on the calling thread: it has no stream");
  }

private:
  int64_t workerCount;
  std::unique_ptr<ThreadPool> pool;
};
} // namespace

std::unique_ptr<Device> makeCPUDevice() { return std::make_unique<CPUDevice>(); }

} // namespace spotlight::runtime
