//===- spotlight-compile.cpp - Ahead-of-time compiler for decode modules --===//
//
//   spotlight-compile decode.mlir --target=cpu -o decode.spt
//   spotlight-compile --model qwen2.5-7b -o qwen.spt          (no IR needed)
//   spotlight-compile ... -emit=mlir|mlir-cpu|mlir-llvm|llvm|asm|obj
//   spotlight-compile ... --cpu=haswell -o portable.spt   (default: native)
//   spotlight-compile ... --target=cuda --chip=sm_90 -o decode-sm90.spt
//   spotlight-compile ... --target=cuda -emit=gpu|nvvm|ptx|mlir-llvm|llvm
//
// The artifact is a shared object exporting the work-item entry points
// (`_mlir_ciface_spotlight_decode` and the others of DecodeModule.h) and
// the string `spotlight_manifest` that describes the model geometry and the
// target; the runtime loads it with dlopen. A CUDA artifact's entry points
// are host code that launches the embedded kernels (Target/Artifact.h).
//
//===----------------------------------------------------------------------===//

#include "spotlight/Codegen/DecodeModule.h"
#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "spotlight/Conversion/SpotlightToGPU/SpotlightToGPU.h"
#include "spotlight/InitAll.h"
#include "spotlight/Pipelines/Pipelines.h"
#include "spotlight/Support/IO/OutputFile.h"
#include "spotlight/Target/Artifact.h"
#include "spotlight/Target/HostCode.h"
#include "spotlight/Tools/GeometryOptions.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace spotlight;
namespace cl = llvm::cl;

