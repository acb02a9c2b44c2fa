//===- PagedBatches.cpp - Ragged paged batches, the engines' path ---------===//
//
// The serving form of the step: B in {1, 8, 32} sequences of ragged lengths
// between 4K and 64K in one paged pool (16-token pages, shuffled), one
// spt_paged_decode per step for the whole batch, next to the dense step
// and the naive reference on the same pools. For each, the time per step,
// decode tokens per second (B per step), the bytes the step must read and
// the fraction of the streaming-read bound it reaches. Then paged against
// contiguous on the same tokens: the same step compiled with one page per
// sequence (pages in order: the contiguous token-major layout).
//
// Key codes are random words rather than hashed keys: the cost of a step
// does not depend on them, and hashing a million tokens would take minutes
// (the append column of the first table measures hashing).
//
//===----------------------------------------------------------------------===//

#include "PagedBatches.h"
#include "HugePages.h"
#include "NaiveStep.h"
#include "RuntimeCalls.h"

#include "Reference/NaiveReference.h"
#include "spotlight/Support/HalfFloat.h"
#include "spotlight/Target/Artifact.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <thread>

namespace spotlight::bench {
namespace {
/// A batch in pools of `pageSize`-token pages: pages shuffled, or (one page
/// per sequence) in sequence order.
struct Batch {
  Batch(const DecodeGeometry &g, const std::vector<int64_t> &lengths,
        int64_t pageSize, std::mt19937_64 &rng)
      : lengths(lengths), pageSize(pageSize) {
    const int64_t B = lengths.size(), KH = g.kvHeads, D = g.headDim;
    const int64_t codeWords = KH * g.keyCodesPerHead() * g.codeWords();
    for (int64_t n : lengths)
      maxPages = std::max(maxPages, (n + pageSize - 1) / pageSize);
    std::vector<int32_t> order;
    for (int64_t b = 0; b < B; ++b)
      pages += (lengths[b] + pageSize - 1) / pageSize;
    order.resize(pages);
    std::iota(order.begin(), order.end(), 0);
    if (pageSize < g.maxTokens)
      std::shuffle(order.begin(), order.end(), rng);
    blockTable.assign(B * maxPages, -1);
    int64_t next = 0;
    for (int64_t b = 0; b < B; ++b) {
      for (int64_t p = 0; p < (lengths[b] + pageSize - 1) / pageSize; ++p)
        blockTable[b * maxPages + p] = order[next++];
      seqLens.push_back(static_cast<int32_t>(lengths[b]));
    }
    // Normal bf16 values drawn from a table: a billion normal draws would
    // take longer than the benchmark.
    std::normal_distribution<float> normal;
    std::vector<uint16_t> table(4096);
    for (uint16_t &x : table)
      x = toBf16(normal(rng));
    const int64_t rows = pages * pageSize * KH * D;
    keys.resize(rows);
    values.resize(rows);
    uint64_t state = rng();
    for (int64_t i = 0; i < rows; ++i) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      keys[i] = table[state & 4095];
      values[i] = table[(state >> 12) & 4095];
    }
    codes.resize(pages * pageSize * codeWords);
    for (int32_t &w : codes) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      w = static_cast<int32_t>(state);
    }
  }

  /// The same tokens laid out in `other`'s pages (for paged vs contiguous).
  void copyTokensFrom(const Batch &other, const DecodeGeometry &g) {
    const int64_t row = g.kvHeads * g.headDim;
    const int64_t codeRow = g.kvHeads * g.keyCodesPerHead() * g.codeWords();
    for (size_t b = 0; b < lengths.size(); ++b)
      for (int64_t t = 0; t < lengths[b]; ++t) {
        const int64_t to = slot(b, t), from = other.slot(b, t);
        std::copy_n(&other.keys[from * row], row, &keys[to * row]);
        std::copy_n(&other.values[from * row], row, &values[to * row]);
        std::copy_n(&other.codes[from * codeRow], codeRow, &codes[to * codeRow]);
      }
  }

  int64_t slot(int64_t b, int64_t t) const {
    return int64_t(blockTable[b * maxPages + t / pageSize]) * pageSize +
           t % pageSize;
  }

  std::vector<int64_t> lengths;
  int64_t pageSize, pages = 0, maxPages = 1;
  std::vector<int32_t> blockTable, seqLens;
  PoolVector<int32_t> codes;
  PoolVector<uint16_t> keys, values;
};

