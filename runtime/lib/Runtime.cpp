//===- Runtime.cpp - The Spotlight runtime --------------------------------===//
//
// The cache and the decode steps. Orchestration only: the artifact's
// compiled entry points (Artifact.h) do all the arithmetic. A step is split
// into work items, one per (sequence, KV head); every operand of an item is
// a contiguous slice of the cache or of the caller's tensors, passed as a
// memref descriptor (MemRef.h). The Device (Device.h) holds the memory and
// runs the items: the CPU, or CUDA, where the caller's tensors are staged
// through GPU memory.
//
//===----------------------------------------------------------------------===//

#include "spotlight/runtime.h"

#include "Artifact.h"
#include "Device.h"
#include "MemRef.h"
#include "Status.h"
#include "Tensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using spotlight::DecodeGeometry;
using namespace spotlight::runtime;

namespace {
thread_local std::string lastError;
} // namespace

spt_status spotlight::runtime::fail(spt_status status,
                                    const std::string &message) {
  lastError = message;
  return status;
}

struct spt_cache {
  const spt_artifact *artifact;
  DecodeGeometry g;
  int64_t batch, capacity;
  std::vector<int64_t> lengths;
  std::unique_ptr<Device> device;
  DeviceBuffer keys, values, codes, w1, b1, w2, b2;
  /// Device copies of the caller's query, output and indices (CUDA only),
  /// and the query codes of spt_select.
  DeviceBuffer queryStage, outStage, indexStage, queryCodes;

  int64_t elementBytes() const { return bytesOf(toDtype(g.dtype)); }
  int64_t weightBytes() const { return bytesOf(toDtype(g.weightType)); }
  int64_t codeWordsPerToken() const {
    return g.keyCodesPerHead() * g.codeWords();
  }
  int64_t queryBytes() const {
    return batch * g.queryHeads * g.headDim * elementBytes();
  }
  int64_t indexBytes() const {
    return batch * g.selectionSets() * g.selectionSlots() * 4;
  }
  /// Element offset of token 0 of (sequence, KV head) in K/V.
  int64_t rowBase(int64_t b, int64_t h) const {
    return (b * g.kvHeads + h) * capacity;
  }
  unsigned char *keyRow(int64_t b, int64_t h, int64_t t) const {
    return keys.get() + (rowBase(b, h) + t) * g.headDim * elementBytes();
  }
  unsigned char *valueRow(int64_t b, int64_t h, int64_t t) const {
    return values.get() + (rowBase(b, h) + t) * g.headDim * elementBytes();
  }
  unsigned char *codeRow(int64_t b, int64_t h, int64_t t) const {
    return codes.get() + (rowBase(b, h) + t) * codeWordsPerToken() * 4;
  }

  /// Key codes of tokens [start, start + n) of (sequence b, KV head h).
  MemRef<5> codeView(int64_t b, int64_t h, int64_t start, int64_t n) const {
    return view<5>(codeRow(b, h, start),
                   {1, 1, n, g.keyCodesPerHead(), g.codeWords()});
  }

  /// The hash weights of the code heads of KV head h, as descriptors.
  struct Weights {
    MemRef<3> w1, w2;
    MemRef<2> b1, b2;
  };
  Weights weightsOf(int64_t h) const {
    const int64_t C = g.codeHeadsPerItem(), D = g.headDim;
    const int64_t first = h * C;
    const int64_t wb = weightBytes();
    return {view<3>(w1.get() + first * D * D * wb, {C, D, D}),
            view<3>(w2.get() + first * D * D * wb, {C, D, D}),
            view<2>(b1.get() + first * D * wb, {C, D}),
            view<2>(b2.get() + first * D * wb, {C, D})};
  }
};

namespace {
/// The caller's tensors of one step as the entry points see them: the
/// tensors themselves on the CPU, device copies on CUDA.
struct StepIO {
  unsigned char *query = nullptr, *out = nullptr;
  int32_t *indices = nullptr;
};

/// Stages `query` in (when there is one) and picks where `out` and the
/// indices go.
spt_status stageIn(spt_cache *cache, const spt_tensor *query,
                   const spt_tensor *out, const spt_tensor *indices,
                   StepIO &io) {
  const bool host = cache->device->usesHostMemory();
  io.query = host ? static_cast<unsigned char *>(query->data)
                  : cache->queryStage.get();
  io.out = out ? (host ? static_cast<unsigned char *>(out->data)
                       : cache->outStage.get())
               : nullptr;
  io.indices = host && indices
                   ? static_cast<int32_t *>(indices->data)
                   : reinterpret_cast<int32_t *>(cache->indexStage.get());
  if (host)
    return SPT_OK;
  return cache->device->upload(io.query, query->data, cache->queryBytes());
}

/// Copies the step's results back to the caller (CUDA).
spt_status stageOut(spt_cache *cache, const StepIO &io, spt_tensor *out,
                    spt_tensor *indices) {
  if (cache->device->usesHostMemory())
    return SPT_OK;
  if (out)
    if (spt_status s =
            cache->device->download(out->data, io.out, cache->queryBytes()))
      return s;
  if (indices)
    return cache->device->download(indices->data, io.indices,
                                   cache->indexBytes());
  return SPT_OK;
}
} // namespace

