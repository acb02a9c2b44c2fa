//===- CAPIFuzzer.cpp - Fuzz the runtime's C API with programs of calls ---===//
//
// The input is a small program: one spt_cache_create, then up to 24 calls
// of spt_cache_append, spt_decode, spt_select, spt_decode_dense,
// spt_cache_length, spt_cache_read_codes and spt_cache_last_step_time, with
// fuzzer-chosen batch, capacity, sequences, token counts and tensors: mostly
// right, sometimes with a null tensor or data pointer, a wrong or
// out-of-range element type or rank (any int32, as a C caller may store), or
// a wrong, negative or huge dimension. The artifact is a small CPU artifact
// compiled ahead by scripts/fuzz.sh, named by $SPOTLIGHT_FUZZ_ARTIFACT.
//
// What is checked, besides crashes and ASan/UBSan reports in runtime/lib:
// every failure is a known status with a message; a failed call changes
// nothing (cache lengths, out and indices); lengths follow the appends;
// selected indices are ascending positions of the sequence, -1 padded.
//
// The caller's side of the contract. The C API cannot check the size of a
// buffer, so every tensor handed to it has a buffer at least as large as its
// declared shape and element type claim (exactly as large, so that ASan sees
// any access past it); otherwise the fuzzer would only find its own bugs.
// A tensor whose declared size has no meaning or no buffer here (a negative
// dimension, an invalid rank or element type, a size that overflows or
// exceeds kMaxTensorBytes) cannot be right for any call of this artifact;
// it gets a pointer to an inaccessible page, so the runtime must refuse it
// without reading its data. Likewise, a cache the runtime would rightly
// allocate but that exceeds kMaxCacheBytes (ASan and libFuzzer treat a huge
// allocation as a crash) is scaled down; requests whose sizes overflow, that
// the runtime must refuse before allocating, are passed as they are.
//
//===----------------------------------------------------------------------===//

#include "SelectedIndices.h"
#include "spotlight/runtime.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace {

constexpr int64_t kMaxTensorBytes = int64_t(64) << 20;
constexpr int64_t kMaxCacheBytes = int64_t(8) << 20;
constexpr int kMaxCalls = 24;

[[noreturn]] void bug(const char *what) {
  std::fprintf(stderr, "fuzz-c-api: %s (last error: '%s')\n", what,
               spt_last_error());
  std::abort();
}

const spt_artifact *artifact = nullptr;
spt_geometry geometry{};
/// Any access faults: the data pointer of tensors that must be refused.
void *inaccessible = nullptr;

/// Checks what every call returns: a known status, with a message if it
/// failed.
spt_status checked(spt_status status) {
  int32_t raw;
  std::memcpy(&raw, &status, sizeof(raw));
  if (raw < SPT_OK || raw > SPT_ERROR_DEVICE)
    bug("unknown status");
  if (status != SPT_OK && spt_last_error()[0] == '\0')
    bug("a failure without a message");
  return status;
}

/// A tensor of the program and the buffer it owns.
struct Tensor {
  spt_tensor t{};
  std::unique_ptr<unsigned char[]> owned;
  int64_t bytes = 0;   // of `owned`
  bool exists = true;  // false: pass a null pointer
  bool usable = false; // whether the runtime may accept it

  const spt_tensor *get() const { return exists ? &t : nullptr; }
  spt_tensor *get() { return exists ? &t : nullptr; }
  int32_t rawDtype() const {
    int32_t raw;
    std::memcpy(&raw, &t.dtype, sizeof(raw));
    return raw;
  }
  /// A snapshot of the buffer, to check that a failed call left it alone.
  std::vector<unsigned char> snapshot() const {
    return owned ? std::vector<unsigned char>(owned.get(), owned.get() + bytes)
                 : std::vector<unsigned char>();
  }
};

/// "f32 [2, 4, 64]" (null, null data, inaccessible data), for reports.
std::string describe(const Tensor &x) {
  if (!x.exists)
    return "null";
  std::string text = "dtype " + std::to_string(x.rawDtype()) + " rank " +
                     std::to_string(x.t.rank) + " [";
  for (int i = 0; i < 6; ++i)
    text += (i ? ", " : "") + std::to_string(x.t.shape[i]);
  text += "]";
  if (!x.t.data)
    text += " null data";
  else if (!x.usable)
    text += " inaccessible data";
  return text;
}

int64_t pick(FuzzedDataProvider &in, std::initializer_list<int64_t> values) {
  return *(values.begin() +
           in.ConsumeIntegralInRange<size_t>(0, values.size() - 1));
}

