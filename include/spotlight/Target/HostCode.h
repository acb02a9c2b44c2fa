//===- HostCode.h - Host code and runtime artifacts -------------*- C++ -*-===//

#ifndef SPOTLIGHT_TARGET_HOSTCODE_H
#define SPOTLIGHT_TARGET_HOSTCODE_H

#include "spotlight/Target/Artifact.h"

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace spotlight {
struct DecodeGeometry;

/// What to write for a module already lowered to the LLVM dialect.
enum class CPUOutput {
  LLVMIR,   ///< textual LLVM IR after -O3
  Assembly, ///< host assembly
  Object,   ///< host object file
  Artifact, ///< shared object + embedded manifest, loadable by the runtime
};

/// The CPU an artifact's host code is compiled for: the host's own for a
/// CPU artifact, whose loops are the step; the baseline ("generic") for a
/// CUDA artifact, whose host code only launches kernels, so that a bundle
/// compiled on one machine loads on the GPU machine's CPU, whatever it is.
inline std::string hostCodeCPU(ArtifactTarget target) {
  return target == ArtifactTarget::CUDA ? "generic" : "native";
}

/// The features (comma-separated LLVM names) of the host code compiled for
/// `cpu` ("native" or an LLVM CPU name): what an artifact's manifest
/// records as `host_features`, for the runtime to check the loading CPU
/// against. Empty with `error` set when no target machine exists for it.
std::string hostCodeFeatures(const std::string &cpu, std::string &error);

/// Translates `module` to LLVM IR for `cpu` ("native": the host CPU and its
/// features; else an LLVM CPU name of the host's architecture), optimizes it
/// at -O3 and writes `output` to `path` ("-" is stdout for textual outputs).
/// The `manifest` (may be empty for non-artifacts) becomes the exported
/// string `spotlight_manifest`. Artifacts are linked with the system C
/// compiler.
bool emitForHost(mlir::ModuleOp module, CPUOutput output,
                 const std::string &manifest, const std::string &path,
                 std::string &error, const std::string &cpu = "native");

} // namespace spotlight

#endif // SPOTLIGHT_TARGET_HOSTCODE_H
