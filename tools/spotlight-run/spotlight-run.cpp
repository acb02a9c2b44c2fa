//===- spotlight-run.cpp - Run a Spotlight decode step --------------------===//
//
// Generates the decode module of a model geometry, lowers it with the
// reference pipeline, JIT-compiles it and runs one decode step on random
// inputs: appends N tokens (computing their key codes), decodes one query
// sparsely and densely, and prints the selected count, the error of the
// sparse output against dense attention (at the given budget and at full
// budget, where it must vanish) and the time per step.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Codegen/DecodeModule.h"
#include "spotlight/ExecutionEngine/HostTensor.h"
#include "spotlight/ExecutionEngine/JitModule.h"
#include "spotlight/Support/HalfFloat.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

using namespace spotlight;
namespace cl = llvm::cl;

static cl::OptionCategory category("spotlight-run options");
static cl::opt<std::string> model(
    "model", cl::desc("Preset geometry: qwen2.5-7b (28/4/128), llama-3-8b "
                      "(32/8/128); explicit flags override it"),
    cl::init("qwen2.5-7b"), cl::cat(category));
static cl::opt<int64_t> queryHeads("qh", cl::desc("Query heads"), cl::init(0),
                                   cl::cat(category));
static cl::opt<int64_t> kvHeads("kh", cl::desc("KV heads"), cl::init(0),
                                cl::cat(category));
static cl::opt<int64_t> headDim("d", cl::desc("Head dim"), cl::init(0),
                                cl::cat(category));
static cl::opt<std::string> codeHeads(
    "code-heads", cl::desc("Hash MLP per query head (qh) or per KV head (kh)"),
    cl::init("qh"), cl::cat(category));
static cl::opt<std::string> dtype("dtype", cl::desc("f32, f16 or bf16"),
                                  cl::init("bf16"), cl::cat(category));
static cl::opt<int64_t> batch("batch", cl::desc("Sequences"), cl::init(1),
                              cl::cat(category));
static cl::opt<int64_t> tokens("tokens", cl::desc("Tokens in the KV cache"),
                               cl::init(32768), cl::cat(category));
static cl::opt<std::string> budget(
    "budget", cl::desc("Token count (e.g. 512) or fraction (e.g. 0.02)"),
    cl::init("0.02"), cl::cat(category));
static cl::opt<int64_t> sink("sink", cl::desc("Sink tokens always kept"),
                             cl::init(4), cl::cat(category));
static cl::opt<int64_t> window("window", cl::desc("Recent tokens always kept"),
                               cl::init(64), cl::cat(category));
static cl::opt<std::string> mode("mode", cl::desc("group or head selection"),
                                 cl::init("group"), cl::cat(category));
static cl::opt<int> repeat("repeat", cl::desc("Timed decode steps"),
                           cl::init(3), cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(1),
                              cl::cat(category));

