//===- PagedFuzzer.cpp - Fuzz the engines' path of the C API --------------===//
//
// The input is a small program on the engines' path of runtime.h: one
// spt_decoder_create, page pools the program owns, then up to 12 calls of
// spt_paged_write, spt_paged_select, spt_paged_decode,
// spt_paged_decode_dense, spt_decoder_set_stream and
// spt_decoder_last_step_time. Each call gets fuzzer-chosen tensors: a batch
// (0 included), pools, a block table, lengths, a slot mapping, and, now and
// then, a null tensor or data pointer, a wrong or out-of-range element type
// or rank (any int32), or a wrong, negative or huge dimension; the table
// entries are mostly right, sometimes not (a page outside the pools or
// negative, a length beyond its pages, max_tokens or negative, a slot given
// twice, -1 or outside the pools), and the entries past a sequence's pages
// are garbage. SPOTLIGHT_SPLIT is set per call, so that the CPU's token
// split (Decoder.cpp) runs as often as the whole-sequence step. The
// artifacts are small CPU artifacts compiled ahead by scripts/fuzz.sh:
// $SPOTLIGHT_FUZZ_ARTIFACT (f32, group mode, pages of 16) and, when set,
// $SPOTLIGHT_FUZZ_PAGED_ARTIFACT (bf16, head mode, pages of 3); the input
// picks one.
//
// What is checked, besides crashes and ASan/UBSan reports in runtime/lib:
//  - every call returns a known status, with a message when it failed;
//  - the status is what the documented checks (runtime.h: every tensor's
//    type and shape, on the CPU every table entry) say: a call they refuse
//    must fail, one they accept must succeed (or run out of memory);
//  - a failed call changes nothing: the pools, every other tensor and the
//    decoder's last step time are byte-identical to before;
//  - a successful write changes the pools at the slots it names only, and
//    stores the keys and values there as given; a successful step leaves
//    its inputs (pools included) as they were;
//  - selected indices are ascending positions of the sequence, -1 padded,
//    and an empty sequence's output is 0;
//  - spt_paged_select selects what spt_paged_decode selected (under
//    another SPOTLIGHT_SPLIT), and where the selection keeps every token,
//    the sparse output is the dense one (docs/Semantics.md, "Reference
//    numbers").
//
// The caller's side of the contract. The C API cannot check the size of a
// buffer, so every tensor handed to it has memory exactly as large as its
// declared shape and element type claim (so that ASan sees any access past
// it; a zero-byte tensor gets a zero-byte allocation), of one of three
// kinds:
//  - up to kMaxHeapBytes: a heap buffer of that size;
//  - larger, on a call that passes the checks of types and shapes (its
//    indices aside): a lazily mapped region of that size (up to
//    kMaxMappedBytes; zeros past what the harness fills) that ends at an
//    inaccessible guard page. A huge block table or pool is legitimate: the
//    runtime reads only the entries and pages that the lengths and the
//    table name. A call whose tensors cannot be mapped, or whose batch or
//    token count is so large that the work could not finish, is not made;
//  - a tensor that cannot be right (an invalid element type or rank, a
//    negative dimension, a size that overflows), or a large one on a call
//    that must be refused on types and shapes: a pointer to an
//    inaccessible page. The runtime must refuse it without reading its
//    data. (On the CPU the runtime checks every tensor's type and shape
//    before it reads any table entry, except the indices' of a sparse
//    step, which it checks after the tables; the harness expects no more
//    than that.)
//
// FUZZ_PAGED_TRACE=1 prints each call before it is made (for a crashing
// input: build-fuzz/fuzz/fuzz-paged <input>).
//
//===----------------------------------------------------------------------===//

#include "SelectedIndices.h"
#include "spotlight/runtime.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr int64_t kMaxHeapBytes = int64_t(4) << 20;
constexpr int64_t kMaxMappedBytes = int64_t(1) << 44;
/// A call that could be accepted with more sequences or new tokens than
/// these would not finish in time (every one is read); it is not made.
constexpr int64_t kMaxBatch = 4096;
constexpr int64_t kMaxWriteTokens = 4096;
/// DecodeGeometry::kMaxTokens: the pools' slots, and a block table row's,
/// must be named by an i32.
constexpr int64_t kMaxPoolSlots = (int64_t(1) << 31) - 1;
constexpr int kMaxCalls = 12;
constexpr int32_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kI32Max = std::numeric_limits<int32_t>::max();

[[noreturn]] void bug(const std::string &what) {
  std::fprintf(stderr, "fuzz-paged: %s (last error: '%s')\n", what.c_str(),
               spt_last_error());
  std::abort();
}

/// A loaded artifact and what it was compiled for.
struct Model {
  const spt_artifact *artifact = nullptr;
  spt_geometry g{};
};
Model models[2];
size_t modelCount = 0;
/// Any access faults: the data pointer of tensors that must be refused.
void *inaccessible = nullptr;
/// $FUZZ_PAGED_TRACE set: each call is printed before it is made (to see
/// what a crashing input does).
bool trace = false;
size_t pageBytes = 4096;

/// Checks what every call returns: a known status, with a message if it
/// failed.
spt_status checked(spt_status status) {
  int32_t raw;
  std::memcpy(&raw, &status, sizeof(raw));
  if (raw < SPT_OK || raw > SPT_ERROR_DEVICE)
    bug("unknown status " + std::to_string(raw));
  if (status != SPT_OK && spt_last_error()[0] == '\0')
    bug("a failure without a message");
  return status;
}

int64_t pick(FuzzedDataProvider &in, std::initializer_list<int64_t> values) {
  return *(values.begin() +
           in.ConsumeIntegralInRange<size_t>(0, values.size() - 1));
}

int64_t elementBytes(int32_t dtype) {
  return dtype == SPT_F16 || dtype == SPT_BF16 ? 2 : 4;
}

