//===- spotlight-run.cpp - Run decode steps through the runtime -----------===//
//
//   spotlight-run decode.spt --q q.npy --k k.npy --v v.npy \
//       --hash-weights w.safetensors --out o.npy --indices-out idx.npy
//   spotlight-run --q q.npy --k k.npy ...      (compiles the geometry the
//                                               inputs imply, cached)
//   spotlight-run qwen.spt --tokens 32768      (random inputs: a demo)
//
// Appends K/V [B,KH,N,D] to a runtime KV cache, decodes q [B,QH,D] sparsely
// (and densely, to compare), writes the outputs and prints a summary.
//
//===----------------------------------------------------------------------===//

#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/Support/HalfFloat.h"
#include "spotlight/Support/IO/ArrayFile.h"
#include "spotlight/Target/Artifact.h"
#include "spotlight/Target/HostCode.h"
#include "spotlight/Tools/GeometryOptions.h"
#include "spotlight/runtime.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

using namespace spotlight;
using io::Array;
using io::DType;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("spotlight-run options");
cl::opt<std::string> artifactPath(cl::Positional, cl::desc("[ARTIFACT.spt]"),
                                  cl::init(""), cl::cat(category));
cl::opt<std::string> queryFile("q", cl::desc("Queries .npy [B,QH,D]"),
                               cl::cat(category));
cl::opt<std::string> keyFile("k", cl::desc("Keys .npy [B,KH,N,D]"),
                             cl::cat(category));
cl::opt<std::string> valueFile("v", cl::desc("Values .npy [B,KH,N,D]"),
                               cl::cat(category));
cl::opt<std::string> weightFile(
    "hash-weights",
    cl::desc(".safetensors or .npz with w1 [CH,D,D], b1 [CH,D], w2, b2"),
    cl::cat(category));
cl::opt<std::string> outFile("out", cl::desc("Write the output .npy"),
                             cl::cat(category));
cl::opt<std::string>
    indicesFile("indices-out",
                cl::desc("Write the selected indices .npy (-1 padded)"),
                cl::cat(category));
cl::opt<bool> dense("dense",
                    cl::desc("Write the dense baseline's output instead"),
                    cl::cat(category));
cl::opt<int> repeat("repeat", cl::desc("Timed decode steps"), cl::init(1),
                    cl::cat(category));
cl::opt<int64_t> tokens("tokens", cl::desc("Random inputs: cached tokens"),
                        cl::init(32768), cl::cat(category));
cl::opt<int64_t> batch("batch", cl::desc("Random inputs: sequences"),
                       cl::init(1), cl::cat(category));
cl::opt<uint64_t> seed("seed", cl::desc("Random inputs: seed"), cl::init(1),
                       cl::cat(category));
cl::opt<std::string>
    device("device",
           cl::desc("cpu or cuda (default: the artifact's target, else cpu)"),
           cl::init(""), cl::cat(category));
cl::opt<std::string> chip("chip",
                          cl::desc("Compiling for --device=cuda: sm_80 or "
                                   "sm_90 (default: the GPU's)"),
                          cl::init(""), cl::cat(category));
cl::opt<std::string>
    cacheDir("cache-dir",
             cl::desc("Where on-the-fly artifacts are kept (default "
                      "$XDG_CACHE_HOME/spotlight or ~/.cache/spotlight)"),
             cl::cat(category));

