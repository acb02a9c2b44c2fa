//===- DecoderAPI.cpp - The engines' path of the C API --------------------===//
//
// spt_decoder_* and spt_paged_*: checks the caller's tensors (and, on the
// CPU, where the tables are host memory, every entry of them), then runs
// the step (Decoder.h) on the caller's memory.
//
//===----------------------------------------------------------------------===//

#include "Decoder.h"

#include "Status.h"
#include "Tensors.h"

#include <algorithm>
#include <string>
#include <vector>

using spotlight::DecodeGeometry;
using namespace spotlight::runtime;

namespace {
/// Which pools a step reads: K and V, the key codes, or both.
enum PoolSet { KeyValuePools = 1, CodePool = 2, AllPools = 3 };

/// Checks the pools of `which` (the others are not read and may be null);
/// they must agree on the page count P, taken from the first.
spt_status checkPools(const spt_decoder &d, PoolSet which, const spt_tensor *k,
                      const spt_tensor *v, const spt_tensor *codes,
                      Pools &pools) {
  const DecodeGeometry &g = d.g;
  const spt_dtype dt = toDtype(g.dtype);
  const int64_t page = g.pageSize, KH = g.kvHeads, D = g.headDim;
  int64_t P = -1;
  pools = {nullptr, nullptr, nullptr, 0};
  if (which & KeyValuePools) {
    if (spt_status s = checkTensor(k, "k_cache", dt, {P, page, KH, D}))
      return s;
    P = k->shape[0];
    if (spt_status s = checkTensor(v, "v_cache", dt, {P, page, KH, D}))
      return s;
    pools.keys = k->data;
    pools.values = v->data;
  }
  if (which & CodePool) {
    if (spt_status s = checkTensor(codes, "code_cache", SPT_I32,
                                   {P, page, KH, g.keyCodesPerHead(),
                                    g.codeWords()}))
      return s;
    P = codes->shape[0];
    pools.codes = static_cast<int32_t *>(codes->data);
  }
  int64_t slots = 0;
  if (!checkedProduct({P, page}, slots) || slots > DecodeGeometry::kMaxTokens)
    return fail(SPT_ERROR_SHAPE, "the pools hold " + std::to_string(P) +
                                     " pages of " + std::to_string(page) +
                                     " slots: more than i32 slots can name");
  pools.pages = P;
  return SPT_OK;
}

/// block_table [B, max_pages] and seq_lens [B]; on the CPU also their
/// entries: every page a sequence uses exists, every length fits its pages
/// and the artifact's max_tokens.
spt_status checkTables(const spt_decoder &d, const spt_tensor *blockTable,
                       const spt_tensor *seqLens, int64_t batch,
                       const Pools &pools, Tables &tables) {
  if (spt_status s = checkTensor(blockTable, "block_table", SPT_I32,
                                 {batch, -1}))
    return s;
  if (spt_status s = checkTensor(seqLens, "seq_lens", SPT_I32, {batch}))
    return s;
  tables = {static_cast<const int32_t *>(blockTable->data),
            static_cast<const int32_t *>(seqLens->data), batch,
            blockTable->shape[1]};
  // Token positions are i32, and a GPU step sizes its grids and scratch by
  // the table's width (it reads no length on the host).
  const int64_t page = d.g.pageSize;
  int64_t capacity = 0;
  if (!checkedProduct({tables.maxPages, page}, capacity) ||
      capacity > DecodeGeometry::kMaxTokens)
    return fail(SPT_ERROR_SHAPE,
                "block_table has " + std::to_string(tables.maxPages) +
                    " pages of " + std::to_string(page) +
                    " slots a sequence: more than i32 positions can name");
  if (!d.device->usesHostMemory())
    return SPT_OK;
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t n = tables.seqLens[b];
    const std::string which = "sequence " + std::to_string(b);
    if (n < 0 || n > d.g.maxTokens)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "seq_lens: " + which + " has " + std::to_string(n) +
                      " tokens; lengths must be in [0, max_tokens = " +
                      std::to_string(d.g.maxTokens) + "]");
    const int64_t used = (n + page - 1) / page;
    if (used > tables.maxPages)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "seq_lens: " + which + " has " + std::to_string(n) +
                      " tokens, beyond its " + std::to_string(tables.maxPages) +
                      " pages of " + std::to_string(page) +
                      " in block_table");
    for (int64_t p = 0; p < used; ++p) {
      const int64_t entry = tables.blockTable[b * tables.maxPages + p];
      if (entry < 0 || entry >= pools.pages)
        return fail(SPT_ERROR_INVALID_ARGUMENT,
                    "block_table[" + std::to_string(b) + ", " +
                        std::to_string(p) + "] = " + std::to_string(entry) +
                        " is not a page of the pools [0, " +
                        std::to_string(pools.pages) + ")");
    }
  }
  return SPT_OK;
}

