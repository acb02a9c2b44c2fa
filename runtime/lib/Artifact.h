//===- Artifact.h - A loaded artifact and its entry points ------*- C++ -*-===//

#ifndef SPOTLIGHT_RUNTIME_ARTIFACT_H
#define SPOTLIGHT_RUNTIME_ARTIFACT_H

#include "MemRef.h"
#include "spotlight/ABI/EntryPoints.h"
#include "spotlight/runtime.h"

namespace spotlight::runtime {
/// The C interface of an entry point: one memref descriptor per argument.
template <abi::ArgKind... Kinds>
using EntryFn = void (*)(MemRef<abi::argRank(Kinds)> *...);

namespace entry_types {
using namespace abi::arg;
#define SPOTLIGHT_ENTRY_POINT(Id, symbol, scope, ...)                         \
  using Id##Fn = EntryFn<__VA_ARGS__>;
#include "spotlight/ABI/EntryPoints.def"
} // namespace entry_types
#define SPOTLIGHT_ENTRY_POINT(Id, symbol, scope, ...)                         \
  using entry_types::Id##Fn;
#include "spotlight/ABI/EntryPoints.def"
} // namespace spotlight::runtime

/// An artifact opened with dlopen: its manifest and entry points.
struct spt_artifact {
  void *handle = nullptr;
  const void *base = nullptr; ///< where the shared object is mapped
  spotlight::DecodeGeometry model;
  spotlight::runtime::PagedWriteFn pagedWrite = nullptr;
  spotlight::runtime::PagedSelectFn pagedSelect = nullptr;
  spotlight::runtime::PagedDecodeFn pagedDecode = nullptr;
  spotlight::runtime::PagedDecodeDenseFn pagedDecodeDense = nullptr;
  /// The step over one KV head of one sequence: CPU artifacts only (null
  /// in CUDA ones).
  spotlight::runtime::KVHeadSelectFn kvHeadSelect = nullptr;
  spotlight::runtime::KVHeadDecodeFn kvHeadDecode = nullptr;
  /// The selection in token ranges: their scans, then each KV head's
  /// selection (and attention) from them. CPU artifacts only.
  spotlight::runtime::TokenSplitScoresFn tokenSplitScores = nullptr;
  spotlight::runtime::KVHeadSplitSelectFn kvHeadSplitSelect = nullptr;
  spotlight::runtime::KVHeadSplitDecodeFn kvHeadSplitDecode = nullptr;
  /// The dense step of a sequence in token ranges, then merged. CPU
  /// artifacts only.
  spotlight::runtime::TokenSplitDecodeDenseFn tokenSplitDecodeDense = nullptr;
  spotlight::runtime::TokenSplitMergeFn tokenSplitMerge = nullptr;
  ~spt_artifact();
};

#endif // SPOTLIGHT_RUNTIME_ARTIFACT_H
