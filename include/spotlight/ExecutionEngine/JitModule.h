//===- JitModule.h - JIT-compiled spotlight modules -------------*- C++ -*-===//

#ifndef SPOTLIGHT_EXECUTIONENGINE_JITMODULE_H
#define SPOTLIGHT_EXECUTIONENGINE_JITMODULE_H

#include <memory>
#include <string>
#include <vector>

namespace spotlight {

/// Which lowering turns the spotlight ops into loops.
enum class Lowering {
  Reference, ///< convert-spotlight-to-linalg: the executable semantics
  CPU,       ///< convert-spotlight-to-cpu: fused, vectorized loops
  GPUEmulation, ///< the GPU kernels emulated on the CPU, the rest as CPU
};

/// A spotlight module lowered to LLVM and compiled in process by
/// mlir::ExecutionEngine for the host CPU.
class JitModule {
public:
  /// Parses, verifies, lowers and compiles `irText`; on failure returns
  /// null and describes why in `error` (with the located diagnostics).
  /// `cpu` chooses the CPU lowering's vector code ("native": the host's;
  /// an LLVM CPU name: that CPU's, e.g. "haswell" for the AVX2 loops); the
  /// machine code is for the host either way.
  static std::unique_ptr<JitModule> create(const std::string &irText,
                                           Lowering lowering,
                                           std::string &error,
                                           const std::string &cpu = "native");
  ~JitModule();

  /// Calls `_mlir_ciface_<name>` with one memref descriptor per argument.
  bool call(const std::string &name, const std::vector<void *> &descriptors,
            std::string &error);

private:
  struct Impl;
  explicit JitModule(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace spotlight

#endif // SPOTLIGHT_EXECUTIONENGINE_JITMODULE_H