/// The fastest of 9 reads of every sequence's key codes in `batch`, in
/// chunks of `chunkTokens` tokens (a page of the paged layout) taken in
/// block-table order (or, `poolOrder`, in the order they lie in the pool),
/// the chunks shared out evenly over one thread per core, each thread
/// prefetching its next chunk as the scan does: what reading the codes in
/// that order costs the memory system alone.
double pageOrderRead(const Batch &batch, int64_t codeWordsPerToken,
                     int64_t chunkTokens, bool poolOrder = false) {
  struct Chunk {
    const int32_t *words;
    int64_t count;
  };
  std::vector<Chunk> chunks;
  for (size_t b = 0; b < batch.lengths.size(); ++b)
    for (int64_t t = 0; t < batch.lengths[b]; t += chunkTokens)
      chunks.push_back(
          {&batch.codes[batch.slot(b, t) * codeWordsPerToken],
           std::min(chunkTokens, batch.lengths[b] - t) * codeWordsPerToken});
  if (poolOrder)
    std::sort(chunks.begin(), chunks.end(),
              [](const Chunk &a, const Chunk &b) { return a.words < b.words; });
  const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<int64_t> sums(threads);
  return fastestOnThreads(9, threads, [&](unsigned i) {
    const size_t first = i * chunks.size() / threads,
                 end = (i + 1) * chunks.size() / threads;
    int64_t lane[8] = {};
    for (size_t at = first; at < end; ++at) {
      const Chunk &chunk = chunks[at];
      const Chunk &next = chunks[std::min(at + 1, end - 1)];
      // A 64-byte line of the next chunk for each line of this one.
      int64_t w = 0;
      for (; w + 16 <= chunk.count; w += 16) {
        __builtin_prefetch(next.words + std::min(w, next.count - 1));
        for (int l = 0; l < 16; ++l)
          lane[l % 8] += chunk.words[w + l];
      }
      for (; w < chunk.count; ++w)
        lane[0] += chunk.words[w];
    }
    sums[i] = std::accumulate(lane, lane + 8, int64_t(0));
  });
}

