//===- HostCode.cpp - Host code and runtime artifacts ---------------------===//
//
//   LLVM dialect --translate--> LLVM IR --O3 for the host CPU-->
//     .ll | .s | .o | artifact (.o linked by `cc -shared`, + manifest)
//
//===----------------------------------------------------------------------===//

#include "spotlight/Target/HostCode.h"

#include "spotlight/ABI/GPUSymbols.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/Support/IO/OutputFile.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

namespace spotlight {
namespace {
std::unique_ptr<llvm::TargetMachine> hostTargetMachine(const std::string &cpu,
                                                       std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  // A named CPU brings its own features; the host's are detected.
  const bool native = cpu.empty() || cpu == "native";
  llvm::SubtargetFeatures features;
  if (native)
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature.first(), feature.second);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, native ? llvm::sys::getHostCPUName() : llvm::StringRef(cpu),
      features.getString(),
      llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    error = "cannot create a target machine for " + triple.str();
  return machine;
}

bool writeMachineCode(llvm::Module &module, llvm::TargetMachine &machine,
                      llvm::CodeGenFileType type, const std::string &path,
                      std::string &error) {
  // Emitted in memory first: objects need a seekable stream, and a failed
  // write must leave no partial file (and no fatal stream error) behind.
  llvm::SmallVector<char, 0> code;
  llvm::raw_svector_ostream codeStream(code);
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, codeStream, nullptr, type)) {
    error = "the target cannot emit this file type";
    return false;
  }
  passes.run(module);
  return io::writeFileSafely(
      path,
      [&](llvm::raw_ostream &os) {
        os << llvm::StringRef(code.data(), code.size());
      },
      error);
}

/// Links `object` into the shared object `path` with the system compiler.
bool linkSharedObject(const std::string &object, const std::string &path,
                      std::string &error) {
  llvm::ErrorOr<std::string> cc = llvm::sys::findProgramByName("cc");
  if (!cc)
    cc = llvm::sys::findProgramByName("gcc");
  if (!cc) {
    error = "no C compiler (cc) found to link the artifact";
    return false;
  }
  // -Bsymbolic: calls inside the artifact bind to its own functions.
  llvm::SmallVector<llvm::StringRef> args = {
      *cc, "-shared", "-Wl,-Bsymbolic", "-o", path, object, "-lm"};
  std::string message;
  int rc =
      llvm::sys::ExecuteAndWait(*cc, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "linking the artifact failed (" + *cc + " exited with " +
            std::to_string(rc) + ") " + message;
    return false;
  }
  return true;
}
} // namespace

std::string hostCodeFeatures(const std::string &cpu, std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine = hostTargetMachine(cpu, error);
  if (!machine)
    return "";
  const llvm::MCSubtargetInfo *subtarget = machine->getMCSubtargetInfo();
  std::string features;
  for (const llvm::SubtargetFeatureKV &feature :
       subtarget->getAllProcessorFeatures())
    if (subtarget->getFeatureBits().test(feature.Value))
      features += (features.empty() ? "" : ",") + std::string(feature.Key);
  return features;
}

bool emitForHost(mlir::ModuleOp module, CPUOutput output,
                 const std::string &manifest, const std::string &path,
                 std::string &error, const std::string &cpu) {
  std::unique_ptr<llvm::TargetMachine> machine = hostTargetMachine(cpu, error);
  if (!machine)
    return false;
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return false;
  }
  // A CUDA artifact's host code calls MLIR's mgpu* runtime interface, which
  // the runtime provides renamed (spotlight/ABI/GPUSymbols.def).
  for (llvm::Function &function : *llvmModule) {
    llvm::StringRef name = function.getName();
    if (!function.isDeclaration() || !name.starts_with("mgpu"))
      continue;
    if (!abi::isRuntimeGPUSymbol(std::string_view(name.data(), name.size()))) {
      error = "the host code calls " + name.str() +
              ", which the Spotlight runtime does not provide "
              "(spotlight/ABI/GPUSymbols.def)";
      return false;
    }
    function.setName(abi::kGPUSymbolPrefix + name.str());
  }
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  if (llvm::Error err = mlir::makeOptimizingTransformer(3, 0, machine.get())(
          llvmModule.get())) {
    error = "LLVM optimization failed: " + llvm::toString(std::move(err));
    return false;
  }
  if (!manifest.empty()) {
    llvm::Constant *text =
        llvm::ConstantDataArray::getString(context, manifest);
    new llvm::GlobalVariable(*llvmModule, text->getType(), /*isConstant=*/true,
                             llvm::GlobalValue::ExternalLinkage, text,
                             abi::kManifestSymbol);
  }

  switch (output) {
  case CPUOutput::LLVMIR:
    return io::writeFileSafely(
        path, [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); },
        error);
  case CPUOutput::Assembly:
    return writeMachineCode(*llvmModule, *machine,
                            llvm::CodeGenFileType::AssemblyFile, path, error);
  case CPUOutput::Object:
    return writeMachineCode(*llvmModule, *machine,
                            llvm::CodeGenFileType::ObjectFile, path, error);
  case CPUOutput::Artifact: {
    llvm::SmallString<128> object;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("spotlight", "o", object)) {
      error = "cannot create a temporary object file: " + ec.message();
      return false;
    }
    llvm::FileRemover remover(object);
    return writeMachineCode(*llvmModule, *machine,
                            llvm::CodeGenFileType::ObjectFile,
                            std::string(object), error) &&
           linkSharedObject(std::string(object), path, error);
  }
  }
  return false;
}

} // namespace spotlight
