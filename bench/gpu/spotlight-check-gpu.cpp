//===- spotlight-check-gpu.cpp - The device path: checked, then timed -----===//
//
// The one run to do on a machine with an NVIDIA GPU (bench/gpu/check.sh):
//
//   check   small geometries on fresh random inputs (the seed is printed;
//           SPOTLIGHT_TEST_SEED repeats it), appended in chunks, against the
//           naive reference by unittests/Support/RuntimeStepCheck (the
//           check RuntimeTest runs):
//           stored key codes (ambiguous bits aside), the selected sets
//           (exact, from the stored codes, under the tie rule), the sparse
//           and dense outputs (SEMANTICS.md tolerances). One PASS/FAIL line
//           per case.
//   timing  the published setting (QH=28 KH=4 D=128 bf16, 2% budget, B=1),
//           with one key code per KV head (CH=KH: 16 B per token and KV
//           head, the 32 MiB of codes at 512K the issue sizes) and with one
//           per query head (CH=QH, 7x the codes), at each N: retrieval
//           (spt_select), the sparse step (spt_decode) and the dense baseline
//           (spt_decode_dense), as medians of the device time
//           (spt_cache_last_step_time) and of the host wall time per call, with
//           the bandwidth the scans imply.
//
// `--device=cpu` runs the same on the CPU path. Exits non-zero on any
// failure.
//
//===----------------------------------------------------------------------===//

#include "../Machine.h"
#include "Reference/NaiveReference.h"
#include "Support/DecodeProblem.h"
#include "Support/RuntimeStepCheck.h"
#include "Support/RuntimeTensors.h"
#include "spotlight/ABI/Geometry.h"
#include "spotlight/ABI/Manifest.h"
#include "spotlight/Quality/Metrics.h"
#include "spotlight/Support/HalfFloat.h"
#include "spotlight/Target/Artifact.h"
#include "spotlight/runtime.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace spotlight;
using spotlight::bench::cpuName;
using namespace spotlight::testing;
namespace cl = llvm::cl;

namespace {

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

cl::OptionCategory category("spotlight-check-gpu options");
cl::opt<std::string> deviceOption("device", cl::desc("cuda (default) or cpu"),
                                  cl::init("cuda"), cl::cat(category));
cl::opt<std::string> chipOption(
    "chip",
    cl::desc(
        "CUDA chip: sm_80 or sm_90 (default: the GPU's, from the runtime)"),
    cl::init(""), cl::cat(category));
cl::list<int64_t> tokensOption(
    "tokens",
    cl::desc("Timing sizes N, comma separated (default 32768,131072,524288 "
             "on cuda, 4096,16384 on cpu)"),
    cl::CommaSeparated, cl::cat(category));
cl::opt<int> repsOption("reps", cl::desc("Timed calls per median"),
                        cl::init(20), cl::cat(category));
cl::opt<bool> skipTiming("skip-timing", cl::desc("Only the correctness check"),
                         cl::cat(category));
cl::opt<bool> skipCheck("skip-check", cl::desc("Only the timing"),
                        cl::cat(category));

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

/// "<status>: <message>" of the call that just failed on this thread.
std::string lastError(spt_status status) {
  return std::string(spt_status_name(status)) + ": " + spt_last_error();
}

/// Without a usable device every case would fail the same way: stop at the
/// first sign of it, with the runtime's own words.
[[noreturn]] void noDevice(spt_status status) {
  std::fprintf(stderr,
               "spotlight-check-gpu: the %s device cannot be used: %s\n",
               deviceOption.c_str(), lastError(status).c_str());
  std::exit(2);
}

//===----------------------------------------------------------------------===//
// Machine and artifacts
//===----------------------------------------------------------------------===//

/// Compiles each distinct geometry once, for the device under test, and
/// keeps it loaded: an artifact must outlive its caches.
class Artifacts {
public:
  explicit Artifacts(const ArtifactOptions &options) : options(options) {
    char pattern[] = "/tmp/spotlight-check-XXXXXX";
    if (const char *made = mkdtemp(pattern))
      dir = made;
  }
  ~Artifacts() {
    for (auto &entry : loaded) {
      spt_artifact_free(entry.second.artifact);
      std::remove(entry.second.path.c_str());
    }
    if (!dir.empty())
      rmdir(dir.c_str());
  }