namespace {
[[noreturn]] void fail(const llvm::Twine &message) {
  llvm::errs() << "spotlight-run: error: " << message << "\n";
  std::exit(1);
}

/// Fills the geometry from the preset and the flags; exits on bad input.
DecodeGeometry parseGeometry() {
  DecodeGeometry g;
  if (model == "qwen2.5-7b") {
    g.queryHeads = 28, g.kvHeads = 4, g.headDim = 128;
  } else if (model == "llama-3-8b") {
    g.queryHeads = 32, g.kvHeads = 8, g.headDim = 128;
  } else {
    fail("unknown --model '" + model + "' (qwen2.5-7b or llama-3-8b)");
  }
  if (queryHeads)
    g.queryHeads = queryHeads;
  if (kvHeads)
    g.kvHeads = kvHeads;
  if (headDim)
    g.headDim = headDim;
  if (codeHeads != "qh" && codeHeads != "kh")
    fail("--code-heads must be qh or kh");
  g.codeHeads = codeHeads == "qh" ? g.queryHeads : g.kvHeads;
  if (dtype == "f32")
    g.dtype = ElementType::F32;
  else if (dtype == "f16")
    g.dtype = ElementType::F16;
  else if (dtype == "bf16")
    g.dtype = ElementType::BF16;
  else
    fail("--dtype must be f32, f16 or bf16");
  if (mode != "group" && mode != "head")
    fail("--mode must be group or head");
  g.headMode = mode == "head";
  g.batch = batch;
  g.sink = sink;
  g.window = window;
  g.maxTokens = tokens;
  char *end = nullptr;
  double value = std::strtod(budget.c_str(), &end);
  if (budget.empty() || *end != '\0' || !(value > 0))
    fail("--budget must be a positive count or a fraction in (0, 1]");
  if (budget.find('.') == std::string::npos)
    g.budgetCount = static_cast<int64_t>(value);
  else
    g.budgetFraction = value;
  if (tokens <= 0)
    fail("--tokens must be positive");
  if (repeat <= 0)
    fail("--repeat must be positive");
  std::string problem = g.validate();
  if (!problem.empty())
    fail(problem);
  return g;
}

int64_t bytesOf(ElementType type) { return type == ElementType::F32 ? 4 : 2; }

HostTensor randomTensor(std::vector<int64_t> shape, ElementType type,
                        std::mt19937_64 &rng, float stddev) {
  HostTensor t(std::move(shape), bytesOf(type));
  std::normal_distribution<float> dist(0.0f, stddev);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    float v = dist(rng);
    if (type == ElementType::F32)
      t.as<float>()[i] = v;
    else
      t.as<uint16_t>()[i] = type == ElementType::BF16 ? toBf16(v) : toF16(v);
  }
  return t;
}

std::vector<double> values(const HostTensor &t, ElementType type) {
  std::vector<double> out(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = type == ElementType::F32   ? t.as<float>()[i]
             : type == ElementType::BF16 ? fromBf16(t.as<uint16_t>()[i])
                                         : fromF16(t.as<uint16_t>()[i]);
  return out;
}

/// Makes attention concentrated, as it is in real models: 1% of the tokens
/// of each KV head get keys aligned with the mean query of the head's group.
void plantRelevantKeys(HostTensor &k, const HostTensor &q,
                       const DecodeGeometry &g, int64_t n,
                       std::mt19937_64 &rng) {
  const int64_t D = g.headDim, G = g.group();
  std::vector<double> qv = values(q, g.dtype);
  std::uniform_int_distribution<int64_t> position(0, n - 1);
  std::normal_distribution<float> noise(0.0f, 0.5f);
  for (int64_t b = 0; b < g.batch; ++b)
    for (int64_t h = 0; h < g.kvHeads; ++h)
      for (int64_t i = 0; i < std::max<int64_t>(1, n / 100); ++i) {
        int64_t row = (b * g.kvHeads + h) * n + position(rng);
        for (int64_t d = 0; d < D; ++d) {
          double sum = 0;
          for (int64_t j = 0; j < G; ++j)
            sum += qv[((b * g.queryHeads) + h * G + j) * D + d];
          float value = float(2.0 * sum / std::sqrt(double(G)) + noise(rng));
          int64_t at = row * D + d;
          if (g.dtype == ElementType::F32)
            k.as<float>()[at] = value;
          else
            k.as<uint16_t>()[at] =
                g.dtype == ElementType::BF16 ? toBf16(value) : toF16(value);
        }
      }
}

double relativeError(const std::vector<double> &a,
                     const std::vector<double> &b) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff += (a[i] - b[i]) * (a[i] - b[i]);
    norm += b[i] * b[i];
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-30);
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

std::unique_ptr<JitModule> compile(const DecodeGeometry &g) {
  std::string error;
  auto jit = JitModule::create(buildDecodeModule(g), Lowering::CPU, error);
  if (!jit)
    fail(error);
  return jit;
}