namespace {
enum class Emit {
  MLIR,
  MLIRCPU,
  MLIRLLVM,
  LLVMIR,
  Asm,
  Obj,
  Artifact, // cpu
  GPU,
  NVVM,
  PTX // cuda
};

cl::OptionCategory category("spotlight-compile options");
cl::opt<std::string> inputFile(cl::Positional,
                               cl::desc("[decode module .mlir]"), cl::init(""),
                               cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file"), cl::init("-"),
                                cl::cat(category));
cl::opt<std::string> target("target", cl::desc("Target: cpu or cuda"),
                            cl::init("cpu"), cl::cat(category));
cl::opt<std::string> cpu(
    "cpu",
    cl::desc("CPU the code is for: native (the host, default) or an LLVM CPU "
             "name (x86-64, haswell, skylake-avx512, znver4, ...); it chooses "
             "the attention loops' vector code and the machine code"),
    cl::init("native"), cl::cat(category));
cl::opt<std::string> chip("chip", cl::desc("CUDA target chip: sm_80 or sm_90"),
                          cl::init("sm_90"), cl::cat(category));
cl::opt<std::string> cudaPath(
    "cuda-path",
    cl::desc("CUDA toolkit for libdevice (default: $CUDA_HOME, $CUDA_PATH, "
             "then /usr/local/cuda)"),
    cl::cat(category));

/// The CUDA toolkit to take libdevice and ptxas from.
std::string cudaToolkit() {
  return cudaPath.empty() ? findCudaToolkit() : std::string(cudaPath);
}

/// The options of the CUDA pipeline: a fatbin when the toolkit can build one.
mlir::spotlight::GPUPipelineOptions gpuOptions() {
  mlir::spotlight::GPUPipelineOptions options;
  options.chip = chip;
  options.toolkitPath = cudaToolkit();
  options.fatbin = canBuildFatbin(options.toolkitPath);
  return options;
}
cl::opt<Emit> emit(
    "emit", cl::desc("Stop at a stage"), cl::init(Emit::Artifact),
    cl::values(clEnumValN(Emit::MLIR, "mlir", "the spotlight decode module"),
               clEnumValN(Emit::MLIRCPU, "mlir-cpu",
                          "after convert-spotlight-to-cpu (vector loops)"),
               clEnumValN(Emit::MLIRLLVM, "mlir-llvm", "the LLVM dialect"),
               clEnumValN(Emit::LLVMIR, "llvm", "LLVM IR after -O3"),
               clEnumValN(Emit::Asm, "asm", "host assembly"),
               clEnumValN(Emit::Obj, "obj", "host object file"),
               clEnumValN(Emit::Artifact, "artifact",
                          "runtime artifact (.spt shared object, default)"),
               clEnumValN(Emit::GPU, "gpu",
                          "cuda: the kernels as gpu.launch ops"),
               clEnumValN(Emit::NVVM, "nvvm",
                          "cuda: outlined kernels in the NVVM dialect"),
               clEnumValN(Emit::PTX, "ptx", "cuda: the kernels' PTX")),
    cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "spotlight-compile: error: " << message << "\n";
  return 1;
}

/// The module: the input file, or the one built from the geometry flags.
mlir::OwningOpRef<mlir::ModuleOp> loadModule(mlir::MLIRContext &context,
                                             llvm::SourceMgr &sourceMgr,
                                             std::string &name) {
  if (inputFile.empty()) {
    name = "<generated>";
    DecodeGeometry model;
    std::string error;
    if (!geometryFromOptions(model, error)) {
      fail(error);
      return nullptr;
    }
    return buildArtifactModule(context, model);
  }
  name = inputFile;
  std::string error;
  auto buffer = llvm::MemoryBuffer::getFileOrSTDIN(inputFile);
  if (!buffer) {
    fail("cannot read '" + inputFile + "': " + buffer.getError().message());
    return nullptr;
  }
  sourceMgr.AddNewSourceBuffer(std::move(*buffer), llvm::SMLoc());
  // A parse error is printed by the diagnostic handler, located.
  return mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
}

/// The CUDA stages: gpu.launch kernels, NVVM, or PTX.
bool emitCUDA(mlir::ModuleOp module, mlir::MLIRContext &context) {
  mlir::PassManager pm(&context);
  if (emit == Emit::GPU) {
    mlir::spotlight::addSpotlightTransforms(pm);
    pm.addPass(mlir::spotlight::createConvertSpotlightToGPU());
  } else {
    mlir::spotlight::GPUPipelineOptions options = gpuOptions();
    options.stopAtNVVM = emit == Emit::NVVM;
    options.fatbin = false; // -emit=ptx prints the PTX
    mlir::spotlight::buildSpotlightGPUToPTXPipeline(pm, options);
  }
  if (mlir::failed(mlir::spotlight::runPipeline(pm, module)))
    return false;
  std::string error;
  bool ok = io::writeFileSafely(
      outputFile,
      [&](llvm::raw_ostream &os) {
        if (emit != Emit::PTX) {
          module.print(os);
          return;
        }
        module.walk([&](mlir::gpu::BinaryOp binary) {
          for (mlir::Attribute object : binary.getObjects())
            os << llvm::cast<mlir::gpu::ObjectAttr>(object)
                      .getObject()
                      .getValue();
        });
      },
      error);
  if (!ok)
    llvm::errs() << "spotlight-compile: error: " << error << "\n";
  return ok;
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &geometryCategory()});
  cl::ParseCommandLineOptions(
      argc, argv,
      "Spotlight ahead-of-time compiler\n\n"
      "Compiles a decode module (a file, or the one generated from the model "
      "geometry flags) into a runtime artifact or an intermediate stage.\n");
  const bool cuda = target == "cuda";
  // What the host code is compiled for: --cpu, or the baseline for the
  // launch code of a CUDA artifact (hostCodeCPU).
  auto hostCPU = [&] {
    return cuda ? hostCodeCPU(ArtifactTarget::CUDA) : std::string(cpu);
  };
  if (target != "cpu" && !cuda)
    return fail("unknown --target '" + target + "' (cpu or cuda)");
  const bool gpuStage =
      emit == Emit::GPU || emit == Emit::NVVM || emit == Emit::PTX;
  if (gpuStage && !cuda)
    return fail("-emit=gpu|nvvm|ptx needs --target=cuda");
  if (cuda && emit == Emit::MLIRCPU)
    return fail("-emit=mlir-cpu is a stage of --target=cpu");
  if (!cudaPath.empty() && !llvm::sys::fs::is_directory(cudaPath))
    return fail("--cuda-path '" + cudaPath + "' is not a directory");
  if (chip != "sm_80" && chip != "sm_90")
    return fail("unknown --chip '" + chip + "' (sm_80 or sm_90)");
  if (!cuda && chip.getNumOccurrences())
    return fail("--chip is a CUDA option: add --target=cuda");
  if (cuda && cpu.getNumOccurrences())
    return fail("--cpu is a CPU option: the CUDA target has --chip");
  if (!mlir::spotlight::cpuVectorISA(cpu))
    return fail("unknown --cpu '" + cpu +
                "' (native, or the LLVM name of a 64-bit x86 CPU such as haswell)");
  if (emit == Emit::Artifact && outputFile == "-")
    return fail("an artifact needs an output file: -o decode.spt");

  mlir::DialectRegistry registry;
  mlir::spotlight::registerSpotlightToolDialects(registry);
  mlir::MLIRContext context(registry);
  // Errors are one located line each, not a dump of the failing op.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  std::string name, error;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      loadModule(context, sourceMgr, name);
  if (!module)
    return 1; // reported

  std::string manifest;
  if (auto attr =
          (*module)->getAttrOfType<mlir::StringAttr>(abi::kManifestAttribute))
    manifest = attr.str();
  if (emit == Emit::Artifact) {
    DecodeGeometry model;
    if (manifest.empty())
      return fail("'" + name + "' has no " + abi::kManifestAttribute +
                  " attribute: an artifact needs the work-item module of a "
                  "model geometry (generate one with spotlight-compile "
                  "-emit=mlir --model ...)");
    if (!abi::parseGeometry(manifest, model, error))
      return fail("bad " + std::string(abi::kManifestAttribute) + ": " + error);
    if (!verifyArtifactModule(*module, model, error))
      return fail("'" + name +
                  "' is not the module its manifest describes: " + error);
    // The manifest says what the code was compiled for: the target, and the
    // CPU features its host code may use.
    model.target = cuda ? std::string(chip) : "cpu";
    model.hostFeatures = hostCodeFeatures(hostCPU(), error);
    if (model.hostFeatures.empty())
      return fail(error);
    manifest = abi::writeManifest(model);
  }
  // A module generated for the CPU holds its per-head and per-range steps.
  if (DecodeGeometry model;
      cuda && !manifest.empty() && abi::parseGeometry(manifest, model, error)) {
    model.target = chip;
    dropEntriesNotInArtifact(*module, model);
  }

  auto print = [&](llvm::raw_ostream &os) { module->print(os); };
  if (emit == Emit::MLIR)
    return io::writeFileSafely(outputFile, print, error) ? 0 : fail(error);

  if (gpuStage)
    return emitCUDA(*module, context) ? 0 : 1;

  mlir::PassManager pm(&context);
  if (cuda) {
    mlir::spotlight::buildSpotlightGPUToLLVMPipeline(pm, gpuOptions());
  } else if (emit == Emit::MLIRCPU) {
    mlir::spotlight::addSpotlightTransforms(pm);
    mlir::spotlight::ConvertSpotlightToCPUOptions options;
    options.cpu = cpu;
    pm.addPass(mlir::spotlight::createConvertSpotlightToCPU(options));
  } else {
    mlir::spotlight::buildSpotlightCPUToLLVMPipeline(pm, cpu);
  }
  if (mlir::failed(mlir::spotlight::runPipeline(pm, *module)))
    return 1;
  if (emit == Emit::MLIRCPU || emit == Emit::MLIRLLVM)
    return io::writeFileSafely(outputFile, print, error) ? 0 : fail(error);

  CPUOutput output = emit == Emit::LLVMIR ? CPUOutput::LLVMIR
                     : emit == Emit::Asm  ? CPUOutput::Assembly
                     : emit == Emit::Obj  ? CPUOutput::Object
                                          : CPUOutput::Artifact;
  if (!emitForHost(*module, output, manifest, outputFile, error, hostCPU()))
    return fail(error);
  return 0;
}