/// Values of the tensors: xorshift32.
struct Random {
  uint32_t state;
  uint32_t next() {
    state ^= state << 13, state ^= state >> 17, state ^= state << 5;
    return state;
  }
  /// In [-1, 1).
  float unit() { return static_cast<float>(next() >> 8) / float(1 << 23) - 1; }
};

uint16_t toHalf(float value) {
  _Float16 half = static_cast<_Float16>(value);
  uint16_t bits;
  std::memcpy(&bits, &half, 2);
  return bits;
}

float fromElement(const unsigned char *p, int32_t dtype) {
  if (dtype == SPT_F32) {
    float value;
    std::memcpy(&value, p, 4);
    return value;
  }
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  if (dtype == SPT_BF16) {
    uint32_t wide = uint32_t(bits) << 16;
    float value;
    std::memcpy(&value, &wide, 4);
    return value;
  }
  _Float16 half;
  std::memcpy(&half, &bits, 2);
  return static_cast<float>(half);
}

/// One tensor argument of a call: its declaration and the memory behind it.
struct Arg {
  enum class Memory { None, Heap, Mapped, Inaccessible, Shared };

  explicit Arg(const char *name) : name(name) {}
  Arg(const Arg &) = delete;
  Arg &operator=(const Arg &) = delete;
  ~Arg() {
    if (map)
      munmap(map, mapBytes);
  }

  const char *name;
  spt_tensor t{};
  bool exists = true;    // false: pass a null tensor pointer
  bool nullData = false; // pass a null data pointer
  bool spoiled = false;  // the declaration is not the one intended
  Memory memory = Memory::None;
  unsigned char *data = nullptr; // what t.data points to, when readable
  int64_t bytes = 0;             // the declared size, when well formed
  std::unique_ptr<unsigned char[]> heap;
  void *map = nullptr;
  size_t mapBytes = 0;

  spt_tensor *get() { return exists ? &t : nullptr; }
  int32_t rawDtype() const {
    int32_t raw;
    std::memcpy(&raw, &t.dtype, sizeof(raw));
    return raw;
  }
  /// A valid element type and rank, no negative dimension, a size that fits
  /// int64 and the address space (the runtime's checkTensor, less the
  /// expected shape); sets `bytes`.
  bool wellFormed() {
    if (!exists || nullData)
      return false;
    const int32_t dtype = rawDtype();
    if (dtype < SPT_F32 || dtype > SPT_I32 || t.rank < 0 || t.rank > 6)
      return false;
    int64_t size = elementBytes(dtype);
    for (int32_t i = 0; i < t.rank; ++i)
      if (t.shape[i] < 0 || __builtin_mul_overflow(size, t.shape[i], &size))
        return false;
    bytes = size;
    return true;
  }
  /// Well formed, of type `dtype` and of shape `expected` (-1: any).
  bool is(spt_dtype dtype, const std::vector<int64_t> &expected) {
    if (!wellFormed() || rawDtype() != dtype ||
        t.rank != static_cast<int32_t>(expected.size()))
      return false;
    for (size_t i = 0; i < expected.size(); ++i)
      if (expected[i] >= 0 && t.shape[i] != expected[i])
        return false;
    return true;
  }
  /// Whether the harness can read and write its memory.
  bool readable() const {
    return memory == Memory::Heap || memory == Memory::Mapped ||
           memory == Memory::Shared;
  }
  /// Whether its whole memory is small enough to snapshot.
  bool small() const {
    return memory == Memory::Heap || memory == Memory::Shared;
  }
  std::vector<unsigned char> snapshot() const {
    return small() ? std::vector<unsigned char>(data, data + bytes)
                   : std::vector<unsigned char>();
  }
};

std::string describe(Arg &x) {
  if (!x.exists)
    return std::string(x.name) + ": null";
  std::string text = std::string(x.name) + ": dtype " +
                     std::to_string(x.rawDtype()) + " rank " +
                     std::to_string(x.t.rank) + " [";
  for (int i = 0; i < 6; ++i)
    text += (i ? ", " : "") + std::to_string(x.t.shape[i]);
  text += "]";
  static const char *const kinds[] = {"no memory", "heap", "mapped",
                                      "inaccessible", "the pool's"};
  text += x.nullData ? " null data"
                     : std::string(" ") + kinds[static_cast<int>(x.memory)];
  return text;
}

/// Declares `x` as `dtype` `shape`; with `spoil`, the input may make it a
/// null tensor, give it a null data pointer, another element type or rank,
/// or change one dimension.
void declare(FuzzedDataProvider &in, Arg &x, spt_dtype dtype,
             const std::vector<int64_t> &shape, bool spoil) {
  int32_t rawDtype = dtype, rank = static_cast<int32_t>(shape.size());
  int64_t dims[6] = {};
  for (size_t i = 0; i < shape.size() && i < 6; ++i)
    dims[i] = shape[i];
  if (spoil) {
    x.spoiled = true;
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      x.exists = false;
      break;
    case 1:
      x.nullData = true;
      break;
    case 2:
      rawDtype = static_cast<int32_t>(pick(
          in, {SPT_F32, SPT_F16, SPT_BF16, SPT_I32, 4, -1, kI32Min, kI32Max}));
      break;
    case 3:
      rank = static_cast<int32_t>(
          pick(in, {-1, 0, rank - 1, rank + 1, 6, 7, kI32Min, kI32Max}));
      break;
    default: {
      int64_t &d = dims[in.ConsumeIntegralInRange<int>(
          0, std::max<int>(0, static_cast<int>(shape.size()) - 1))];
      d = pick(in,
               {-1, 0, d - 1, d + 1, 2 * d, int64_t(1) << 31, int64_t(1) << 40,
                (int64_t(1) << 61) + 1, std::numeric_limits<int64_t>::max(),
                std::numeric_limits<int64_t>::min(),
                in.ConsumeIntegral<uint16_t>()});
      break;
    }
    }
  }
  std::memcpy(&x.t.dtype, &rawDtype, sizeof(rawDtype));
  x.t.rank = rank;
  std::memcpy(x.t.shape, dims, sizeof(dims));
}