void call(JitModule &jit, const char *name, std::vector<HostTensor *> args) {
  std::vector<void *> descriptors;
  for (HostTensor *arg : args)
    descriptors.push_back(arg->descriptor());
  std::string error;
  if (!jit.call(name, descriptors, error))
    fail(llvm::Twine(name) + ": " + error);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "Run a Spotlight decode step\n");
  const DecodeGeometry g = parseGeometry();
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  const int64_t N = tokens, CH = g.codeHeads;
  const int64_t S = g.selectionSets(), M = g.selectionSlots();

  llvm::outs() << "inputs    random q/K/V/hash weights; 1% of keys planted "
                  "near their group's queries (concentrated attention)\n";
  llvm::outs() << "geometry  B=" << B << " QH=" << QH << " KH=" << KH
               << " D=" << D << " CH=" << CH << " " << dtype << ", N=" << N
               << " tokens, sink " << g.sink << ", window " << g.window
               << ", budget k=" << g.budgetFor(N) << ", " << mode
               << " selection\n";

  auto start = std::chrono::steady_clock::now();
  auto sparse = compile(g);
  DecodeGeometry full = g;
  full.budgetCount = N; // k >= N: every token selected
  auto fullBudget = compile(full);
  llvm::outs() << llvm::format("compile   reference pipeline + JIT, two "
                               "modules: %.2f s\n",
                               seconds(start));

  std::mt19937_64 rng(seed);
  float weightScale = 1.0f / std::sqrt(float(D));
  HostTensor q = randomTensor({B, QH, D}, g.dtype, rng, 1.0f);
  HostTensor k = randomTensor({B, KH, N, D}, g.dtype, rng, 1.0f);
  HostTensor v = randomTensor({B, KH, N, D}, g.dtype, rng, 1.0f);
  plantRelevantKeys(k, q, g, N, rng);
  HostTensor w1 = randomTensor({CH, D, D}, g.weightType, rng, weightScale);
  HostTensor b1 = randomTensor({CH, D}, g.weightType, rng, 0.1f);
  HostTensor w2 = randomTensor({CH, D, D}, g.weightType, rng, weightScale);
  HostTensor b2 = randomTensor({CH, D}, g.weightType, rng, 0.1f);

  start = std::chrono::steady_clock::now();
  HostTensor kc({B, KH, N, g.keyCodesPerHead(), g.codeWords()}, 4);
  call(*sparse, "encode_keys", {&k, &w1, &b1, &w2, &b2, &kc});
  llvm::outs() << llvm::format("append    key codes of %lld tokens: %.2f s\n",
                               (long long)N, seconds(start));

  HostTensor out({B, QH, D}, bytesOf(g.dtype)), idx({B, S, M}, 4);
  HostTensor dense({B, QH, D}, bytesOf(g.dtype));
  HostTensor fullOut({B, QH, D}, bytesOf(g.dtype));
  HostTensor fullIdx({B, S, full.selectionSlots()}, 4);
  double sparseTime = 1e30, denseTime = 1e30;
  for (int r = 0; r < repeat; ++r) {
    start = std::chrono::steady_clock::now();
    call(*sparse, "decode",
         {&q, &k, &v, &kc, &w1, &b1, &w2, &b2, &out, &idx});
    sparseTime = std::min(sparseTime, seconds(start));
    start = std::chrono::steady_clock::now();
    call(*sparse, "decode_dense", {&q, &k, &v, &dense});
    denseTime = std::min(denseTime, seconds(start));
  }
  call(*fullBudget, "decode",
       {&q, &k, &v, &kc, &w1, &b1, &w2, &b2, &fullOut, &fullIdx});

  int64_t selected = std::count_if(idx.as<int32_t>(),
                                   idx.as<int32_t>() + idx.numElements(),
                                   [](int32_t i) { return i >= 0; });
  std::vector<double> denseValues = values(dense, g.dtype);
  llvm::outs() << llvm::format(
      "selected  %.1f of %lld tokens per %s set (%.2f%%)\n",
      double(selected) / (B * S), (long long)N, g.headMode ? "query-head" : "KV-head",
      100.0 * selected / (B * S * N));
  llvm::outs() << llvm::format("decode    sparse %.2f ms/step, dense %.2f ms/step "
                               "(best of %d; reference lowering)\n",
                               1e3 * sparseTime, 1e3 * denseTime, (int)repeat);
  llvm::outs() << llvm::format(
      "error     sparse vs dense: %.3e at budget k=%lld, %.3e at full "
      "budget\n",
      relativeError(values(out, g.dtype), denseValues),
      (long long)g.budgetFor(N),
      relativeError(values(fullOut, g.dtype), denseValues));
  return 0;
}