/// query [B, QH, D] (B from it), and `out` like it when given.
spt_status checkQuery(const spt_decoder &d, const spt_tensor *query,
                      const spt_tensor *out, int64_t &batch) {
  const DecodeGeometry &g = d.g;
  const spt_dtype dt = toDtype(g.dtype);
  if (spt_status s =
          checkTensor(query, "query", dt, {-1, g.queryHeads, g.headDim}))
    return s;
  batch = query->shape[0];
  if (out)
    if (spt_status s =
            checkTensor(out, "out", dt, {batch, g.queryHeads, g.headDim}))
      return s;
  return SPT_OK;
}

spt_status checkIndices(const spt_decoder &d, const spt_tensor *indices,
                        int64_t batch) {
  return checkTensor(indices, "indices", SPT_I32,
                     {batch, d.g.selectionSets(), d.g.selectionSlots()});
}

/// Slots of new tokens: on the CPU each in [-1, P * page_size), the
/// non-negative ones distinct (two tokens in one slot would race).
spt_status checkSlots(const spt_decoder &d, const int32_t *slots, int64_t n,
                      const Pools &pools) {
  if (!d.device->usesHostMemory())
    return SPT_OK;
  const int64_t total = pools.pages * d.g.pageSize;
  std::vector<int32_t> used;
  for (int64_t i = 0; i < n; ++i) {
    if (slots[i] < -1 || slots[i] >= total)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "slot_mapping[" + std::to_string(i) + "] = " +
                      std::to_string(slots[i]) + " is not -1 or a slot in [0, " +
                      std::to_string(total) + ")");
    if (slots[i] >= 0)
      used.push_back(slots[i]);
  }
  std::sort(used.begin(), used.end());
  auto twice = std::adjacent_find(used.begin(), used.end());
  if (twice != used.end())
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "slot_mapping names slot " + std::to_string(*twice) +
                    " twice");
  return SPT_OK;
}

/// A paged step's batch, pools and tables, once checked.
struct StepArguments {
  int64_t batch = 0;
  Pools pools;
  Tables tables;
};

/// Checks a paged step's query (and its output, where there is one), the
/// pools `which` names, and the block table and sequence lengths against
/// them.
spt_status checkStep(const spt_decoder &d, const spt_tensor *query,
                     const spt_tensor *out, PoolSet which, const spt_tensor *k,
                     const spt_tensor *v, const spt_tensor *codes,
                     const spt_tensor *blockTable, const spt_tensor *seqLens,
                     StepArguments &step) {
  if (spt_status s = checkQuery(d, query, out, step.batch))
    return s;
  if (spt_status s = checkPools(d, which, k, v, codes, step.pools))
    return s;
  return checkTables(d, blockTable, seqLens, step.batch, step.pools,
                     step.tables);
}

spt_status nullDecoder(const char *function) {
  return fail(SPT_ERROR_INVALID_ARGUMENT,
              std::string(function) + ": null decoder");
}
} // namespace

