//===- PagedCache.cpp - A paged KV cache the runtime owns -----------------===//
//
// spt_cache_*: a pool of pages (K, V and key codes in the layout of the
// engines' path) with a page list per sequence, over the same paged step
// (Decoder.h). Appending takes pages from the free list, all or nothing;
// fork shares a sequence's full pages with another (a common prompt prefix)
// and copies its partial last page; reset returns pages no sequence holds
// any more. A step builds the block table and lengths of the batch and runs
// once over all sequences. On CUDA the caller's host tensors are staged
// through device buffers the cache owns.
//
//===----------------------------------------------------------------------===//

#include "Decoder.h"
#include "Status.h"
#include "Tensors.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using spotlight::DecodeGeometry;
using namespace spotlight::runtime;

struct spt_cache {
  std::unique_ptr<spt_decoder> decoder;
  int64_t batch = 0, capacity = 0, pages = 0;
  DeviceBuffer keys, values, codes;
  std::vector<int64_t> lengths;
  std::vector<std::vector<int32_t>> pageLists;
  std::vector<int32_t> freePages;
  /// How many sequences hold each page (shared prefixes hold it twice).
  std::vector<int32_t> holders;
  /// CUDA: device copies of a step's query, outputs and tables.
  DeviceBuffer queryStage, outStage, indexStage, tableStage, lengthStage;

  const DecodeGeometry &g() const { return decoder->g; }
  Device &device() const { return *decoder->device; }
  int64_t pageSize() const { return g().pageSize; }
  int64_t kvRowBytes() const {
    return g().kvHeads * g().headDim * decoder->elementBytes();
  }
  int64_t codeRowBytes() const {
    return g().kvHeads * g().keyCodesPerHead() * g().codeWords() * 4;
  }
  Pools pools() const {
    return {keys.get(), values.get(), reinterpret_cast<int32_t *>(codes.get()),
            pages};
  }
  int64_t slotOf(int64_t b, int64_t t) const {
    return int64_t(pageLists[b][t / pageSize()]) * pageSize() + t % pageSize();
  }
  void release(int32_t page) {
    if (--holders[page] == 0)
      freePages.push_back(page);
  }
  /// Takes `count` pages off the free list (all or none).
  bool takePages(int64_t count, std::vector<int32_t> &taken) {
    if (count > static_cast<int64_t>(freePages.size()))
      return false;
    for (int64_t i = 0; i < count; ++i) {
      taken.push_back(freePages.back());
      holders[freePages.back()] = 1;
      freePages.pop_back();
    }
    return true;
  }
};

namespace {
/// Tokens an append stages at a time: enough for every core to hash its
/// runs of the write, few enough that the staging stays in cache.
constexpr int64_t kAppendChunk = 4096;

spt_status checkSequence(const spt_cache *cache, int64_t sequence) {
  if (sequence < 0 || sequence >= cache->batch)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "sequence " + std::to_string(sequence) + " is not in [0, " +
                    std::to_string(cache->batch) + ")");
  return SPT_OK;
}

spt_status nullCache(const char *function) {
  return fail(SPT_ERROR_INVALID_ARGUMENT, std::string(function) +
                                              ": null cache");
}

/// The block table and lengths of every sequence, on the host.
struct HostTables {
  explicit HostTables(const spt_cache &cache) {
    maxPages = 1;
    for (const auto &list : cache.pageLists)
      maxPages = std::max<int64_t>(maxPages, list.size());
    blockTable.assign(cache.batch * maxPages, -1);
    for (int64_t b = 0; b < cache.batch; ++b) {
      std::copy(cache.pageLists[b].begin(), cache.pageLists[b].end(),
                blockTable.begin() + b * maxPages);
      seqLens.push_back(static_cast<int32_t>(cache.lengths[b]));
    }
  }
  std::vector<int32_t> blockTable, seqLens;
  int64_t maxPages;
};

/// What a step writes: `out` (decode, dense), `indices` (select), or both
/// with the indices optional (decode).
enum class Writes { Out, Indices, OutAndMaybeIndices };

