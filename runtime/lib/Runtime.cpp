//===- Runtime.cpp - The Spotlight runtime --------------------------------===//
//
// Orchestration only: the artifact's compiled entry points do all the
// arithmetic. A decode step is split into work items, one per (sequence,
// KV head); every operand of an item is a contiguous slice of the cache or
// of the caller's tensors, passed as a memref descriptor.
//
//===----------------------------------------------------------------------===//

#include "spotlight/runtime.h"

#include "ThreadPool.h"
#include "spotlight/Codegen/DecodeModule.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using spotlight::DecodeGeometry;
using spotlight::ElementType;
using spotlight::runtime::ThreadPool;

namespace {
thread_local std::string lastError;

spt_status fail(spt_status status, const std::string &message) {
  lastError = message;
  return status;
}

/// The descriptor of a contiguous memref of rank R (MLIR's C interface).
template <int R>
struct MemRef {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t sizes[R];
  int64_t strides[R];
};

template <int R>
MemRef<R> view(void *base, std::array<int64_t, R> sizes) {
  MemRef<R> m{base, base, 0, {}, {}};
  int64_t stride = 1;
  for (int i = R - 1; i >= 0; --i) {
    m.sizes[i] = sizes[i];
    m.strides[i] = stride;
    stride *= sizes[i];
  }
  return m;
}

using EncodeKeysFn = void (*)(MemRef<4> *, MemRef<3> *, MemRef<2> *,
                              MemRef<3> *, MemRef<2> *, MemRef<5> *);
using DecodeFn = void (*)(MemRef<3> *, MemRef<4> *, MemRef<4> *, MemRef<5> *,
                          MemRef<3> *, MemRef<2> *, MemRef<3> *, MemRef<2> *,
                          MemRef<3> *, MemRef<3> *);
using DenseFn = void (*)(MemRef<3> *, MemRef<4> *, MemRef<4> *, MemRef<3> *);
using EncodeQueriesFn = void (*)(MemRef<3> *, MemRef<3> *, MemRef<2> *,
                                 MemRef<3> *, MemRef<2> *, MemRef<4> *);
using SelectFn = void (*)(MemRef<4> *, MemRef<5> *, MemRef<3> *);

spt_dtype toDtype(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return SPT_F32;
  case ElementType::F16:
    return SPT_F16;
  case ElementType::BF16:
    return SPT_BF16;
  }
  return SPT_F32;
}

const char *dtypeName(spt_dtype type) {
  switch (type) {
  case SPT_F32:
    return "f32";
  case SPT_F16:
    return "f16";
  case SPT_BF16:
    return "bf16";
  case SPT_I32:
    return "i32";
  }
  return "unknown";
}

int64_t bytesOf(spt_dtype type) {
  return type == SPT_F16 || type == SPT_BF16 ? 2 : 4;
}

/// Heap memory that reports failure instead of aborting.
struct Buffer {
  std::unique_ptr<unsigned char, decltype(&std::free)> data{nullptr,
                                                             &std::free};
  bool allocate(int64_t bytes) {
    data.reset(static_cast<unsigned char *>(std::calloc(bytes > 0 ? bytes : 1, 1)));
    return data != nullptr;
  }
  unsigned char *get() const { return data.get(); }
};