/// Gives `x` its memory (see the top of the file). `refused`: the call must
/// be refused before any data is read. Returns false when a large tensor
/// cannot be mapped (the call is then not made).
bool allocate(Arg &x, bool refused) {
  if (!x.exists || x.memory == Arg::Memory::Shared)
    return true;
  if (x.nullData) {
    x.t.data = nullptr;
    return true;
  }
  if (!x.wellFormed() || (x.bytes > kMaxHeapBytes && refused)) {
    x.memory = Arg::Memory::Inaccessible;
    x.t.data = inaccessible;
    return true;
  }
  if (x.bytes <= kMaxHeapBytes) {
    x.memory = Arg::Memory::Heap;
    x.heap.reset(new unsigned char[x.bytes]()); // zeros: no stale bytes
    x.data = x.heap.get();
  } else {
    if (x.bytes > kMaxMappedBytes)
      return false;
    const size_t rounded =
        (size_t(x.bytes) + pageBytes - 1) / pageBytes * pageBytes;
    x.mapBytes = rounded + pageBytes;
    void *map = mmap(nullptr, x.mapBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
      return false;
    x.map = map;
    auto *base = static_cast<unsigned char *>(map);
    if (mprotect(base + rounded, pageBytes, PROT_NONE) != 0)
      return false;
    x.memory = Arg::Memory::Mapped;
    x.data = base + rounded - x.bytes; // ends at the guard page
  }
  x.t.data = x.data;
  return true;
}

/// Fills a floating-point tensor of the harness's memory with values in
/// [-1, 1) of its declared type (only the first pages of a mapped one);
/// `nonFinite` plants a NaN or an infinity.
void fillFloats(Arg &x, Random &random, bool nonFinite) {
  if (!x.readable())
    return;
  const int32_t dtype = x.rawDtype();
  const int64_t eb = elementBytes(dtype);
  const int64_t bytes = x.memory == Arg::Memory::Mapped
                            ? std::min<int64_t>(x.bytes, 1 << 16)
                            : x.bytes;
  for (int64_t i = 0; i + eb <= bytes; i += eb) {
    const float value = random.unit();
    if (eb == 4) {
      std::memcpy(x.data + i, &value, 4);
    } else {
      uint32_t wide;
      std::memcpy(&wide, &value, 4);
      const uint16_t bits =
          dtype == SPT_BF16 ? uint16_t(wide >> 16) : toHalf(value);
      std::memcpy(x.data + i, &bits, 2);
    }
  }
  if (nonFinite && bytes >= 4) {
    const int64_t at = (random.next() % (bytes / eb)) * eb;
    const uint32_t f32[] = {0x7fc00000u, 0x7f800000u, 0xff800000u};
    const uint16_t f16[] = {0x7e00, 0x7c00, 0xfc00};
    const uint16_t bf16[] = {0x7fc0, 0x7f80, 0xff80};
    const uint32_t which = random.next() % 3;
    if (eb == 4)
      std::memcpy(x.data + at, &f32[which], 4);
    else
      std::memcpy(x.data + at, dtype == SPT_BF16 ? &bf16[which] : &f16[which],
                  2);
  }
}

/// Copies `values` into an i32 tensor of the harness's memory, as far as
/// both go.
void fillInts(Arg &x, const std::vector<int32_t> &values) {
  if (!x.readable())
    return;
  const int64_t count =
      std::min<int64_t>(x.bytes / 4, static_cast<int64_t>(values.size()));
  if (count > 0)
    std::memcpy(x.data, values.data(), count * 4);
}

void fillRandomInts(Arg &x, Random &random) {
  if (!x.small())
    return;
  for (int64_t i = 0; i + 4 <= x.bytes; i += 4) {
    const uint32_t value = random.next();
    std::memcpy(x.data + i, &value, 4);
  }
}

/// The pools the program owns: k, v [P, page, KH, D], codes
/// [P, page, KH, C, W].
struct Pool {
  int64_t pages = 0;
  std::vector<int64_t> shape;
  spt_dtype dtype = SPT_F32;
  int64_t bytes = 0;
  std::unique_ptr<unsigned char[]> data;
};

class Program {
public:
  Program(FuzzedDataProvider &in, const Model &m)
      : in(in), m(m), g(m.g), page(g.page_size), KH(g.kv_heads),
        QH(g.query_heads), D(g.head_dim),
        C(g.code_heads >= g.kv_heads ? g.code_heads / g.kv_heads : 1),
        W(g.head_dim / 32), S(g.selection_sets), M(g.selection_slots) {}

  void run();

private:
  /// How a call spoils its tensors: mostly not at all.
  enum class Spoil { None, One, Many };
  Spoil drawSpoil() {
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 6:
      return Spoil::One;
    case 7:
      return Spoil::Many;
    default:
      return Spoil::None;
    }
  }
  /// Whether each of `count` tensors is spoiled.
  std::vector<bool> spoilMask(Spoil spoil, size_t count) {
    std::vector<bool> mask(count, false);
    if (spoil == Spoil::One)
      mask[in.ConsumeIntegralInRange<size_t>(0, count - 1)] = true;
    else if (spoil == Spoil::Many)
      for (size_t i = 0; i < count; ++i)
        mask[i] = in.ConsumeIntegralInRange<int>(0, 2) == 0;
    return mask;
  }

  bool createDecoder();
  void nullDecoderCalls();
  void declarePool(Arg &x, int which, bool spoil);
  void setSplit();
  /// Buffers' bytes before a call.
  using Snapshots = std::vector<std::pair<Arg *, std::vector<unsigned char>>>;
  using Report = std::function<void(const std::string &what)>;
  bool judge(spt_status status, bool valid, const Snapshots &before,
             const Report &report);
  void checkLastStepTime(bool stepSucceeded);
  void write();
  void step(int op);
  void tables(int64_t batch, int64_t maxPages, int64_t poolPages,
              std::vector<int32_t> &table, std::vector<int32_t> &lengths);
  bool tablesValid(Arg &table, Arg &lengths, int64_t batch, int64_t pools);
  void checkIndices(const int32_t *indices, Arg &lengths, int64_t batch);
  void compareWithReferences(int64_t batch, Arg &query, Arg &k, Arg &v,
                             Arg &codes, Arg &table, Arg &lengths, Arg &out,
                             Arg &indices);

  FuzzedDataProvider &in;
  const Model &m;
  const spt_geometry &g;
  const int64_t page, KH, QH, D, C, W, S, M;
  Random random{1};
  spt_decoder *decoder = nullptr;
  Pool pools[3]; // k, v, codes
  /// The decoder's last step time, to check that failures leave it.
  double lastMs = 0;
  /// Whether a NaN or an infinity was planted (no numerical comparisons).
  bool nonFinite = false;
};

