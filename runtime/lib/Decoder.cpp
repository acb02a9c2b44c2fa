//===- Decoder.cpp - The paged step over a whole batch --------------------===//
//
// Calls the artifact's paged entry points (spotlight/ABI/EntryPoints.def)
// with memref descriptors of the pools, tables and step buffers. On the
// CPU the batch is split into one work item per sequence, each a call on
// its rows of the query, tables and outputs (the pools are shared), so a
// batch uses every core; new tokens are written in runs the same way. On
// CUDA one call covers the batch: the entry point only enqueues kernels.
//
//===----------------------------------------------------------------------===//

#include "Decoder.h"

#include "MemRef.h"
#include "Status.h"
#include "Tensors.h"

#include <algorithm>
#include <numeric>
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

WeightViews weightViews(const spt_decoder &d) {
  const int64_t CH = d.g.codeHeads, D = d.g.headDim;
  return {view<3>(d.w1.get(), {CH, D, D}), view<3>(d.w2.get(), {CH, D, D}),
          view<2>(d.b1.get(), {CH, D}), view<2>(d.b2.get(), {CH, D})};
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
    auto at = [](const void *base, int64_t bytes) {
      return const_cast<unsigned char *>(
                 static_cast<const unsigned char *>(base)) +
             bytes;
    };
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

/// Runs `call(first, count)` over the batch of `tables`: per sequence on
/// the CPU, longest first (the pool hands items out in order, so a long
/// sequence taken last would leave the other cores idle), once on CUDA.
spt_status overBatch(spt_decoder &d, const Tables &tables,
                     const std::function<void(int64_t, int64_t)> &call) {
  const int64_t batch = tables.batch;
  if (batch == 0)
    return SPT_OK;
  if (d.device->usesHostMemory()) {
    std::vector<int64_t> order(batch);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return tables.seqLens[a] > tables.seqLens[b];
    });
    return d.device->run(batch, [&](int64_t i) { call(order[i], 1); });
  }
  if (d.enqueueOnly)
    return d.device->enqueue([&] { call(0, batch); });
  return d.device->run(1, [&](int64_t) { call(0, batch); });
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
    return enqueueOnly ? device->enqueue([&] { run(0, tokens); })
                       : device->run(1, [&](int64_t) { run(0, tokens); });
  const int64_t runs = (tokens + kWriteRun - 1) / kWriteRun;
  return device->run(runs, [&](int64_t r) {
    run(r * kWriteRun, std::min(kWriteRun, tokens - r * kWriteRun));
  });
}

spt_status spt_decoder::select(const StepBuffers &io, const Pools &pools,
                               const Tables &tables) {
  return overBatch(*this, tables, [&](int64_t first, int64_t count) {
    StepViews s(*this, io, pools, tables, first, count);
    WeightViews w = weightViews(*this);
    artifact->pagedSelect(&s.query, &s.codes, &s.blockTable, &s.seqLens, &w.w1,
                          &w.b1, &w.w2, &w.b2, &s.indices);
  });
}

spt_status spt_decoder::decode(const StepBuffers &io, const Pools &pools,
                               const Tables &tables) {
  return overBatch(*this, tables, [&](int64_t first, int64_t count) {
    StepViews s(*this, io, pools, tables, first, count);
    WeightViews w = weightViews(*this);
    artifact->pagedDecode(&s.query, &s.keys, &s.values, &s.codes,
                          &s.blockTable, &s.seqLens, &w.w1, &w.b1, &w.w2,
                          &w.b2, &s.out, &s.indices);
  });
}

spt_status spt_decoder::decodeDense(const StepBuffers &io, const Pools &pools,
                                    const Tables &tables) {
  return overBatch(*this, tables, [&](int64_t first, int64_t count) {
    StepViews s(*this, io, pools, tables, first, count);
    artifact->pagedDecodeDense(&s.query, &s.keys, &s.values, &s.blockTable,
                               &s.seqLens, &s.out);
  });
}