  /// The artifact of `model` (its batch does not matter: artifacts hold
  /// one work item), or null with `error` set.
  spt_artifact *get(DecodeGeometry model, std::string &error) {
    model.batch = 1;
    std::string key = spotlight::abi::describeGeometry(model);
    auto it = loaded.find(key);
    if (it != loaded.end())
      return it->second.artifact;
    if (dir.empty()) {
      error = "cannot create a temporary directory";
      return nullptr;
    }
    std::string path = dir + "/a" + std::to_string(loaded.size()) + ".spt";
    auto start = Clock::now();
    if (!compileArtifact(model, path, error, options))
      return nullptr;
    compileSeconds += secondsSince(start);
    spt_artifact *artifact = nullptr;
    if (spt_status s = spt_artifact_load(path.c_str(), &artifact)) {
      error = "loading the artifact: " + lastError(s);
      return nullptr;
    }
    loaded[key] = {artifact, path};
    return artifact;
  }

  double compileSeconds = 0;

private:
  struct Entry {
    spt_artifact *artifact;
    std::string path;
  };
  ArtifactOptions options;
  std::string dir;
  std::map<std::string, Entry> loaded;
};

/// A cache on `device` holding the hash weights of `problem`; exits when the
/// device is unusable, else null with `error` set on failure.
spt_cache *createCache(spt_artifact *artifact, spt_device device,
                       DecodeProblem &problem, int64_t capacity,
                       std::string &error) {
  spt_dtype wt = dtypeOf(problem.geometry.weightType);
  spt_tensor w1 = tensorOf(problem.w1T, wt), b1 = tensorOf(problem.b1T, wt),
             w2 = tensorOf(problem.w2T, wt), b2 = tensorOf(problem.b2T, wt);
  spt_cache *cache = nullptr;
  spt_status s = spt_cache_create(artifact, device, problem.geometry.batch,
                                  capacity, &w1, &b1, &w2, &b2, &cache);
  if (s == SPT_ERROR_NO_DEVICE)
    noDevice(s);
  if (s != SPT_OK)
    error = "spt_cache_create: " + lastError(s);
  return cache;
}

//===----------------------------------------------------------------------===//
// Correctness
//===----------------------------------------------------------------------===//

/// One geometry and the lengths of its B sequences.
struct CheckCase {
  std::string name;
  DecodeGeometry geometry;
  std::vector<int64_t> lengths;
};

DecodeGeometry geometry(int64_t qh, int64_t kh, int64_t d, bool codePerQuery,
                        bool headMode, ElementType dtype) {
  DecodeGeometry g;
  g.queryHeads = qh;
  g.kvHeads = kh;
  g.headDim = d;
  g.codeHeads = codePerQuery ? qh : kh;
  g.headMode = headMode;
  g.dtype = dtype;
  g.maxTokens = 8192; // one artifact for every case of a geometry
  return g;
}

/// The published geometry at three lengths (one token, below and above
/// sink + window + k), the other selection and code-head modes, f32, a
/// fixed budget, and two sequences of different lengths in one batch.
std::vector<CheckCase> checkCases() {
  DecodeGeometry qwen = geometry(28, 4, 128, true, false, ElementType::BF16);
  DecodeGeometry fixed = qwen;
  fixed.budgetCount = 64;
  return {
      {"group bf16", qwen, {1}},
      {"group bf16", qwen, {300}},
      {"group bf16", qwen, {5000}},
      {"head bf16",
       geometry(16, 4, 64, false, true, ElementType::BF16),
       {3000}},
      {"group f32", geometry(8, 2, 64, true, false, ElementType::F32), {2500}},
      {"group bf16 budget=64", fixed, {2000}},
      {"group bf16 batch 2", qwen, {4100, 77}},
  };
}

/// Compiles, fills a cache in up to three chunks per sequence (half, the
/// rest but one, one token), runs one step and checks it.
Findings checkCase(const CheckCase &c, Artifacts &artifacts, spt_device device,
                   uint64_t seed) {
  DecodeGeometry g = c.geometry;
  g.batch = static_cast<int64_t>(c.lengths.size());
  std::string error;
  spt_artifact *artifact = artifacts.get(g, error);
  if (!artifact) {
    Findings findings;
    findings.problems.push_back("compiling: " + error);
    return findings;
  }
  std::vector<std::vector<int64_t>> chunks;
  for (int64_t n : c.lengths) {
    chunks.emplace_back();
    for (int64_t size : {n / 2, n - 1 - n / 2, int64_t(1)})
      if (size > 0)
        chunks.back().push_back(size);
  }
  Findings findings = checkDecodeStep(artifact, device, g, chunks, seed);
  if (findings.firstFailure == SPT_ERROR_NO_DEVICE)
    noDevice(findings.firstFailure);
  return findings;
}

std::string describe(const CheckCase &c) {
  std::string lengths;
  for (int64_t n : c.lengths)
    lengths += (lengths.empty() ? "" : ",") + std::to_string(n);
  const DecodeGeometry &g = c.geometry;
  return c.name + " QH=" + std::to_string(g.queryHeads) +
         " KH=" + std::to_string(g.kvHeads) +
         " D=" + std::to_string(g.headDim) +
         " CH=" + std::to_string(g.codeHeads) + " N=" + lengths;
}

/// Runs every case; returns how many failed.
int runChecks(Artifacts &artifacts, spt_device device) {
  uint64_t seed = freshSeed();
  std::printf("check     seed %llu (SPOTLIGHT_TEST_SEED=%llu repeats it)\n",
              (unsigned long long)seed, (unsigned long long)seed);
  std::vector<CheckCase> cases = checkCases();
  int failed = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    auto start = Clock::now();
    Findings findings = checkCase(cases[i], artifacts, device, seed + i);
    bool pass = findings.problems.empty();
    failed += !pass;
    std::printf("%s  %-58s %s (%.1f s)\n", pass ? "PASS" : "FAIL",
                describe(cases[i]).c_str(), findings.measured.c_str(),
                secondsSince(start));
    for (const std::string &problem : findings.problems)
      std::printf("        %s\n", problem.c_str());
    std::fflush(stdout);
  }
  return failed;
}

