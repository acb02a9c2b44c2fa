//===- Artifact.h - Runtime artifacts from a model geometry ------*- C++
//-*-===//
//
// An artifact (.spt) is a shared object the runtime loads with dlopen: the
// work-item entry points of DecodeModule.h (`_mlir_ciface_spotlight_*`) and
// the string `spotlight_manifest`. For the CPU they hold vectorized host
// code; for CUDA they hold host code that launches the kernels, with the
// kernels embedded (a fatbin, the cubin for the chip plus the PTX, when the
// toolkit has ptxas and fatbinary; else PTX for the driver to JIT), calling
// the `spotlight_mgpu*` functions the runtime provides.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_TARGET_ARTIFACT_H
#define SPOTLIGHT_TARGET_ARTIFACT_H

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace spotlight {
struct DecodeGeometry;

enum class ArtifactTarget { CPU, CUDA };

struct ArtifactOptions {
  ArtifactTarget target = ArtifactTarget::CPU;
  std::string chip = "sm_90"; ///< CUDA: sm_80 or sm_90
  std::string cudaToolkit;    ///< CUDA: libdevice and ptxas; empty: found
};

/// The CUDA toolkit from $CUDA_HOME, $CUDA_PATH, $CUDA_ROOT or
/// /usr/local/cuda; empty when none exists.
std::string findCudaToolkit();

/// Whether `toolkit` can build a fatbin (it has ptxas and fatbinary).
bool canBuildFatbin(const std::string &toolkit);

/// The chip to compile for a GPU of compute capability `cc` (10 * major +
/// minor): sm_90 from 9.0, sm_80 from 8.0 (the cubin runs on its own major
/// version only; newer GPUs JIT the PTX), empty below.
std::string chipForComputeCapability(int cc);

/// Checks that `module` is the work-item module of `model`: its entry
/// points have exactly the types the ABI derives from the geometry, and its
/// selection and attention ops carry the geometry's parameters. The first
/// disagreement is reported at its op, and `error` says the module failed.
bool verifyArtifactModule(mlir::ModuleOp module, const DecodeGeometry &model,
                          std::string &error);

/// Erases the entry points an artifact of `model` does not hold (a CUDA
/// artifact has no use for the CPU's per-head and per-range steps, whose
/// ops only the CPU lowers), so that a module generated for one target
/// compiles for the other.
void dropEntriesNotInArtifact(mlir::ModuleOp module,
                              const DecodeGeometry &model);

/// Generates the work-item module of `model`, lowers it for the target and
/// writes the runtime artifact to `path`.
bool compileArtifact(const DecodeGeometry &model, const std::string &path,
                     std::string &error, const ArtifactOptions &options = {});

} // namespace spotlight

#endif // SPOTLIGHT_TARGET_ARTIFACT_H
