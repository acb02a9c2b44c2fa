//===- DialectFuzzer.cpp - Fuzz the dialect parser, verifier, conversions -===//
//
// The input is MLIR text. It is parsed and verified with the spotlight
// dialect and the upstream dialects the spotlight ops and their lowerings
// use; when it verifies, every conversion pass of
// include/spotlight/Conversion/Passes.td runs on a clone of the module.
// Diagnostics are swallowed: a parse error, a verifier error or a failing
// pass is a fine answer to a bad input; a crash or an ASan/UBSan report is a
// bug.
//
// A custom mutator changes one shaped type everywhere it occurs, besides
// libFuzzer's byte mutations (mutateShapedType).
//
// Only the project's libraries (the dialect and the conversions) carry the
// coverage instrumentation; libMLIR.so is used as it is, so the fuzzer steers
// by our code. Not every upstream dialect is registered (spotlight-opt does
// register them all): inputs made of ops our code never sees would only fuzz
// upstream MLIR.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/Passes.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace mlir;

namespace {

/// One context for the whole run: registering and loading dialects costs
/// far more than parsing a small module.
MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    registry.insert<spotlight::SpotlightDialect, arith::ArithDialect,
                    bufferization::BufferizationDialect,
                    cf::ControlFlowDialect, func::FuncDialect,
                    gpu::GPUDialect, linalg::LinalgDialect, math::MathDialect,
                    memref::MemRefDialect, scf::SCFDialect,
                    tensor::TensorDialect, vector::VectorDialect>();
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    // Every diagnostic is an expected answer to a bad input.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *ctx;
}

/// The conversions, each run alone on its own clone of the input.
const std::function<void(PassManager &)> kConversions[] = {
    [](PassManager &pm) {
      pm.addPass(spotlight::createConvertSpotlightToLinalg());
    },
    [](PassManager &pm) {
      pm.addPass(spotlight::createConvertSpotlightToCPU());
    },
    [](PassManager &pm) {
      pm.addPass(spotlight::createConvertSpotlightToGPU());
    },
    [](PassManager &pm) {
      spotlight::ConvertSpotlightToGPUOptions options;
      options.emulate = true;
      pm.addPass(spotlight::createConvertSpotlightToGPU(options));
    },
    [](PassManager &pm) {
      pm.addPass(spotlight::createSpotlightMergeGPUModules());
    },
    [](PassManager &pm) {
      pm.addNestedPass<func::FuncOp>(
          spotlight::createSpotlightGPUHostBuffers());
    },
};

/// Replaces every occurrence of one shaped type (`tensor<1x8x1x2xi32>`) by
/// the same variant, so that a function's signature and its ops' type lists
/// still agree: byte mutations, which change one occurrence only, almost
/// never make a module that parses with a new shape. The variant has one
/// dimension made dynamic, 0, 1, larger or huge, or another element type.
size_t mutateShapedType(std::string &text, unsigned seed) {
  std::vector<std::pair<size_t, size_t>> types; // [begin, end)
  for (const char *prefix : {"tensor<", "memref<"})
    for (size_t at = text.find(prefix); at != std::string::npos;
         at = text.find(prefix, at + 1)) {
      size_t end = text.find('>', at);
      if (end != std::string::npos)
        types.push_back({at, end + 1});
    }
  if (types.empty())
    return 0;
  auto [begin, end] = types[seed % types.size()];
  seed /= types.size();
  const std::string type = text.substr(begin, end - begin);
  const size_t open = type.find('<') + 1;
  std::vector<std::string> parts; // dims, then the element type
  for (size_t at = open;;) {
    size_t x = type.find('x', at);
    if (x == std::string::npos || x > type.size() - 1) {
      parts.push_back(type.substr(at, type.size() - 1 - at));
      break;
    }
    parts.push_back(type.substr(at, x - at));
    at = x + 1;
  }
  static const char *const kDims[] = {"?", "0", "1", "2", "3", "5", "64",
                                      "4611686018427387904"};
  static const char *const kElements[] = {"i32", "f32", "f16", "bf16", "i64",
                                          "i1"};
  size_t which = seed % parts.size();
  seed /= parts.size();
  if (which + 1 == parts.size())
    parts[which] = kElements[seed % std::size(kElements)];
  else if (seed % 9 == 8)
    parts.erase(parts.begin() + which); // one dimension fewer
  else
    parts[which] = kDims[seed % std::size(kDims)];
  std::string variant = type.substr(0, open);
  for (size_t i = 0; i < parts.size(); ++i)
    variant += (i ? "x" : "") + parts[i];
  variant += ">";
  std::string result;
  for (size_t at = 0;;) {
    size_t next = text.find(type, at);
    result += text.substr(at, next - at);
    if (next == std::string::npos)
      break;
    result += variant;
    at = next + type.size();
  }
  text = std::move(result);
  return text.size();
}

} // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

/// Half the mutations are libFuzzer's, half change one shaped type
/// consistently (mutateShapedType).
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned seed) {
  if (seed % 2 == 0)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::string text(reinterpret_cast<char *>(data), size);
  size_t newSize = mutateShapedType(text, seed / 2);
  if (newSize == 0 || newSize > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, text.data(), newSize);
  return newSize;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &ctx = context();
  // The lexer relies on the buffer's terminating NUL: give it a copy.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "fuzz.mlir"),
      llvm::SMLoc());
  // Parsing verifies the module too.
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&ctx));
  if (!module)
    return 0;
  for (const auto &addConversion : kConversions) {
    OwningOpRef<ModuleOp> clone = module->clone();
    PassManager pm(&ctx);
    addConversion(pm);
    (void)pm.run(*clone);
  }
  return 0;
}