void Program::setSplit() {
  static const char *const splits[] = {nullptr, "0", "1", "2", "3"};
  const char *split = splits[in.ConsumeIntegralInRange<int>(0, 4)];
  if (split)
    setenv("SPOTLIGHT_SPLIT", split, 1);
  else
    unsetenv("SPOTLIGHT_SPLIT");
  if (trace)
    std::fprintf(stderr, "SPOTLIGHT_SPLIT=%s\n", split ? split : "(unset)");
}

/// The first entries of an i32 tensor, for the trace.
std::string firstEntries(Arg &x, int64_t count) {
  if (!x.readable() || x.rawDtype() != SPT_I32)
    return "";
  std::string text = " {";
  for (int64_t i = 0; i < std::min(count, x.bytes / 4); ++i) {
    int32_t value;
    std::memcpy(&value, x.data + 4 * i, 4);
    text += (i ? ", " : "") + std::to_string(value);
  }
  return text + (count < x.bytes / 4 ? ", ...}" : "}");
}

bool Program::createDecoder() {
  const int64_t CH = g.code_heads;
  Arg w1("w1"), b1("b1"), w2("w2"), b2("b2");
  Arg *weights[] = {&w1, &b1, &w2, &b2};
  const std::vector<int64_t> shapes[] = {
      {CH, D, D}, {CH, D}, {CH, D, D}, {CH, D}};
  std::vector<bool> mask = spoilMask(drawSpoil(), 4);
  bool refused = false;
  for (int i = 0; i < 4; ++i) {
    declare(in, *weights[i], g.weight_dtype, shapes[i], mask[i]);
    refused |= !weights[i]->is(g.weight_dtype, shapes[i]);
  }
  for (Arg *w : weights) {
    if (!allocate(*w, refused))
      return false;
    fillFloats(*w, random, false);
  }
  int32_t rawDevice = SPT_DEVICE_CPU;
  if (in.ConsumeIntegralInRange<int>(0, 15) == 15)
    rawDevice =
        static_cast<int32_t>(pick(in, {SPT_DEVICE_CUDA, 2, -1, kI32Max}));
  const int nulls = in.ConsumeIntegralInRange<int>(0, 31);
  const bool nullArtifact = nulls == 30, nullOut = nulls == 31;
  spt_decoder *created = nullptr;
  const spt_status status = checked(spt_decoder_create(
      nullArtifact ? nullptr : m.artifact, static_cast<spt_device>(rawDevice),
      w1.get(), b1.get(), w2.get(), b2.get(), nullOut ? nullptr : &created));
  const bool valid =
      !refused && rawDevice == SPT_DEVICE_CPU && !nullArtifact && !nullOut;
  if (status == SPT_OK && !valid)
    bug("spt_decoder_create accepted arguments it must refuse: " +
        describe(w1) + ", " + describe(b1) + ", " + describe(w2) + ", " +
        describe(b2) + ", device " + std::to_string(rawDevice));
  if (status != SPT_OK && valid && status != SPT_ERROR_OUT_OF_MEMORY)
    bug("spt_decoder_create refused valid arguments");
  if ((status == SPT_OK) != (created != nullptr))
    bug("spt_decoder_create's status and decoder disagree");
  if (status != SPT_OK)
    return false;
  decoder = created;
  return true;
}

void Program::nullDecoderCalls() {
  spt_tensor any{};
  double ms = 0;
  if (checked(spt_paged_write(nullptr, &any, &any, &any, &any, &any, &any)) ==
          SPT_OK ||
      checked(spt_paged_select(nullptr, &any, &any, &any, &any, &any)) ==
          SPT_OK ||
      checked(spt_paged_decode(nullptr, &any, &any, &any, &any, &any, &any,
                               &any, nullptr)) == SPT_OK ||
      checked(spt_paged_decode_dense(nullptr, &any, &any, &any, &any, &any,
                                     &any)) == SPT_OK ||
      checked(spt_decoder_set_stream(nullptr, nullptr)) == SPT_OK ||
      checked(spt_decoder_last_step_time(nullptr, &ms)) == SPT_OK)
    bug("a call on a null decoder succeeded");
  spt_decoder_free(nullptr);
}

/// A pool argument: the program's pool `which` (0 k, 1 v, 2 codes), or,
/// spoiled, a declaration of its own with memory of its own.
void Program::declarePool(Arg &x, int which, bool spoil) {
  const Pool &pool = pools[which];
  declare(in, x, pool.dtype, pool.shape, spoil);
  if (x.exists && !x.nullData &&
      x.is(pool.dtype, pool.shape)) { // unspoiled, or spoiled into itself
    x.memory = Arg::Memory::Shared;
    x.data = pool.data.get();
    x.bytes = pool.bytes;
    x.t.data = x.data;
  }
}

