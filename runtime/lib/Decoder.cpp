//===- Decoder.cpp - The paged step over a whole batch --------------------===//
//
// Calls the artifact's paged entry points (spotlight/ABI/EntryPoints.def)
// with memref descriptors of the pools, tables and step buffers. On the
// CPU the batch is split into work items, each a call on its rows of the
// query, tables and outputs (the pools are shared): one per sequence, and
// a sequence too long for one core to finish while the others idle is
// split, so that a batch, even of one sequence, uses every core: the dense
// step per token range (then merged), the sparse steps' scan per token
// range (then their selection and attention per KV head). New tokens are
// written in runs the same way. On CUDA one call covers the batch: the
// entry point only enqueues kernels.
//
//===----------------------------------------------------------------------===//

#include "Decoder.h"

#include "MemRef.h"
#include "Status.h"
#include "Tensors.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

using spotlight::DecodeGeometry;
using namespace spotlight::runtime;

namespace {
/// New tokens per CPU work item of a write: enough to amortize a call.
constexpr int64_t kWriteRun = 256;

struct WeightViews {
  MemRef<3> w1, w2;
  MemRef<2> b1, b2;
};

/// `base` advanced by `bytes` (the entry points take mutable descriptors of
/// inputs too; they only read them).
unsigned char *at(const void *base, int64_t bytes) {
  return const_cast<unsigned char *>(static_cast<const unsigned char *>(base)) +
         bytes;
}

/// The weights of code heads [first, first + count): all of them for the
/// batch step, a KV head's for its slice.
WeightViews weightViews(const spt_decoder &d, int64_t first, int64_t count) {
  const int64_t D = d.g.headDim, wb = bytesOf(toDtype(d.g.weightType));
  return {view<3>(at(d.w1.get(), first * D * D * wb), {count, D, D}),
          view<3>(at(d.w2.get(), first * D * D * wb), {count, D, D}),
          view<2>(at(d.b1.get(), first * D * wb), {count, D}),
          view<2>(at(d.b2.get(), first * D * wb), {count, D})};
}

WeightViews weightViews(const spt_decoder &d) {
  return weightViews(d, 0, d.g.codeHeads);
}

/// Descriptors of the page pools.
struct PoolViews {
  PoolViews(const spt_decoder &d, const Pools &pools) {
    const DecodeGeometry &g = d.g;
    const int64_t page = g.pageSize, KH = g.kvHeads, D = g.headDim;
    keys = view<4>(pools.keys, {pools.pages, page, KH, D});
    values = view<4>(pools.values, {pools.pages, page, KH, D});
    codes = view<5>(pools.codes,
                    {pools.pages, page, KH, g.keyCodesPerHead(), g.codeWords()});
  }
  MemRef<4> keys, values;
  MemRef<5> codes;
};

/// Descriptors of the pools and of sequences [first, first + count).
struct StepViews : PoolViews {
  StepViews(const spt_decoder &d, const StepBuffers &io, const Pools &pools,
            const Tables &tables, int64_t first, int64_t count)
      : PoolViews(d, pools) {
    const DecodeGeometry &g = d.g;
    const int64_t QH = g.queryHeads, D = g.headDim, eb = d.elementBytes();
    query = view<3>(at(io.query, first * QH * D * eb), {count, QH, D});
    out = view<3>(io.out ? at(io.out, first * QH * D * eb) : nullptr,
                  {count, QH, D});
    indices = view<3>(io.indices ? io.indices + first * d.indexSlots()
                                 : nullptr,
                      {count, g.selectionSets(), g.selectionSlots()});
    blockTable = view<2>(at(tables.blockTable, first * tables.maxPages * 4),
                         {count, tables.maxPages});
    seqLens = view<1>(at(tables.seqLens, first * 4), {count});
  }
  MemRef<3> query, out, indices;
  MemRef<2> blockTable;
  MemRef<1> seqLens;
};

/// Descriptors of KV head h of sequence `seq` (abi::EntryScope::KVHead):
/// its G query rows, its selection sets, its code heads' weights, and the
/// pools viewed at its rows with the whole pools' strides.
struct KVHeadViews : StepViews {
  KVHeadViews(const spt_decoder &d, const StepBuffers &io, const Pools &pools,
              const Tables &tables, int64_t seq, int64_t h)
      : StepViews(d, io, pools, tables, seq, 1),
        weights(weightViews(d, h * d.g.keyCodesPerHead(),
                            d.g.keyCodesPerHead())) {
    const DecodeGeometry &g = d.g;
    const int64_t G = g.group(), D = g.headDim, eb = d.elementBytes();
    const int64_t sets = g.selectionSets() / g.kvHeads;
    query = view<3>(at(query.aligned, h * G * D * eb), {1, G, D});
    out = view<3>(out.aligned ? at(out.aligned, h * G * D * eb) : nullptr,
                  {1, G, D});
    indices = view<3>(indices.aligned ? static_cast<int32_t *>(indices.aligned) +
                                            h * sets * g.selectionSlots()
                                      : nullptr,
                      {1, sets, g.selectionSlots()});
    for (MemRef<4> *pool : {&keys, &values}) {
      pool->sizes[2] = 1;
      pool->offset = h * D;
    }
    codes.sizes[2] = 1;
    codes.offset = h * g.keyCodesPerHead() * g.codeWords();
  }
  WeightViews weights;
};

/// SPOTLIGHT_SPLIT (tests, benchmarks): 0 splits no sequence, 1 every
/// sequence, k > 1 every sequence with k token ranges; unset, -1.
int64_t forcedSplit() {
  const char *forced = std::getenv("SPOTLIGHT_SPLIT");
  return forced ? std::max(0, std::atoi(forced)) : -1;
}

/// Whether a step splits sequence b: as forcedSplit says, or else if it is
/// longer than half a core's share of the batch's tokens, which would keep
/// one core busy while the others idle.
bool splitsSequence(const spt_decoder &d, const Tables &tables, int64_t b,
                    int64_t totalTokens) {
  if (int64_t forced = forcedSplit(); forced >= 0)
    return forced > 0;
  const int64_t workers = d.device->workers();
  return workers > 1 && int64_t(tables.seqLens[b]) * 2 * workers > totalTokens;
}

/// Token ranges of a split sequence: one per core, or as forced.
int64_t tokenRanges(const spt_decoder &d) {
  int64_t forced = forcedSplit();
  return forced > 1 ? forced : d.device->workers();
}

int64_t totalTokens(const Tables &tables) {
  int64_t total = 0;
  for (int64_t b = 0; b < tables.batch; ++b)
    total += tables.seqLens[b];
  return total;
}

/// `ranges` ranges of whole pages over `pages` pages, as even as the pages
/// allow: range r holds pages [starts[r], starts[r + 1]).
std::vector<int64_t> pageRangeStarts(int64_t pages, int64_t ranges) {
  std::vector<int64_t> starts;
  for (int64_t r = 0; r <= ranges; ++r)
    starts.push_back(pages * r / ranges);
  return starts;
}

/// Sorts `items` costliest first: the pool hands items out in order, so a
/// long item taken last would leave the other cores idle.
template <typename Item, typename Cost>
void costliestFirst(std::vector<Item> &items, Cost cost) {
  std::stable_sort(items.begin(), items.end(),
                   [&](const Item &a, const Item &b) {
                     return cost(a) > cost(b);
                   });
}

/// Runs `call` once, as a CUDA step runs: only enqueued on the engines'
/// path, waited for otherwise.
spt_status runOnce(spt_decoder &d, const std::function<void()> &call) {
  if (d.enqueueOnly)
    return d.device->enqueue(call);
  return d.device->run(1, [&](int64_t) { call(); });
}

/// A dense step on the CPU: one item per sequence, and a long one
/// (splitsSequence) in ranges of whole pages, one per core (or as
/// SPOTLIGHT_SPLIT=k > 1 asks), each an item over every KV head
/// (TokenSplitDecodeDense: the range's attention and log-sum-exp), which a
/// second pass merges (TokenSplitMerge). A range reads its pages whole, K
/// and V of every KV head together: a KV head's rows alone are 1/KH of
/// each page, and one item per KV head ran 256K tokens 1.17x slower.
class SplitDenseStep {
public:
  SplitDenseStep(spt_decoder &d, const StepBuffers &io, const Pools &pools,
                 const Tables &tables)
      : d(d), io(io), pools(pools), tables(tables) {}

