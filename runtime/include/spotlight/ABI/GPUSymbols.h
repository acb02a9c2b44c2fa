//===- GPUSymbols.h - The mgpu* functions CUDA artifacts call ---*- C++ -*-===//

#ifndef SPOTLIGHT_ABI_GPUSYMBOLS_H
#define SPOTLIGHT_ABI_GPUSYMBOLS_H

#include <string_view>

/// The name the runtime gives MLIR's `mgpu<name>`: spotlight_mgpu<name>.
#define SPOTLIGHT_GPU_SYMBOL_NAME(name) spotlight_mgpu##name

namespace spotlight::abi {

/// What the compiler prepends to an `mgpu*` call of an artifact.
constexpr const char *kGPUSymbolPrefix = "spotlight_";

/// Whether the runtime defines `spotlight_` + `mgpuName` (GPUSymbols.def).
inline bool isRuntimeGPUSymbol(std::string_view mgpuName) {
#define SPOTLIGHT_GPU_SYMBOL(name)                                             \
  if (mgpuName == "mgpu" #name)                                                \
    return true;
#include "spotlight/ABI/GPUSymbols.def"
  return false;
}

} // namespace spotlight::abi

#endif // SPOTLIGHT_ABI_GPUSYMBOLS_H
