//===- CUDADevice.cpp - Caches in GPU memory, items on streams ------------===//
//
// Work item i runs on stream i mod S with that stream's scratch arena bound
// (GPUShim.h), so the KV heads of a step run concurrently. A step:
//
//   record start on stream 0; streams 1..S-1 wait for it
//   host thread s, for each item of stream s: bind (stream s, arena s);
//     call the entry point (it only enqueues)
//   streams 1..S-1 record their end; stream 0 waits for them, records stop
//   wait for stop; elapsed(start, stop) is the step's device time
//
// That time includes the host's enqueueing wherever the GPU waits for it
// (small contexts): it is the step's latency on the device, not the sum of
// its kernels' run times.
//
//===----------------------------------------------------------------------===//

#include "../Device.h"
#include "../Status.h"
#include "../ThreadPool.h"
#include "GPUShim.h"

#include <memory>
#include <vector>

namespace spotlight::runtime {
namespace {
using namespace cuda;

class CUDADevice final : public Device {
public:
  CUDADevice(const Driver &driver, int64_t streams)
      : d(driver), pool(static_cast<unsigned>(streams)) {}
  ~CUDADevice() override {
    d.makeCurrent();
    for (CUstream s : streams)
      d.cuStreamSynchronize(s);
    arenas.clear();
    for (CUevent e : events)
      d.cuEventDestroy(e);
    for (CUstream s : owned)
      d.cuStreamDestroy(s);
  }

  /// Work goes to the caller's stream from now on (the streams created
  /// here stay owned and are destroyed with the device).
  spt_status useStream(void *stream) override {
    if (streams.size() != 1)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "a stream can only be set on a single-stream device");
    d.makeCurrent();
    if (CUresult r = d.cuStreamSynchronize(streams[0]))
      return driverError(r, "waiting for the previous stream");
    streams[0] = static_cast<CUstream>(stream);
    return SPT_OK;
  }

  spt_status init(int64_t streamCount) {
    d.makeCurrent();
    for (int64_t i = 0; i < streamCount; ++i) {
      CUstream s = nullptr;
      if (CUresult r = d.cuStreamCreate(&s, 0))
        return driverError(r, "creating a stream");
      streams.push_back(s);
      owned.push_back(s);
      arenas.push_back(std::make_unique<Arena>(d));
    }
    // start, stop, and one join event per stream.
    for (int64_t i = 0; i < streamCount + 2; ++i) {
      CUevent e = nullptr;
      if (CUresult r = d.cuEventCreate(&e, 0))
        return driverError(r, "creating an event");
      events.push_back(e);
    }
    return SPT_OK;
  }

  void *allocate(int64_t bytes) override {
    d.makeCurrent();
    CUdeviceptr p = 0;
    if (d.cuMemAlloc(&p, bytes) != CUDA_SUCCESS)
      return nullptr;
    if (d.cuMemsetD8(p, 0, bytes) != CUDA_SUCCESS) {
      d.cuMemFree(p);
      return nullptr;
    }
    return reinterpret_cast<void *>(p);
  }
  void release(void *memory) override {
    d.makeCurrent();
    d.cuMemFree(reinterpret_cast<CUdeviceptr>(memory));
  }
  bool usesHostMemory() const override { return false; }

  spt_status upload(void *device, const void *host, int64_t bytes) override {
    d.makeCurrent();
    if (CUresult r = d.cuMemcpyHtoD(reinterpret_cast<CUdeviceptr>(device),
                                    host, bytes))
      return driverError(r, "copying to the GPU");
    return SPT_OK;
  }
  spt_status download(void *host, const void *device, int64_t bytes) override {
    d.makeCurrent();
    if (CUresult r = d.cuMemcpyDtoH(
            host, reinterpret_cast<CUdeviceptr>(device), bytes))
      return driverError(r, "copying from the GPU");
    return SPT_OK;
  }

  spt_status enqueue(const std::function<void()> &item) override {
    d.makeCurrent();
    Binding binding{&d, streams[0], arenas[0].get()};
    bindThread(&binding);
    item();
    CUresult failure = CUDA_SUCCESS;
    std::string message;
    takeFailure(failure, message);
    bindThread(nullptr);
    // Scratch is reused in stream order; memory the arena frees or
    // regrows must be idle first (only until it reached the step's size).
    if (arenas[0]->resetFreesMemory())
      d.cuStreamSynchronize(streams[0]);
    arenas[0]->reset();
    if (failure != CUDA_SUCCESS)
      return fail(statusOf(failure), message);
    return SPT_OK;
  }