/// The verdict on a call's status (`report` says what is wrong, naming the
/// call and its arguments): it succeeds exactly when its arguments are
/// valid (or memory runs out), only a success sets the step time, and a
/// failure changes no buffer. Whether the call succeeded.
bool Program::judge(spt_status status, bool valid, const Snapshots &before,
                    const Report &report) {
  if (status == SPT_OK && !valid)
    report("accepted arguments it must refuse");
  if (status != SPT_OK && valid && status != SPT_ERROR_OUT_OF_MEMORY)
    report("refused valid arguments");
  checkLastStepTime(status == SPT_OK);
  if (status != SPT_OK)
    for (const auto &[arg, bytes] : before)
      if (arg->snapshot() != bytes)
        report(std::string("failed, yet changed ") + arg->name);
  return status == SPT_OK;
}

/// A step that succeeded sets a time >= 0; any other call leaves it.
void Program::checkLastStepTime(bool stepSucceeded) {
  double ms = -1;
  if (checked(spt_decoder_last_step_time(decoder, &ms)) != SPT_OK)
    bug("spt_decoder_last_step_time failed on a decoder");
  if (!stepSucceeded && std::memcmp(&ms, &lastMs, sizeof(ms)) != 0)
    bug("a failed call changed the decoder's last step time");
  if (stepSucceeded && !(ms >= 0))
    bug("a negative or NaN last step time");
  lastMs = ms;
}

void Program::write() {
  const spt_dtype dt = g.dtype;
  int64_t tokens = in.ConsumeIntegralInRange<int64_t>(0, 40);
  if (in.ConsumeIntegralInRange<int>(0, 15) == 15)
    tokens = pick(in, {0, 255, 256, 257, 600});
  Arg k("k_cache"), v("v_cache"), codes("code_cache"), keys("keys"),
      values("values"), slots("slot_mapping");
  std::vector<bool> mask = spoilMask(drawSpoil(), 6);
  declarePool(k, 0, mask[0]);
  declarePool(v, 1, mask[1]);
  declarePool(codes, 2, mask[2]);
  declare(in, keys, dt, {tokens, KH, D}, mask[3]);
  declare(in, values, dt, {tokens, KH, D}, mask[4]);
  declare(in, slots, SPT_I32, {tokens}, mask[5]);

  // The runtime's checks, in its order: the pools (P from k), then keys
  // (n from them), values and the slot mapping.
  bool ok = k.is(dt, {-1, page, KH, D});
  const int64_t P = ok ? k.t.shape[0] : 0;
  ok = ok && v.is(dt, {P, page, KH, D}) &&
       codes.is(SPT_I32, {P, page, KH, C, W}) && P * page <= kMaxPoolSlots &&
       keys.is(dt, {-1, KH, D});
  const int64_t n = ok ? keys.t.shape[0] : 0;
  ok = ok && values.is(dt, {n, KH, D}) && slots.is(SPT_I32, {n});
  if (ok && n > kMaxWriteTokens)
    return;
  for (Arg *x : {&k, &v, &codes, &keys, &values, &slots})
    if (!allocate(*x, !ok))
      return;

  const bool plantNonFinite = in.ConsumeIntegralInRange<int>(0, 31) == 31;
  nonFinite |= plantNonFinite;
  fillFloats(keys, random, plantNonFinite);
  fillFloats(values, random, false);
  // Slots: distinct and inside the program's pools (some -1), or spoiled.
  const int64_t total = pools[0].pages * page;
  std::vector<int32_t> mapping(tokens, -1);
  std::vector<bool> taken(total, false);
  for (int64_t i = 0; i < tokens; ++i) {
    const int64_t slot =
        total ? in.ConsumeIntegralInRange<int64_t>(-1, total - 1) : -1;
    if (slot >= 0 && !taken[slot])
      taken[slot] = true, mapping[i] = static_cast<int32_t>(slot);
  }
  if (tokens && in.ConsumeIntegralInRange<int>(0, 7) == 7) {
    int32_t &slot = mapping[in.ConsumeIntegralInRange<int64_t>(0, tokens - 1)];
    slot = static_cast<int32_t>(
        pick(in, {-2, total, total + 1, kI32Min, kI32Max,
                  mapping[in.ConsumeIntegralInRange<int64_t>(0, tokens - 1)],
                  mapping[0]}));
  }
  fillInts(slots, mapping);

  // The entries: on the CPU each in [-1, P * page), the others distinct.
  bool valid = ok;
  if (ok) {
    const auto *entries = reinterpret_cast<const int32_t *>(slots.data);
    std::vector<int32_t> used;
    for (int64_t i = 0; valid && i < n; ++i) {
      valid = entries[i] >= -1 && entries[i] < P * page;
      if (entries[i] >= 0)
        used.push_back(entries[i]);
    }
    std::sort(used.begin(), used.end());
    valid = valid && std::adjacent_find(used.begin(), used.end()) == used.end();
  }

  Snapshots before;
  for (Arg *x : {&k, &v, &codes, &keys, &values, &slots})
    if (x->small())
      before.emplace_back(x, x->snapshot());
  setSplit();
  if (trace)
    std::fprintf(stderr, "spt_paged_write: %s; %s; %s; %s; %s; %s%s\n",
                 describe(k).c_str(), describe(v).c_str(),
                 describe(codes).c_str(), describe(keys).c_str(),
                 describe(values).c_str(), describe(slots).c_str(),
                 firstEntries(slots, 64).c_str());
  const spt_status status =
      checked(spt_paged_write(decoder, keys.get(), values.get(), slots.get(),
                              k.get(), v.get(), codes.get()));
  auto report = [&](const std::string &what) {
    bug("spt_paged_write " + what + " (" + describe(k) + "; " + describe(v) +
        "; " + describe(codes) + "; " + describe(keys) + "; " +
        describe(values) + "; " + describe(slots) + ")");
  };
  if (!judge(status, valid, before, report))
    return;
  // Inputs as they were; the pools changed at the named slots only, K and
  // V there to the keys and values.
  const auto *entries = reinterpret_cast<const int32_t *>(slots.data);
  for (auto &[x, bytes] : before) {
    std::vector<unsigned char> now = x->snapshot();
    if (x != &k && x != &v && x != &codes) {
      if (now != bytes)
        bug(std::string("spt_paged_write changed its input ") + x->name);
      continue;
    }
    const int64_t row =
        x == &codes ? KH * C * W * 4 : KH * D * elementBytes(g.dtype);
    for (int64_t i = 0; i < n; ++i) {
      if (entries[i] < 0)
        continue;
      unsigned char *at = bytes.data() + entries[i] * row;
      if (x == &codes)
        std::memcpy(at, now.data() + entries[i] * row, row); // any code
      else
        std::memcpy(at, (x == &k ? keys : values).data + i * row, row);
    }
    if (now != bytes)
      bug(std::string("spt_paged_write wrote ") + x->name +
          " other than the keys and values at the named slots");
  }
}