/// An artifact and a decoder for `g`, compiled here.
struct Compiled {
  Compiled(const DecodeGeometry &g, const std::string &path,
           const reference::HashWeights &w) {
    std::string error;
    if (!compileArtifact(g, path, error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      std::exit(1);
    }
    check(spt_artifact_load(path.c_str(), &artifact), "load");
    const int64_t CH = g.codeHeads, D = g.headDim;
    auto data = [](const std::vector<float> &v) {
      return const_cast<float *>(v.data());
    };
    spt_tensor w1 = tensor(data(w.w1), SPT_F32, {CH, D, D}),
               b1 = tensor(data(w.b1), SPT_F32, {CH, D}),
               w2 = tensor(data(w.w2), SPT_F32, {CH, D, D}),
               b2 = tensor(data(w.b2), SPT_F32, {CH, D});
    check(spt_decoder_create(artifact, SPT_DEVICE_CPU, &w1, &b1, &w2, &b2,
                             &decoder),
          "decoder");
    std::remove(path.c_str());
  }
  ~Compiled() {
    spt_decoder_free(decoder);
    spt_artifact_free(artifact);
  }
  spt_artifact *artifact = nullptr;
  spt_decoder *decoder = nullptr;
};

struct StepTimes {
  /// select: the selection alone (query hash, scan, top-k).
  double sparse, dense, select;
  std::vector<int32_t> indices;
};

StepTimes timeSteps(const DecodeGeometry &g, Compiled &c, Batch &batch,
                    std::vector<uint16_t> &query, int reps) {
  const int64_t B = batch.lengths.size(), QH = g.queryHeads, KH = g.kvHeads,
                D = g.headDim, P = batch.pages, page = batch.pageSize;
  std::vector<uint16_t> out(B * QH * D);
  StepTimes times;
  times.indices.resize(B * g.selectionSets() * g.selectionSlots());
  spt_tensor q = tensor(query.data(), SPT_BF16, {B, QH, D}),
             o = tensor(out.data(), SPT_BF16, {B, QH, D}),
             idx = tensor(times.indices.data(), SPT_I32,
                          {B, g.selectionSets(), g.selectionSlots()}),
             k = tensor(batch.keys.data(), SPT_BF16, {P, page, KH, D}),
             v = tensor(batch.values.data(), SPT_BF16, {P, page, KH, D}),
             codes = tensor(batch.codes.data(), SPT_I32,
                            {P, page, KH, g.keyCodesPerHead(), g.codeWords()}),
             bt = tensor(batch.blockTable.data(), SPT_I32, {B, batch.maxPages}),
             sl = tensor(batch.seqLens.data(), SPT_I32, {B});
  times.sparse = median(reps, [&] {
    check(spt_paged_decode(c.decoder, &q, &k, &v, &codes, &bt, &sl, &o, &idx),
          "paged decode");
  });
  times.select = median(reps, [&] {
    check(spt_paged_select(c.decoder, &q, &codes, &bt, &sl, &idx),
          "paged select");
  });
  times.dense = median(std::max(3, reps / 3), [&] {
    check(spt_paged_decode_dense(c.decoder, &q, &k, &v, &bt, &sl, &o),
          "paged dense");
  });
  return times;
}

/// The naive reference of the batch's step, on the same pools (each
/// sequence's key codes first copied into the reference's layout).
double naiveStep(const DecodeGeometry &g, const Batch &batch,
                 const std::vector<uint16_t> &query,
                 const reference::HashWeights &weights) {
  const int64_t QH = g.queryHeads, KH = g.kvHeads, D = g.headDim,
                W = g.codeWords(), C = g.keyCodesPerHead();
  const reference::Geometry rg{1, QH, KH, D, g.codeHeads};
  auto start = Clock::now();
  for (size_t b = 0; b < batch.lengths.size(); ++b) {
    const int64_t n = batch.lengths[b];
    std::vector<uint32_t> kcodes(KH * n * C * W);
    for (int64_t h = 0; h < KH; ++h)
      for (int64_t t = 0; t < n; ++t)
        std::copy_n(&batch.codes[(batch.slot(b, t) * KH + h) * C * W], C * W,
                    &kcodes[(h * n + t) * C * W]);
    naiveSequenceStep(rg, weights, &query[b * QH * D], kcodes.data(), n,
                      batch.keys.data(), batch.values.data(),
                      [&](int64_t h, int64_t t) {
                        return (batch.slot(b, t) * KH + h) * D;
                      });
  }
  return seconds(start);
}
} // namespace