  /// `whole(seq)` runs sequence seq's step unsplit.
  spt_status run(const std::function<void(int64_t)> &whole) {
    if (spt_status s = plan())
      return s;
    if (spt_status s = d.device->run(int64_t(items.size()), [&](int64_t i) {
          const Item &item = items[i];
          if (item.range < 0)
            return whole(item.seq);
          attendRange(item);
        }))
      return s;
    return d.device->run(int64_t(splits.size()),
                         [&](int64_t i) { merge(splits[i]); });
  }

private:
  /// Sequence `seq` whole (range < 0), or range `range` of its pages
  /// (splits[split]).
  struct Item {
    int64_t seq, range, tokens, split;
  };
  /// The ranges of sequence `seq`: range r holds pages [firstPage[r],
  /// firstPage[r + 1]), `tokens[r]` of its tokens; their outputs [R, QH, D]
  /// and log-sum-exps [R, QH] (f32) in the scratch.
  struct Split {
    int64_t seq;
    std::vector<int64_t> firstPage;
    int32_t *tokens;
    float *outputs, *lses;
  };

  spt_status plan() {
    const DecodeGeometry &g = d.g;
    const int64_t QH = g.queryHeads, D = g.headDim;
    const int64_t page = g.pageSize, total = totalTokens(tables);
    int64_t scratch = 0;
    for (int64_t b = 0; b < tables.batch; ++b) {
      const int64_t n = tables.seqLens[b];
      const int64_t pages = (n + page - 1) / page;
      const int64_t ranges = std::min(tokenRanges(d), pages);
      if (!splitsSequence(d, tables, b, total) || ranges <= 1) {
        items.push_back({b, -1, n, -1});
        continue;
      }
      Split split{b, pageRangeStarts(pages, ranges), nullptr, nullptr,
                  nullptr};
      for (int64_t r = 0; r < ranges; ++r)
        items.push_back({b, r, rangeTokens(split, r), int64_t(splits.size())});
      splits.push_back(std::move(split));
      scratch += ranges * (QH * D + QH + 1);
    }
    if (!d.splitScratch.reserve(*d.device, scratch * 4))
      return fail(SPT_ERROR_OUT_OF_MEMORY,
                  "cannot allocate the " + std::to_string(scratch * 4) +
                      " bytes of partial outputs of the step's long "
                      "sequences");
    auto *next = reinterpret_cast<float *>(d.splitScratch.get());
    for (Split &split : splits) {
      const int64_t ranges = int64_t(split.firstPage.size()) - 1;
      split.outputs = next;
      next += ranges * QH * D;
      split.lses = next;
      next += ranges * QH;
      split.tokens = reinterpret_cast<int32_t *>(next);
      next += ranges;
      for (int64_t r = 0; r < ranges; ++r)
        split.tokens[r] = int32_t(rangeTokens(split, r));
    }
    costliestFirst(items, [](const Item &item) { return item.tokens; });
    return SPT_OK;
  }