/// A batch's tables: lengths within max_pages pages and max_tokens, pages of
/// the pools for the pages a sequence uses, garbage past them; sometimes an
/// entry or a length is wrong.
void Program::tables(int64_t batch, int64_t maxPages, int64_t poolPages,
                     std::vector<int32_t> &table,
                     std::vector<int32_t> &lengths) {
  table.assign(batch * maxPages, 0);
  lengths.assign(batch, 0);
  const int64_t longest =
      poolPages ? std::min<int64_t>(g.max_tokens, maxPages * page) : 0;
  for (int64_t b = 0; b < batch; ++b) {
    // Mostly long enough to select (beyond M), or empty.
    int64_t n = in.ConsumeIntegralInRange<int64_t>(0, longest);
    lengths[b] = static_cast<int32_t>(n);
    const int64_t used = (n + page - 1) / page;
    for (int64_t p = 0; p < maxPages; ++p)
      table[b * maxPages + p] =
          p < used ? static_cast<int32_t>(
                         in.ConsumeIntegralInRange<int64_t>(0, poolPages - 1))
                   : static_cast<int32_t>(random.next());
  }
  if (batch && in.ConsumeIntegralInRange<int>(0, 5) == 5) {
    const int64_t b = in.ConsumeIntegralInRange<int64_t>(0, batch - 1);
    if (in.ConsumeBool() || maxPages == 0) {
      lengths[b] = static_cast<int32_t>(
          pick(in, {-1, kI32Min, kI32Max, g.max_tokens, g.max_tokens + 1,
                    maxPages * page, maxPages * page + 1,
                    (maxPages - 1) * page + 1}));
    } else {
      const int64_t p = in.ConsumeIntegralInRange<int64_t>(0, maxPages - 1);
      table[b * maxPages + p] = static_cast<int32_t>(
          pick(in, {-1, poolPages, poolPages + 1, kI32Min, kI32Max}));
      if (lengths[b] <= p * page) // make the sequence use it
        lengths[b] =
            static_cast<int32_t>(std::min<int64_t>(p * page + 1, kI32Max));
    }
  }
}

/// The CPU's checks of the entries: lengths in [0, max_tokens] and within
/// the table's pages, and those pages in [0, P).
bool Program::tablesValid(Arg &table, Arg &lengths, int64_t batch,
                          int64_t poolPages) {
  const int64_t maxPages = table.t.shape[1];
  const auto *entries = reinterpret_cast<const int32_t *>(table.data);
  const auto *n = reinterpret_cast<const int32_t *>(lengths.data);
  for (int64_t b = 0; b < batch; ++b) {
    if (n[b] < 0 || n[b] > g.max_tokens)
      return false;
    const int64_t used = (int64_t(n[b]) + page - 1) / page;
    if (used > maxPages)
      return false;
    for (int64_t p = 0; p < used; ++p)
      if (entries[b * maxPages + p] < 0 ||
          entries[b * maxPages + p] >= poolPages)
        return false;
  }
  return true;
}

/// Selected indices: ascending positions of the sequence, then -1.
void Program::checkIndices(const int32_t *indices, Arg &lengths,
                           int64_t batch) {
  const auto *n = reinterpret_cast<const int32_t *>(lengths.data);
  if (!spotlight::fuzz::ascendingPositions(indices, batch, S, M,
                                           [&](int64_t b) { return n[b]; }))
    bug("selected indices are not ascending positions, -1 padded");
}

/// After a sparse decode with indices: select selects the same tokens
/// (under another split), and sequences whose selection kept every token
/// have the dense step's output.
void Program::compareWithReferences(int64_t batch, Arg &query, Arg &k, Arg &v,
                                    Arg &codes, Arg &table, Arg &lengths,
                                    Arg &out, Arg &indices) {
  Arg selected("indices"), dense("out");
  declare(in, selected, SPT_I32, {batch, S, M}, false);
  declare(in, dense, g.dtype, {batch, QH, D}, false);
  if (!allocate(selected, false) || !allocate(dense, false))
    return;
  setSplit();
  if (checked(spt_paged_select(decoder, query.get(), codes.get(), table.get(),
                               lengths.get(), selected.get())) != SPT_OK)
    bug("spt_paged_select refused what spt_paged_decode accepted");
  if (indices.bytes &&
      std::memcmp(selected.data, indices.data, indices.bytes) != 0)
    bug("spt_paged_select selected other tokens than spt_paged_decode");
  setSplit();
  if (checked(spt_paged_decode_dense(decoder, query.get(), k.get(), v.get(),
                                     table.get(), lengths.get(),
                                     dense.get())) != SPT_OK)
    bug("spt_paged_decode_dense refused what spt_paged_decode accepted");
  checkLastStepTime(true);
  if (nonFinite)
    return;
  const auto *n = reinterpret_cast<const int32_t *>(lengths.data);
  const auto *rows = reinterpret_cast<const int32_t *>(indices.data);
  const int64_t eb = elementBytes(g.dtype), row = QH * D;
  const double tolerance = g.dtype == SPT_F32 ? 1e-4 : 3e-2;
  for (int64_t b = 0; b < batch; ++b) {
    bool keepsAll = n[b] <= M;
    for (int64_t s = 0; keepsAll && s < S; ++s)
      for (int64_t i = 0; keepsAll && i < M; ++i)
        keepsAll = rows[(b * S + s) * M + i] == (i < n[b] ? i : -1);
    if (!keepsAll)
      continue;
    double error = 0, norm = 0;
    for (int64_t i = 0; i < row; ++i) {
      const double sparse =
          fromElement(out.data + (b * row + i) * eb, out.rawDtype());
      const double reference =
          fromElement(dense.data + (b * row + i) * eb, dense.rawDtype());
      error += (sparse - reference) * (sparse - reference);
      norm += reference * reference;
    }
    if (!(std::sqrt(error) <= tolerance * std::sqrt(norm) + 1e-6))
      bug("sequence " + std::to_string(b) + " of " + std::to_string(n[b]) +
          " tokens: the sparse step kept every token but its output is not "
          "the dense one (relative error " +
          std::to_string(std::sqrt(error / std::max(norm, 1e-30))) + ")");
  }
}

