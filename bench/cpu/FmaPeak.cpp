//===- FmaPeak.cpp - The machine's measured arithmetic peaks --------------===//
//
// Sixteen independent accumulator chains per thread, enough to cover the
// FMA latency on every x86 core of the last decade, one thread per core:
// the rate is the most a loop of FMAs (f32) or of bf16 dot products
// (vdpbf16ps: 32 bf16 pairs into 16 f32 sums) can reach here. Each path is
// compiled for its instruction set and picked by what the CPU reports.
//
//===----------------------------------------------------------------------===//

#include "FmaPeak.h"
#include "RuntimeCalls.h"

#include <immintrin.h>
#include <vector>

namespace spotlight::bench {
namespace {
constexpr int kChains = 16;
constexpr int64_t kIterations = int64_t(1) << 22;

/// Flops per iteration and the loop itself, per instruction set.
__attribute__((target("avx512f"))) float fmaLoop512(float seed) {
  __m512 acc[kChains];
  const __m512 a = _mm512_set1_ps(seed), b = _mm512_set1_ps(1e-7f);
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm512_set1_ps(seed + c);
  for (int64_t i = 0; i < kIterations; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm512_fmadd_ps(acc[c], b, a);
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

__attribute__((target("avx2,fma"))) float fmaLoop256(float seed) {
  __m256 acc[kChains];
  const __m256 a = _mm256_set1_ps(seed), b = _mm256_set1_ps(1e-7f);
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm256_set1_ps(seed + c);
  for (int64_t i = 0; i < kIterations; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm256_fmadd_ps(acc[c], b, a);
  float out[8];
  __m256 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm256_add_ps(sum, acc[c]);
  _mm256_storeu_ps(out, sum);
  return out[0];
}

__attribute__((target("avx512f,avx512bf16"))) float bf16Loop512(float seed) {
  __m512 acc[kChains];
  const __m512bh a = _mm512_cvtne2ps_pbh(_mm512_set1_ps(seed),
                                         _mm512_set1_ps(1e-3f));
  for (int c = 0; c < kChains; ++c)
    acc[c] = _mm512_set1_ps(seed + c);
  for (int64_t i = 0; i < kIterations; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = _mm512_dpbf16_ps(acc[c], a, a);
  __m512 sum = acc[0];
  for (int c = 1; c < kChains; ++c)
    sum = _mm512_add_ps(sum, acc[c]);
  return _mm512_reduce_add_ps(sum);
}

/// Flops/s of `loop` (doing `flopsPerIteration` per iteration) on
/// `threads` threads at once, the best of three runs.
double rate(float (*loop)(float), double flopsPerIteration, unsigned threads) {
  std::vector<float> sink(threads);
  double seconds = fastestOnThreads(
      3, threads, [&](unsigned t) { sink[t] = loop(1.0f + float(t)); });
  return flopsPerIteration * kIterations * threads / seconds;
}
} // namespace

ArithmeticPeaks measureArithmeticPeaks(unsigned threads) {
  ArithmeticPeaks peaks;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) {
    peaks.f32 = rate(fmaLoop512, kChains * 16 * 2, threads);
    peaks.f32Path = "avx512 vfmadd";
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    peaks.f32 = rate(fmaLoop256, kChains * 8 * 2, threads);
    peaks.f32Path = "avx2 vfmadd";
  }
  if (__builtin_cpu_supports("avx512bf16")) {
    peaks.bf16 = rate(bf16Loop512, kChains * 32 * 2, threads);
    peaks.bf16Path = "avx512 vdpbf16ps";
  }
  return peaks;
}

} // namespace spotlight::bench