  spt_status run(int64_t count,
                 const std::function<void(int64_t)> &item) override {
    d.makeCurrent();
    const size_t S = streams.size();
    CUevent start = events[0], stop = events[1];
    CUresult r = d.cuEventRecord(start, streams[0]);
    for (size_t s = 1; s < S && r == CUDA_SUCCESS; ++s)
      r = d.cuStreamWaitEvent(streams[s], start, 0);
    if (r != CUDA_SUCCESS)
      return driverError(r, "ordering the streams");

    // Stream s takes items s, s + S, ...: one host thread per stream, so
    // the launch overhead of the KV heads is paid in parallel and each
    // arena has one user.
    std::vector<CUresult> failures(S, CUDA_SUCCESS);
    std::vector<std::string> messages(S);
    pool.parallelFor(static_cast<int64_t>(S), [&](int64_t s) {
      d.makeCurrent();
      Binding binding{&d, streams[s], arenas[s].get()};
      bindThread(&binding);
      for (int64_t i = s; i < count && failures[s] == CUDA_SUCCESS; i += S) {
        item(i);
        takeFailure(failures[s], messages[s]);
      }
      bindThread(nullptr);
    });
    CUresult failure = CUDA_SUCCESS;
    std::string message;
    for (size_t s = 0; s < S && failure == CUDA_SUCCESS; ++s)
      failure = failures[s], message = messages[s];

    for (size_t s = 1; s < S && r == CUDA_SUCCESS; ++s) {
      r = d.cuEventRecord(events[s + 1], streams[s]);
      if (r == CUDA_SUCCESS)
        r = d.cuStreamWaitEvent(streams[0], events[s + 1], 0);
    }
    if (r == CUDA_SUCCESS)
      r = d.cuEventRecord(stop, streams[0]);
    if (r == CUDA_SUCCESS)
      r = d.cuEventSynchronize(stop);
    float ms = 0;
    if (r == CUDA_SUCCESS && failure == CUDA_SUCCESS &&
        d.cuEventElapsedTime(&ms, start, stop) == CUDA_SUCCESS)
      runMilliseconds += ms;
    // Kernels may still fail asynchronously: the stop event reports it.
    if (failure == CUDA_SUCCESS && r != CUDA_SUCCESS) {
      failure = r;
      message = "running the kernels failed: " + d.describe(r);
    }
    // Without the join, nothing says the streams are idle: wait for each
    // before their scratch is released.
    if (r != CUDA_SUCCESS)
      for (CUstream s : streams)
        d.cuStreamSynchronize(s);
    for (auto &arena : arenas)
      arena->reset();
    if (failure != CUDA_SUCCESS)
      return fail(statusOf(failure), message);
    return SPT_OK;
  }

private:
  /// Out of GPU memory has a status of its own; any other CUDA failure is
  /// a device error.
  static spt_status statusOf(CUresult r) {
    return r == CUDA_ERROR_OUT_OF_MEMORY ? SPT_ERROR_OUT_OF_MEMORY
                                         : SPT_ERROR_DEVICE;
  }
  spt_status driverError(CUresult r, const char *what) {
    return fail(statusOf(r), std::string(what) + " failed: " + d.describe(r));
  }

  const Driver &d;
  ThreadPool pool;
  std::vector<CUstream> streams, owned;
  std::vector<std::unique_ptr<Arena>> arenas;
  std::vector<CUevent> events;
};
} // namespace

spt_status queryCUDADevice(spt_device_info &info) {
  std::string error;
  const Driver *driver = loadDriver(error);
  if (!driver)
    return fail(SPT_ERROR_NO_DEVICE, error);
  info = spt_device_info{};
  driver->deviceName.copy(info.name, sizeof(info.name) - 1);
  info.compute_capability = driver->computeCapability;
  info.memory_bytes = static_cast<int64_t>(driver->memoryBytes);
  return SPT_OK;
}

spt_status makeCUDADevice(const void *artifactBase, int64_t streams,
                          std::unique_ptr<Device> &device) {
  std::string error;
  const Driver *driver = loadDriver(error);
  if (!driver)
    return fail(SPT_ERROR_NO_DEVICE, error);
  driver->makeCurrent();
  if (!loadModulesOf(artifactBase, *driver, error))
    return fail(SPT_ERROR_DEVICE, "the artifact's kernels do not load on " +
                                      driver->deviceName + ": " + error);
  streams = streams < 1 ? 1 : streams;
  auto created = std::make_unique<CUDADevice>(*driver, streams);
  if (spt_status s = created->init(streams))
    return s;
  device = std::move(created);
  return SPT_OK;
}

} // namespace spotlight::runtime