extern "C" {

spt_status spt_decoder_create(const spt_artifact *artifact, spt_device device,
                              const spt_tensor *w1, const spt_tensor *b1,
                              const spt_tensor *w2, const spt_tensor *b2,
                              spt_decoder **decoder) {
  return guarded("spt_decoder_create", [&]() -> spt_status {
    if (!artifact || !decoder)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_decoder_create: artifact and decoder must not be null");
    *decoder = nullptr;
    if (!isKnownDevice(device))
      return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
    std::unique_ptr<spt_decoder> created;
    if (spt_status s =
            spt_decoder::create(artifact, device, w1, b1, w2, b2, created))
      return s;
    created->enqueueOnly = true;
    *decoder = created.release();
    return SPT_OK;
  });
}

void spt_decoder_free(spt_decoder *decoder) { delete decoder; }

spt_status spt_decoder_set_stream(spt_decoder *decoder, void *stream) {
  return guarded("spt_decoder_set_stream", [&]() -> spt_status {
    if (!decoder)
      return nullDecoder("spt_decoder_set_stream");
    return decoder->device->useStream(stream);
  });
}

spt_status spt_decoder_last_step_time(const spt_decoder *decoder,
                                      double *milliseconds) {
  return guarded("spt_decoder_last_step_time", [&]() -> spt_status {
    if (!decoder || !milliseconds)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_decoder_last_step_time: null argument");
    *milliseconds = decoder->device->lastMilliseconds;
    return SPT_OK;
  });
}

spt_status spt_paged_write(spt_decoder *decoder, const spt_tensor *keys,
                           const spt_tensor *values,
                           const spt_tensor *slot_mapping,
                           spt_tensor *k_cache, spt_tensor *v_cache,
                           spt_tensor *code_cache) {
  return guarded("spt_paged_write", [&]() -> spt_status {
    if (!decoder)
      return nullDecoder("spt_paged_write");
    const DecodeGeometry &g = decoder->g;
    const spt_dtype dt = toDtype(g.dtype);
    Pools pools;
    if (spt_status s =
            checkPools(*decoder, AllPools, k_cache, v_cache, code_cache, pools))
      return s;
    if (spt_status s = checkTensor(keys, "keys", dt, {-1, g.kvHeads, g.headDim}))
      return s;
    const int64_t n = keys->shape[0];
    if (spt_status s =
            checkTensor(values, "values", dt, {n, g.kvHeads, g.headDim}))
      return s;
    if (spt_status s = checkTensor(slot_mapping, "slot_mapping", SPT_I32, {n}))
      return s;
    const auto *slots = static_cast<const int32_t *>(slot_mapping->data);
    if (spt_status s = checkSlots(*decoder, slots, n, pools))
      return s;
    return decoder->device->timed([&] {
      return decoder->write(keys->data, values->data, slots, n, pools);
    });
  });
}

spt_status spt_paged_select(spt_decoder *decoder, const spt_tensor *query,
                            const spt_tensor *code_cache,
                            const spt_tensor *block_table,
                            const spt_tensor *seq_lens, spt_tensor *indices) {
  return guarded("spt_paged_select", [&]() -> spt_status {
    if (!decoder)
      return nullDecoder("spt_paged_select");
    // Select reads the key codes only.
    StepArguments step;
    if (spt_status s =
            checkStep(*decoder, query, nullptr, CodePool, nullptr, nullptr,
                      code_cache, block_table, seq_lens, step))
      return s;
    if (spt_status s = checkIndices(*decoder, indices, step.batch))
      return s;
    return decoder->device->timed([&] {
      return decoder->select(
          {query->data, nullptr, static_cast<int32_t *>(indices->data)},
          step.pools, step.tables);
    });
  });
}

spt_status spt_paged_decode(spt_decoder *decoder, const spt_tensor *query,
                            const spt_tensor *k_cache,
                            const spt_tensor *v_cache,
                            const spt_tensor *code_cache,
                            const spt_tensor *block_table,
                            const spt_tensor *seq_lens, spt_tensor *out,
                            spt_tensor *indices) {
  return guarded("spt_paged_decode", [&]() -> spt_status {
    if (!decoder)
      return nullDecoder("spt_paged_decode");
    if (!out)
      return fail(SPT_ERROR_INVALID_ARGUMENT, "out is a null pointer");
    StepArguments step;
    if (spt_status s = checkStep(*decoder, query, out, AllPools, k_cache,
                                 v_cache, code_cache, block_table, seq_lens,
                                 step))
      return s;
    if (indices)
      if (spt_status s = checkIndices(*decoder, indices, step.batch))
        return s;
    int32_t *selected = indices ? static_cast<int32_t *>(indices->data)
                                : decoder->indexScratch(step.batch);
    if (!selected)
      return fail(SPT_ERROR_OUT_OF_MEMORY,
                  "cannot allocate the selected indices of the batch");
    return decoder->device->timed([&] {
      return decoder->decode({query->data, out->data, selected}, step.pools,
                             step.tables);
    });
  });
}

spt_status spt_paged_decode_dense(spt_decoder *decoder,
                                  const spt_tensor *query,
                                  const spt_tensor *k_cache,
                                  const spt_tensor *v_cache,
                                  const spt_tensor *block_table,
                                  const spt_tensor *seq_lens, spt_tensor *out) {
  return guarded("spt_paged_decode_dense", [&]() -> spt_status {
    if (!decoder)
      return nullDecoder("spt_paged_decode_dense");
    if (!out)
      return fail(SPT_ERROR_INVALID_ARGUMENT, "out is a null pointer");
    StepArguments step;
    if (spt_status s = checkStep(*decoder, query, out, KeyValuePools, k_cache,
                                 v_cache, nullptr, block_table, seq_lens, step))
      return s;
    return decoder->device->timed([&] {
      return decoder->decodeDense({query->data, out->data, nullptr},
                                  step.pools, step.tables);
    });
  });
}

} // extern "C"
