//===- Kernels.h - Float kernels for training and evaluation ----*- C++ -*-===//
//
// The few loops that carry all the arithmetic of spotlight-train and
// spotlight-eval. Each is compiled three times (AVX-512, AVX2+FMA, baseline)
// from KernelsImpl.inc and picked once at run time by what the CPU
// supports, so the binaries stay portable. Results are deterministic for a
// given machine: no kernel splits work across threads.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_LIB_QUALITY_KERNELS_H
#define SPOTLIGHT_LIB_QUALITY_KERNELS_H

#include <cstdint>

namespace spotlight::quality::kernels {

/// C[m, n] (+)= op(A) B, row-major: op(A) is A [m, k] (stride lda) or, with
/// `transA`, the transpose of A [k, m] (stride lda); B is [k, n] (ldb).
/// With `accumulate` false, C is overwritten.
void gemm(int64_t m, int64_t n, int64_t k, const float *A, int64_t lda,
          bool transA, const float *B, int64_t ldb, float *C, int64_t ldc,
          bool accumulate);

/// Key-major scores of (query, key) entries: for every key row k < keys,
/// for every entry e in order[keyBegin[k] .. keyBegin[k+1]):
/// scores[e] = queries[entryQuery[e]] . rows[k] (rows of d floats). Each
/// key row is read once, and the query rows stay in cache.
void keyMajorDots(const float *queries, const float *rows, int64_t d,
                  int64_t keys, const int64_t *keyBegin, const int32_t *order,
                  const int32_t *entryQuery, float *scores);

/// The backward pass of keyMajorDots for entry gradients g:
/// queryGrads[entryQuery[e]] += g[e] rows[k], rowGrads[k] += g[e]
/// queries[entryQuery[e]].
void keyMajorDotsBackward(const float *queries, const float *rows, int64_t d,
                          int64_t keys, const int64_t *keyBegin,
                          const int32_t *order, const int32_t *entryQuery,
                          const float *g, float *queryGrads, float *rowGrads);

/// Bradley-Terry pairs of one query: for every (p, n), z = a[p] - b[n] and
/// r = sigmoid(-z). Adds sum_n r to ra[p] and sum_p r to rb[n]; returns
/// sum over pairs of softplus(-z) = -log sigmoid(z) when `wantLoss`, else 0.
double pairwise(const float *a, int64_t P, const float *b, int64_t N, float *ra,
                float *rb, bool wantLoss);

/// out[t] = number of equal bits of codes q and keys[t] (words each).
void matchingBits(const uint32_t *q, const uint32_t *keys, int64_t words,
                  int64_t n, int32_t *out);

/// h1 = silu(a1) + x, elementwise over n values.
void siluResidual(const float *a1, const float *x, float *h1, int64_t n);

/// dA1 = dH1 * silu'(a1), elementwise over n values (may alias dH1).
void siluBackward(const float *a1, const float *dH1, float *dA1, int64_t n);

/// u = softsign(g h) = g h / (1 + |g h|), elementwise.
void softsign(const float *h, float g, float *u, int64_t n);

/// dH = dU * d softsign(g h) / dh = dU * g / (1 + |g h|)^2 (may alias dU).
void softsignBackward(const float *h, float g, const float *dU, float *dH,
                      int64_t n);

/// Name of the kernel set in use ("avx512", "avx2", "generic").
const char *isaName();

} // namespace spotlight::quality::kernels

#endif // SPOTLIGHT_LIB_QUALITY_KERNELS_H