/// Shared by every step: checks the caller's tensors, stages them where the
/// device needs it, runs `step` on device memory and copies the results
/// back.
/// spt_cache_append on a cache that exists: all or nothing.
spt_status appendTokens(spt_cache *cache, int64_t sequence,
                        const spt_tensor *keys, const spt_tensor *values) {
  if (spt_status s = checkSequence(cache, sequence))
    return s;
  const DecodeGeometry &g = cache->g();
  const int64_t KH = g.kvHeads, D = g.headDim;
  const spt_dtype dt = toDtype(g.dtype);
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
  std::vector<int32_t> &list = cache->pageLists[sequence];
  const int64_t needed =
      (start + n + cache->pageSize() - 1) / cache->pageSize() - list.size();
  std::vector<int32_t> taken;
  if (!cache->takePages(needed, taken))
    return fail(SPT_ERROR_CAPACITY,
                "the cache's pool has " +
                    std::to_string(cache->freePages.size()) +
                    " free pages; appending " + std::to_string(n) +
                    " tokens needs " + std::to_string(needed));
  const size_t ownPages = list.size();
  list.insert(list.end(), taken.begin(), taken.end());
  // [KH, n, D] -> the write's [n, KH, D], with each token's slot, a chunk
  // at a time: the staging stays small (and in cache) for a long prefill.
  const int64_t rowBytes = D * cache->decoder->elementBytes();
  const int64_t chunk = std::min(n, kAppendChunk);
  std::unique_ptr<unsigned char[]> k(new unsigned char[chunk * KH * rowBytes]),
      v(new unsigned char[chunk * KH * rowBytes]);
  std::unique_ptr<int32_t[]> slots(new int32_t[chunk]);
  const auto *kIn = static_cast<const unsigned char *>(keys->data);
  const auto *vIn = static_cast<const unsigned char *>(values->data);
  Device &dev = cache->device();
  DeviceBuffer kStage, vStage, slotStage;
  spt_status status = SPT_OK;
  if (!dev.usesHostMemory() &&
      (!kStage.allocate(dev, chunk * KH * rowBytes) ||
       !vStage.allocate(dev, chunk * KH * rowBytes) ||
       !slotStage.allocate(dev, chunk * 4)))
    status = fail(SPT_ERROR_OUT_OF_MEMORY,
                  "cannot stage " + std::to_string(chunk) + " new tokens");
  for (int64_t first = 0; first < n && !status; first += chunk) {
    const int64_t count = std::min(chunk, n - first);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t t = first + i;
      slots[i] = static_cast<int32_t>(cache->slotOf(sequence, start + t));
      for (int64_t h = 0; h < KH; ++h) {
        std::memcpy(&k[(i * KH + h) * rowBytes],
                    kIn + (h * n + t) * rowBytes, rowBytes);
        std::memcpy(&v[(i * KH + h) * rowBytes],
                    vIn + (h * n + t) * rowBytes, rowBytes);
      }
    }
    if (dev.usesHostMemory()) {
      status = cache->decoder->write(k.get(), v.get(), slots.get(), count,
                                     cache->pools());
      continue;
    }
    const int64_t bytes = count * KH * rowBytes;
    for (auto [to, from, size] :
         {std::tuple{kStage.get(), (const void *)k.get(), bytes},
          std::tuple{vStage.get(), (const void *)v.get(), bytes},
          std::tuple{slotStage.get(), (const void *)slots.get(), count * 4}})
      if (!status)
        status = dev.upload(to, from, size);
    if (!status)
      status = cache->decoder->write(
          kStage.get(), vStage.get(),
          reinterpret_cast<int32_t *>(slotStage.get()), count,
          cache->pools());
  }
  if (status) {
    // All or nothing: the new pages go back; the rows written into them
    // (or into the free slots of the last page) are beyond the length.
    list.resize(ownPages);
    for (int32_t page : taken)
      cache->release(page);
    return status;
  }
  cache->lengths[sequence] = start + n;
  return SPT_OK;
}

/// A device buffer to copy into the caller's `to` (none where null).
struct Download {
  void *to;
  const void *from;
  int64_t bytes;
};

