//===- Artifact.cpp - Loading artifacts -----------------------------------===//

#include "Artifact.h"

#include "ArtifactFile.h"
#include "Status.h"
#include "Tensors.h"
#include "spotlight/ABI/HostFeatures.h"
#include "spotlight/ABI/Manifest.h"

#include <atomic>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <string>
#include <unistd.h>

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

/// dlopen(file) under a name of its own. The loader knows loaded objects
/// by the name they were opened under: an artifact replaced at the same
/// path (a cache entry compiled again) would give back the old code for as
/// long as an artifact of that path is loaded. So each load opens the file
/// through a symbolic link named for this load alone, removed once loaded
/// (the loader then tells files apart by inode: the same file still loads
/// once). Where no link can be made, the file is opened by its own name.
/// On failure `error` says why, in terms of `file`.
static void *openUnderOwnName(const std::string &file, std::string &error) {
  static std::atomic<uint64_t> loads{0};
  auto open = [&](const std::string &name) {
    void *handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char *why = dlerror();
      error = why ? why : "unknown";
      for (size_t at; (at = error.find(name)) != std::string::npos;)
        error.replace(at, name.size(), file);
    }
    return handle;
  };
  char target[PATH_MAX];
  const char *tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") +
                    "/spotlight-load-XXXXXX";
  if (!realpath(file.c_str(), target) || !mkdtemp(dir.data()))
    return open(file);
  const std::string link = dir + "/" + std::to_string(getpid()) + "-" +
                           std::to_string(loads++) + ".spt";
  void *handle =
      symlink(target, link.c_str()) == 0 ? open(link) : open(file);
  unlink(link.c_str());
  rmdir(dir.c_str());
  return handle;
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
    std::string why;
    loaded->handle = openUnderOwnName(file, why);
    if (!loaded->handle)
      return fail(SPT_ERROR_ARTIFACT,
                  std::string("cannot load artifact '") + path + "': " + why);
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