//===----------------------------------------------------------------------===//
// Timing
//===----------------------------------------------------------------------===//

/// A fast generator: filling half a million tokens with std::normal would
/// take longer than the timed work.
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform bf16 values in [-2, 2).
  void fill(std::vector<uint16_t> &values) {
    for (size_t i = 0; i < values.size(); i += 4) {
      uint64_t bits = next();
      for (size_t j = i; j < std::min(values.size(), i + 4); ++j, bits >>= 16)
        values[j] = toBf16(static_cast<int16_t>(bits & 0xffff) / 16384.0f);
    }
  }
};

/// Appends random tokens to sequence 0 until it holds `target`, in big
/// chunks (each N of the table reuses the tokens of the smaller ones).
/// Returns the host seconds it took.
double fillTo(spt_cache *cache, const DecodeGeometry &g, int64_t target,
              SplitMix &random) {
  const int64_t KH = g.kvHeads, D = g.headDim, chunk = 65536;
  int64_t length = 0;
  if (spt_status s = spt_cache_length(cache, 0, &length); s != SPT_OK) {
    std::fprintf(stderr, "spt_cache_length: %s\n", lastError(s).c_str());
    return -1;
  }
  auto start = Clock::now();
  std::vector<uint16_t> keys, values;
  while (length < target) {
    int64_t n = std::min(chunk, target - length);
    keys.resize(KH * n * D);
    values.resize(KH * n * D);
    random.fill(keys);
    random.fill(values);
    spt_tensor k{keys.data(), SPT_BF16, 3, {KH, n, D}};
    spt_tensor v{values.data(), SPT_BF16, 3, {KH, n, D}};
    if (spt_status s = spt_cache_append(cache, 0, &k, &v); s != SPT_OK) {
      std::fprintf(stderr, "spt_cache_append: %s\n", lastError(s).c_str());
      return -1;
    }
    length += n;
  }
  return secondsSince(start);
}

/// Medians of one call's device time (as the runtime reports it) and host
/// wall time, in microseconds.
struct Timing {
  double deviceUs = 0, hostUs = 0;
};

/// Times `reps` calls after one warm-up (the first call on a device may
/// load or JIT the kernels). False, with the error printed, if one fails.
bool timeCall(spt_cache *cache, int reps, const char *what,
              const std::function<spt_status()> &call, Timing &timing) {
  std::vector<double> device, host;
  for (int r = -1; r < reps; ++r) {
    auto start = Clock::now();
    spt_status s = call();
    double wall = secondsSince(start);
    double ms = 0;
    if (s == SPT_OK)
      s = spt_cache_last_step_time(cache, &ms);
    if (s != SPT_OK) {
      std::fprintf(stderr, "%s: %s\n", what, lastError(s).c_str());
      return false;
    }
    if (r >= 0) {
      device.push_back(1e3 * ms);
      host.push_back(1e6 * wall);
    }
  }
  timing = {median(device), median(host)};
  return true;
}