[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::errs() << "spotlight-run: error: " << message << "\n";
  std::exit(1);
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

/// The C API's name of an element type (the same value).
spt_dtype runtimeTypeOf(ElementType t) { return static_cast<spt_dtype>(t); }

/// The element type of an input array; bf16 arrives from .npy as <u2.
bool elementTypeOf(const Array &a, ElementType &t) {
  switch (a.dtype) {
  case DType::F32:
    t = ElementType::F32;
    return true;
  case DType::F16:
    t = ElementType::F16;
    return true;
  case DType::BF16:
  case DType::U16:
    t = ElementType::BF16;
    return true;
  default:
    return false;
  }
}

double valueAt(const Array &a, int64_t i) {
  const unsigned char *p = a.bytes.data();
  switch (a.dtype) {
  case DType::F32:
    return reinterpret_cast<const float *>(p)[i];
  case DType::F16:
    return fromF16(reinterpret_cast<const uint16_t *>(p)[i]);
  default:
    return fromBf16(reinterpret_cast<const uint16_t *>(p)[i]);
  }
}

Array makeArray(DType dtype, std::vector<int64_t> shape) {
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  a.bytes.assign(a.numElements() * io::dtypeSize(dtype), 0);
  return a;
}

void setValue(Array &a, int64_t i, float v) {
  unsigned char *p = a.bytes.data();
  if (a.dtype == DType::F32)
    reinterpret_cast<float *>(p)[i] = v;
  else
    reinterpret_cast<uint16_t *>(p)[i] =
        a.dtype == DType::F16 ? toF16(v) : toBf16(v);
}

spt_tensor viewOf(Array &a, spt_dtype dtype) {
  spt_tensor t{a.bytes.data(), dtype, static_cast<int32_t>(a.shape.size()), {}};
  for (size_t i = 0; i < a.shape.size() && i < 6; ++i)
    t.shape[i] = a.shape[i];
  return t;
}

void check(spt_status status, const char *what) {
  if (status != SPT_OK)
    fail(llvm::Twine(what) + ": " + spt_status_name(status) + ": " +
         spt_last_error());
}

Array readArray(const std::string &path, const char *what) {
  Array a;
  std::string error;
  if (!io::readNpy(path, a, error))
    fail(llvm::Twine(what) + ": " + error);
  return a;
}

/// Inputs of one run: files, or random tensors for a demo.
struct Inputs {
  Array q, k, v, w1, b1, w2, b2;
};

Inputs readInputs() {
  if (keyFile.empty() || valueFile.empty() || weightFile.empty())
    fail("--q needs --k, --v and --hash-weights");
  Inputs in{readArray(queryFile, "--q"),
            readArray(keyFile, "--k"),
            readArray(valueFile, "--v"),
            {},
            {},
            {},
            {}};
  std::map<std::string, Array> weights;
  std::string error;
  if (!io::readTensorArchive(weightFile, weights, error))
    fail("--hash-weights: " + error);
  for (auto [name, slot] : {std::pair{"w1", &in.w1}, std::pair{"b1", &in.b1},
                            std::pair{"w2", &in.w2}, std::pair{"b2", &in.b2}}) {
    auto it = weights.find(name);
    if (it == weights.end())
      fail(llvm::Twine("--hash-weights: '") + weightFile + "' has no '" + name +
           "' tensor");
    *slot = it->second;
  }
  // U16 weights are bf16 by convention, like the activations.
  for (Array *w : {&in.w1, &in.b1, &in.w2, &in.b2})
    if (w->dtype == DType::U16)
      w->dtype = DType::BF16;
  if (in.q.shape.size() != 3 || in.k.shape.size() != 4 ||
      in.v.shape != in.k.shape)
    fail("--q must be [B,QH,D] and --k, --v the same [B,KH,N,D]");
  if (in.w1.shape.size() != 3)
    fail("w1 must be [CH,D,D]");
  return in;
}

/// The input files must match the geometry: shapes and element types.
void checkInputs(const Inputs &in, const DecodeGeometry &g) {
  auto shape = [](const Array &a) {
    std::string text = "[";
    for (size_t i = 0; i < a.shape.size(); ++i)
      text += (i ? ", " : "") + std::to_string(a.shape[i]);
    return text + "]";
  };
  const int64_t B = in.q.shape[0], N = in.k.shape[2];
  if (N == 0)
    fail("the keys hold no tokens (N = 0): a decode step needs at least one");
  const int64_t QH = g.queryHeads, KH = g.kvHeads, D = g.headDim,
                CH = g.codeHeads;
  auto expect = [&](const Array &a, const char *name, std::vector<int64_t> dims,
                    ElementType type) {
    ElementType actual;
    if (a.shape != dims) {
      Array wanted;
      wanted.shape = dims;
      fail(llvm::Twine(name) + " must be " + shape(wanted) + ", got " +
           shape(a));
    }
    if (!elementTypeOf(a, actual) || actual != type)
      fail(llvm::Twine(name) + " must hold " + elementTypeName(type) +
           " (bf16 as <u2), got " + io::dtypeName(a.dtype));
  };
  expect(in.q, "--q", {B, QH, D}, g.dtype);
  expect(in.k, "--k", {B, KH, N, D}, g.dtype);
  expect(in.v, "--v", {B, KH, N, D}, g.dtype);
  expect(in.w1, "w1", {CH, D, D}, g.weightType);
  expect(in.b1, "b1", {CH, D}, g.weightType);
  expect(in.w2, "w2", {CH, D, D}, g.weightType);
  expect(in.b2, "b2", {CH, D}, g.weightType);
}

/// Fails unless every geometry flag given agrees with `fixed`, the geometry
/// of `source` (a precompiled artifact's manifest, or input files); `instead`
/// says what to do.
void checkFlagsAgree(const DecodeGeometry &fixed, const llvm::Twine &source,
                     const llvm::Twine &instead) {
  DecodeGeometry fromFlags = fixed;
  std::string error;
  if (!applyGivenOptions(fromFlags, error))
    fail(error);
  if (abi::describeGeometry(fromFlags) != abi::describeGeometry(fixed))
    fail("the geometry flags disagree with " + source + ":\n" +
         abi::describeGeometry(fixed) + instead);
}

/// The geometry implied by input files; selection settings from the flags.
DecodeGeometry geometryOfInputs(const Inputs &in) {
  DecodeGeometry g;
  std::string error;
  if (!geometryFromOptions(g, error))
    fail(error);
  g.queryHeads = in.q.shape[1];
  g.headDim = in.q.shape[2];
  g.kvHeads = in.k.shape[1];
  g.codeHeads = in.w1.shape[0];
  ElementType qt, kt, vt, wt;
  if (!elementTypeOf(in.q, qt) || !elementTypeOf(in.k, kt) ||
      !elementTypeOf(in.v, vt) || !elementTypeOf(in.w1, wt))
    fail("inputs must be f32, f16 or bf16 (<u2)");
  if (qt != kt || qt != vt)
    fail("--q, --k and --v must share one element type");
  g.dtype = qt;
  g.weightType = wt;
  g.maxTokens = std::max(g.maxTokens, in.k.shape[2]);
  error = g.validate();
  if (!error.empty())
    fail("inputs: " + error);
  checkInputs(in, g);
  checkFlagsAgree(g, "the input files, which hold",
                  "omit the flags (the files fix the geometry)");
  return g;
}

/// Refuses random inputs that could not exist: positions are i32, and the
/// arrays must fit in this machine's memory (allocating them used to abort).
void checkRandomInputSize(const DecodeGeometry &g) {
  const int64_t eb = elementTypeBytes(g.dtype);
  int64_t kvBytes = 0;
  bool fits = !llvm::MulOverflow<int64_t>(batch, g.kvHeads, kvBytes) &&
              !llvm::MulOverflow<int64_t>(kvBytes, tokens, kvBytes) &&
              !llvm::MulOverflow<int64_t>(kvBytes, g.headDim * eb * 2, kvBytes);
  const double memory = double(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE);
  if (!fits || double(kvBytes) > memory)
    fail(llvm::formatv("--batch {0} x --tokens {1} needs more memory for "
                       "random keys and values than this machine has "
                       "({2:F1} GiB)",
                       int64_t(batch), int64_t(tokens), memory / (1 << 30)));
}

/// Random inputs in which 1% of the keys of each KV head lie near their
/// group's queries, so attention is concentrated as in real models.
Inputs randomInputs(const DecodeGeometry &g) {
  std::mt19937_64 rng(seed);
  const int64_t B = batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim,
                N = tokens, CH = g.codeHeads, G = g.group();
  std::normal_distribution<float> normal(0, 1);
  auto random = [&](DType t, std::vector<int64_t> shape, float sd) {
    Array a = makeArray(t, std::move(shape));
    for (int64_t i = 0; i < a.numElements(); ++i)
      setValue(a, i, sd * normal(rng));
    return a;
  };
  DType at = io::dtypeOf(g.dtype), wt = io::dtypeOf(g.weightType);
  float ws = 1 / std::sqrt(float(D));
  Inputs in{random(at, {B, QH, D}, 1),    random(at, {B, KH, N, D}, 1),
            random(at, {B, KH, N, D}, 1), random(wt, {CH, D, D}, ws),
            random(wt, {CH, D}, 0.1f),    random(wt, {CH, D, D}, ws),
            random(wt, {CH, D}, 0.1f)};
  std::uniform_int_distribution<int64_t> position(0, N - 1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < KH; ++h)
      for (int64_t i = 0; i < std::max<int64_t>(1, N / 100); ++i) {
        int64_t row = (b * KH + h) * N + position(rng);
        for (int64_t d = 0; d < D; ++d) {
          double sum = 0;
          for (int64_t j = 0; j < G; ++j)
            sum += valueAt(in.q, (b * QH + h * G + j) * D + d);
          setValue(in.k, row * D + d,
                   float(2 * sum / std::sqrt(double(G)) + 0.5 * normal(rng)));
        }
      }
  return in;
}

/// --chip, or the chip of the GPU the runtime finds (before anything is
/// compiled for it).
std::string chipForThisGPU() {
  if (!chip.empty())
    return chip;
  spt_device_info info;
  check(spt_device_query(SPT_DEVICE_CUDA, &info), "looking for a GPU");
  std::string found = chipForComputeCapability(info.compute_capability);
  if (found.empty())
    fail(std::string(info.name) + " (compute capability " +
         std::to_string(info.compute_capability / 10) + "." +
         std::to_string(info.compute_capability % 10) +
         ") is older than sm_80, which the kernels need");
  return found;
}

/// The artifact for `g` from the on-the-fly cache, compiled if missing.
std::string cachedArtifact(const DecodeGeometry &g) {
  llvm::SmallString<256> dir(cacheDir);
  if (dir.empty()) {
    if (const char *xdg = std::getenv("XDG_CACHE_HOME"))
      dir = xdg;
    else if (const char *home = std::getenv("HOME"))
      llvm::sys::path::append(dir, home, ".cache");
    else
      dir = "/tmp";
    llvm::sys::path::append(dir, "spotlight");
  }
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    fail("cannot create the artifact cache '" + dir + "': " + ec.message());
  if (!llvm::sys::fs::is_directory(dir))
    fail("the artifact cache '" + dir + "' is not a directory");
  ArtifactOptions options;
  options.target = g.isCUDA() ? ArtifactTarget::CUDA : ArtifactTarget::CPU;
  options.chip = g.target;
  // Keyed by the manifest the artifact will carry: its format (an older
  // format has a different set of entry points), the geometry, and the CPU
  // features of its host code (a CPU artifact is this machine's code, and a
  // cache shared by machines, a home directory on NFS, would otherwise hand
  // one machine's instructions to another).
  DecodeGeometry described = g;
  std::string error;
  described.hostFeatures = hostCodeFeatures(hostCodeCPU(options.target), error);
  if (described.hostFeatures.empty())
    fail(error);
  const std::string key = abi::describeGeometry(described);
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path,
                          llvm::utohexstr(llvm::xxh3_64bits(key)) + ".spt");
  // An artifact older than this tool (whose compiler it links) is compiled
  // again: the lowering may have changed since.
  llvm::sys::fs::file_status artifactStatus, toolStatus;
  const bool cached = !llvm::sys::fs::status(path, artifactStatus);
  const std::string tool = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&cachedArtifact));
  const bool stale = cached && !tool.empty() &&
                     !llvm::sys::fs::status(tool, toolStatus) &&
                     artifactStatus.getLastModificationTime() <
                         toolStatus.getLastModificationTime();
  if (cached && !stale)
    return std::string(path);
  llvm::outs() << "compile   " << path
               << (stale ? " (older than this spotlight-run)\n"
                         : " (first use of this geometry)\n");
  std::string tmp = std::string(path) + ".tmp" + std::to_string(getpid());
  if (!compileArtifact(g, tmp, error, options))
    fail(error);
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    fail("cannot store the artifact: " + ec.message());
  return std::string(path);
}

