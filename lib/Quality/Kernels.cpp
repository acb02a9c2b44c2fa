//===- Kernels.cpp - Pick the kernel variant the CPU supports -------------===//

#include "Kernels.h"

#include <cstdlib>
#include <cstring>

namespace spotlight::quality::kernels {

#define SPOTLIGHT_DECLARE_KERNELS(NS)                                          \
  namespace NS {                                                               \
  void gemm(int64_t, int64_t, int64_t, const float *, int64_t, bool,           \
            const float *, int64_t, float *, int64_t, bool);                   \
  void keyMajorDots(const float *, const float *, int64_t, int64_t,            \
                    const int64_t *, const int32_t *, const int32_t *,         \
                    float *);                                                  \
  void keyMajorDotsBackward(const float *, const float *, int64_t, int64_t,    \
                            const int64_t *, const int32_t *, const int32_t *, \
                            const float *, float *, float *);                  \
  double pairwise(const float *, int64_t, const float *, int64_t, float *,     \
                  float *, bool);                                              \
  void matchingBits(const uint32_t *, const uint32_t *, int64_t, int64_t,      \
                    int32_t *);                                                \
  void siluResidual(const float *, const float *, float *, int64_t);           \
  void siluBackward(const float *, const float *, float *, int64_t);           \
  void softsign(const float *, float, float *, int64_t);                       \
  void softsignBackward(const float *, float, const float *, float *,          \
                        int64_t);                                              \
  }

SPOTLIGHT_DECLARE_KERNELS(generic)
#ifdef SPOTLIGHT_QUALITY_X86_VARIANTS
SPOTLIGHT_DECLARE_KERNELS(avx2)
SPOTLIGHT_DECLARE_KERNELS(avx512)
#endif

namespace {
enum class Isa { Generic, Avx2, Avx512 };

/// The best variant the CPU runs, or a lower one named by the environment
/// variable SPOTLIGHT_QUALITY_ISA (generic, avx2, avx512) for testing.
Isa detect() {
  Isa best = Isa::Generic;
#ifdef SPOTLIGHT_QUALITY_X86_VARIANTS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("popcnt"))
    best = Isa::Avx2;
  if (best == Isa::Avx2 && __builtin_cpu_supports("avx512f") &&
      __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw"))
    best = Isa::Avx512;
#endif
  if (const char *name = std::getenv("SPOTLIGHT_QUALITY_ISA")) {
    Isa wanted = std::strcmp(name, "generic") == 0 ? Isa::Generic
                 : std::strcmp(name, "avx2") == 0  ? Isa::Avx2
                                                   : Isa::Avx512;
    if (static_cast<int>(wanted) < static_cast<int>(best))
      best = wanted;
  }
  return best;
}

const Isa isa = detect();
} // namespace

#ifdef SPOTLIGHT_QUALITY_X86_VARIANTS
#define SPOTLIGHT_DISPATCH(CALL)                                               \
  switch (isa) {                                                               \
  case Isa::Avx512:                                                            \
    return avx512::CALL;                                                       \
  case Isa::Avx2:                                                              \
    return avx2::CALL;                                                         \
  case Isa::Generic:                                                           \
    break;                                                                     \
  }                                                                            \
  return generic::CALL
#else
#define SPOTLIGHT_DISPATCH(CALL) return generic::CALL
#endif

void gemm(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda,
          bool transA, const float *B, int64_t ldb, float *C, int64_t ldc,
          bool accumulate) {
  SPOTLIGHT_DISPATCH(gemm(m, n, k, A, lda, transA, B, ldb, C, ldc, accumulate));
}

void keyMajorDots(const float *queries, const float *rows, int64_t d,
                  int64_t keys, const int64_t *keyBegin, const int32_t *order,
                  const int32_t *entryQuery, float *scores) {
  SPOTLIGHT_DISPATCH(keyMajorDots(queries, rows, d, keys, keyBegin, order,
                                  entryQuery, scores));
}

void keyMajorDotsBackward(const float *queries, const float *rows, int64_t d,
                          int64_t keys, const int64_t *keyBegin,
                          const int32_t *order, const int32_t *entryQuery,
                          const float *g, float *queryGrads, float *rowGrads) {
  SPOTLIGHT_DISPATCH(keyMajorDotsBackward(queries, rows, d, keys, keyBegin,
                                          order, entryQuery, g, queryGrads,
                                          rowGrads));
}

double pairwise(const float *a, int64_t P, const float *b, int64_t N, float *ra,
                float *rb, bool wantLoss) {
  SPOTLIGHT_DISPATCH(pairwise(a, P, b, N, ra, rb, wantLoss));
}

void matchingBits(const uint32_t *q, const uint32_t *keys, int64_t words,
                  int64_t n, int32_t *out) {
  SPOTLIGHT_DISPATCH(matchingBits(q, keys, words, n, out));
}

void siluResidual(const float *a1, const float *x, float *h1, int64_t n) {
  SPOTLIGHT_DISPATCH(siluResidual(a1, x, h1, n));
}

void siluBackward(const float *a1, const float *dH1, float *dA1, int64_t n) {
  SPOTLIGHT_DISPATCH(siluBackward(a1, dH1, dA1, n));
}

void softsign(const float *h, float g, float *u, int64_t n) {
  SPOTLIGHT_DISPATCH(softsign(h, g, u, n));
}

void softsignBackward(const float *h, float g, const float *dU, float *dH,
                      int64_t n) {
  SPOTLIGHT_DISPATCH(softsignBackward(h, g, dU, dH, n));
}

const char *isaName() {
  switch (isa) {
  case Isa::Avx512:
    return "avx512";
  case Isa::Avx2:
    return "avx2";
  case Isa::Generic:
    break;
  }
  return "generic";
}

} // namespace spotlight::quality::kernels
