//===- JitModule.cpp - JIT-compiled spotlight modules ---------------------===//

#include "spotlight/ExecutionEngine/JitModule.h"
#include "spotlight/InitAll.h"
#include "spotlight/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

namespace spotlight {

struct JitModule::Impl {
  mlir::MLIRContext context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

JitModule::JitModule(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
JitModule::~JitModule() = default;

std::unique_ptr<JitModule> JitModule::create(const std::string &irText,
                                             Lowering lowering,
                                             std::string &error,
                                             const std::string &cpu) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  auto impl = std::make_unique<Impl>();
  mlir::DialectRegistry registry;
  mlir::spotlight::registerSpotlightToolDialects(registry);
  impl->context.appendDialectRegistry(registry);

  // Collect every diagnostic into `error` instead of printing to stderr.
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(irText, "decode.mlir"),
      llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &impl->context,
                                           diagStream);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &impl->context);
  if (!module) {
    error = "cannot parse the module:\n" + diagnostics;
    return nullptr;
  }
  mlir::PassManager pm(&impl->context);
  switch (lowering) {
  case Lowering::Reference:
    mlir::spotlight::buildSpotlightReferenceToLLVMPipeline(pm);
    break;
  case Lowering::CPU:
    mlir::spotlight::buildSpotlightCPUToLLVMPipeline(pm, cpu);
    break;
  case Lowering::GPUEmulation:
    mlir::spotlight::buildSpotlightGPUEmulationToLLVMPipeline(pm);
    break;
  }
  if (mlir::failed(pm.run(*module))) {
    error = "lowering failed:\n" + diagnostics;
    return nullptr;
  }

  // options.transformer is a function_ref: the function must outlive it.
  std::function<llvm::Error(llvm::Module *)> optimize =
      mlir::makeOptimizingTransformer(3, 0, nullptr);
  mlir::ExecutionEngineOptions options;
  options.transformer = optimize;
  auto engine = mlir::ExecutionEngine::create(*module, options);
  if (!engine) {
    error = "JIT compilation failed: " + llvm::toString(engine.takeError());
    return nullptr;
  }
  impl->engine = std::move(*engine);
  return std::unique_ptr<JitModule>(new JitModule(std::move(impl)));
}

bool JitModule::call(const std::string &name,
                     const std::vector<void *> &descriptors,
                     std::string &error) {
  // invokePacked takes a pointer to each argument; each argument is itself
  // a pointer to a memref descriptor.
  std::vector<void *> arguments(descriptors.begin(), descriptors.end());
  llvm::SmallVector<void *> packed;
  for (void *&argument : arguments)
    packed.push_back(&argument);
  if (llvm::Error err =
          impl->engine->invokePacked("_mlir_ciface_" + name, packed)) {
    error = llvm::toString(std::move(err));
    return false;
  }
  return true;
}

} // namespace spotlight