/// Checks a tensor argument; `expected` uses -1 for a free dimension.
spt_status checkTensor(const spt_tensor *t, const char *name, spt_dtype dtype,
                       const std::vector<int64_t> &expected) {
  auto shapeText = [&](const int64_t *dims, size_t rank) {
    std::ostringstream os;
    os << "[";
    for (size_t i = 0; i < rank; ++i)
      os << (i ? ", " : "") << (dims[i] < 0 ? std::string("n")
                                            : std::to_string(dims[i]));
    os << "]";
    return os.str();
  };
  std::string want = shapeText(expected.data(), expected.size()) + " " +
                     dtypeName(dtype);
  if (!t)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(name) + " is a null pointer (expected " + want + ")");
  if (!t->data)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                std::string(name) + " has a null data pointer");
  if (t->dtype != dtype)
    return fail(SPT_ERROR_TYPE, std::string(name) + " must be " + want +
                                    ", got element type " +
                                    dtypeName(t->dtype));
  bool ok = t->rank == static_cast<int32_t>(expected.size());
  for (size_t i = 0; ok && i < expected.size(); ++i)
    ok = t->shape[i] >= 0 && (expected[i] < 0 || t->shape[i] == expected[i]);
  if (!ok) {
    int32_t rank = t->rank < 0 ? 0 : (t->rank > 6 ? 6 : t->rank);
    return fail(SPT_ERROR_SHAPE, std::string(name) + " must be " + want +
                                     ", got " + shapeText(t->shape, rank));
  }
  return SPT_OK;
}
} // namespace

/// The C-interface symbol of a decode module function.
static void *entryPoint(void *handle, const char *name) {
  return dlsym(handle, (std::string("_mlir_ciface_") + name).c_str());
}

struct spt_artifact {
  void *handle = nullptr;
  DecodeGeometry model;
  EncodeKeysFn encodeKeys = nullptr;
  DecodeFn decode = nullptr;
  DenseFn decodeDense = nullptr;
  EncodeQueriesFn encodeQueries = nullptr;
  SelectFn select = nullptr;
  ~spt_artifact() {
    if (handle)
      dlclose(handle);
  }
};

struct spt_cache {
  const spt_artifact *artifact;
  DecodeGeometry g;
  int64_t batch, capacity;
  std::vector<int64_t> lengths;
  Buffer keys, values, codes, w1, b1, w2, b2;
  std::unique_ptr<ThreadPool> pool;

  int64_t elementBytes() const { return bytesOf(toDtype(g.dtype)); }
  int64_t weightBytes() const { return bytesOf(toDtype(g.weightType)); }
  int64_t codeWordsPerToken() const {
    return g.keyCodesPerHead() * g.codeWords();
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
  }
  return "SPT_ERROR_UNKNOWN";
}

spt_status spt_artifact_load(const char *path, spt_artifact **artifact) {
  if (!path || !artifact)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "spt_artifact_load: path and artifact must not be null");
  *artifact = nullptr;
  auto loaded = std::make_unique<spt_artifact>();
  loaded->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!loaded->handle) {
    const char *why = dlerror();
    return fail(SPT_ERROR_ARTIFACT, std::string("cannot load artifact '") +
                                        path + "': " + (why ? why : "unknown"));
  }
  auto *manifest =
      static_cast<const char *>(dlsym(loaded->handle, "spotlight_manifest"));
  if (!manifest)
    return fail(SPT_ERROR_ARTIFACT, std::string("'") + path +
                                        "' is not a spotlight artifact (no "
                                        "spotlight_manifest)");
  std::string error;
  if (!spotlight::parseManifest(manifest, loaded->model, error))
    return fail(SPT_ERROR_ARTIFACT,
                std::string("bad manifest in '") + path + "': " + error);
  loaded->encodeKeys = reinterpret_cast<EncodeKeysFn>(
      entryPoint(loaded->handle, spotlight::entry::encodeKeys));
  loaded->decode = reinterpret_cast<DecodeFn>(
      entryPoint(loaded->handle, spotlight::entry::decode));
  loaded->decodeDense = reinterpret_cast<DenseFn>(
      entryPoint(loaded->handle, spotlight::entry::decodeDense));
  loaded->encodeQueries = reinterpret_cast<EncodeQueriesFn>(
      entryPoint(loaded->handle, spotlight::entry::encodeQueries));
  loaded->select = reinterpret_cast<SelectFn>(
      entryPoint(loaded->handle, spotlight::entry::select));
  if (!loaded->encodeKeys || !loaded->decode || !loaded->decodeDense ||
      !loaded->encodeQueries || !loaded->select)
    return fail(SPT_ERROR_ARTIFACT,
                std::string("'") + path +
                    "' lacks an entry point (encode_keys, encode_queries, "
                    "select, decode, decode_dense)");
  *artifact = loaded.release();
  return SPT_OK;
}

