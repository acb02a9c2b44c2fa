//===- CUDADriver.h - The CUDA driver API, loaded with dlopen ---*- C++ -*-===//
//
// The runtime never links against the driver: machines without a GPU must
// load it and run on the CPU. The driver (libcuda.so.1, or the library
// named by $SPOTLIGHT_CUDA_DRIVER, which the tests point at a fake) is
// opened on first use and its entry points (DriverSymbols.def) looked up by
// their versioned names.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_RUNTIME_CUDA_CUDADRIVER_H
#define SPOTLIGHT_RUNTIME_CUDA_CUDADRIVER_H

#include "CUDATypes.h"

#include <cstddef>
#include <string>

namespace spotlight::runtime::cuda {

/// The driver entry points the runtime uses.
struct Driver {
#define SPOTLIGHT_CU_PFN(member, symbol, params)                               \
  CUresult(*member) params = nullptr;
#include "DriverSymbols.def"

  /// The device's primary context, current on the calling thread after
  /// makeCurrent().
  CUcontext context = nullptr;
  CUdevice device = 0;
  std::string deviceName;
  int computeCapability = 0; ///< 10 * major + minor
  size_t memoryBytes = 0;

  /// Makes the context current on the calling thread (cheap when it is).
  CUresult makeCurrent() const { return cuCtxSetCurrent(context); }
  /// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
  std::string describe(CUresult result) const;
};

/// The loaded driver with a context on device 0 (or $SPOTLIGHT_CUDA_DEVICE),
/// or null with `error` saying why there is no usable CUDA device. Loaded
/// once per process; later calls return the same answer.
const Driver *loadDriver(std::string &error);

} // namespace spotlight::runtime::cuda

#endif // SPOTLIGHT_RUNTIME_CUDA_CUDADRIVER_H