/// Copies every download to the host, and to the callers' buffers only once
/// all of them succeeded: a failure leaves the caller's memory unchanged
/// (runtime.h).
spt_status downloadAll(Device &dev, std::initializer_list<Download> downloads) {
  std::vector<std::vector<unsigned char>> staged;
  for (const Download &d : downloads) {
    staged.emplace_back(d.to ? d.bytes : 0);
    if (d.to)
      if (spt_status s = dev.download(staged.back().data(), d.from, d.bytes))
        return s;
  }
  size_t i = 0;
  for (const Download &d : downloads)
    if (const std::vector<unsigned char> &bytes = staged[i++]; d.to)
      std::memcpy(d.to, bytes.data(), bytes.size());
  return SPT_OK;
}

spt_status runStep(const char *function, spt_cache *cache,
                   const spt_tensor *query, spt_tensor *out,
                   spt_tensor *indices, Writes writes,
                   spt_status (spt_decoder::*step)(const StepBuffers &,
                                                   const Pools &,
                                                   const Tables &)) {
  if (!cache)
    return nullCache(function);
  if (writes != Writes::Indices && !out)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "out is a null pointer");
  if (writes == Writes::Indices && !indices)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "indices is a null pointer (spt_select's only output)");
  const DecodeGeometry &g = cache->g();
  const spt_dtype dt = toDtype(g.dtype);
  const std::vector<int64_t> shape = {cache->batch, g.queryHeads, g.headDim};
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
  spt_decoder &d = *cache->decoder;
  HostTables host(*cache);
  const int64_t B = cache->batch;
  const int64_t queryBytes = B * g.queryHeads * g.headDim * d.elementBytes();
  const int64_t indexBytes = B * d.indexSlots() * 4;
  const int64_t tableBytes = B * host.maxPages * 4;
  Tables tables{host.blockTable.data(), host.seqLens.data(), B, host.maxPages};
  int32_t *selected = indices ? static_cast<int32_t *>(indices->data)
                              : d.indexScratch(B);
  StepBuffers io{query->data, out ? out->data : nullptr, selected};
  Device &dev = cache->device();
  if (!dev.usesHostMemory()) {
    if (!cache->tableStage.reserve(dev, tableBytes))
      return fail(SPT_ERROR_OUT_OF_MEMORY, "cannot stage the block table");
    for (auto [to, from, bytes] :
         {std::tuple{cache->queryStage.get(),
                     static_cast<const void *>(query->data), queryBytes},
          std::tuple{cache->tableStage.get(),
                     static_cast<const void *>(host.blockTable.data()),
                     tableBytes},
          std::tuple{cache->lengthStage.get(),
                     static_cast<const void *>(host.seqLens.data()), B * 4}})
      if (spt_status s = dev.upload(to, from, bytes))
        return s;
    tables.blockTable = reinterpret_cast<int32_t *>(cache->tableStage.get());
    tables.seqLens = reinterpret_cast<int32_t *>(cache->lengthStage.get());
    io = {cache->queryStage.get(), out ? cache->outStage.get() : nullptr,
          reinterpret_cast<int32_t *>(cache->indexStage.get())};
  }
  if (!io.indices)
    return fail(SPT_ERROR_OUT_OF_MEMORY, "cannot allocate the indices");
  return dev.timed([&]() -> spt_status {
    if (spt_status s = (d.*step)(io, cache->pools(), tables))
      return s;
    if (dev.usesHostMemory())
      return SPT_OK;
    // Both results reach the caller only once both came back: a failed
    // download leaves the caller's buffers as they were.
    return downloadAll(dev, {{out ? out->data : nullptr, io.out, queryBytes},
                             {indices ? indices->data : nullptr, io.indices,
                              indexBytes}});
  });
}
} // namespace