/// op 1: select, 2: decode, 3: decode_dense.
void Program::step(int op) {
  const spt_dtype dt = g.dtype;
  int64_t batch = in.ConsumeIntegralInRange<int64_t>(0, 4);
  if (in.ConsumeIntegralInRange<int>(0, 15) == 15)
    batch = pick(in, {0, 8, 33, 64});
  const int64_t pagesPerSequence = (g.max_tokens + page - 1) / page;
  int64_t maxPages =
      in.ConsumeIntegralInRange<int64_t>(0, pagesPerSequence + 1);
  const bool withIndices = op == 1 || (op == 2 && in.ConsumeBool());
  Arg query("query"), out("out"), indices("indices"), k("k_cache"),
      v("v_cache"), codes("code_cache"), table("block_table"),
      lengths("seq_lens");
  std::vector<bool> mask = spoilMask(drawSpoil(), 8);
  declare(in, query, dt, {batch, QH, D}, mask[0]);
  declare(in, out, dt, {batch, QH, D}, mask[1]);
  declare(in, indices, SPT_I32, {batch, S, M}, mask[2]);
  declarePool(k, 0, mask[3]);
  declarePool(v, 1, mask[4]);
  declarePool(codes, 2, mask[5]);
  declare(in, table, SPT_I32, {batch, maxPages}, mask[6]);
  declare(in, lengths, SPT_I32, {batch}, mask[7]);
  const bool readsKV = op != 1, readsCodes = op != 3;

  // The runtime's checks, in its order: query (B from it) and out, the
  // pools (P from the first), the table and lengths; then the indices.
  bool ok = (op == 1 || out.exists) && query.is(dt, {-1, QH, D});
  const int64_t B = ok ? query.t.shape[0] : 0;
  if (op != 1)
    ok = ok && out.is(dt, {B, QH, D});
  int64_t P = -1;
  if (ok && readsKV) {
    ok = k.is(dt, {-1, page, KH, D});
    P = ok ? k.t.shape[0] : 0;
    ok = ok && v.is(dt, {P, page, KH, D});
  }
  if (ok && readsCodes) {
    ok = codes.is(SPT_I32, {P, page, KH, C, W});
    P = ok ? codes.t.shape[0] : 0;
  }
  ok = ok && P * page <= kMaxPoolSlots && table.is(SPT_I32, {B, -1}) &&
       lengths.is(SPT_I32, {B});
  // A sequence's slots (the table's width in tokens) must be named by an
  // i32 too: the steps size scratch and grids by them.
  int64_t tableSlots = 0;
  ok = ok &&
       !__builtin_mul_overflow(table.t.shape[1], page, &tableSlots) &&
       tableSlots <= kMaxPoolSlots;
  // spt_paged_decode's indices may be null; spt_paged_select's may not.
  const bool indicesOk = !withIndices || (op == 2 && !indices.exists) ||
                         indices.is(SPT_I32, {B, S, M});
  const bool selects = withIndices && indices.exists; // indices come back
  if (ok && B > kMaxBatch)
    return;
  for (Arg *x : {&query, &out, &k, &v, &codes, &table, &lengths})
    if (!allocate(*x, !ok))
      return;
  if (!allocate(indices, !ok || !indicesOk))
    return;

  const bool plantNonFinite = in.ConsumeIntegralInRange<int>(0, 31) == 31;
  nonFinite |= plantNonFinite;
  fillFloats(query, random, plantNonFinite);
  fillFloats(out, random, false);
  fillRandomInts(indices, random);
  std::vector<int32_t> tableValues, lengthValues;
  tables(batch, maxPages, pools[0].pages, tableValues, lengthValues);
  fillInts(lengths, lengthValues);
  // The table row by row, at the stride it declares.
  if (table.readable() && table.t.rank == 2 && table.rawDtype() == SPT_I32) {
    fillRandomInts(table, random);
    const int64_t rows = std::min(table.t.shape[0], batch);
    const int64_t columns = std::min(table.t.shape[1], maxPages);
    for (int64_t b = 0; columns > 0 && b < rows; ++b)
      std::memcpy(table.data + b * table.t.shape[1] * 4,
                  tableValues.data() + b * maxPages, columns * 4);
  } else {
    fillInts(table, tableValues);
  }
  const bool valid = ok && indicesOk && tablesValid(table, lengths, B, P);

  Snapshots before;
  for (Arg *x : {&query, &out, &indices, &k, &v, &codes, &table, &lengths})
    if (x->small())
      before.emplace_back(x, x->snapshot());
  setSplit();
  static const char *const names[] = {
      "", "spt_paged_select", "spt_paged_decode", "spt_paged_decode_dense"};
  if (trace) {
    std::fprintf(stderr, "%s: %s; %s; %s", names[op], describe(query).c_str(),
                 describe(out).c_str(),
                 withIndices ? describe(indices).c_str() : "indices: none");
    for (Arg *x : {&k, &v, &codes})
      std::fprintf(stderr, "; %s", describe(*x).c_str());
    std::fprintf(stderr, "; %s%s; %s%s\n", describe(table).c_str(),
                 firstEntries(table, 64).c_str(), describe(lengths).c_str(),
                 firstEntries(lengths, 16).c_str());
  }
  spt_tensor *indicesArg = withIndices ? indices.get() : nullptr;
  const spt_status status =
      checked(op == 1   ? spt_paged_select(decoder, query.get(), codes.get(),
                                           table.get(), lengths.get(), indicesArg)
              : op == 2 ? spt_paged_decode(decoder, query.get(), k.get(),
                                           v.get(), codes.get(), table.get(),
                                           lengths.get(), out.get(), indicesArg)
                        : spt_paged_decode_dense(decoder, query.get(), k.get(),
                                                 v.get(), table.get(),
                                                 lengths.get(), out.get()));
  auto report = [&](const std::string &what) {
    std::string text = std::string(names[op]) + " " + what + " (" +
                       describe(query) + "; " + describe(out) + "; " +
                       (withIndices ? describe(indices) : "indices: none");
    for (Arg *x : {&k, &v, &codes, &table, &lengths})
      text += "; " + describe(*x);
    bug(text + ")");
  };
  if (!judge(status, valid, before, report))
    return;
  for (auto &[x, bytes] : before)
    if (x != &out && x != &indices && x->snapshot() != bytes)
      report(std::string("changed its input ") + x->name);
  if ((op != 1 && !out.small()) || (selects && !indices.small()))
    return;
  if (selects)
    checkIndices(reinterpret_cast<const int32_t *>(indices.data), lengths, B);
  // An empty sequence: an output of 0 (Semantics.md, "Paged KV layout").
  const auto *n = reinterpret_cast<const int32_t *>(lengths.data);
  for (int64_t b = 0; op != 1 && b < B; ++b)
    for (int64_t i = 0; n[b] == 0 && i < QH * D; ++i)
      if (fromElement(out.data + (b * QH * D + i) * elementBytes(dt), dt) != 0)
        report("gave an empty sequence an output other than 0");
  if (op == 2 && selects)
    compareWithReferences(B, query, k, v, codes, table, lengths, out, indices);
}