extern "C" {

const char *spt_last_error(void) { return lastError.c_str(); }

const char *spt_status_name(spt_status status) {
  switch (status) {
  case SPT_OK:
    return "SPT_OK";
  case SPT_ERROR_INVALID_ARGUMENT:
    return "SPT_ERROR_INVALID_ARGUMENT";
  case SPT_ERROR_SHAPE:
    return "SPT_ERROR_SHAPE";
  case SPT_ERROR_TYPE:
    return "SPT_ERROR_TYPE";
  case SPT_ERROR_CAPACITY:
    return "SPT_ERROR_CAPACITY";
  case SPT_ERROR_ARTIFACT:
    return "SPT_ERROR_ARTIFACT";
  case SPT_ERROR_NO_DEVICE:
    return "SPT_ERROR_NO_DEVICE";
  case SPT_ERROR_OUT_OF_MEMORY:
    return "SPT_ERROR_OUT_OF_MEMORY";
  case SPT_ERROR_DEVICE:
    return "SPT_ERROR_DEVICE";
  }
  return "SPT_ERROR_UNKNOWN";
}

/// Whether `device` is one of the enum's values, read as the integer a C
/// caller may have passed (reading an out-of-range enum is undefined in C++):
/// checked before anything else reads it.
static bool isKnownDevice(const spt_device &device) {
  int32_t raw = 0;
  static_assert(sizeof(raw) == sizeof(device), "spt_device is an int");
  std::memcpy(&raw, &device, sizeof(raw));
  return raw == SPT_DEVICE_CPU || raw == SPT_DEVICE_CUDA;
}

/// The device a cache runs on, if the artifact's code can run there.
static spt_status openDevice(const spt_artifact *artifact, spt_device device,
                             std::unique_ptr<Device> &opened) {
  const DecodeGeometry &g = artifact->model;
  if (device == SPT_DEVICE_CPU) {
    if (g.isCUDA())
      return fail(SPT_ERROR_ARTIFACT,
                  "this artifact holds CUDA code (" + g.target +
                      "); run it on SPT_DEVICE_CUDA, or compile one with "
                      "--target=cpu for the CPU");
    opened = spotlight::runtime::makeCPUDevice();
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
  // One stream per KV head: a step's heads run concurrently.
  return spotlight::runtime::makeCUDADevice(artifact->base, g.kvHeads, opened);
}

spt_status spt_cache_create(const spt_artifact *artifact, spt_device device,
                            int64_t batch, int64_t capacity,
                            const spt_tensor *w1, const spt_tensor *b1,
                            const spt_tensor *w2, const spt_tensor *b2,
                            spt_cache **cache) {
  return guarded("spt_cache_create", [&]() -> spt_status {
    if (!artifact || !cache)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_cache_create: artifact and cache must not be null");
    *cache = nullptr;
    const DecodeGeometry &g = artifact->model;
    if (!isKnownDevice(device))
      return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
    if (batch <= 0 || capacity <= 0)
      return fail(
          SPT_ERROR_INVALID_ARGUMENT,
          "a cache holds at least one sequence of one token: got batch " +
              std::to_string(batch) + ", capacity " + std::to_string(capacity));
    if (capacity > g.maxTokens)
      return fail(SPT_ERROR_CAPACITY,
                  "capacity " + std::to_string(capacity) +
                      " exceeds the artifact's max_tokens " +
                      std::to_string(g.maxTokens) +
                      " (recompile with a larger --max-tokens)");
    const int64_t CH = g.codeHeads, D = g.headDim;
    spt_dtype wt = toDtype(g.weightType);
    for (auto [t, name, shape] :
         {std::tuple{w1, "w1", std::vector<int64_t>{CH, D, D}},
          std::tuple{b1, "b1", std::vector<int64_t>{CH, D}},
          std::tuple{w2, "w2", std::vector<int64_t>{CH, D, D}},
          std::tuple{b2, "b2", std::vector<int64_t>{CH, D}}})
      if (spt_status s = checkTensor(t, name, wt, shape))
        return s;

    // Every size below is checked once here; offsets into these buffers
    // are smaller, so no later arithmetic can overflow.
    const int64_t eb = bytesOf(toDtype(g.dtype)), wb = bytesOf(wt);
    int64_t rows, kvBytes, codeBytes, queryBytes, indexBytes, queryCodeBytes;
    if (!checkedProduct({batch, g.kvHeads, capacity}, rows) ||
        !checkedProduct({rows, D, eb}, kvBytes) ||
        !checkedProduct({rows, g.keyCodesPerHead(), g.codeWords(), 4},
                        codeBytes) ||
        !checkedProduct({batch, g.queryHeads, D, eb}, queryBytes) ||
        !checkedProduct({batch, g.selectionSets(), g.selectionSlots(), 4},
                        indexBytes) ||
        !checkedProduct({batch, g.queryHeads, g.codeWords(), 4},
                        queryCodeBytes))
      return fail(SPT_ERROR_CAPACITY,
                  "a cache of " + std::to_string(batch) + " x " +
                      std::to_string(capacity) +
                      " tokens exceeds any addressable size");

    auto created = std::make_unique<spt_cache>();
    if (spt_status s = openDevice(artifact, device, created->device))
      return s;
    created->artifact = artifact;
    created->g = g;
    created->batch = batch;
    created->capacity = capacity;
    Device &dev = *created->device;
    const bool staged = !dev.usesHostMemory();
    if (!created->keys.allocate(dev, kvBytes) ||
        !created->values.allocate(dev, kvBytes) ||
        !created->codes.allocate(dev, codeBytes) ||
        !created->w1.allocate(dev, CH * D * D * wb) ||
        !created->b1.allocate(dev, CH * D * wb) ||
        !created->w2.allocate(dev, CH * D * D * wb) ||
        !created->b2.allocate(dev, CH * D * wb) ||
        !created->indexStage.allocate(dev, indexBytes) ||
        !created->queryCodes.allocate(dev, queryCodeBytes) ||
        (staged && (!created->queryStage.allocate(dev, queryBytes) ||
                    !created->outStage.allocate(dev, queryBytes))))
      return fail(SPT_ERROR_OUT_OF_MEMORY,
                  "cannot allocate a cache of " + std::to_string(batch) +
                      " x " + std::to_string(capacity) + " tokens");
    // After the cache memory, which is larger: a batch beyond memory fails
    // above with a status, not in operator new.
    created->lengths.assign(batch, 0);
    for (auto [to, from, bytes] :
         {std::tuple{created->w1.get(), w1->data, CH * D * D * wb},
          std::tuple{created->b1.get(), b1->data, CH * D * wb},
          std::tuple{created->w2.get(), w2->data, CH * D * D * wb},
          std::tuple{created->b2.get(), b2->data, CH * D * wb}})
      if (spt_status s = dev.upload(to, from, bytes))
        return s;
    *cache = created.release();
    return SPT_OK;
  });
}

void spt_cache_free(spt_cache *cache) { delete cache; }

spt_status spt_cache_length(const spt_cache *cache, int64_t sequence,
                            int64_t *length) {
  return guarded("spt_cache_length", [&]() -> spt_status {
    if (!cache || !length)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_cache_length: null argument");
    if (sequence < 0 || sequence >= cache->batch)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "sequence " + std::to_string(sequence) + " is not in [0, " +
                      std::to_string(cache->batch) + ")");
    *length = cache->lengths[sequence];
    return SPT_OK;
  });
}

spt_status spt_device_query(spt_device device, spt_device_info *info) {
  return guarded("spt_device_query", [&]() -> spt_status {
    if (!info)
      return fail(SPT_ERROR_INVALID_ARGUMENT, "spt_device_query: null info");
    if (!isKnownDevice(device))
      return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
    if (device == SPT_DEVICE_CUDA)
      return queryCUDADevice(*info);
    if (device != SPT_DEVICE_CPU)
      return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
    *info = spt_device_info{};
    std::snprintf(info->name, sizeof(info->name), "CPU (%u threads)",
                  std::max(1u, std::thread::hardware_concurrency()));
    return SPT_OK;
  });
}

spt_status spt_cache_last_step_time(const spt_cache *cache,
                                    double *milliseconds) {
  return guarded("spt_cache_last_step_time", [&]() -> spt_status {
    if (!cache || !milliseconds)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_cache_last_step_time: null argument");
    *milliseconds = cache->device->lastMilliseconds;
    return SPT_OK;
  });
}

spt_status spt_cache_read_codes(const spt_cache *cache, int64_t sequence,
                                spt_tensor *codes) {
  return guarded("spt_cache_read_codes", [&]() -> spt_status {
    int64_t n = 0;
    if (spt_status s = spt_cache_length(cache, sequence, &n))
      return s;
    const DecodeGeometry &g = cache->g;
    if (spt_status s =
            checkTensor(codes, "codes", SPT_I32,
                        {g.kvHeads, n, g.keyCodesPerHead(), g.codeWords()}))
      return s;
    const int64_t bytes = n * cache->codeWordsPerToken() * 4;
    for (int64_t h = 0; h < g.kvHeads; ++h)
      if (spt_status s = cache->device->download(
              static_cast<unsigned char *>(codes->data) + h * bytes,
              cache->codeRow(sequence, h, 0), bytes))
        return s;
    return SPT_OK;
  });
}

spt_status spt_cache_append(spt_cache *cache, int64_t sequence,
                            const spt_tensor *keys, const spt_tensor *values) {
  return guarded("spt_cache_append", [&]() -> spt_status {
    if (!cache)
      return fail(SPT_ERROR_INVALID_ARGUMENT, "spt_cache_append: null cache");
    const DecodeGeometry &g = cache->g;
    const int64_t KH = g.kvHeads, D = g.headDim;
    if (sequence < 0 || sequence >= cache->batch)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "sequence " + std::to_string(sequence) + " is not in [0, " +
                      std::to_string(cache->batch) + ")");
    spt_dtype dt = toDtype(g.dtype);
    if (spt_status s = checkTensor(keys, "keys", dt, {KH, -1, D}))
      return s;
    if (spt_status s = checkTensor(values, "values", dt, {KH, -1, D}))
      return s;
    const int64_t n = keys->shape[1];
    if (values->shape[1] != n)
      return fail(SPT_ERROR_SHAPE, "keys hold " + std::to_string(n) +
                                       " tokens but values hold " +
                                       std::to_string(values->shape[1]));
    const int64_t start = cache->lengths[sequence];
    if (n > cache->capacity - start)
      return fail(SPT_ERROR_CAPACITY,
                  "sequence " + std::to_string(sequence) + " holds " +
                      std::to_string(start) + " of " +
                      std::to_string(cache->capacity) + " tokens; appending " +
                      std::to_string(n) + " exceeds the capacity");
    if (n == 0)
      return SPT_OK;

    // Rows past the current length are invisible until the length moves, so
    // writing them cannot disturb the cache's observable state.
    const int64_t rowBytes = D * cache->elementBytes();
    const auto *k = static_cast<const unsigned char *>(keys->data);
    const auto *v = static_cast<const unsigned char *>(values->data);
    for (int64_t h = 0; h < KH; ++h) {
      if (spt_status s =
              cache->device->upload(cache->keyRow(sequence, h, start),
                                    k + h * n * rowBytes, n * rowBytes))
        return s;
      if (spt_status s =
              cache->device->upload(cache->valueRow(sequence, h, start),
                                    v + h * n * rowBytes, n * rowBytes))
        return s;
    }
    const spt_artifact *artifact = cache->artifact;
    if (spt_status s = cache->device->run(KH, [&](int64_t h) {
          MemRef<4> kView =
              view<4>(cache->keyRow(sequence, h, start), {1, 1, n, D});
          MemRef<5> cView = cache->codeView(sequence, h, start, n);
          auto w = cache->weightsOf(h);
          artifact->encodeKeys(&kView, &w.w1, &w.b1, &w.w2, &w.b2, &cView);
        }))
      return s;
    cache->lengths[sequence] = start + n;
    return SPT_OK;
  });
}