spt_status spt_artifact_geometry(const spt_artifact *artifact,
                                 spt_geometry *geometry) {
  if (!artifact || !geometry)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "spt_artifact_geometry: null argument");
  const DecodeGeometry &g = artifact->model;
  *geometry = spt_geometry{g.queryHeads,
                           g.kvHeads,
                           g.headDim,
                           g.codeHeads,
                           toDtype(g.dtype),
                           toDtype(g.weightType),
                           g.headMode ? 1 : 0,
                           g.sink,
                           g.window,
                           g.budgetCount,
                           g.budgetFraction,
                           g.minBudget,
                           g.maxTokens,
                           g.selectionSets(),
                           g.selectionSlots()};
  return SPT_OK;
}

void spt_artifact_free(spt_artifact *artifact) { delete artifact; }

/// Reports why the CUDA device cannot be used on this machine.
static spt_status cudaUnavailable() {
  void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!driver)
    return fail(SPT_ERROR_NO_DEVICE,
                "no CUDA device: the CUDA driver (libcuda.so.1) is not "
                "installed");
  using InitFn = int (*)(unsigned);
  using CountFn = int (*)(int *);
  auto init = reinterpret_cast<InitFn>(dlsym(driver, "cuInit"));
  auto count = reinterpret_cast<CountFn>(dlsym(driver, "cuDeviceGetCount"));
  int devices = 0;
  bool present = init && count && init(0) == 0 && count(&devices) == 0 &&
                 devices > 0;
  dlclose(driver);
  if (!present)
    return fail(SPT_ERROR_NO_DEVICE,
                "no CUDA device: the driver reports no usable GPU");
  return fail(SPT_ERROR_NO_DEVICE,
              "this artifact holds CPU code only; the CUDA backend needs an "
              "artifact compiled with --target=cuda");
}

spt_status spt_cache_create(const spt_artifact *artifact, spt_device device,
                            int64_t batch, int64_t capacity,
                            const spt_tensor *w1, const spt_tensor *b1,
                            const spt_tensor *w2, const spt_tensor *b2,
                            spt_cache **cache) {
  if (!artifact || !cache)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "spt_cache_create: artifact and cache must not be null");
  *cache = nullptr;
  if (device == SPT_DEVICE_CUDA)
    return cudaUnavailable();
  if (device != SPT_DEVICE_CPU)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "unknown device");
  const DecodeGeometry &g = artifact->model;
  if (batch <= 0 || capacity <= 0)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "batch and capacity must be positive");
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

  auto created = std::make_unique<spt_cache>();
  created->artifact = artifact;
  created->g = g;
  created->batch = batch;
  created->capacity = capacity;
  created->lengths.assign(batch, 0);
  const int64_t rows = batch * g.kvHeads * capacity;
  const int64_t eb = bytesOf(toDtype(g.dtype)), wb = bytesOf(wt);
  if (!created->keys.allocate(rows * D * eb) ||
      !created->values.allocate(rows * D * eb) ||
      !created->codes.allocate(rows * created->codeWordsPerToken() * 4) ||
      !created->w1.allocate(CH * D * D * wb) ||
      !created->b1.allocate(CH * D * wb) ||
      !created->w2.allocate(CH * D * D * wb) ||
      !created->b2.allocate(CH * D * wb))
    return fail(SPT_ERROR_OUT_OF_MEMORY,
                "cannot allocate a cache of " + std::to_string(batch) +
                    " x " + std::to_string(capacity) + " tokens");
  std::memcpy(created->w1.get(), w1->data, CH * D * D * wb);
  std::memcpy(created->b1.get(), b1->data, CH * D * wb);
  std::memcpy(created->w2.get(), w2->data, CH * D * D * wb);
  std::memcpy(created->b2.get(), b2->data, CH * D * wb);
  unsigned threads = std::thread::hardware_concurrency();
  created->pool = std::make_unique<ThreadPool>(threads ? threads : 1);
  *cache = created.release();
  return SPT_OK;
}