/// A tensor meant to have `dtype` and `shape`; the input may spoil it.
Tensor makeTensor(FuzzedDataProvider &in, spt_dtype dtype,
                  const std::vector<int64_t> &shape) {
  Tensor x;
  int32_t rawDtype = dtype, rank = static_cast<int32_t>(shape.size());
  int64_t dims[6] = {};
  for (size_t i = 0; i < shape.size() && i < 6; ++i)
    dims[i] = shape[i];
  bool nullData = false;
  switch (in.ConsumeIntegralInRange<int>(0, 15)) {
  case 10:
    x.exists = false;
    return x;
  case 11:
    nullData = true;
    break;
  case 12:
    rawDtype = static_cast<int32_t>(
        pick(in, {SPT_F32, SPT_F16, SPT_BF16, SPT_I32, 4, -1, 42,
                  std::numeric_limits<int32_t>::min(),
                  std::numeric_limits<int32_t>::max()}));
    break;
  case 13:
    rank = static_cast<int32_t>(
        pick(in, {-1, 0, rank - 1, rank + 1, 6, 7,
                  std::numeric_limits<int32_t>::min(),
                  std::numeric_limits<int32_t>::max()}));
    break;
  case 14:
  case 15: {
    int64_t &d = dims[in.ConsumeIntegralInRange<int>(0, 5)];
    d = pick(in, {-1, 0, d - 1, d + 1, int64_t(1) << 31, int64_t(1) << 40,
                  std::numeric_limits<int64_t>::max(),
                  std::numeric_limits<int64_t>::min(),
                  in.ConsumeIntegral<uint16_t>()});
    break;
  }
  default:
    break;
  }
  std::memcpy(&x.t.dtype, &rawDtype, sizeof(rawDtype));
  x.t.rank = rank;
  std::memcpy(x.t.shape, dims, sizeof(dims));

  // The size the declared shape claims, when it has one.
  bool sized = rawDtype >= SPT_F32 && rawDtype <= SPT_I32 && rank >= 0 &&
               rank <= 6;
  int64_t bytes = rawDtype == SPT_F16 || rawDtype == SPT_BF16 ? 2 : 4;
  for (int32_t i = 0; sized && i < rank; ++i)
    sized = dims[i] >= 0 && !__builtin_mul_overflow(bytes, dims[i], &bytes);
  if (!sized || bytes > kMaxTensorBytes) {
    x.t.data = nullData ? nullptr : inaccessible;
    return x;
  }
  x.usable = !nullData;
  x.bytes = bytes;
  x.owned.reset(new unsigned char[bytes ? bytes : 1]);
  // Finite values in [-1, 1) (f32; bit patterns for other types).
  uint32_t state = in.ConsumeIntegral<uint32_t>() | 1;
  for (int64_t i = 0; i + 4 <= bytes; i += 4) {
    state ^= state << 13, state ^= state >> 17, state ^= state << 5;
    float value = static_cast<float>(state >> 8) / float(1 << 23) - 1.0f;
    std::memcpy(x.owned.get() + i, &value, 4);
  }
  x.t.data = nullData ? nullptr : x.owned.get();
  return x;
}

/// The sequence index of a call: mostly valid, sometimes not.
int64_t pickSequence(FuzzedDataProvider &in, int64_t batch) {
  if (in.ConsumeIntegralInRange<int>(0, 7) != 7)
    return batch > 0 ? in.ConsumeIntegralInRange<int64_t>(0, batch - 1) : 0;
  return pick(in, {-1, batch, batch + 1, std::numeric_limits<int64_t>::min(),
                   std::numeric_limits<int64_t>::max()});
}

/// Selected positions: ascending positions of the sequence, then -1.
void checkIndices(const Tensor &indices, const std::vector<int64_t> &lengths) {
  if (!spotlight::fuzz::ascendingPositions(
          reinterpret_cast<const int32_t *>(indices.owned.get()),
          int64_t(lengths.size()), geometry.selection_sets,
          geometry.selection_slots, [&](int64_t b) { return lengths[b]; }))
    bug("selected indices are not ascending positions, -1 padded");
}

/// A cache size the runtime would allocate, or -1 when its arithmetic must
/// refuse it (a product overflows int64).
int64_t cacheBytes(int64_t batch, int64_t capacity) {
  const int64_t eb = geometry.dtype == SPT_F32 ? 4 : 2;
  const __int128 rows = __int128(batch) * geometry.kv_heads * capacity;
  const __int128 perRow =
      2 * geometry.head_dim * eb +
      geometry.code_heads * (geometry.head_dim / 32) * 4;
  if (rows * geometry.head_dim * eb > std::numeric_limits<int64_t>::max())
    return -1;
  __int128 total = rows * perRow + __int128(batch) * 64 *
                                       (geometry.query_heads * geometry.head_dim +
                                        geometry.selection_sets *
                                            geometry.selection_slots);
  return total > std::numeric_limits<int64_t>::max()
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(total);
}

