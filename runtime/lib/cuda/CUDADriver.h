//===- CUDADriver.h - The CUDA driver API, loaded with dlopen ---*- C++ -*-===//
//
// The runtime never links against the driver: machines without a GPU must
// load it and run on the CPU. The driver (libcuda.so.1, or the library
// named by $SPOTLIGHT_CUDA_DRIVER, which the tests point at a fake) is
// opened on first use and its entry points looked up by their versioned
// names. Types are declared here, not taken from cuda.h, so the runtime
// builds without the CUDA toolkit.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_RUNTIME_CUDA_CUDADRIVER_H
#define SPOTLIGHT_RUNTIME_CUDA_CUDADRIVER_H

#include <cstddef>
#include <string>

namespace spotlight::runtime::cuda {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

/// The driver entry points the runtime uses.
struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceTotalMem)(size_t *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  CUresult (*cuModuleLoadData)(CUmodule *, const void *);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned,
                             unsigned, unsigned, unsigned, unsigned, CUstream,
                             void **, void **);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*cuMemcpyAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuStreamWaitEvent)(CUstream, CUevent, unsigned);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);

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