/// The operands of work item (b, h): its G query rows, outputs, K and V.
struct ItemViews {
  int64_t length;
  MemRef<3> q, o;
  MemRef<4> k, v;
};

static ItemViews itemViews(const spt_cache *cache, const StepIO &io, int64_t b,
                           int64_t h) {
  const DecodeGeometry &g = cache->g;
  const int64_t G = g.group(), D = g.headDim, n = cache->lengths[b];
  const int64_t offset = (b * g.queryHeads + h * G) * D * cache->elementBytes();
  unsigned char *o = io.out ? io.out + offset : nullptr;
  return {n, view<3>(io.query + offset, {1, G, D}), view<3>(o, {1, G, D}),
          view<4>(cache->keyRow(b, h, 0), {1, 1, n, D}),
          view<4>(cache->valueRow(b, h, 0), {1, 1, n, D})};
}

/// The index slots of work item (b, h).
static MemRef<3> indexView(const spt_cache *cache, const StepIO &io, int64_t b,
                           int64_t h) {
  const DecodeGeometry &g = cache->g;
  const int64_t setsPerItem = g.headMode ? g.group() : 1;
  const int64_t M = g.selectionSlots();
  int32_t *row = io.indices + (b * g.selectionSets() + h * setsPerItem) * M;
  return view<3>(row, {1, setsPerItem, M});
}

