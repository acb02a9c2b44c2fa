//===- CUDATypes.h - The CUDA driver's types, without cuda.h ----*- C++ -*-===//
//
// Declared here, not taken from cuda.h, so that the runtime builds without
// the CUDA toolkit. Shared with the fake driver of the tests.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_RUNTIME_CUDA_CUDATYPES_H
#define SPOTLIGHT_RUNTIME_CUDA_CUDATYPES_H

#include <cstddef>

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

} // namespace spotlight::runtime::cuda

#endif // SPOTLIGHT_RUNTIME_CUDA_CUDATYPES_H
