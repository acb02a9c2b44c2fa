//===- spotlight-bench-cpu.cpp - Sparse vs dense vs naive on the CPU ------===//
//
// One run, side by side, for QH=28, KH=4, D=128, bf16, CH=QH, 2% budget
// (Qwen2.5-7B, the published setting) at N = 16K, 64K, 256K tokens:
//   retrieval  spt_select: query hash + Hamming scan + exact top-k
//   sparse     spt_decode: retrieval + attention over the selected rows
//   dense      spt_decode_dense: attention over every token (our baseline)
//   naive      the naive C++ reference of the whole step (the oracle)
// with the bytes each must read and the effective bandwidth, next to the
// machine's measured copy bandwidth. Timings are medians.
//
//===----------------------------------------------------------------------===//

#include "../Machine.h"
#include "FmaPeak.h"
#include "NaiveStep.h"
#include "PagedBatches.h"
#include "ReadProbe.h"
#include "RuntimeCalls.h"
#include "Reference/NaiveReference.h"
#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/Support/HalfFloat.h"
#include "spotlight/Target/HostCode.h"
#include "spotlight/runtime.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace spotlight;
using namespace spotlight::bench;

namespace {
/// memcpy bandwidth with one thread per core, counting the bytes read and
/// the bytes written (STREAM's convention for copy); the best of 9.
double copyBandwidth(unsigned threads) {
  const size_t bytes = size_t(256) << 20;
  std::vector<std::vector<char>> src(threads,
                                     std::vector<char>(bytes / threads, 1)),
      dst(threads, std::vector<char>(bytes / threads, 0));
  double t = fastestOnThreads(9, threads, [&](unsigned i) {
    std::memcpy(dst[i].data(), src[i].data(), bytes / threads);
  });
  return 2.0 * bytes / t;
}

} // namespace

