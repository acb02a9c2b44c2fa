//===- SpotlightToCPU.h - Optimized CPU lowering ----------------*- C++ -*-===//

#ifndef SPOTLIGHT_CONVERSION_SPOTLIGHTTOCPU_SPOTLIGHTTOCPU_H
#define SPOTLIGHT_CONVERSION_SPOTLIGHTTOCPU_SPOTLIGHTTOCPU_H

#include "mlir/Pass/Pass.h"

#include <optional>

namespace mlir {
class RewritePatternSet;
namespace spotlight {

#define GEN_PASS_DECL_CONVERTSPOTLIGHTTOCPU
#include "spotlight/Conversion/Passes.h.inc"

/// The vector code the CPU lowering emits for the attention loops and the
/// key hashing's register tiles, the widest the target CPU runs: bf16 dot
/// products (AVX512_BF16), f32 FMAs on 16 lanes (AVX-512) or 8 (AVX2 with
/// FMA), or generic 4-lane vectors that any CPU runs.
enum class CPUVectorISA { Generic, AVX2, AVX512, AVX512BF16 };

/// The ISA of `cpu`: "native" (or empty) is the host, anything else an LLVM
/// CPU name ("x86-64", "haswell", "skylake-avx512", "znver4"); none for a
/// name LLVM does not know.
std::optional<CPUVectorISA> cpuVectorISA(llvm::StringRef cpu);

/// The ISA's name as tests and diagnostics print it.
llvm::StringRef stringifyCPUVectorISA(CPUVectorISA isa);

/// Patterns lowering every spotlight op to fused, vectorized loops for a
/// CPU with `isa`.
void populateSpotlightToCPUPatterns(RewritePatternSet &patterns,
                                    CPUVectorISA isa);

/// One pattern set per op family (one file each).
void populateHashEncodeToCPUPatterns(RewritePatternSet &patterns,
                                     CPUVectorISA isa);
void populateHammingTopKToCPUPatterns(RewritePatternSet &patterns);
void populateAttentionToCPUPatterns(RewritePatternSet &patterns,
                                    CPUVectorISA isa);
void populateCacheWriteToCPUPatterns(RewritePatternSet &patterns);

} // namespace spotlight
} // namespace mlir

#endif // SPOTLIGHT_CONVERSION_SPOTLIGHTTOCPU_SPOTLIGHTTOCPU_H