void spt_cache_free(spt_cache *cache) { delete cache; }

spt_status spt_cache_length(const spt_cache *cache, int64_t sequence,
                            int64_t *length) {
  if (!cache || !length)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "spt_cache_length: null argument");
  if (sequence < 0 || sequence >= cache->batch)
    return fail(SPT_ERROR_INVALID_ARGUMENT,
                "sequence " + std::to_string(sequence) + " is not in [0, " +
                    std::to_string(cache->batch) + ")");
  *length = cache->lengths[sequence];
  return SPT_OK;
}

spt_status spt_cache_read_codes(const spt_cache *cache, int64_t sequence,
                                spt_tensor *codes) {
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
    std::memcpy(static_cast<unsigned char *>(codes->data) + h * bytes,
                cache->codeRow(sequence, h, 0), bytes);
  return SPT_OK;
}

spt_status spt_cache_append(spt_cache *cache, int64_t sequence,
                            const spt_tensor *keys, const spt_tensor *values) {
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
  const spt_artifact *artifact = cache->artifact;
  cache->pool->parallelFor(KH, [&](int64_t h) {
    const auto *k = static_cast<const unsigned char *>(keys->data);
    const auto *v = static_cast<const unsigned char *>(values->data);
    std::memcpy(cache->keyRow(sequence, h, start), k + h * n * rowBytes,
                n * rowBytes);
    std::memcpy(cache->valueRow(sequence, h, start), v + h * n * rowBytes,
                n * rowBytes);
    MemRef<4> kView = view<4>(cache->keyRow(sequence, h, start), {1, 1, n, D});
    MemRef<5> cView = cache->codeView(sequence, h, start, n);
    auto w = cache->weightsOf(h);
    artifact->encodeKeys(&kView, &w.w1, &w.b1, &w.w2, &w.b2, &cView);
  });
  cache->lengths[sequence] = start + n;
  return SPT_OK;
}

/// Shared by the sparse and dense steps: checks the query and output and
/// runs `item(b, h)` for every (sequence, KV head).
static spt_status forEachWorkItem(spt_cache *cache, const spt_tensor *query,
                                  spt_tensor *out,
                                  const std::function<void(int64_t, int64_t)> &item) {
  if (!cache)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "null cache");
  const DecodeGeometry &g = cache->g;
  spt_dtype dt = toDtype(g.dtype);
  std::vector<int64_t> shape = {cache->batch, g.queryHeads, g.headDim};
  if (spt_status s = checkTensor(query, "query", dt, shape))
    return s;
  if (spt_status s = checkTensor(out, "out", dt, shape))
    return s;
  cache->pool->parallelFor(cache->batch * g.kvHeads, [&](int64_t i) {
    item(i / g.kvHeads, i % g.kvHeads);
  });
  return SPT_OK;
}

/// The operands of work item (b, h): its G query rows, outputs, K and V.
struct ItemViews {
  int64_t length;
  MemRef<3> q, o;
  MemRef<4> k, v;
};

static ItemViews itemViews(const spt_cache *cache, const spt_tensor *query,
                           const spt_tensor *out, int64_t b, int64_t h) {
  const DecodeGeometry &g = cache->g;
  const int64_t G = g.group(), D = g.headDim, n = cache->lengths[b];
  const int64_t offset = (b * g.queryHeads + h * G) * D * cache->elementBytes();
  auto *q = static_cast<unsigned char *>(query->data) + offset;
  auto *o = static_cast<unsigned char *>(out->data) + offset;
  return {n, view<3>(q, {1, G, D}), view<3>(o, {1, G, D}),
          view<4>(cache->keyRow(b, h, 0), {1, 1, n, D}),
          view<4>(cache->valueRow(b, h, 0), {1, 1, n, D})};
}