  /// The tokens of the sequence in range r's pages.
  int64_t rangeTokens(const Split &split, int64_t r) const {
    const int64_t n = tables.seqLens[split.seq], page = d.g.pageSize;
    return std::min(n, split.firstPage[r + 1] * page) -
           split.firstPage[r] * page;
  }

  /// Range r of a sequence: the block table's row from the range's first
  /// page, the range's length, its output and log-sum-exp in the scratch.
  void attendRange(const Item &item) {
    const int64_t QH = d.g.queryHeads, D = d.g.headDim;
    const Split &split = splits[item.split];
    StepViews s(d, io, pools, tables, item.seq, 1);
    // The entry's block table has the identity layout: the view starts at
    // the range's first page (its offset field is not read).
    s.blockTable.aligned = static_cast<int32_t *>(s.blockTable.aligned) +
                           split.firstPage[item.range];
    s.blockTable.sizes[1] =
        split.firstPage[item.range + 1] - split.firstPage[item.range];
    MemRef<1> tokens = view<1>(split.tokens + item.range, {1});
    MemRef<3> out = view<3>(split.outputs + item.range * QH * D, {1, QH, D});
    MemRef<2> lse = view<2>(split.lses + item.range * QH, {1, QH});
    d.artifact->tokenSplitDecodeDense(&s.query, &s.keys, &s.values,
                                      &s.blockTable, &tokens, &out, &lse);
  }

  void merge(const Split &split) {
    const int64_t QH = d.g.queryHeads, D = d.g.headDim;
    const int64_t ranges = int64_t(split.firstPage.size()) - 1;
    StepViews s(d, io, pools, tables, split.seq, 1);
    MemRef<4> outputs = view<4>(split.outputs, {ranges, 1, QH, D});
    MemRef<3> lses = view<3>(split.lses, {ranges, 1, QH});
    d.artifact->tokenSplitMerge(&outputs, &lses, &s.out);
  }

