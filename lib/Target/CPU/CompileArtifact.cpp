//===- CompileArtifact.cpp - Model geometry to runtime artifact -----------===//

#include "spotlight/Codegen/DecodeModule.h"
#include "spotlight/InitAll.h"
#include "spotlight/Pipelines/Pipelines.h"
#include "spotlight/Target/CPUArtifact.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

namespace spotlight {

bool compileArtifact(const DecodeGeometry &model, const std::string &path,
                     std::string &error) {
  mlir::DialectRegistry registry;
  mlir::spotlight::registerSpotlightToolDialects(registry);
  mlir::MLIRContext context(registry);
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(buildArtifactModule(model),
                                           "decode.mlir"),
      llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagStream);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  mlir::PassManager pm(&context);
  mlir::spotlight::buildSpotlightCPUToLLVMPipeline(pm);
  if (!module || mlir::failed(pm.run(*module))) {
    error = "compiling the decode module failed:\n" + diagnostics;
    return false;
  }
  return emitForHost(*module, CPUOutput::Artifact, writeManifest(model), path,
                     error);
}

} // namespace spotlight