void Program::run() {
  random.state = in.ConsumeIntegral<uint32_t>() | 1;
  if (!createDecoder()) {
    nullDecoderCalls();
    return;
  }
  std::unique_ptr<spt_decoder, void (*)(spt_decoder *)> owner(decoder,
                                                              spt_decoder_free);
  // The pools: a few pages (shared and reused by the tables), or none.
  int64_t P = in.ConsumeIntegralInRange<int64_t>(1, 24);
  if (in.ConsumeIntegralInRange<int>(0, 15) == 15)
    P = pick(in, {0, 1, 64});
  const std::vector<int64_t> shapes[] = {
      {P, page, KH, D}, {P, page, KH, D}, {P, page, KH, C, W}};
  for (int i = 0; i < 3; ++i) {
    Pool &pool = pools[i];
    pool.pages = P;
    pool.shape = shapes[i];
    pool.dtype = i == 2 ? SPT_I32 : static_cast<spt_dtype>(g.dtype);
    pool.bytes = elementBytes(pool.dtype);
    for (int64_t d : pool.shape)
      pool.bytes *= d;
    pool.data.reset(new unsigned char[pool.bytes]());
    Arg view("pool");
    declare(in, view, pool.dtype, pool.shape, false);
    view.memory = Arg::Memory::Heap;
    view.data = pool.data.get();
    view.bytes = pool.bytes;
    if (i == 2)
      fillRandomInts(view, random);
    else
      fillFloats(view, random, false);
  }

  for (int call = 0; call < kMaxCalls && in.remaining_bytes(); ++call) {
    switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0:
    case 1:
      write();
      break;
    case 2:
      step(1);
      break;
    case 3:
    case 4:
      step(2);
      break;
    case 5:
      step(3);
      break;
    case 6: { // a CPU decoder has no stream
      void *stream = in.ConsumeBool() ? inaccessible : nullptr;
      if (checked(spt_decoder_set_stream(decoder, stream)) == SPT_OK)
        bug("spt_decoder_set_stream accepted a stream on a CPU decoder");
      checkLastStepTime(false);
      break;
    }
    default: {
      if (checked(spt_decoder_last_step_time(decoder, nullptr)) == SPT_OK)
        bug("spt_decoder_last_step_time accepted a null output");
      checkLastStepTime(false);
      break;
    }
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *paths[] = {std::getenv("SPOTLIGHT_FUZZ_ARTIFACT"),
                         std::getenv("SPOTLIGHT_FUZZ_PAGED_ARTIFACT")};
  if (!paths[0] || !*paths[0]) {
    std::fprintf(stderr, "fuzz-paged: set SPOTLIGHT_FUZZ_ARTIFACT to a CPU "
                         "artifact (scripts/fuzz.sh compiles one)\n");
    std::exit(1);
  }
  for (const char *path : paths) {
    if (!path || !*path)
      continue;
    spt_artifact *loaded = nullptr;
    Model &m = models[modelCount];
    if (spt_artifact_load(path, &loaded) != SPT_OK ||
        spt_artifact_geometry(loaded, &m.g) != SPT_OK ||
        m.g.target != SPT_DEVICE_CPU) {
      std::fprintf(stderr,
                   "fuzz-paged: cannot use '%s' as a CPU artifact: %s\n", path,
                   spt_last_error());
      std::exit(1);
    }
    m.artifact = loaded; // kept for the whole run
    ++modelCount;
  }
  trace = std::getenv("FUZZ_PAGED_TRACE") != nullptr;
  pageBytes = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  inaccessible =
      mmap(nullptr, pageBytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (inaccessible == MAP_FAILED)
    std::exit(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  const Model &m = models[in.ConsumeIntegralInRange<size_t>(0, modelCount - 1)];
  Program(in, m).run();
  return 0;
}
