//===- spotlight-bench-paged.cpp - Paged vs contiguous on the same tokens -===//
//
// The cost of paged addressing in the optimized CPU lowering (issue 10:
// at most 1.1x contiguous). One JIT-compiled module holds each op twice,
// over a contiguous cache [B, KH, N, ...] and over a paged pool
// [P, page_size, KH, ...] holding the same tokens in shuffled pages:
//   select  hamming_topk (fused score + histogram scan, exact top-k)
//   sparse  sparse_attention over the selected rows (same indices)
//   dense   decode_attention over every token
// alternating the two forms call by call, and prints the minimum and median
// time of each and the paged / contiguous ratios.
//
//   spotlight-bench-paged [N=32768] [page_size=16] [B=4] [reps=7]
//
// Geometry: QH=32, KH=8, D=128, bf16, CH=QH, a 2% count budget.
//
//===----------------------------------------------------------------------===//

#include "../Machine.h"
#include "spotlight/ExecutionEngine/HostTensor.h"
#include "spotlight/ExecutionEngine/JitModule.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using namespace spotlight;

namespace {
constexpr int64_t QH = 32, KH = 8, D = 128, G = QH / KH, C = G, W = D / 32;
constexpr int64_t Sink = 4, Window = 64;

using Clock = std::chrono::steady_clock;

/// Times of `reps` calls of `contiguous` and `paged`, alternated so that
/// both see the same load from other processes; one warm-up call each.
struct Timing {
  std::vector<double> contiguous, paged;
};
Timing timePair(int reps, const std::function<void()> &contiguous,
                const std::function<void()> &paged) {
  contiguous();
  paged();
  Timing timing;
  for (int r = 0; r < reps; ++r)
    for (auto [body, times] : {std::pair{&contiguous, &timing.contiguous},
                               {&paged, &timing.paged}}) {
      auto start = Clock::now();
      (*body)();
      times->push_back(
          std::chrono::duration<double>(Clock::now() - start).count());
    }
  for (std::vector<double> *times : {&timing.contiguous, &timing.paged})
    std::sort(times->begin(), times->end());
  return timing;
}

/// Both forms of the three ops, on memrefs (nothing to bufferize).
std::string moduleText(int64_t B, int64_t N, int64_t pageSize, int64_t M) {
  return llvm::formatv(R"mlir(
  func.func @select_contiguous(%qc: memref<{0}x{1}x1x{2}xi32>,
      %kc: memref<{0}x{3}x{4}x{5}x{2}xi32>, %out: memref<{0}x{3}x{6}xi32>)
      attributes {{llvm.emit_c_interface} {{
    spotlight.hamming_topk group ins(%qc, %kc : memref<{0}x{1}x1x{2}xi32>,
        memref<{0}x{3}x{4}x{5}x{2}xi32>) outs(%out : memref<{0}x{3}x{6}xi32>)
        {{budget = {7} : i64}
    return
  }
  func.func @select_paged(%qc: memref<{0}x{1}x1x{2}xi32>,
      %kc: memref<?x{8}x{3}x{5}x{2}xi32>, %bt: memref<{0}x?xi32>,
      %sl: memref<{0}xi32>, %out: memref<{0}x{3}x{6}xi32>)
      attributes {{llvm.emit_c_interface} {{
    spotlight.hamming_topk group ins(%qc, %kc : memref<{0}x{1}x1x{2}xi32>,
        memref<?x{8}x{3}x{5}x{2}xi32>)
        pages(%bt, %sl : memref<{0}x?xi32>, memref<{0}xi32>)
        outs(%out : memref<{0}x{3}x{6}xi32>) {{budget = {7} : i64}
    return
  }
  func.func @sparse_contiguous(%q: memref<{0}x{1}x{9}xbf16>,
      %k: memref<{0}x{3}x{4}x{9}xbf16>, %v: memref<{0}x{3}x{4}x{9}xbf16>,
      %idx: memref<{0}x{3}x{6}xi32>, %out: memref<{0}x{1}x{9}xbf16>)
      attributes {{llvm.emit_c_interface} {{
    spotlight.sparse_attention ins(%q, %k, %v, %idx : memref<{0}x{1}x{9}xbf16>,
        memref<{0}x{3}x{4}x{9}xbf16>, memref<{0}x{3}x{4}x{9}xbf16>,
        memref<{0}x{3}x{6}xi32>) outs(%out : memref<{0}x{1}x{9}xbf16>)
    return
  }
  func.func @sparse_paged(%q: memref<{0}x{1}x{9}xbf16>,
      %k: memref<?x{8}x{3}x{9}xbf16>, %v: memref<?x{8}x{3}x{9}xbf16>,
      %idx: memref<{0}x{3}x{6}xi32>, %bt: memref<{0}x?xi32>,
      %sl: memref<{0}xi32>, %out: memref<{0}x{1}x{9}xbf16>)
      attributes {{llvm.emit_c_interface} {{
    spotlight.sparse_attention ins(%q, %k, %v, %idx : memref<{0}x{1}x{9}xbf16>,
        memref<?x{8}x{3}x{9}xbf16>, memref<?x{8}x{3}x{9}xbf16>,
        memref<{0}x{3}x{6}xi32>)
        pages(%bt, %sl : memref<{0}x?xi32>, memref<{0}xi32>)
        outs(%out : memref<{0}x{1}x{9}xbf16>)
    return
  }
  func.func @dense_contiguous(%q: memref<{0}x{1}x{9}xbf16>,
      %k: memref<{0}x{3}x{4}x{9}xbf16>, %v: memref<{0}x{3}x{4}x{9}xbf16>,
      %out: memref<{0}x{1}x{9}xbf16>) attributes {{llvm.emit_c_interface} {{
    spotlight.decode_attention ins(%q, %k, %v : memref<{0}x{1}x{9}xbf16>,
        memref<{0}x{3}x{4}x{9}xbf16>, memref<{0}x{3}x{4}x{9}xbf16>)
        outs(%out : memref<{0}x{1}x{9}xbf16>)
    return
  }
  func.func @dense_paged(%q: memref<{0}x{1}x{9}xbf16>,
      %k: memref<?x{8}x{3}x{9}xbf16>, %v: memref<?x{8}x{3}x{9}xbf16>,
      %bt: memref<{0}x?xi32>, %sl: memref<{0}xi32>,
      %out: memref<{0}x{1}x{9}xbf16>) attributes {{llvm.emit_c_interface} {{
    spotlight.decode_attention ins(%q, %k, %v : memref<{0}x{1}x{9}xbf16>,
        memref<?x{8}x{3}x{9}xbf16>, memref<?x{8}x{3}x{9}xbf16>)
        pages(%bt, %sl : memref<{0}x?xi32>, memref<{0}xi32>)
        outs(%out : memref<{0}x{1}x{9}xbf16>)
    return
  }
)mlir",
                       B, QH, W, KH, N, C, M, M - Sink - Window, pageSize, D)
      .str();
}

void fillRandom(HostTensor &t, std::mt19937_64 &rng, bool bf16) {
  auto *words = t.as<uint16_t>();
  for (int64_t i = 0; i < t.numBytes() / 2; ++i) {
    uint64_t r = rng();
    // bf16 values in about [-2, 2]: a sign, exponents 0x3c..0x3f, mantissa.
    words[i] = bf16 ? uint16_t((r & 0x8000) | ((0x3c + ((r >> 16) & 3)) << 7) |
                               ((r >> 24) & 0x7f))
                    : uint16_t(r);
  }
}

void call(JitModule &jit, const char *name, std::vector<HostTensor *> args) {
  std::vector<void *> descriptors;
  for (HostTensor *arg : args)
    descriptors.push_back(arg->descriptor());
  std::string error;
  if (!jit.call(name, descriptors, error)) {
    std::fprintf(stderr, "%s: %s\n", name, error.c_str());
    std::exit(1);
  }
}
/// The two forms visit the same tokens in the same order: the same sums,
/// bit for bit.
void sameOutputs(const HostTensor &contiguous, const HostTensor &paged,
                 const char *op) {
  if (std::memcmp(contiguous.data(), paged.data(), paged.numBytes()) != 0) {
    std::fprintf(stderr, "%s: paged and contiguous outputs differ\n", op);
    std::exit(1);
  }
}
} // namespace

int main(int argc, char **argv) {
  const int64_t N = argc > 1 ? std::atoll(argv[1]) : 32768;
  const int64_t pageSize = argc > 2 ? std::atoll(argv[2]) : 16;
  const int64_t B = argc > 3 ? std::atoll(argv[3]) : 4;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 7;
  if (N <= 0 || pageSize <= 0 || B <= 0 || reps <= 0 || N % pageSize != 0) {
    std::fprintf(stderr, "usage: %s [N] [page_size dividing N] [B] [reps]\n",
                 argv[0]);
    return 2;
  }
  const int64_t M = Sink + Window + N / 50;
  const int64_t pagesPerSeq = N / pageSize, P = B * pagesPerSeq;
  std::printf("paged vs contiguous, %s\nB=%lld N=%lld page_size=%lld "
              "QH=%lld KH=%lld D=%lld bf16, budget %lld, %d calls each\n",
              bench::cpuName().c_str(), (long long)B, (long long)N,
              (long long)pageSize, (long long)QH, (long long)KH, (long long)D,
              (long long)(M - Sink - Window), reps);

  std::string error;
  auto jit =
      JitModule::create(moduleText(B, N, pageSize, M), Lowering::CPU, error);
  if (!jit) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }

  // The contiguous cache, then the same tokens scattered over shuffled pages.
  std::mt19937_64 rng(42);
  HostTensor q({B, QH, D}, 2), k({B, KH, N, D}, 2), v({B, KH, N, D}, 2);
  HostTensor qc({B, QH, 1, W}, 4), kc({B, KH, N, C, W}, 4);
  for (HostTensor *t : {&q, &k, &v})
    fillRandom(*t, rng, true);
  for (HostTensor *t : {&qc, &kc})
    fillRandom(*t, rng, false);
  std::vector<int32_t> order(P);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  HostTensor bt({B, pagesPerSeq}, 4), sl({B}, 4);
  HostTensor kp({P, pageSize, KH, D}, 2), vp({P, pageSize, KH, D}, 2);
  HostTensor cp({P, pageSize, KH, C, W}, 4);
  for (int64_t b = 0; b < B; ++b) {
    sl.as<int32_t>()[b] = N;
    for (int64_t p = 0; p < pagesPerSeq; ++p)
      bt.as<int32_t>()[b * pagesPerSeq + p] = order[b * pagesPerSeq + p];
  }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < KH; ++h)
      for (int64_t t = 0; t < N; ++t) {
        int64_t slot =
            int64_t(bt.as<int32_t>()[b * pagesPerSeq + t / pageSize]) *
                pageSize +
            t % pageSize;
        int64_t from = (b * KH + h) * N + t, to = slot * KH + h;
        std::memcpy(kp.as<uint16_t>() + to * D, k.as<uint16_t>() + from * D,
                    D * 2);
        std::memcpy(vp.as<uint16_t>() + to * D, v.as<uint16_t>() + from * D,
                    D * 2);
        std::memcpy(cp.as<int32_t>() + to * C * W,
                    kc.as<int32_t>() + from * C * W, C * W * 4);
      }

  HostTensor idxC({B, KH, M}, 4), idxP({B, KH, M}, 4);
  HostTensor outC({B, QH, D}, 2), outP({B, QH, D}, 2);
  struct Row {
    const char *name;
    Timing timing;
  };
  std::vector<Row> rows;
  rows.push_back(
      {"select", timePair(
                     reps,
                     [&] {
                       call(*jit, "select_contiguous", {&qc, &kc, &idxC});
                     },
                     [&] {
                       call(*jit, "select_paged", {&qc, &cp, &bt, &sl, &idxP});
                     })});
  if (std::memcmp(idxC.data(), idxP.data(), idxC.numBytes()) != 0) {
    std::fprintf(stderr, "paged and contiguous selections differ\n");
    return 1;
  }
  rows.push_back(
      {"sparse",
       timePair(
           reps,
           [&] {
             call(*jit, "sparse_contiguous", {&q, &k, &v, &idxC, &outC});
           },
           [&] {
             call(*jit, "sparse_paged", {&q, &kp, &vp, &idxC, &bt, &sl, &outP});
           })});
  sameOutputs(outC, outP, "sparse");
  rows.push_back(
      {"dense",
       timePair(
           reps,
           [&] {
             call(*jit, "dense_contiguous", {&q, &k, &v, &outC});
           },
           [&] {
             call(*jit, "dense_paged", {&q, &kp, &vp, &bt, &sl, &outP});
           })});
  sameOutputs(outC, outP, "dense");
  // The minimum is the least disturbed by other processes; the median is
  // printed too.
  std::printf("%-7s %25s %25s %15s\n", "", "contiguous ms", "paged ms",
              "paged/contig.");
  std::printf("%-7s %12s %12s %12s %12s %7s %7s\n", "op", "min", "median",
              "min", "median", "min", "median");
  for (const Row &row : rows) {
    const std::vector<double> &c = row.timing.contiguous, &p = row.timing.paged;
    double cMin = c.front(), cMed = c[c.size() / 2];
    double pMin = p.front(), pMed = p[p.size() / 2];
    std::printf("%-7s %12.3f %12.3f %12.3f %12.3f %7.3f %7.3f\n", row.name,
                cMin * 1e3, cMed * 1e3, pMin * 1e3, pMed * 1e3, pMin / cMin,
                pMed / cMed);
  }
  return 0;
}