extern "C" {

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
    if (!isKnownDevice(device))
      return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
    const DecodeGeometry &g = artifact->model;
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
    // Every size below is checked once here; offsets into these buffers
    // are smaller, so no later arithmetic can overflow.
    const int64_t perSequence = (capacity + g.pageSize - 1) / g.pageSize;
    const int64_t eb = bytesOf(toDtype(g.dtype));
    int64_t pages, slots, kvBytes, codeBytes, queryBytes, indexBytes;
    if (!checkedProduct({batch, perSequence}, pages) ||
        !checkedProduct({pages, g.pageSize}, slots))
      return fail(SPT_ERROR_CAPACITY,
                  "a cache of " + std::to_string(batch) + " x " +
                      std::to_string(capacity) +
                      " tokens exceeds any addressable size");
    if (slots > DecodeGeometry::kMaxTokens)
      return fail(SPT_ERROR_CAPACITY,
                  "a pool of " + std::to_string(slots) +
                      " token slots exceeds what i32 slot numbers address (" +
                      std::to_string(DecodeGeometry::kMaxTokens) + ")");
    if (!checkedProduct({slots, g.kvHeads, g.headDim, eb}, kvBytes) ||
        !checkedProduct({slots, g.kvHeads, g.keyCodesPerHead(), g.codeWords(),
                         4},
                        codeBytes) ||
        !checkedProduct({batch, g.queryHeads, g.headDim, eb}, queryBytes) ||
        !checkedProduct({batch, g.selectionSets(), g.selectionSlots(), 4},
                        indexBytes))
      return fail(SPT_ERROR_CAPACITY,
                  "a cache of " + std::to_string(batch) + " x " +
                      std::to_string(capacity) +
                      " tokens exceeds any addressable size");
    auto created = std::make_unique<spt_cache>();
    if (spt_status s = spt_decoder::create(artifact, device, w1, b1, w2, b2,
                                           created->decoder))
      return s;
    created->batch = batch;
    created->capacity = capacity;
    created->pages = pages;
    Device &dev = created->device();
    const bool staged = !dev.usesHostMemory();
    if (!created->keys.allocate(dev, kvBytes) ||
        !created->values.allocate(dev, kvBytes) ||
        !created->codes.allocate(dev, codeBytes) ||
        (staged && (!created->queryStage.allocate(dev, queryBytes) ||
                    !created->outStage.allocate(dev, queryBytes) ||
                    !created->indexStage.allocate(dev, indexBytes) ||
                    !created->lengthStage.allocate(dev, batch * 4))))
      return fail(SPT_ERROR_OUT_OF_MEMORY,
                  "cannot allocate a cache of " + std::to_string(batch) +
                      " x " + std::to_string(capacity) + " tokens");
    // After the device memory, which is larger: a batch beyond memory fails
    // above with a status, not in operator new.
    created->lengths.assign(batch, 0);
    created->pageLists.resize(batch);
    created->holders.assign(pages, 0);
    for (int64_t p = pages - 1; p >= 0; --p)
      created->freePages.push_back(static_cast<int32_t>(p));
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
    if (spt_status s = checkSequence(cache, sequence))
      return s;
    *length = cache->lengths[sequence];
    return SPT_OK;
  });
}

spt_status spt_cache_last_step_time(const spt_cache *cache,
                                    double *milliseconds) {
  return guarded("spt_cache_last_step_time", [&]() -> spt_status {
    if (!cache || !milliseconds)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_cache_last_step_time: null argument");
    *milliseconds = cache->device().lastMilliseconds;
    return SPT_OK;
  });
}

spt_status spt_cache_read_codes(const spt_cache *cache, int64_t sequence,
                                spt_tensor *codes) {
  return guarded("spt_cache_read_codes", [&]() -> spt_status {
    if (!cache)
      return nullCache("spt_cache_read_codes");
    if (spt_status s = checkSequence(cache, sequence))
      return s;
    const int64_t n = cache->lengths[sequence];
    const DecodeGeometry &g = cache->g();
    const int64_t KH = g.kvHeads, perHead = g.keyCodesPerHead() * g.codeWords();
    if (spt_status s = checkTensor(codes, "codes", SPT_I32,
                                   {KH, n, g.keyCodesPerHead(), g.codeWords()}))
      return s;
    // Page by page (one copy each from a GPU), then [slot, KH, C, W] ->
    // [KH, t, C, W], into the caller's tensor once every page came back.
    const int64_t page = cache->pageSize();
    std::vector<int32_t> rows(page * KH * perHead), all(n * KH * perHead);
    int32_t *to = all.data();
    for (int64_t first = 0; first < n; first += page) {
      const int64_t count = std::min(page, n - first);
      if (spt_status s = cache->device().download(
              rows.data(),
              cache->codes.get() +
                  cache->slotOf(sequence, first) * cache->codeRowBytes(),
              count * cache->codeRowBytes()))
        return s;
      for (int64_t i = 0; i < count; ++i)
        for (int64_t h = 0; h < KH; ++h)
          std::copy_n(rows.begin() + (i * KH + h) * perHead, perHead,
                      to + (h * n + first + i) * perHead);
    }
    std::copy(all.begin(), all.end(), static_cast<int32_t *>(codes->data));
    return SPT_OK;
  });
}

