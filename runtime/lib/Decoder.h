//===- Decoder.h - The paged step over a whole batch ------------*- C++ -*-===//
//
// A decoder is an artifact's paged entry points on a device with the hash
// weights in that device's memory. Both C API forms run through it: the
// engines' path (Decoder.cpp, on the caller's pools and tables) and the
// runtime's own cache (PagedCache.cpp, on pools and tables it builds).
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_RUNTIME_DECODER_H
#define SPOTLIGHT_RUNTIME_DECODER_H

#include "Artifact.h"
#include "Device.h"

#include <memory>

namespace spotlight::runtime {

/// The page pools of a step, in device memory.
struct Pools {
  void *keys, *values;
  int32_t *codes;
  int64_t pages;
};

/// The block table [batch, maxPages] and lengths [batch] of a step, in
/// device memory.
struct Tables {
  const int32_t *blockTable, *seqLens;
  int64_t batch, maxPages;
};

/// What a step reads and writes besides the pools and tables, in device
/// memory; `out` or `indices` may be null where the step has none.
struct StepBuffers {
  const void *query;
  void *out;
  int32_t *indices;
};

/// Opens the device an artifact's code runs on (SPT_ERROR_ARTIFACT when it
/// is the other kind, SPT_ERROR_NO_DEVICE without a GPU).
spt_status openDevice(const spt_artifact *artifact, spt_device device,
                      std::unique_ptr<Device> &opened);

} // namespace spotlight::runtime

struct spt_decoder {
  const spt_artifact *artifact = nullptr;
  spotlight::DecodeGeometry g;
  std::unique_ptr<spotlight::runtime::Device> device;
  spotlight::runtime::DeviceBuffer w1, b1, w2, b2, indices;
  /// The engines' path only enqueues on CUDA (no wait, no timing); a cache
  /// waits for each step and times it.
  bool enqueueOnly = false;
  /// The scores and histograms of the CPU's token split (Decoder.cpp),
  /// grown to the largest step seen: a step runs on one decoder at a time.
  spotlight::runtime::DeviceBuffer splitScratch;

  /// Creates a decoder; `decoder` is set only on success.
  static spt_status create(const spt_artifact *artifact, spt_device device,
                           const spt_tensor *w1, const spt_tensor *b1,
                           const spt_tensor *w2, const spt_tensor *b2,
                           std::unique_ptr<spt_decoder> &decoder);

  /// The steps on validated arguments: CPU calls run a sequence (or a run
  /// of new tokens) per work item on every core, CUDA calls cover the
  /// batch in one call of the entry point.
  spt_status write(const void *keys, const void *values, const int32_t *slots,
                   int64_t tokens, const spotlight::runtime::Pools &pools);
  spt_status select(const spotlight::runtime::StepBuffers &io,
                    const spotlight::runtime::Pools &pools,
                    const spotlight::runtime::Tables &tables);
  spt_status decode(const spotlight::runtime::StepBuffers &io,
                    const spotlight::runtime::Pools &pools,
                    const spotlight::runtime::Tables &tables);
  spt_status decodeDense(const spotlight::runtime::StepBuffers &io,
                         const spotlight::runtime::Pools &pools,
                         const spotlight::runtime::Tables &tables);

  int64_t elementBytes() const;
  /// Room for the indices of `batch` sequences when the caller wants none
  /// (decode still selects); grows to the largest batch seen. Null when it
  /// cannot be had.
  int32_t *indexScratch(int64_t batch) {
    return indices.reserve(*device, batch * indexSlots() * 4)
               ? reinterpret_cast<int32_t *>(indices.get())
               : nullptr;
  }
  /// Index slots of one sequence: S x M.
  int64_t indexSlots() const { return g.selectionSets() * g.selectionSlots(); }
};

#endif // SPOTLIGHT_RUNTIME_DECODER_H
