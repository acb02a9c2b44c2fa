//===- Device.h - Where a cache lives and how its work runs -----*- C++ -*-===//
//
// The runtime's orchestration (Runtime.cpp) is the same for every device:
// it slices the cache into work items and calls the artifact's entry points
// with memref descriptors. A Device supplies the memory those descriptors
// point into and runs the items: the CPU in parallel on a thread pool, CUDA
// on streams (the entry points then only enqueue kernels).
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_RUNTIME_DEVICE_H
#define SPOTLIGHT_RUNTIME_DEVICE_H

#include "spotlight/runtime.h"

#include <cstdint>
#include <functional>
#include <memory>

namespace spotlight::runtime {

class Device {
public:
  virtual ~Device() = default;
  /// Zeroed device memory, or null when it cannot be had.
  virtual void *allocate(int64_t bytes) = 0;
  virtual void release(void *memory) = 0;
  /// Whether the caller's host tensors can be handed to the entry points
  /// as they are (else they are staged through device memory).
  virtual bool usesHostMemory() const = 0;
  virtual spt_status upload(void *device, const void *host, int64_t bytes) = 0;
  virtual spt_status download(void *host, const void *device,
                              int64_t bytes) = 0;
  /// Runs item(i) for every i in [0, count) and waits for all of them;
  /// adds the time they took to runMilliseconds.
  virtual spt_status run(int64_t count,
                         const std::function<void(int64_t)> &item) = 0;
  /// How many items run() runs at once.
  virtual int64_t workers() const { return 1; }
  /// Runs `item` on the device without waiting for it: on CUDA it only
  /// enqueues kernels on the stream (no host synchronization once the
  /// scratch arena has grown to the step's size, so a step can be captured
  /// in a CUDA graph after one warm-up call); the CPU runs it.
  virtual spt_status enqueue(const std::function<void()> &item) {
    return run(1, [&](int64_t) { item(); });
  }
  /// Runs later work on the caller's `stream` (CUDA; null: the default
  /// stream).
  virtual spt_status useStream(void *stream) = 0;

  /// Runs one call of the API, whose runs (any number) add their times to
  /// runMilliseconds, and publishes their sum as lastMilliseconds if the
  /// call succeeds: the time of the last successful step (runtime.h).
  spt_status timed(const std::function<spt_status()> &call) {
    runMilliseconds = 0;
    spt_status status = call();
    if (status == SPT_OK)
      lastMilliseconds = runMilliseconds;
    return status;
  }

  double lastMilliseconds = 0;
  /// The time of the runs of the call in progress.
  double runMilliseconds = 0;
};

std::unique_ptr<Device> makeCPUDevice();
/// The CUDA device, its streams and scratch, with the kernels of the
/// artifact loaded at `artifactBase` loaded; SPT_ERROR_NO_DEVICE without a
/// driver or a GPU.
spt_status makeCUDADevice(const void *artifactBase, int64_t streams,
                          std::unique_ptr<Device> &device);

/// Describes the CUDA device (SPT_ERROR_NO_DEVICE without one).
spt_status queryCUDADevice(spt_device_info &info);

/// Device memory owned by one device.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { reset(); }
  bool allocate(Device &owner, int64_t bytes) {
    reset();
    device = &owner;
    data = owner.allocate(bytes > 0 ? bytes : 1);
    size = data ? bytes : 0;
    return data != nullptr;
  }
  /// At least `bytes`, reallocated only to grow (contents then lost).
  bool reserve(Device &owner, int64_t bytes) {
    return (data && bytes <= size) || allocate(owner, bytes);
  }
  void reset() {
    if (data)
      device->release(data);
    data = nullptr;
    size = 0;
  }
  unsigned char *get() const { return static_cast<unsigned char *>(data); }

private:
  Device *device = nullptr;
  void *data = nullptr;
  int64_t size = 0;
};

} // namespace spotlight::runtime

#endif // SPOTLIGHT_RUNTIME_DEVICE_H
