//===- Artifact.cpp - Loading artifacts -----------------------------------===//

#include "Artifact.h"

#include "ArtifactFile.h"
#include "Status.h"
#include "Tensors.h"
#include "spotlight/ABI/HostFeatures.h"
#include "spotlight/ABI/Manifest.h"

#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <string>

using namespace spotlight::runtime;
using spotlight::DecodeGeometry;
namespace abi = spotlight::abi;

/// Looks up the C interface of `entry` into `slot`.
template <typename Fn>
static bool bindEntry(void *handle, abi::EntryPoint entry, Fn &slot,
                      std::string &error) {
  std::string symbol = abi::entryCInterfaceSymbol(entry);
  slot = reinterpret_cast<Fn>(dlsym(handle, symbol.c_str()));
  if (!slot)
    error = "lacks the entry point " + symbol;
  return slot != nullptr;
}

/// Puts the runtime's own symbols in the global scope, where a CUDA
/// artifact finds the spotlight_mgpu* functions it calls (cuda/GPUShim.h),
/// even when the runtime itself was opened with RTLD_LOCAL (ctypes). Once:
/// the reference it takes keeps the runtime loaded for good.
static void exposeRuntimeSymbols() {
  static const bool exposed = [] {
    Dl_info info{};
    return dladdr(reinterpret_cast<void *>(&exposeRuntimeSymbols), &info) &&
           info.dli_fname &&
           dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  }();
  (void)exposed;
}

spt_artifact::~spt_artifact() {
  if (handle)
    dlclose(handle);
}

extern "C" {

spt_status spt_artifact_load(const char *path, spt_artifact **artifact) {
  return guarded("spt_artifact_load", [&]() -> spt_status {
    if (!path || !artifact)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_artifact_load: path and artifact must not be null");
    *artifact = nullptr;
    if (spt_status s = checkArtifactFile(path))
      return s;
    exposeRuntimeSymbols();
    auto loaded = std::make_unique<spt_artifact>();
    // A bare file name means the file here, not a library search.
    std::string file = std::strchr(path, '/') ? path : std::string("./") + path;
    loaded->handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!loaded->handle) {
      const char *why = dlerror();
      return fail(SPT_ERROR_ARTIFACT, std::string("cannot load artifact '") +
                                          path +
                                          "': " + (why ? why : "unknown"));
    }
    auto *manifest =
        static_cast<const char *>(dlsym(loaded->handle, abi::kManifestSymbol));
    if (!manifest)
      return fail(SPT_ERROR_ARTIFACT, std::string("'") + path +
                                          "' is not a spotlight artifact (no " +
                                          abi::kManifestSymbol + ")");
    std::string error;
    if (!abi::parseManifest(manifest, loaded->model, error))
      return fail(SPT_ERROR_ARTIFACT,
                  std::string("bad manifest in '") + path + "': " + error);
    // Before any of its code runs: on a CPU without them, the first step
    // would die of SIGILL.
    if (std::vector<std::string> missing =
            abi::missingHostFeatures(loaded->model.hostFeatures);
        !missing.empty()) {
      std::string names;
      for (const std::string &name : missing)
        names += (names.empty() ? "" : ", ") + name;
      return fail(SPT_ERROR_ARTIFACT,
                  std::string("'") + path +
                      "' was compiled for a CPU with " + names +
                      ", which this CPU lacks: compile it here "
                      "(spotlight-compile, --cpu=native by default) or for a "
                      "CPU both have (--cpu=x86-64-v3, for example)");
    }
    Dl_info info{};
    if (dladdr(manifest, &info))
      loaded->base = info.dli_fbase;
    if (!bindEntry(loaded->handle, abi::EntryPoint::PagedWrite,
                   loaded->pagedWrite, error) ||
        !bindEntry(loaded->handle, abi::EntryPoint::PagedSelect,
                   loaded->pagedSelect, error) ||
        !bindEntry(loaded->handle, abi::EntryPoint::PagedDecode,
                   loaded->pagedDecode, error) ||
        !bindEntry(loaded->handle, abi::EntryPoint::PagedDecodeDense,
                   loaded->pagedDecodeDense, error) ||
        (abi::entryInArtifact(abi::EntryPoint::KVHeadDecode, loaded->model) &&
         (!bindEntry(loaded->handle, abi::EntryPoint::KVHeadSelect,
                     loaded->kvHeadSelect, error) ||
          !bindEntry(loaded->handle, abi::EntryPoint::KVHeadDecode,
                     loaded->kvHeadDecode, error) ||
          !bindEntry(loaded->handle, abi::EntryPoint::KVHeadSplitSelect,
                     loaded->kvHeadSplitSelect, error) ||
          !bindEntry(loaded->handle, abi::EntryPoint::KVHeadSplitDecode,
                     loaded->kvHeadSplitDecode, error))) ||
        (abi::entryInArtifact(abi::EntryPoint::TokenSplitScores,
                              loaded->model) &&
         (!bindEntry(loaded->handle, abi::EntryPoint::TokenSplitScores,
                     loaded->tokenSplitScores, error) ||
          !bindEntry(loaded->handle, abi::EntryPoint::TokenSplitDecodeDense,
                     loaded->tokenSplitDecodeDense, error) ||
          !bindEntry(loaded->handle, abi::EntryPoint::TokenSplitMerge,
                     loaded->tokenSplitMerge, error))))
      return fail(SPT_ERROR_ARTIFACT, std::string("'") + path + "' " + error);
    *artifact = loaded.release();
    return SPT_OK;
  });
}

spt_status spt_artifact_geometry(const spt_artifact *artifact,
                                 spt_geometry *geometry) {
  return guarded("spt_artifact_geometry", [&]() -> spt_status {
    if (!artifact || !geometry)
      return fail(SPT_ERROR_INVALID_ARGUMENT,
                  "spt_artifact_geometry: null argument");
    const DecodeGeometry &g = artifact->model;
    *geometry = spt_geometry{
        g.queryHeads,       g.kvHeads,
        g.headDim,          g.codeHeads,
        toDtype(g.dtype),   toDtype(g.weightType),
        g.headMode ? 1 : 0, g.sink,
        g.window,           g.budgetCount,
        g.budgetFraction,   g.minBudget,
        g.maxTokens,        g.selectionSets(),
        g.selectionSlots(), g.isCUDA() ? SPT_DEVICE_CUDA : SPT_DEVICE_CPU,
        g.pageSize};
    return SPT_OK;
  });
}

void spt_artifact_free(spt_artifact *artifact) { delete artifact; }

} // extern "C"