/// One row of the table: the three calls at one N.
struct Row {
  double fillSeconds;
  Timing retrieval, sparse, dense;
};

/// Fills the cache up to n tokens and times the three calls there.
bool timeAt(spt_cache *cache, const DecodeGeometry &g, int64_t n, int reps,
            SplitMix &random, spt_tensor &q, spt_tensor &out,
            spt_tensor &denseOut, spt_tensor &indices, Row &row) {
  row.fillSeconds = fillTo(cache, g, n, random);
  return row.fillSeconds >= 0 &&
         timeCall(
             cache, reps, "spt_select",
             [&] { return spt_select(cache, &q, &indices); }, row.retrieval) &&
         timeCall(
             cache, reps, "spt_decode",
             [&] { return spt_decode(cache, &q, &out, &indices); },
             row.sparse) &&
         timeCall(
             cache, reps, "spt_decode_dense",
             [&] { return spt_decode_dense(cache, &q, &denseOut); }, row.dense);
}

/// Retrieval must read every stored key code once, the dense step every
/// key and value row: the bandwidths they imply, from device times.
void printRow(const DecodeGeometry &g, int64_t n, const Row &row) {
  const double codeBytes =
      double(n) * g.kvHeads * g.keyCodesPerHead() * g.codeWords() * 4;
  const double kvBytes = double(n) * g.kvHeads * g.headDim * 2 * 2;
  std::printf("%8lld %7.2f | %9.1f %9.1f | %9.1f %9.1f | %9.1f %9.1f | "
              "%7.2fx | %8.1f %9.1f %9.1f\n",
              (long long)n, row.fillSeconds, row.retrieval.deviceUs,
              row.retrieval.hostUs, row.sparse.deviceUs, row.sparse.hostUs,
              row.dense.deviceUs, row.dense.hostUs,
              row.dense.deviceUs / row.sparse.deviceUs, codeBytes / 1e6,
              codeBytes / (row.retrieval.deviceUs * 1e3),
              kvBytes / (row.dense.deviceUs * 1e3));
  std::fflush(stdout);
}