/// What a step writes: `out` (spt_decode*), `indices` (spt_select), or
/// both with the indices optional (spt_decode).
enum class Writes { Out, Indices, OutAndMaybeIndices };

/// Shared by every step of `function`: checks the arguments, stages them,
/// runs `item(b, h)` for every (sequence, KV head) and copies the results
/// back.
static spt_status
runStep(const char *function, spt_cache *cache, const spt_tensor *query,
        spt_tensor *out, spt_tensor *indices, Writes writes,
        const std::function<void(const StepIO &, int64_t, int64_t)> &item) {
  if (!cache)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(function) + ": null cache");
  if (writes != Writes::Indices && !out)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "out is a null pointer");
  if (writes == Writes::Indices && !indices)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "indices is a null pointer (spt_select's only output)");
  const DecodeGeometry &g = cache->g;
  spt_dtype dt = toDtype(g.dtype);
  std::vector<int64_t> shape = {cache->batch, g.queryHeads, g.headDim};
  if (spt_status s = checkTensor(query, "query", dt, shape))
    return s;
  if (out)
    if (spt_status s = checkTensor(out, "out", dt, shape))
      return s;
  if (indices)
    if (spt_status s =
            checkTensor(indices, "indices", SPT_I32,
                        {cache->batch, g.selectionSets(), g.selectionSlots()}))
      return s;
  StepIO io;
  if (spt_status s = stageIn(cache, query, out, indices, io))
    return s;
  if (spt_status s =
          cache->device->run(cache->batch * g.kvHeads, [&](int64_t i) {
            item(io, i / g.kvHeads, i % g.kvHeads);
          }))
    return s;
  return stageOut(cache, io, out, indices);
}

