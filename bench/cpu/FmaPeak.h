//===- FmaPeak.h - The machine's measured arithmetic peaks ------*- C++ -*-===//

#ifndef SPOTLIGHT_BENCH_CPU_FMAPEAK_H
#define SPOTLIGHT_BENCH_CPU_FMAPEAK_H

#include <string>

namespace spotlight::bench {

/// Flops per second a loop of vector FMAs reaches on every core: f32, and
/// bf16 dot products where the CPU has AVX512_BF16 (else 0).
struct ArithmeticPeaks {
  double f32 = 0, bf16 = 0;
  std::string f32Path = "none", bf16Path = "none";
};

ArithmeticPeaks measureArithmeticPeaks(unsigned threads);

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_CPU_FMAPEAK_H