/// The table of the published setting at each N, with a key code per
/// query head (`codePerQuery`) or per KV head; false on a runtime error.
bool runTiming(Artifacts &artifacts, spt_device device,
               const std::vector<int64_t> &contexts, int reps,
               bool codePerQuery) {
  DecodeGeometry g; // Qwen2.5-7B: 28/4/128, bf16, 2%, group
  if (!codePerQuery)
    g.codeHeads = g.kvHeads;
  g.maxTokens = *std::max_element(contexts.begin(), contexts.end());
  const int64_t QH = g.queryHeads, D = g.headDim;
  const int64_t S = g.selectionSets(), M = g.selectionSlots();
  std::string error;
  spt_artifact *artifact = artifacts.get(g, error);
  if (!artifact) {
    std::fprintf(stderr, "compiling the timing artifact: %s\n", error.c_str());
    return false;
  }
  DecodeProblem weights(g, 1, 7); // random hash weights; no tokens needed
  spt_cache *cache = createCache(artifact, device, weights, g.maxTokens, error);
  if (!cache) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return false;
  }
  SplitMix random{11};
  std::vector<uint16_t> q(QH * D), out(QH * D), denseOut(QH * D);
  std::vector<int32_t> idx(S * M);
  random.fill(q);
  spt_tensor qv{q.data(), SPT_BF16, 3, {1, QH, D}};
  spt_tensor ov{out.data(), SPT_BF16, 3, {1, QH, D}};
  spt_tensor dv{denseOut.data(), SPT_BF16, 3, {1, QH, D}};
  spt_tensor iv{idx.data(), SPT_I32, 3, {1, S, M}};

  std::printf("\ntiming    QH=%lld KH=%lld D=%lld CH=%lld bf16, budget 2%% "
              "(min 20), sink %lld, window %lld, group selection, B=1; "
              "medians of %d calls\n",
              (long long)QH, (long long)g.kvHeads, (long long)D,
              (long long)g.codeHeads, (long long)g.sink, (long long)g.window,
              reps);
  std::printf("%8s %7s | %19s | %19s | %19s | %8s | %8s %9s %9s\n", "", "fill",
              "retrieval us", "sparse us", "dense us", "dense/", "codes",
              "scan", "dense");
  std::printf("%8s %7s | %9s %9s | %9s %9s | %9s %9s | %8s | %8s %9s %9s\n",
              "N", "s", "device", "host", "device", "host", "device", "host",
              "sparse", "MB", "GB/s", "GB/s");
  bool ok = true;
  for (int64_t n : contexts) {
    Row row;
    if (!(ok = timeAt(cache, g, n, reps, random, qv, ov, dv, iv, row)))
      break;
    printRow(g, n, row);
  }
  if (ok)
    std::printf(
        "device: spt_cache_last_step_time (%s); host: wall time per "
        "call. dense/sparse and GB/s from device times: codes (%lld "
        "B/token) read by retrieval, K+V (%lld B/token) by dense.\n",
        device == SPT_DEVICE_CUDA ? "CUDA events around the kernels"
                                  : "wall time on the CPU",
        (long long)(g.kvHeads * g.keyCodesPerHead() * g.codeWords() * 4),
        (long long)(g.kvHeads * g.headDim * 4));
  spt_cache_free(cache);
  return ok;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Checks a device's decode path against the naive reference, then "
      "times it\n");
  if (deviceOption != "cuda" && deviceOption != "cpu") {
    std::fprintf(stderr, "--device must be cuda or cpu\n");
    return 2;
  }
  const spt_device device =
      deviceOption == "cuda" ? SPT_DEVICE_CUDA : SPT_DEVICE_CPU;
  // Ask the runtime first: without the device nothing is worth compiling.
  spt_device_info info;
  if (spt_status status = spt_device_query(device, &info))
    noDevice(status);
  std::string chip = chipOption.empty()
                         ? chipForComputeCapability(info.compute_capability)
                         : std::string(chipOption);
  if (device == SPT_DEVICE_CUDA && chip != "sm_80" && chip != "sm_90") {
    std::fprintf(stderr, "%s\n",
                 chipOption.empty()
                     ? "the GPU is older than sm_80, which the kernels need"
                     : "--chip must be sm_80 or sm_90");
    return 2;
  }
  std::vector<int64_t> contexts(tokensOption.begin(), tokensOption.end());
  if (contexts.empty())
    contexts = device == SPT_DEVICE_CUDA
                   ? std::vector<int64_t>{32768, 131072, 524288}
                   : std::vector<int64_t>{4096, 16384};
  if (repsOption < 1 || std::any_of(contexts.begin(), contexts.end(),
                                    [](int64_t n) { return n < 1; })) {
    std::fprintf(stderr, "--reps and --tokens must be positive\n");
    return 2;
  }
  // Ascending: each size of the table reuses the tokens of the smaller.
  std::sort(contexts.begin(), contexts.end());
  contexts.erase(std::unique(contexts.begin(), contexts.end()), contexts.end());

  ArtifactOptions options;
  options.target =
      device == SPT_DEVICE_CUDA ? ArtifactTarget::CUDA : ArtifactTarget::CPU;
  options.chip = chip;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (device == SPT_DEVICE_CUDA)
    std::printf("device    cuda: %s, compute capability %d.%d, %.0f GiB "
                "(kernels for %s); host %s, %u cores\n",
                info.name, info.compute_capability / 10,
                info.compute_capability % 10,
                double(info.memory_bytes) / (1 << 30), chip.c_str(),
                cpuName().c_str(), cores);
  else
    std::printf("device    cpu: %s, %u cores\n", cpuName().c_str(), cores);
  std::fflush(stdout);

  auto start = Clock::now();
  // Static, so that the exit of noDevice() still removes the artifacts.
  static Artifacts artifacts(options);
  int failed = skipCheck ? 0 : runChecks(artifacts, device);
  double checkSeconds = secondsSince(start);
  bool timed = skipTiming || (runTiming(artifacts, device, contexts, repsOption,
                                        /*codePerQuery=*/false) &&
                              runTiming(artifacts, device, contexts, repsOption,
                                        /*codePerQuery=*/true));
  std::printf("\ntime      check %.1f s, timing %.1f s (compiling the "
              "artifacts took %.1f s of these)\n",
              checkSeconds, secondsSince(start) - checkSeconds,
              artifacts.compileSeconds);
  if (failed || !timed) {
    std::printf("FAILED: %d check case(s)%s\n", failed,
                timed ? "" : ", and the timing run");
    return 1;
  }
  std::printf("%s\n", skipCheck ? "timing done (no check)" : "all checks PASS");
  return 0;
}
