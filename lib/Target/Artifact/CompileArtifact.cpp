//===- CompileArtifact.cpp - Model geometry to runtime artifact -----------===//
//
//   geometry -> work-item decode module -> CPU pipeline | CUDA pipeline
//            -> host LLVM IR (+ embedded kernels) -> shared object
//
//===----------------------------------------------------------------------===//

#include "spotlight/Codegen/DecodeModule.h"
#include "spotlight/InitAll.h"
#include "spotlight/Pipelines/Pipelines.h"
#include "spotlight/Target/HostCode.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

namespace spotlight {

std::string findCudaToolkit() {
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
    if (const char *value = std::getenv(variable))
      if (*value && llvm::sys::fs::is_directory(value))
        return value;
  return llvm::sys::fs::is_directory("/usr/local/cuda") ? "/usr/local/cuda"
                                                        : "";
}

bool canBuildFatbin(const std::string &toolkit) {
  if (toolkit.empty())
    return false;
  for (const char *tool : {"ptxas", "fatbinary"}) {
    llvm::SmallString<128> path(toolkit);
    llvm::sys::path::append(path, "bin", tool);
    if (!llvm::sys::fs::can_execute(path))
      return false;
  }
  return true;
}

std::string chipForComputeCapability(int cc) {
  return cc >= 90 ? "sm_90" : cc >= 80 ? "sm_80" : "";
}

bool compileArtifact(const DecodeGeometry &model, const std::string &path,
                     std::string &error, const ArtifactOptions &options) {
  const bool cuda = options.target == ArtifactTarget::CUDA;
  DecodeGeometry described = model;
  described.target = cuda ? options.chip : "cpu";
  mlir::DialectRegistry registry;
  mlir::spotlight::registerSpotlightToolDialects(registry);
  mlir::MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagStream);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      buildArtifactModule(context, described);
  mlir::PassManager pm(&context);
  if (cuda) {
    mlir::spotlight::GPUPipelineOptions gpu;
    gpu.chip = options.chip;
    gpu.toolkitPath =
        options.cudaToolkit.empty() ? findCudaToolkit() : options.cudaToolkit;
    gpu.fatbin = canBuildFatbin(gpu.toolkitPath);
    mlir::spotlight::buildSpotlightGPUToLLVMPipeline(pm, gpu);
  } else {
    mlir::spotlight::buildSpotlightCPUToLLVMPipeline(pm);
  }
  if (!module || mlir::failed(mlir::spotlight::runPipeline(pm, *module))) {
    error = "compiling the decode module failed:\n" + diagnostics;
    return false;
  }
  const std::string hostCPU = hostCodeCPU(options.target);
  described.hostFeatures = hostCodeFeatures(hostCPU, error);
  if (described.hostFeatures.empty())
    return false;
  return emitForHost(*module, CPUOutput::Artifact,
                     abi::writeManifest(described), path, error, hostCPU);
}

} // namespace spotlight
