//===- SpotlightToCPU.cpp - The optimized CPU lowering pass ---------------===//
//
//   spotlight.*  ->  scf + vector + memref (fused, vectorized loops)
//
// The patterns live one file per op family; this file gathers them and runs
// them as a partial conversion in which the whole dialect is illegal.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Conversion/SpotlightToCPU/SpotlightToCPU.h"
#include "../Utils/LoweringPass.h"
#include "spotlight/Dialect/Spotlight/IR/SpotlightDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"

namespace mlir::spotlight {
#define GEN_PASS_DEF_CONVERTSPOTLIGHTTOCPU
#include "spotlight/Conversion/Passes.h.inc"
} // namespace mlir::spotlight

using namespace mlir;
using namespace mlir::spotlight;

std::optional<CPUVectorISA> mlir::spotlight::cpuVectorISA(StringRef cpu) {
  llvm::StringMap<bool> features;
  if (cpu.empty() || cpu == "native") {
    features = llvm::sys::getHostCPUFeatures();
  } else {
    // Only x86 CPUs have more than the generic path, so names are x86
    // names ("native" covers any host).
    if (llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) == llvm::X86::CK_None)
      return std::nullopt;
    SmallVector<StringRef> names;
    llvm::X86::getFeaturesForCPU(cpu, names);
    for (StringRef name : names)
      features[name] = true;
  }
  auto has = [&](StringRef feature) { return features.lookup(feature); };
  if (has("avx512f") && has("avx512bf16"))
    return CPUVectorISA::AVX512BF16;
  if (has("avx512f"))
    return CPUVectorISA::AVX512;
  if (has("avx2") && has("fma"))
    return CPUVectorISA::AVX2;
  return CPUVectorISA::Generic;
}

StringRef mlir::spotlight::stringifyCPUVectorISA(CPUVectorISA isa) {
  switch (isa) {
  case CPUVectorISA::Generic:
    return "generic";
  case CPUVectorISA::AVX2:
    return "avx2";
  case CPUVectorISA::AVX512:
    return "avx512";
  case CPUVectorISA::AVX512BF16:
    return "avx512bf16";
  }
  return "generic";
}

void mlir::spotlight::populateSpotlightToCPUPatterns(
    RewritePatternSet &patterns, CPUVectorISA isa) {
  populateHashEncodeToCPUPatterns(patterns, isa);
  populateHammingTopKToCPUPatterns(patterns);
  populateAttentionToCPUPatterns(patterns, isa);
  populateCacheWriteToCPUPatterns(patterns);
}

namespace {
struct ConvertSpotlightToCPUPass
    : LoweringPass<spotlight::impl::ConvertSpotlightToCPUBase<
          ConvertSpotlightToCPUPass>> {
  using LoweringPass::LoweringPass;

  LogicalResult configure(ConversionTarget &target,
                          RewritePatternSet &patterns) override {
    target.addIllegalDialect<SpotlightDialect>();
    std::optional<CPUVectorISA> isa = cpuVectorISA(cpu);
    if (!isa)
      return emitError(getOperation()->getLoc(),
                       "convert-spotlight-to-cpu: unknown CPU '")
             << cpu
             << "' (native, or the LLVM name of a 64-bit x86 CPU such as "
                "haswell)";
    populateSpotlightToCPUPatterns(patterns, *isa);
    return success();
  }
};
} // namespace