spt_status spt_cache_append(spt_cache *cache, int64_t sequence,
                            const spt_tensor *keys, const spt_tensor *values) {
  return guarded("spt_cache_append", [&]() -> spt_status {
    if (!cache)
      return nullCache("spt_cache_append");
    return cache->device().timed(
        [&] { return appendTokens(cache, sequence, keys, values); });
  });
}

spt_status spt_cache_reset(spt_cache *cache, int64_t sequence) {
  return guarded("spt_cache_reset", [&]() -> spt_status {
    if (!cache)
      return nullCache("spt_cache_reset");
    if (spt_status s = checkSequence(cache, sequence))
      return s;
    for (int32_t page : cache->pageLists[sequence])
      cache->release(page);
    cache->pageLists[sequence].clear();
    cache->lengths[sequence] = 0;
    return SPT_OK;
  });
}

spt_status spt_cache_fork(spt_cache *cache, int64_t source, int64_t target) {
  return guarded("spt_cache_fork", [&]() -> spt_status {
    if (!cache)
      return nullCache("spt_cache_fork");
    if (spt_status s = checkSequence(cache, source))
      return s;
    if (spt_status s = checkSequence(cache, target))
      return s;
    if (source == target || cache->lengths[target] != 0)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "fork needs an empty target sequence other than the source "
                  "(reset sequence " +
                      std::to_string(target) + " first)");
    const int64_t n = cache->lengths[source], page = cache->pageSize();
    const std::vector<int32_t> &from = cache->pageLists[source];
    const int64_t full = n / page, partial = n % page;
    std::vector<int32_t> copy;
    if (partial && !cache->takePages(1, copy))
      return fail(SPT_ERROR_CAPACITY,
                  "the cache's pool has no free page for the partial last "
                  "page of the fork");
    if (partial) {
      // The partial page is the target's own: bounce its rows through the
      // host (a fork is rare next to decode steps).
      Device &dev = cache->device();
      for (auto [pool, rowBytes] :
           {std::pair{cache->keys.get(), cache->kvRowBytes()},
            std::pair{cache->values.get(), cache->kvRowBytes()},
            std::pair{cache->codes.get(), cache->codeRowBytes()}}) {
        std::vector<unsigned char> rows(partial * rowBytes);
        spt_status s = dev.download(rows.data(),
                                    pool + from[full] * page * rowBytes,
                                    rows.size());
        if (!s)
          s = dev.upload(pool + copy[0] * page * rowBytes, rows.data(),
                         rows.size());
        if (s) {
          cache->release(copy[0]);
          return s;
        }
      }
    }
    std::vector<int32_t> &to = cache->pageLists[target];
    to.assign(from.begin(), from.begin() + full);
    for (int32_t shared : to)
      ++cache->holders[shared];
    to.insert(to.end(), copy.begin(), copy.end());
    cache->lengths[target] = n;
    return SPT_OK;
  });
}

spt_status spt_select(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *indices) {
  return guarded("spt_select", [&]() -> spt_status {
    return runStep("spt_select", cache, query, nullptr, indices,
                   Writes::Indices, &spt_decoder::select);
  });
}

spt_status spt_decode(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *out, spt_tensor *indices) {
  return guarded("spt_decode", [&]() -> spt_status {
    return runStep("spt_decode", cache, query, out, indices,
                   Writes::OutAndMaybeIndices, &spt_decoder::decode);
  });
}

spt_status spt_decode_dense(spt_cache *cache, const spt_tensor *query,
                            spt_tensor *out) {
  return guarded("spt_decode_dense", [&]() -> spt_status {
    return runStep("spt_decode_dense", cache, query, out, nullptr, Writes::Out,
                   &spt_decoder::decodeDense);
  });
}

} // extern "C"
