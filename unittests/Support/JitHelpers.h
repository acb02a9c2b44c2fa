//===- JitHelpers.h - JIT-compiled modules in the lowering tests -*- C++ -*-===//
//
// Shared by LoweringTest and FusionTest: each module text is compiled once
// per lowering and run, the engines released before LLVM's static
// destructors run.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_UNITTESTS_SUPPORT_JITHELPERS_H
#define SPOTLIGHT_UNITTESTS_SUPPORT_JITHELPERS_H

#include "Support/DecodeProblem.h"
#include "spotlight/ExecutionEngine/JitModule.h"

#include <gtest/gtest.h>

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace spotlight::testing {

inline std::string loweringName(Lowering lowering) {
  static const char *const names[] = {"reference", "cpu", "gpu_emulation"};
  return names[static_cast<int>(lowering)];
}

/// The engines compiled so far, by module text and lowering; released in a
/// test environment's TearDown, before static destructors tear LLVM down.
inline std::map<std::string, std::unique_ptr<JitModule>> &jitCache() {
  static std::map<std::string, std::unique_ptr<JitModule>> cache;
  struct Release : ::testing::Environment {
    void TearDown() override { jitCache().clear(); }
  };
  [[maybe_unused]] static ::testing::Environment *const release =
      ::testing::AddGlobalTestEnvironment(new Release);
  return cache;
}

/// `ir` lowered with `lowering` and JIT-compiled, once per run.
inline JitModule &compiledText(const std::string &ir, Lowering lowering) {
  auto &slot = jitCache()[ir + "// " + loweringName(lowering)];
  if (!slot) {
    std::string error;
    slot = JitModule::create(ir, lowering, error);
    if (!slot)
      ADD_FAILURE() << error << "\n" << ir;
  }
  return *slot;
}

/// `ir` lowered by the CPU lowering with the vector code for `cpu` (an LLVM
/// CPU name) and JIT-compiled for the host, once per run.
inline JitModule &compiledForCPU(const std::string &ir,
                                 const std::string &cpu) {
  auto &slot = jitCache()[ir + "// cpu=" + cpu];
  if (!slot) {
    std::string error;
    slot = JitModule::create(ir, Lowering::CPU, error, cpu);
    if (!slot)
      ADD_FAILURE() << error << "\n" << ir;
  }
  return *slot;
}

/// One CPU name per vector code of the CPU lowering's attention loops:
/// generic 4-lane f32, AVX2 8-lane f32 FMAs, AVX-512 16-lane f32 FMAs, and
/// AVX-512 with bf16 dot products (vdpbf16ps).
inline const std::vector<std::string> &cpuPathNames() {
  static const std::vector<std::string> names = {
      "x86-64", "haswell", "skylake-avx512", "cooperlake"};
  return names;
}

/// Whether this host runs the loops made for `cpu`: the machine code is
/// the host's, so every path runs except the bf16 dot products, which need
/// AVX512_BF16 on the host itself.
inline bool hostRunsCPUPath(const std::string &cpu) {
  if (cpu != "cooperlake")
    return true;
  return llvm::sys::getHostCPUFeatures().lookup("avx512bf16");
}

/// Calls `name` with one memref descriptor per tensor.
inline void call(JitModule &jit, const std::string &name,
                 std::vector<HostTensor *> args) {
  std::vector<void *> descriptors;
  for (HostTensor *arg : args)
    descriptors.push_back(arg->descriptor());
  std::string error;
  ASSERT_TRUE(jit.call(name, descriptors, error)) << name << ": " << error;
}

inline std::vector<double> readAll(const HostTensor &t, ElementType type) {
  std::vector<double> out(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = readElement(t, type, i);
  return out;
}

} // namespace spotlight::testing

#endif // SPOTLIGHT_UNITTESTS_SUPPORT_JITHELPERS_H