/// Checks an indices tensor [B, S, M] (i32).
static spt_status checkIndices(const spt_cache *cache, const spt_tensor *indices) {
  const DecodeGeometry &g = cache->g;
  return checkTensor(indices, "indices", SPT_I32,
                     {cache->batch, g.selectionSets(), g.selectionSlots()});
}

spt_status spt_select(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *indices) {
  if (!cache)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "spt_select: null cache");
  const DecodeGeometry &g = cache->g;
  const int64_t G = g.group(), D = g.headDim, W = g.codeWords();
  const int64_t M = g.selectionSlots(), setsPerItem = g.headMode ? G : 1;
  if (spt_status s = checkTensor(query, "query", toDtype(g.dtype),
                                 {cache->batch, g.queryHeads, D}))
    return s;
  if (spt_status s = checkIndices(cache, indices))
    return s;
  const int64_t eb = cache->elementBytes();
  const spt_artifact *artifact = cache->artifact;
  cache->pool->parallelFor(cache->batch * g.kvHeads, [&](int64_t i) {
    const int64_t b = i / g.kvHeads, h = i % g.kvHeads;
    const int64_t n = cache->lengths[b];
    auto *q = static_cast<unsigned char *>(query->data) +
              (b * g.queryHeads + h * G) * D * eb;
    MemRef<3> qView = view<3>(q, {1, G, D});
    std::vector<int32_t> queryCodes(G * W);
    MemRef<4> qcView = view<4>(queryCodes.data(), {1, G, 1, W});
    auto w = cache->weightsOf(h);
    artifact->encodeQueries(&qView, &w.w1, &w.b1, &w.w2, &w.b2, &qcView);
    MemRef<5> cView = cache->codeView(b, h, 0, n);
    int32_t *row = static_cast<int32_t *>(indices->data) +
                   (b * g.selectionSets() + h * setsPerItem) * M;
    MemRef<3> iView = view<3>(row, {1, setsPerItem, M});
    artifact->select(&qcView, &cView, &iView);
  });
  return SPT_OK;
}

spt_status spt_decode(spt_cache *cache, const spt_tensor *query,
                      spt_tensor *out, spt_tensor *indices) {
  if (!cache)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "spt_decode: null cache");
  const DecodeGeometry &g = cache->g;
  const int64_t M = g.selectionSlots();
  const int64_t setsPerItem = g.headMode ? g.group() : 1;
  if (indices)
    if (spt_status s = checkIndices(cache, indices))
      return s;
  // Without an indices tensor the step still needs somewhere to put them.
  Buffer scratch;
  int32_t *selected = indices ? static_cast<int32_t *>(indices->data) : nullptr;
  if (!selected) {
    if (!scratch.allocate(cache->batch * g.selectionSets() * M * 4))
      return fail(SPT_ERROR_OUT_OF_MEMORY, "cannot allocate the index buffer");
    selected = reinterpret_cast<int32_t *>(scratch.get());
  }
  const spt_artifact *artifact = cache->artifact;
  return forEachWorkItem(cache, query, out, [&](int64_t b, int64_t h) {
    ItemViews it = itemViews(cache, query, out, b, h);
    MemRef<5> cView = cache->codeView(b, h, 0, it.length);
    int32_t *row = selected + (b * g.selectionSets() + h * setsPerItem) * M;
    MemRef<3> iView = view<3>(row, {1, setsPerItem, M});
    auto w = cache->weightsOf(h);
    artifact->decode(&it.q, &it.k, &it.v, &cView, &w.w1, &w.b1, &w.w2, &w.b2,
                     &it.o, &iView);
  });
}

spt_status spt_decode_dense(spt_cache *cache, const spt_tensor *query,
                            spt_tensor *out) {
  if (!cache)
    return fail(SPT_ERROR_INVALID_ARGUMENT, "spt_decode_dense: null cache");
  const spt_artifact *artifact = cache->artifact;
  return forEachWorkItem(cache, query, out, [&](int64_t b, int64_t h) {
    ItemViews it = itemViews(cache, query, out, b, h);
    artifact->decodeDense(&it.q, &it.k, &it.v, &it.o);
  });
}

} // extern "C"