spt_status spt_select(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *indices) {
  return guarded("spt_select", [&]() -> spt_status {
    return runStep(
        "spt_select", cache, query, nullptr, indices, Writes::Indices,
        [&](const StepIO &io, int64_t b, int64_t h) {
          const DecodeGeometry &g = cache->g;
          const int64_t G = g.group(), W = g.codeWords();
          ItemViews it = itemViews(cache, io, b, h);
          auto *codes = reinterpret_cast<int32_t *>(cache->queryCodes.get()) +
                        (b * g.queryHeads + h * G) * W;
          MemRef<4> qcView = view<4>(codes, {1, G, 1, W});
          auto w = cache->weightsOf(h);
          cache->artifact->encodeQueries(&it.q, &w.w1, &w.b1, &w.w2, &w.b2,
                                         &qcView);
          MemRef<5> cView = cache->codeView(b, h, 0, it.length);
          MemRef<3> iView = indexView(cache, io, b, h);
          cache->artifact->select(&qcView, &cView, &iView);
        });
  });
}

spt_status spt_decode(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *out, spt_tensor *indices) {
  return guarded("spt_decode", [&]() -> spt_status {
    return runStep(
        "spt_decode", cache, query, out, indices, Writes::OutAndMaybeIndices,
        [&](const StepIO &io, int64_t b, int64_t h) {
          ItemViews it = itemViews(cache, io, b, h);
          MemRef<5> cView = cache->codeView(b, h, 0, it.length);
          MemRef<3> iView = indexView(cache, io, b, h);
          auto w = cache->weightsOf(h);
          cache->artifact->decode(&it.q, &it.k, &it.v, &cView, &w.w1, &w.b1,
                                  &w.w2, &w.b2, &it.o, &iView);
        });
  });
}

spt_status spt_decode_dense(spt_cache *cache, const spt_tensor *query,
                            spt_tensor *out) {
  return guarded("spt_decode_dense", [&]() -> spt_status {
    return runStep("spt_decode_dense", cache, query, out, nullptr, Writes::Out,
                   [&](const StepIO &io, int64_t b, int64_t h) {
                     ItemViews it = itemViews(cache, io, b, h);
                     cache->artifact->decodeDense(&it.q, &it.k, &it.v, &it.o);
                   });
  });
}

} // extern "C"