  spt_decoder &d;
  const StepBuffers &io;
  const Pools &pools;
  const Tables &tables;
  std::vector<Item> items;
  std::vector<Split> splits;
};

/// A sparse step on the CPU whose long sequences (splitsSequence) select in
/// token ranges on every core. Reading a token's key codes of every head
/// together is what keeps the scan at the read bandwidth: a token's codes
/// share cache lines between heads (448 B in 7 lines for Qwen2.5-7B), so
/// splitting the scan by KV head read lines twice and ran a 256K-token
/// select 1.3x slower on 2 cores than one core alone.
///   1. every short sequence's whole step, and the scores and histograms of
///      each token range of the long ones (TokenSplitScores);
///   2. per KV head of a long sequence, its selection from them and (decode)
///      its attention (KVHeadSplitSelect, KVHeadSplitDecode).
class SplitSparseStep {
public:
  SplitSparseStep(spt_decoder &d, const StepBuffers &io, const Pools &pools,
                  const Tables &tables)
      : d(d), io(io), pools(pools), tables(tables) {}

  /// `whole(seq)` runs sequence seq's step unsplit.
  spt_status run(bool attend, const std::function<void(int64_t)> &whole) {
    if (spt_status s = plan())
      return s;
    if (spt_status s = d.device->run(int64_t(firstPhase.size()),
                                     [&](int64_t i) {
                                       const Item &item = firstPhase[i];
                                       if (item.split < 0)
                                         whole(item.seq);
                                       else
                                         scoreRange(item);
                                     }))
      return s;
    const int64_t KH = d.g.kvHeads;
    return d.device->run(int64_t(long_.size()) * KH, [&](int64_t i) {
      selectKVHead(long_[i / KH], i % KH, attend);
    });
  }

private:
  /// A long sequence: its token ranges and where their scores go.
  struct LongSequence {
    int64_t seq, ranges;
    int32_t *scores;     ///< [S, length]
    int32_t *histograms; ///< [ranges, S, V]
    std::vector<int32_t> bounds; ///< [ranges, 2]: begin, end
  };
  /// Sequence `seq` whole (split < 0), or range `split` of long_[index].
  struct Item {
    int64_t seq, split, index, tokens;
  };

  int64_t length(int64_t seq) const {
    return std::max<int64_t>(tables.seqLens[seq], 1);
  }

  spt_status plan() {
    const DecodeGeometry &g = d.g;
    const int64_t total = totalTokens(tables), perSequence = tokenRanges(d);
    const int64_t S = g.selectionSets(), V = g.selectionBins();
    int64_t scratch = 0;
    for (int64_t b = 0; b < tables.batch; ++b) {
      if (!splitsSequence(d, tables, b, total)) {
        firstPhase.push_back({b, -1, -1, tables.seqLens[b]});
        continue;
      }
      // Ranges of whole pages, one per core.
      const int64_t n = tables.seqLens[b], page = g.pageSize;
      const int64_t pages = (n + page - 1) / page;
      const int64_t ranges =
          std::max<int64_t>(1, std::min(perSequence, pages));
      LongSequence seq{b, ranges, nullptr, nullptr, {}};
      const std::vector<int64_t> starts = pageRangeStarts(pages, ranges);
      for (int64_t r = 0; r < ranges; ++r) {
        int64_t begin = std::min(n, starts[r] * page);
        int64_t end = std::min(n, starts[r + 1] * page);
        seq.bounds.insert(seq.bounds.end(), {int32_t(begin), int32_t(end)});
        firstPhase.push_back({b, r, int64_t(long_.size()), end - begin});
      }
      scratch += S * length(b) + ranges * S * V;
      long_.push_back(std::move(seq));
    }
    if (!d.splitScratch.reserve(*d.device, scratch * 4))
      return fail(SPT_ERROR_OUT_OF_MEMORY,
                  "cannot allocate the " + std::to_string(scratch * 4) +
                      " bytes of scores and histograms of the step's long "
                      "sequences");
    auto *next = reinterpret_cast<int32_t *>(d.splitScratch.get());
    for (LongSequence &seq : long_) {
      seq.scores = next;
      next += S * length(seq.seq);
      seq.histograms = next;
      next += seq.ranges * S * V;
    }
    costliestFirst(firstPhase, [](const Item &item) { return item.tokens; });
    return SPT_OK;
  }