void runPagedBatches(ReadProbe &probe, const reference::HashWeights &w) {
  DecodeGeometry g; // Qwen2.5-7B: 28/4/128, CH=QH, bf16, 2%
  g.maxTokens = 65536;
  g.pageSize = 16;
  const int64_t QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  char dir[] = "/tmp/spotlight-bench-paged-XXXXXX";
  const std::string base = std::string(mkdtemp(dir));
  Compiled paged(g, base + "/paged.spt", w);
  std::mt19937_64 rng(11);

  std::printf("\npaged batches: pages of %lld tokens (shuffled), one call per "
              "step for the batch, lengths ragged in [4K, 64K]\n",
              (long long)g.pageSize);
  std::printf("%4s %9s %10s %10s %10s %11s %11s %11s %10s %10s %10s\n", "B",
              "tokens", "sparse", "dense", "naive", "sparse t/s", "dense t/s",
              "dense/sp", "sp bound", "dn bound", "read GB/s");
  for (int64_t B : {1, 8, 32}) {
    std::vector<int64_t> lengths;
    std::uniform_int_distribution<int64_t> length(4096, 65536);
    for (int64_t b = 0; b < B; ++b)
      lengths.push_back(B == 1   ? 65536
                        : B == 8 ? 8192 * (b + 1)
                                 : length(rng));
    Batch batch(g, lengths, g.pageSize, rng);
    std::vector<uint16_t> query(B * QH * D);
    std::normal_distribution<float> normal;
    for (uint16_t &x : query)
      x = toBf16(normal(rng));
    StepTimes t;
    const double readBandwidth = probe.around(
        [&] { t = timeSteps(g, paged, batch, query, B >= 32 ? 5 : 11); });
    double naive = naiveStep(g, batch, query, w);
    // Bytes a step must read: every key code, plus the selected K and V
    // rows (sparse) or every K and V row (dense).
    const int64_t tokens =
        std::accumulate(lengths.begin(), lengths.end(), int64_t(0));
    const double codeBytes =
        double(tokens) * KH * g.keyCodesPerHead() * g.codeWords() * 4;
    int64_t selected = 0;
    for (int32_t i : t.indices)
      selected += i >= 0;
    const double sparseBytes = codeBytes + double(selected) * D * 2 * 2;
    const double denseBytes = double(tokens) * KH * D * 2 * 2;
    std::printf("%4lld %8lldK %8.2fms %8.2fms %8.1fms %11.0f %11.0f %10.2fx "
                "%9.2f %9.2f %10.1f\n",
                (long long)B, (long long)(tokens / 1024), 1e3 * t.sparse,
                1e3 * t.dense, 1e3 * naive, B / t.sparse, B / t.dense,
                t.dense / t.sparse, sparseBytes / readBandwidth / t.sparse,
                denseBytes / readBandwidth / t.dense, readBandwidth / 1e9);
    std::fflush(stdout);

    if (B == 8) {
      // The same tokens with one page per sequence, in order.
      DecodeGeometry whole = g;
      whole.pageSize = g.maxTokens;
      Compiled contiguous(whole, base + "/contiguous.spt", w);
      Batch flat(whole, lengths, whole.pageSize, rng);
      flat.copyTokensFrom(batch, g);
      // The two forms alternate, round by round, so that a slow phase of
      // a shared machine weighs on both alike; medians of the rounds.
      std::vector<double> pagedSparse, pagedDense, pagedSelect, flatSparse,
          flatDense, flatSelect;
      StepTimes p, c;
      for (int round = 0; round < 9; ++round) {
        p = timeSteps(g, paged, batch, query, 1);
        c = timeSteps(whole, contiguous, flat, query, 1);
        pagedSparse.push_back(p.sparse);
        pagedDense.push_back(p.dense);
        pagedSelect.push_back(p.select);
        flatSparse.push_back(c.sparse);
        flatDense.push_back(c.dense);
        flatSelect.push_back(c.select);
      }
      auto middle = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
      };
      double ps = middle(pagedSparse), pd = middle(pagedDense),
             cs = middle(flatSparse), cd = middle(flatDense),
             pl = middle(pagedSelect), cl = middle(flatSelect);
      std::printf("     paged vs contiguous (B=8, same tokens, 9 alternating "
                  "rounds): sparse %.2fms / %.2fms = %.2fx, dense %.2fms / "
                  "%.2fms = %.2fx; same selections: %s\n"
                  "       of which the selection alone: %.2fms / %.2fms = "
                  "%.2fx\n",
                  1e3 * ps, 1e3 * cs, ps / cs, 1e3 * pd, 1e3 * cd, pd / cd,
                  c.indices == p.indices ? "yes" : "NO", 1e3 * pl, 1e3 * cl,
                  pl / cl);
      // The memory system's share: the key codes alone, read in the two
      // layouts' page orders, alternating.
      const int64_t codeWords = KH * g.keyCodesPerHead() * g.codeWords();
      // In pool order, the paged pool (which this batch fills) is one
      // stream: what the order of the reads costs, apart from the pages.
      std::vector<double> pagedRead, poolRead, flatRead;
      for (int round = 0; round < 3; ++round) {
        pagedRead.push_back(pageOrderRead(batch, codeWords, g.pageSize));
        poolRead.push_back(pageOrderRead(batch, codeWords, g.pageSize, true));
        flatRead.push_back(pageOrderRead(flat, codeWords, g.pageSize));
      }
      double pr = middle(pagedRead), fr = middle(flatRead),
             po = middle(poolRead);
      std::printf("     reading the key codes alone in page order: %.2fms / "
                  "%.2fms = %.2fx (%.1f / %.1f GB/s); the paged pool in "
                  "pool order: %.2fms = %.2fx\n",
                  1e3 * pr, 1e3 * fr, pr / fr, codeBytes / pr / 1e9,
                  codeBytes / fr / 1e9, 1e3 * po, po / fr);
    }
  }
  std::printf("t/s: decode tokens per second (B per step). bound: the step's "
              "bytes at the streaming-read bandwidth measured around the "
              "row's steps (read) / its time (1 = at the bound). naive: the "
              "reference, single-threaded.\n");
}

} // namespace spotlight::bench