int64_t countSelected(const Array &indices) {
  const auto *p = reinterpret_cast<const int32_t *>(indices.bytes.data());
  return std::count_if(p, p + indices.numElements(),
                       [](int32_t i) { return i >= 0; });
}

double relativeError(const Array &a, const Array &b) {
  double diff = 0, norm = 0;
  for (int64_t i = 0; i < b.numElements(); ++i) {
    double x = valueAt(a, i), y = valueAt(b, i);
    diff += (x - y) * (x - y);
    norm += y * y;
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

/// An output that is also an input (the same file, by any name) would
/// overwrite it; so would two outputs on one file. Checked before writing
/// anything.
void checkOutputPaths() {
  const std::pair<const char *, const std::string *> inputs[] = {
      {"the artifact", &artifactPath.getValue()},
      {"--q", &queryFile.getValue()},
      {"--k", &keyFile.getValue()},
      {"--v", &valueFile.getValue()},
      {"--hash-weights", &weightFile.getValue()}};
  for (const std::string *output :
       {&outFile.getValue(), &indicesFile.getValue()})
    for (const auto &[flag, input] : inputs)
      if (!output->empty() && !input->empty() &&
          llvm::sys::fs::equivalent(*output, *input))
        fail("output '" + *output + "' is the input " + flag +
             ": refusing to overwrite it");
  auto absolute = [](llvm::StringRef path) {
    llvm::SmallString<256> result(path);
    llvm::sys::fs::make_absolute(result);
    llvm::sys::path::remove_dots(result, /*remove_dot_dot=*/true);
    return std::string(result);
  };
  // A device such as /dev/null may take both.
  llvm::sys::fs::file_status status;
  const bool device = !llvm::sys::fs::status(outFile, status) &&
                      !llvm::sys::fs::is_regular_file(status);
  if (!outFile.empty() && !indicesFile.empty() && !device &&
      (absolute(outFile) == absolute(indicesFile) ||
       llvm::sys::fs::equivalent(outFile, indicesFile)))
    fail("--out and --indices-out name the same file '" + outFile + "'");
}

void write(const std::string &path, const Array &a) {
  std::string error;
  if (!path.empty() && !io::writeNpy(path, a, error))
    fail(error);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &geometryCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "Run Spotlight decode steps through the "
                              "runtime\n");
  if (repeat <= 0 || tokens <= 0 || batch <= 0)
    fail("--repeat, --tokens and --batch must be positive");
  if (tokens > DecodeGeometry::kMaxTokens)
    fail("--tokens must be at most " + llvm::Twine(DecodeGeometry::kMaxTokens) +
         " (selected positions are i32)");
  if (!device.empty() && device != "cpu" && device != "cuda")
    fail("--device must be cpu or cuda");
  if (!chip.empty() && chip != "sm_80" && chip != "sm_90")
    fail("--chip must be sm_80 or sm_90");

  // The geometry: the artifact's, the inputs', or the flags'.
  const bool fromFiles = !queryFile.empty();
  Inputs in;
  DecodeGeometry g;
  std::string path = artifactPath;
  spt_artifact *artifact = nullptr;
  if (fromFiles) {
    in = readInputs();
    if (tokens.getNumOccurrences() || batch.getNumOccurrences())
      fail("--tokens and --batch size random inputs; the input files fix "
           "them (B = " +
           llvm::Twine(in.q.shape[0]) + ", N = " + llvm::Twine(in.k.shape[2]) +
           ")");
  }
  if (path.empty()) {
    std::string error;
    if (fromFiles)
      g = geometryOfInputs(in);
    else if (!geometryFromOptions(g, error))
      fail(error);
    if (!fromFiles)
      g.maxTokens = std::max(g.maxTokens, int64_t(tokens));
    g.target = device == "cuda" ? chipForThisGPU() : "cpu";
    path = cachedArtifact(g);
  }
  check(spt_artifact_load(path.c_str(), &artifact), "loading the artifact");
  spt_geometry sg;
  check(spt_artifact_geometry(artifact, &sg), "reading the geometry");
  {
    std::string manifestError;
    DecodeGeometry loaded;
    loaded.queryHeads = sg.query_heads, loaded.kvHeads = sg.kv_heads;
    loaded.headDim = sg.head_dim, loaded.codeHeads = sg.code_heads;
    // spt_dtype and the ABI's ElementType share their values.
    loaded.dtype = static_cast<ElementType>(sg.dtype);
    loaded.weightType = static_cast<ElementType>(sg.weight_dtype);
    loaded.headMode = sg.head_mode, loaded.sink = sg.sink;
    loaded.window = sg.window, loaded.budgetCount = sg.budget_count;
    loaded.budgetFraction = sg.budget_fraction;
    loaded.minBudget = sg.min_budget, loaded.maxTokens = sg.max_tokens;
    if (!artifactPath.empty())
      checkFlagsAgree(loaded, "the artifact, which was compiled for",
                      "recompile it, or omit the flags (the manifest fixes "
                      "the geometry)");
    g = loaded;
  }
  if (fromFiles)
    checkInputs(in, g);
  else {
    checkRandomInputSize(g);
    in = randomInputs(g);
  }

  const int64_t B = in.q.shape[0], N = in.k.shape[2];
  if (N == 0)
    fail("the keys hold no tokens (N = 0): a decode step needs at least one");
  const int64_t QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  if (in.k.shape[0] != B)
    fail("--q and --k hold different batch sizes");
  const spt_dtype dt = runtimeTypeOf(g.dtype), wt = runtimeTypeOf(g.weightType);
  spt_tensor w1 = viewOf(in.w1, wt), b1 = viewOf(in.b1, wt),
             w2 = viewOf(in.w2, wt), b2 = viewOf(in.b2, wt);
  spt_cache *cache = nullptr;
  const spt_device runOn = device.empty()     ? sg.target
                           : device == "cuda" ? SPT_DEVICE_CUDA
                                              : SPT_DEVICE_CPU;
  check(spt_cache_create(artifact, runOn, B, N, &w1, &b1, &w2, &b2, &cache),
        "creating the cache");

  // Append every sequence's tokens ([KH, N, D] slices of [B, KH, N, D]).
  auto start = std::chrono::steady_clock::now();
  const int64_t sequenceBytes = KH * N * D * io::dtypeSize(in.k.dtype);
  for (int64_t b = 0; b < B; ++b) {
    spt_tensor k = viewOf(in.k, dt), v = viewOf(in.v, dt);
    k.data = in.k.bytes.data() + b * sequenceBytes;
    v.data = in.v.bytes.data() + b * sequenceBytes;
    k.rank = v.rank = 3;
    k.shape[0] = v.shape[0] = KH, k.shape[1] = v.shape[1] = N;
    k.shape[2] = v.shape[2] = D;
    check(spt_cache_append(cache, b, &k, &v), "appending K/V");
  }
  double appendTime = seconds(start);

  DType at = io::dtypeOf(g.dtype);
  Array out = makeArray(at, {B, QH, D}), denseOut = makeArray(at, {B, QH, D});
  Array indices =
      makeArray(DType::I32, {B, sg.selection_sets, sg.selection_slots});
  spt_tensor qv = viewOf(in.q, dt), ov = viewOf(out, dt),
             dv = viewOf(denseOut, dt), iv = viewOf(indices, SPT_I32);
  // Wall-clock per call, and the device's own time (CUDA events on a GPU).
  double sparseTime = 1e30, denseTime = 1e30, sparseDevice = 1e30,
         denseDevice = 1e30, ms = 0;
  for (int r = 0; r < repeat; ++r) {
    start = std::chrono::steady_clock::now();
    check(spt_decode(cache, &qv, &ov, &iv), "decoding");
    sparseTime = std::min(sparseTime, seconds(start));
    check(spt_cache_last_step_time(cache, &ms), "timing");
    sparseDevice = std::min(sparseDevice, ms * 1e-3);
    start = std::chrono::steady_clock::now();
    check(spt_decode_dense(cache, &qv, &dv), "dense decoding");
    denseTime = std::min(denseTime, seconds(start));
    check(spt_cache_last_step_time(cache, &ms), "timing");
    denseDevice = std::min(denseDevice, ms * 1e-3);
  }
  checkOutputPaths();
  write(outFile, dense ? denseOut : out);
  write(indicesFile, indices);

  llvm::outs() << "artifact  " << path << " (runs on "
               << (runOn == SPT_DEVICE_CUDA ? "CUDA" : "the CPU") << ")\n"
               << "geometry  B=" << B << " QH=" << QH << " KH=" << KH
               << " D=" << D << " CH=" << g.codeHeads << " "
               << elementTypeName(g.dtype) << ", " << N << " tokens, "
               << (g.headMode ? "head" : "group") << " selection, sink "
               << g.sink << ", window " << g.window
               << ", budget k=" << g.budgetFor(N) << "\n";
  if (!fromFiles)
    llvm::outs() << "inputs    random (seed " << seed
                 << "); 1% of keys planted near their group's queries\n";
  llvm::outs() << llvm::format("append    %lld tokens with key codes: %.3f s\n",
                               (long long)(B * N), appendTime);
  llvm::outs() << llvm::format(
      "selected  %.1f of %lld tokens per set (%.2f%%)\n",
      double(countSelected(indices)) / (B * sg.selection_sets), (long long)N,
      100.0 * countSelected(indices) / (B * sg.selection_sets * N));
  llvm::outs() << llvm::format(
      "decode    sparse %.3f ms/step, dense %.3f ms/step: %.2fx (best of %d)\n",
      1e3 * sparseTime, 1e3 * denseTime, denseTime / sparseTime, (int)repeat);
  if (runOn == SPT_DEVICE_CUDA)
    llvm::outs() << llvm::format(
        "gpu time  sparse %.3f ms/step, dense %.3f ms/step: %.2fx (CUDA "
        "events, without the copies of q and the output)\n",
        1e3 * sparseDevice, 1e3 * denseDevice, denseDevice / sparseDevice);
  llvm::outs() << llvm::format("error     sparse vs dense output: %.3e "
                               "(relative L2)\n",
                               relativeError(out, denseOut));
  spt_cache_free(cache);
  spt_artifact_free(artifact);
  return 0;
}