int main(int argc, char **argv) {
  // No arguments: both tables. `N ...`: the context table at those
  // lengths only; `--batches`: the paged batch table only.
  std::vector<int64_t> contexts = {16384, 65536, 262144};
  const bool batchesOnly = argc == 2 && std::string(argv[1]) == "--batches";
  if (argc > 1 && !batchesOnly) {
    contexts.clear();
    for (int i = 1; i < argc; ++i) {
      char *end = nullptr;
      long long n = std::strtoll(argv[i], &end, 10);
      if (*end || n <= 0 || n > DecodeGeometry::kMaxTokens) {
        std::fprintf(stderr, "usage: spotlight-bench-cpu [N ... | --batches]  "
                             "(context lengths, default 16384 65536 262144; "
                             "--batches: only the paged batch table)\n");
        return 2;
      }
      contexts.push_back(n);
    }
  }
  if (batchesOnly)
    contexts.clear();
  DecodeGeometry g; // Qwen2.5-7B defaults: 28/4/128, CH=QH, bf16, 2%
  g.maxTokens = contexts.empty()
                    ? 65536
                    : *std::max_element(contexts.begin(), contexts.end());
  const int64_t QH = g.queryHeads, KH = g.kvHeads, D = g.headDim,
                CH = g.codeHeads, G = g.group(), W = g.codeWords(),
                C = g.keyCodesPerHead();
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());

  std::printf("machine   %s, %u cores\n", cpuName().c_str(), threads);
  std::printf("geometry  QH=%lld KH=%lld D=%lld CH=%lld bf16, budget 2%% "
              "(min 20), sink %lld, window %lld, group selection, B=1\n",
              (long long)QH, (long long)KH, (long long)D, (long long)CH,
              (long long)g.sink, (long long)g.window);
  ReadProbe probe(threads);
  double copy = copyBandwidth(threads), read = probe.best(9);
  std::printf("memory    memcpy %.1f GB/s (read + write bytes; %.1f GB/s "
              "copied), streaming read %.1f GB/s (%u threads, 512 MiB)\n",
              copy / 1e9, copy / 2e9, read / 1e9, threads);
  const spotlight::bench::ArithmeticPeaks peaks =
      spotlight::bench::measureArithmeticPeaks(threads);
  std::printf("compute   f32 FMA %.0f GFLOP/s (%s), bf16 dot %.0f GFLOP/s (%s)\n\n",
              peaks.f32 / 1e9, peaks.f32Path.c_str(), peaks.bf16 / 1e9,
              peaks.bf16Path.c_str());

  char dir[] = "/tmp/spotlight-bench-XXXXXX";
  std::string artifactPath = std::string(mkdtemp(dir)) + "/bench.spt";
  std::string error;
  auto start = Clock::now();
  if (!compileArtifact(g, artifactPath, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::printf("compile   %.2f s (spotlight-compile equivalent)\n",
              seconds(start));
  spt_artifact *artifact = nullptr;
  check(spt_artifact_load(artifactPath.c_str(), &artifact), "load");
  const int64_t S = g.selectionSets(), M = g.selectionSlots();

  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal(0, 1);
  reference::HashWeights weights;
  auto randomFloats = [&](int64_t n, float sd) {
    std::vector<float> v(n);
    for (float &x : v)
      x = sd * normal(rng);
    return v;
  };
  weights.w1 = randomFloats(CH * D * D, 1 / std::sqrt(float(D)));
  weights.b1 = randomFloats(CH * D, 0.1f);
  weights.w2 = randomFloats(CH * D * D, 1 / std::sqrt(float(D)));
  weights.b2 = randomFloats(CH * D, 0.1f);

  if (!contexts.empty())
    std::printf("\n%8s %12s %12s %12s %12s %12s %9s %9s %12s %12s\n", "N",
              "retrieval", "sparse", "dense", "naive", "append", "dense/sp",
              "naive/sp", "scan GB/s", "dense GB/s");
  for (int64_t n : contexts) {
    spt_tensor w1 = tensor(weights.w1.data(), SPT_F32, {CH, D, D}),
               b1 = tensor(weights.b1.data(), SPT_F32, {CH, D}),
               w2 = tensor(weights.w2.data(), SPT_F32, {CH, D, D}),
               b2 = tensor(weights.b2.data(), SPT_F32, {CH, D});
    spt_cache *cache = nullptr;
    check(spt_cache_create(artifact, SPT_DEVICE_CPU, 1, n, &w1, &b1, &w2, &b2,
                           &cache),
          "cache");
    // Keys and values as bf16 [KH, n, D], kept for the naive reference.
    std::vector<uint16_t> keys(KH * n * D), values(KH * n * D);
    for (auto &x : keys)
      x = toBf16(normal(rng));
    for (auto &x : values)
      x = toBf16(normal(rng));
    start = Clock::now();
    const int64_t chunk = 8192;
    std::vector<uint16_t> kChunk, vChunk;
    for (int64_t at = 0; at < n; at += chunk) {
      int64_t len = std::min(chunk, n - at);
      kChunk.resize(KH * len * D);
      vChunk.resize(KH * len * D);
      for (int64_t h = 0; h < KH; ++h) {
        std::memcpy(&kChunk[h * len * D], &keys[(h * n + at) * D], len * D * 2);
        std::memcpy(&vChunk[h * len * D], &values[(h * n + at) * D],
                    len * D * 2);
      }
      spt_tensor k = tensor(kChunk.data(), SPT_BF16, {KH, len, D});
      spt_tensor v = tensor(vChunk.data(), SPT_BF16, {KH, len, D});
      check(spt_cache_append(cache, 0, &k, &v), "append");
    }
    double appendTime = seconds(start);

    std::vector<uint16_t> q(QH * D);
    for (auto &x : q)
      x = toBf16(normal(rng));
    std::vector<uint16_t> out(QH * D), denseOut(QH * D);
    std::vector<int32_t> idx(S * M);
    spt_tensor qv = tensor(q.data(), SPT_BF16, {1, QH, D});
    spt_tensor ov = tensor(out.data(), SPT_BF16, {1, QH, D});
    spt_tensor dv = tensor(denseOut.data(), SPT_BF16, {1, QH, D});
    spt_tensor iv = tensor(idx.data(), SPT_I32, {1, S, M});
    int reps = n >= 200000 ? 11 : 21;
    double retrieval, sparse, dense;
    const double readNow = probe.around([&] {
      retrieval =
          median(reps, [&] { check(spt_select(cache, &qv, &iv), "select"); });
      sparse = median(
          reps, [&] { check(spt_decode(cache, &qv, &ov, &iv), "decode"); });
      dense = median(n >= 200000 ? 5 : 9, [&] {
        check(spt_decode_dense(cache, &qv, &dv), "dense");
      });
    });

    // The naive reference of the whole step, on the stored key codes.
    std::vector<uint32_t> codes(KH * n * C * W);
    spt_tensor cv = tensor(codes.data(), SPT_I32, {KH, n, C, W});
    check(spt_cache_read_codes(cache, 0, &cv), "codes");
    reference::Geometry rg{1, QH, KH, D, CH};
    start = Clock::now();
    naiveSequenceStep(rg, weights, q.data(), codes.data(), n, keys.data(),
                      values.data(),
                      [&](int64_t h, int64_t t) { return (h * n + t) * D; });
    double naive = seconds(start);

    // Bytes that must be read: all key codes for retrieval; plus the
    // selected K/V rows for the sparse step; all K/V rows for dense.
    double codeBytes = double(KH) * n * C * W * 4;
    double denseBytes = double(KH) * n * D * 2 * 2;
    std::printf("%8lld %10.3fms %10.3fms %10.3fms %10.1fms %11.2fs %8.2fx "
                "%8.0fx %12.1f %12.1f\n",
                (long long)n, 1e3 * retrieval, 1e3 * sparse, 1e3 * dense,
                1e3 * naive, appendTime, dense / sparse, naive / sparse,
                codeBytes / retrieval / 1e9, denseBytes / dense / 1e9);
    // Each step's bounds: its bytes at the streaming-read bandwidth
    // measured around the row's steps and its flops at the f32 FMA peak
    // (attention: q.k and p.v, 2 flops a multiply-add each; hashing: the
    // two D x D layers per code), and the measured time over the larger.
    int64_t selected = 0;
    for (int32_t i : idx)
      selected += i >= 0;
    const double sparseBytes = codeBytes + double(selected) * D * 2 * 2;
    const double denseFlops = 4.0 * QH * n * D;
    const double sparseFlops = 4.0 * G * selected * D;
    const double appendFlops = 4.0 * D * D * double(n) * KH * C;
    std::printf("%8s read      %.1f GB/s around these steps\n", "",
                readNow / 1e9);
    auto bound = [&](const char *step, double time, double bytes,
                     double flops) {
      const double byteTime = bytes / readNow, fmaTime = flops / peaks.f32;
      std::printf("%8s %-9s bytes %8.3fms  fma %8.3fms  measured %.2fx the "
                  "larger\n",
                  "", step, 1e3 * byteTime, 1e3 * fmaTime,
                  time / std::max(byteTime, fmaTime));
    };
    bound("retrieval", retrieval, codeBytes, 0);
    bound("sparse", sparse, sparseBytes, sparseFlops);
    bound("dense", dense, denseBytes, denseFlops);
    bound("append", appendTime, 2.0 * KH * n * D * 2, appendFlops);
    std::fflush(stdout);
    spt_cache_free(cache);
  }
  if (!contexts.empty())
    std::printf("\nscan GB/s: key-code bytes (%lld B/token) / retrieval time; "
              "dense GB/s: K+V bytes (%lld B/token) / dense time.\n"
              "Compare with memcpy %.1f GB/s copied (%.1f GB/s read + write) "
              "and streaming read %.1f GB/s.\n",
              (long long)(KH * C * W * 4), (long long)(KH * D * 4), copy / 2e9,
              copy / 1e9, read / 1e9);
  spt_artifact_free(artifact);
  std::remove(artifactPath.c_str());
  if (batchesOnly || argc == 1)
    spotlight::bench::runPagedBatches(probe, weights);
  return 0;
}