  void scoreRange(const Item &item) {
    const DecodeGeometry &g = d.g;
    const int64_t S = g.selectionSets(), V = g.selectionBins();
    LongSequence &seq = long_[item.index];
    StepViews s(d, io, pools, tables, item.seq, 1);
    WeightViews w = weightViews(d);
    MemRef<2> range = view<2>(seq.bounds.data() + 2 * item.split, {1, 2});
    MemRef<3> scores = view<3>(seq.scores, {1, S, length(item.seq)});
    MemRef<3> histograms =
        view<3>(seq.histograms + item.split * S * V, {1, S, V});
    d.artifact->tokenSplitScores(&s.query, &s.codes, &s.blockTable,
                                 &s.seqLens, &w.w1, &w.b1, &w.w2, &w.b2,
                                 &range, &scores, &histograms);
  }

  /// KV head h's selection (and attention): its sets' rows of the
  /// sequence's scores [S, length] and histograms [ranges, S, V].
  void selectKVHead(LongSequence &seq, int64_t h, bool attend) {
    const DecodeGeometry &g = d.g;
    const int64_t S = g.selectionSets(), V = g.selectionBins();
    const int64_t sets = S / g.kvHeads, n = length(seq.seq);
    KVHeadViews s(d, io, pools, tables, seq.seq, h);
    MemRef<3> scores = view<3>(seq.scores, {1, S, n});
    scores.sizes[1] = sets;
    scores.offset = h * sets * n;
    MemRef<4> histograms = view<4>(seq.histograms, {seq.ranges, 1, S, V});
    histograms.sizes[2] = sets;
    histograms.offset = h * sets * V;
    if (!attend) {
      d.artifact->kvHeadSplitSelect(&scores, &histograms, &s.seqLens,
                                    &s.indices);
      return;
    }
    d.artifact->kvHeadSplitDecode(&s.query, &s.keys, &s.values, &scores,
                                  &histograms, &s.blockTable, &s.seqLens,
                                  &s.out, &s.indices);
  }

  spt_decoder &d;
  const StepBuffers &io;
  const Pools &pools;
  const Tables &tables;
  std::vector<Item> firstPhase;
  std::vector<LongSequence> long_;
};

/// Runs a sparse step (`attend`: decode, else select) over the batch:
/// `call(first, count)` once on CUDA; on the CPU per sequence, the long
/// ones split (SplitSparseStep).
spt_status overBatchSparse(spt_decoder &d, const StepBuffers &io,
                           const Pools &pools, const Tables &tables,
                           bool attend,
                           const std::function<void(int64_t, int64_t)> &call) {
  const int64_t batch = tables.batch;
  if (batch == 0)
    return SPT_OK;
  if (d.device->usesHostMemory())
    return SplitSparseStep(d, io, pools, tables)
        .run(attend, [&](int64_t seq) { call(seq, 1); });
  return runOnce(d, [&] { call(0, batch); });
}
} // namespace

namespace spotlight::runtime {
spt_status openDevice(const spt_artifact *artifact, spt_device device,
                      std::unique_ptr<Device> &opened) {
  const DecodeGeometry &g = artifact->model;
  if (device == SPT_DEVICE_CPU) {
    if (g.isCUDA())
      return fail(SPT_ERROR_ARTIFACT,
                  "this artifact holds CUDA code (" + g.target +
                      "); run it on SPT_DEVICE_CUDA, or compile one with "
                      "--target=cpu for the CPU");
    opened = makeCPUDevice();
    return SPT_OK;
  }
  if (device != SPT_DEVICE_CUDA)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
  if (!g.isCUDA()) {
    // Say first whether there is a GPU at all: that is the likelier news.
    spt_device_info gpu;
    if (spt_status s = queryCUDADevice(gpu))
      return s;
    return fail(SPT_ERROR_NO_DEVICE,
                "this artifact holds CPU code only; the CUDA backend needs an "
                "artifact compiled with --target=cuda");
  }
  return makeCUDADevice(artifact->base, /*streams=*/1, opened);
}
} // namespace spotlight::runtime

int64_t spt_decoder::elementBytes() const { return bytesOf(toDtype(g.dtype)); }

