//===- GPUShim.h - The mgpu* functions CUDA artifacts call ------*- C++ -*-===//
//
// A CUDA artifact's host code (MLIR's gpu-to-llvm lowering) allocates
// scratch, copies and launches through `mgpu*` functions, the interface of
// MLIR's CUDA runtime wrappers, renamed `spotlight_mgpu*` in the artifact.
// Debian ships no such library, and its behaviour (a fresh stream and a
// synchronization per call, cuMemAlloc per scratch buffer) would dominate a
// decode step, so the runtime exports its own from libspotlight_runtime.so:
//  - modules are registered when the artifact is loaded (its constructor
//    calls mgpuModuleLoad) but loaded into the driver only on first use, so
//    a CUDA artifact loads, and reports its geometry, on any machine;
//  - while the runtime runs a work item it binds a stream and a scratch
//    arena to the thread: mgpuStreamCreate returns the bound stream,
//    synchronizing and destroying it are left to the runtime, and scratch
//    comes from the arena (freed all at once after the step);
//  - a failing driver call is remembered, later launches of the item are
//    skipped, and the runtime reports the first failure by name.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_RUNTIME_CUDA_GPUSHIM_H
#define SPOTLIGHT_RUNTIME_CUDA_GPUSHIM_H

#include "CUDADriver.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spotlight::runtime::cuda {

/// Scratch device memory of one stream: bump allocation within one block;
/// what does not fit gets its own cuMemAlloc, and the block grows to the
/// step's high-water mark when reset (after the stream is idle).
class Arena {
public:
  explicit Arena(const Driver &driver) : driver(driver) {}
  ~Arena();
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  /// Device memory of `bytes` bytes (256-byte aligned), or 0 with `result`.
  CUdeviceptr allocate(size_t bytes, CUresult &result);
  /// Forgets every allocation; the stream must be idle when
  /// `resetFreesMemory()`, which is only so until the block has grown to the
  /// steps' high-water mark.
  void reset();
  bool resetFreesMemory() const {
    return !overflow.empty() || wanted > capacity;
  }

private:
  const Driver &driver;
  CUdeviceptr block = 0;
  size_t capacity = 0, used = 0, wanted = 0;
  std::vector<CUdeviceptr> overflow;
};

/// What the artifact's host code runs on while the runtime runs a work item.
struct Binding {
  const Driver *driver;
  CUstream stream;
  Arena *arena;
};

/// Binds `binding` to the calling thread (null: unbind).
void bindThread(const Binding *binding);

/// The first driver failure on this thread since the last call, as a
/// message naming the CUDA error; false if there was none. Clears it.
bool takeFailure(CUresult &result, std::string &message);

/// Loads into the driver every module registered by the shared object
/// loaded at `objectBase` (a CUDA artifact), so that a missing kernel image
/// for this GPU is reported when the cache is created.
bool loadModulesOf(const void *objectBase, const Driver &driver,
                   std::string &error);

} // namespace spotlight::runtime::cuda

#endif // SPOTLIGHT_RUNTIME_CUDA_GPUSHIM_H