void runProgram(FuzzedDataProvider &in) {
  const spt_geometry &g = geometry;
  const spt_dtype dt = g.dtype;
  const int64_t CH = g.code_heads, D = g.head_dim, KH = g.kv_heads,
                QH = g.query_heads;
  const int64_t C = CH >= KH ? CH / KH : 1, W = D / 32;

  int64_t batch = in.ConsumeIntegralInRange<int64_t>(1, 3);
  int64_t capacity = in.ConsumeIntegralInRange<int64_t>(1, 40);
  if (in.ConsumeIntegralInRange<int>(0, 7) == 7)
    batch = pick(in, {0, -1, 64, int64_t(1) << 22, int64_t(1) << 40,
                      int64_t(1) << 62, std::numeric_limits<int64_t>::max(),
                      std::numeric_limits<int64_t>::min()});
  if (in.ConsumeIntegralInRange<int>(0, 7) == 7)
    capacity = pick(in, {0, -1, g.max_tokens, g.max_tokens + 1,
                         int64_t(1) << 40,
                         std::numeric_limits<int64_t>::max(),
                         std::numeric_limits<int64_t>::min()});
  // A cache the runtime would allocate, too large for ASan: scale it down.
  if (batch > 0 && capacity > 0 && capacity <= g.max_tokens) {
    int64_t bytes = cacheBytes(batch, capacity);
    if (bytes > kMaxCacheBytes)
      batch = std::max<int64_t>(1, batch % 16), capacity = 1 + capacity % 40;
  }
  int32_t rawDevice = SPT_DEVICE_CPU;
  if (in.ConsumeIntegralInRange<int>(0, 15) == 15)
    rawDevice = static_cast<int32_t>(
        pick(in, {SPT_DEVICE_CUDA, 2, -1, std::numeric_limits<int32_t>::max()}));

  Tensor w1 = makeTensor(in, g.weight_dtype, {CH, D, D});
  Tensor b1 = makeTensor(in, g.weight_dtype, {CH, D});
  Tensor w2 = makeTensor(in, g.weight_dtype, {CH, D, D});
  Tensor b2 = makeTensor(in, g.weight_dtype, {CH, D});
  spt_cache *cache = nullptr;
  // The device as an integer, as C may pass it (the cast loads nothing).
  spt_status created =
      checked(spt_cache_create(artifact, static_cast<spt_device>(rawDevice),
                               batch, capacity, w1.get(), b1.get(), w2.get(),
                               b2.get(), &cache));
  if ((created == SPT_OK) != (cache != nullptr))
    bug("spt_cache_create's status and cache disagree");
  if (created != SPT_OK) {
    // Whatever failed, the calls on a null cache must refuse cleanly.
    Tensor q = makeTensor(in, dt, {1, QH, D});
    Tensor out = makeTensor(in, dt, {1, QH, D});
    int64_t length = 0;
    double ms = 0;
    if (checked(spt_cache_append(nullptr, 0, q.get(), q.get())) == SPT_OK ||
        checked(spt_decode(nullptr, q.get(), out.get(), nullptr)) == SPT_OK ||
        checked(spt_select(nullptr, q.get(), out.get())) == SPT_OK ||
        checked(spt_decode_dense(nullptr, q.get(), out.get())) == SPT_OK ||
        checked(spt_cache_length(nullptr, 0, &length)) == SPT_OK ||
        checked(spt_cache_read_codes(nullptr, 0, out.get())) == SPT_OK ||
        checked(spt_cache_last_step_time(nullptr, &ms)) == SPT_OK)
      bug("a call on a null cache succeeded");
    return;
  }
  std::unique_ptr<spt_cache, void (*)(spt_cache *)> owner(cache,
                                                          spt_cache_free);
  std::vector<int64_t> lengths(batch, 0);

  for (int call = 0; call < kMaxCalls && in.remaining_bytes(); ++call) {
    switch (in.ConsumeIntegralInRange<int>(0, 6)) {
    case 0: { // append
      const int64_t sequence = pickSequence(in, batch);
      const int64_t before =
          sequence >= 0 && sequence < batch ? lengths[sequence] : 0;
      const int64_t n = in.ConsumeIntegralInRange<int64_t>(
          0, std::min<int64_t>(capacity - before + 1, 64));
      Tensor keys = makeTensor(in, dt, {KH, n, D});
      Tensor values = makeTensor(in, dt, {KH, n, D});
      spt_status s = checked(
          spt_cache_append(cache, sequence, keys.get(), values.get()));
      if (s == SPT_OK) {
        if (!keys.usable || !values.usable)
          bug("spt_cache_append accepted a tensor it must refuse");
        lengths[sequence] += keys.t.shape[1];
      }
      break;
    }
    case 1:   // decode
    case 2:   // select
    case 3: { // decode_dense
      const int op = in.ConsumeIntegralInRange<int>(1, 3);
      Tensor query = makeTensor(in, dt, {batch, QH, D});
      Tensor out = makeTensor(in, dt, {batch, QH, D});
      Tensor indices =
          makeTensor(in, SPT_I32, {batch, g.selection_sets, g.selection_slots});
      const bool withIndices = op == 2 || in.ConsumeBool();
      auto outBefore = out.snapshot(), indicesBefore = indices.snapshot();
      spt_status s =
          op == 1 ? spt_decode(cache, query.get(), out.get(),
                               withIndices ? indices.get() : nullptr)
          : op == 2 ? spt_select(cache, query.get(), indices.get())
                    : spt_decode_dense(cache, query.get(), out.get());
      checked(s);
      if (s != SPT_OK) {
        if (out.snapshot() != outBefore || indices.snapshot() != indicesBefore)
          bug("a failed step wrote its outputs");
        break;
      }
      // spt_decode's indices may be null; spt_select's may not.
      const bool indicesOut = withIndices && op != 3 && indices.exists;
      if (!query.usable || (op != 2 && !out.usable) ||
          (indicesOut && !indices.usable) || (op == 2 && !indices.exists)) {
        std::fprintf(stderr, "op %d: query %s, out %s, indices %s\n", op,
                     describe(query).c_str(), describe(out).c_str(),
                     withIndices ? describe(indices).c_str() : "none");
        bug("a step accepted a tensor it must refuse");
      }
      if (indicesOut)
        checkIndices(indices, lengths);
      break;
    }
    case 4: { // length
      const int64_t sequence = pickSequence(in, batch);
      int64_t length = -1;
      const bool nullLength = in.ConsumeIntegralInRange<int>(0, 15) == 15;
      spt_status s = checked(
          spt_cache_length(cache, sequence, nullLength ? nullptr : &length));
      if (s == SPT_OK && (nullLength || sequence < 0 || sequence >= batch ||
                          length != lengths[sequence]))
        bug("spt_cache_length is wrong");
      break;
    }
    case 5: { // read codes
      const int64_t sequence = pickSequence(in, batch);
      const int64_t n =
          sequence >= 0 && sequence < batch ? lengths[sequence] : 0;
      Tensor codes = makeTensor(in, SPT_I32, {KH, n, C, W});
      auto before = codes.snapshot();
      spt_status s =
          checked(spt_cache_read_codes(cache, sequence, codes.get()));
      if (s != SPT_OK && codes.snapshot() != before)
        bug("a failed spt_cache_read_codes wrote its output");
      if (s == SPT_OK && !codes.usable)
        bug("spt_cache_read_codes accepted a tensor it must refuse");
      break;
    }
    case 6: { // last step time
      double ms = -1;
      const bool nullOut = in.ConsumeBool();
      spt_status s = checked(
          spt_cache_last_step_time(cache, nullOut ? nullptr : &ms));
      if (s == SPT_OK && (nullOut || !(ms >= 0)))
        bug("spt_cache_last_step_time is wrong");
      break;
    }
    }
  }
  // The lengths the runtime reports are those the appends made.
  for (int64_t b = 0; b < batch; ++b) {
    int64_t length = -1;
    if (checked(spt_cache_length(cache, b, &length)) != SPT_OK ||
        length != lengths[b])
      bug("a sequence's length is not the sum of its appends");
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *path = std::getenv("SPOTLIGHT_FUZZ_ARTIFACT");
  if (!path || !*path) {
    std::fprintf(stderr, "fuzz-c-api: set SPOTLIGHT_FUZZ_ARTIFACT to a CPU "
                         "artifact (scripts/fuzz.sh compiles one)\n");
    std::exit(1);
  }
  spt_artifact *loaded = nullptr;
  if (spt_artifact_load(path, &loaded) != SPT_OK ||
      spt_artifact_geometry(loaded, &geometry) != SPT_OK ||
      geometry.target != SPT_DEVICE_CPU) {
    std::fprintf(stderr, "fuzz-c-api: cannot use '%s' as a CPU artifact: %s\n",
                 path, spt_last_error());
    std::exit(1);
  }
  artifact = loaded; // kept for the whole run
  inaccessible = mmap(nullptr, 4096, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (inaccessible == MAP_FAILED)
    std::exit(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  runProgram(in);
  return 0;
}