spt_status spt_decoder::create(const spt_artifact *artifact, spt_device device,
                               const spt_tensor *w1, const spt_tensor *b1,
                               const spt_tensor *w2, const spt_tensor *b2,
                               std::unique_ptr<spt_decoder> &decoder) {
  const DecodeGeometry &g = artifact->model;
  const int64_t CH = g.codeHeads, D = g.headDim;
  spt_dtype wt = toDtype(g.weightType);
  for (auto [t, name, shape] :
       {std::tuple{w1, "w1", std::vector<int64_t>{CH, D, D}},
        std::tuple{b1, "b1", std::vector<int64_t>{CH, D}},
        std::tuple{w2, "w2", std::vector<int64_t>{CH, D, D}},
        std::tuple{b2, "b2", std::vector<int64_t>{CH, D}}})
    if (spt_status s = checkTensor(t, name, wt, shape))
      return s;
  auto created = std::make_unique<spt_decoder>();
  if (spt_status s = openDevice(artifact, device, created->device))
    return s;
  created->artifact = artifact;
  created->g = g;
  Device &dev = *created->device;
  const int64_t wb = bytesOf(wt);
  for (auto [buffer, from, bytes] :
       {std::tuple{&created->w1, w1->data, CH * D * D * wb},
        std::tuple{&created->b1, b1->data, CH * D * wb},
        std::tuple{&created->w2, w2->data, CH * D * D * wb},
        std::tuple{&created->b2, b2->data, CH * D * wb}}) {
    if (!buffer->allocate(dev, bytes))
      return fail(SPT_ERROR_OUT_OF_MEMORY, "cannot allocate the hash weights");
    if (spt_status s = dev.upload(buffer->get(), from, bytes))
      return s;
  }
  decoder = std::move(created);
  return SPT_OK;
}

spt_status spt_decoder::write(const void *keys, const void *values,
                              const int32_t *slots, int64_t tokens,
                              const Pools &pools) {
  const int64_t KH = g.kvHeads, D = g.headDim, eb = elementBytes();
  auto run = [&](int64_t first, int64_t count) {
    auto *k = static_cast<const unsigned char *>(keys) + first * KH * D * eb;
    auto *v = static_cast<const unsigned char *>(values) + first * KH * D * eb;
    MemRef<3> kView = view<3>(const_cast<unsigned char *>(k), {count, KH, D});
    MemRef<3> vView = view<3>(const_cast<unsigned char *>(v), {count, KH, D});
    MemRef<1> sView = view<1>(const_cast<int32_t *>(slots + first), {count});
    PoolViews p(*this, pools);
    WeightViews w = weightViews(*this);
    artifact->pagedWrite(&kView, &vView, &sView, &w.w1, &w.b1, &w.w2, &w.b2,
                         &p.keys, &p.values, &p.codes);
  };
  if (tokens == 0)
    return SPT_OK;
  if (!device->usesHostMemory())
    return runOnce(*this, [&] { run(0, tokens); });
  const int64_t runs = (tokens + kWriteRun - 1) / kWriteRun;
  return device->run(runs, [&](int64_t r) {
    run(r * kWriteRun, std::min(kWriteRun, tokens - r * kWriteRun));
  });
}

spt_status spt_decoder::select(const StepBuffers &io, const Pools &pools,
                               const Tables &tables) {
  return overBatchSparse(
      *this, io, pools, tables, /*attend=*/false,
      [&](int64_t first, int64_t count) {
        StepViews s(*this, io, pools, tables, first, count);
        WeightViews w = weightViews(*this);
        artifact->pagedSelect(&s.query, &s.codes, &s.blockTable, &s.seqLens,
                              &w.w1, &w.b1, &w.w2, &w.b2, &s.indices);
      });
}

spt_status spt_decoder::decode(const StepBuffers &io, const Pools &pools,
                               const Tables &tables) {
  return overBatchSparse(
      *this, io, pools, tables, /*attend=*/true,
      [&](int64_t first, int64_t count) {
        StepViews s(*this, io, pools, tables, first, count);
        WeightViews w = weightViews(*this);
        artifact->pagedDecode(&s.query, &s.keys, &s.values, &s.codes,
                              &s.blockTable, &s.seqLens, &w.w1, &w.b1, &w.w2,
                              &w.b2, &s.out, &s.indices);
      });
}

spt_status spt_decoder::decodeDense(const StepBuffers &io, const Pools &pools,
                                    const Tables &tables) {
  auto run = [&](int64_t first, int64_t count) {
    StepViews s(*this, io, pools, tables, first, count);
    artifact->pagedDecodeDense(&s.query, &s.keys, &s.values, &s.blockTable,
                               &s.seqLens, &s.out);
  };
  if (tables.batch == 0)
    return SPT_OK;
  // Host memory means a CPU artifact, which always holds the token-split
  // entry points (loading checks them).
  if (device->usesHostMemory())
    return SplitDenseStep(*this, io, pools, tables).run([&](int64_t seq) {
      run(seq, 1);
    });
  return runOnce(*this, [&] { run(0, tables.batch); });
}
