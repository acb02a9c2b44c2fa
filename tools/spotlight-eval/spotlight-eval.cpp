//===- spotlight-eval.cpp - Retrieval quality of hashed top-k -------------===//
//
//   spotlight-eval --queries q.npy --keys k.npy --weights layer.safetensors
//   spotlight-eval --synthetic=text-seed=2 --weights layer.safetensors --json
//
// For sampled queries of every head: the IoU and recall of the hashed top-k
// against the exact attention top-k at budgets 1%, 2%, 5% (docs/Quality.md
// defines both), for the trained MLP codes (--weights) and for the linear
// baseline (random orthogonal rotation, then sign) at 128..1024 bits. Also
// the geometry of the data (cone angles) and how concentrated attention is.
//
//===----------------------------------------------------------------------===//

#include "spotlight/Quality/Dataset.h"
#include "spotlight/Quality/Fidelity.h"
#include "spotlight/Quality/HashModel.h"
#include "spotlight/Quality/LinearHash.h"
#include "spotlight/Quality/Metrics.h"
#include "spotlight/Quality/Random.h"
#include "spotlight/Tools/DataOptions.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

using namespace spotlight::quality;
namespace cl = llvm::cl;

namespace {
cl::OptionCategory category("Evaluation");
cl::opt<std::string>
    weightFile("weights",
               cl::desc("Trained hash MLPs (.safetensors/.npz) to evaluate"),
               cl::cat(category));
cl::opt<bool> untrained(
    "untrained",
    cl::desc("Also evaluate an untrained MLP (spotlight-train's --init normal, "
             "seed 1)"),
    cl::cat(category));
cl::list<int64_t> linearBits("linear-bits", cl::CommaSeparated,
                             cl::desc("Linear baseline code widths (default "
                                      "128,256,512,1024; 0 for none)"),
                             cl::cat(category));
cl::list<double> budgets("budgets", cl::CommaSeparated,
                         cl::desc("Budget fractions (default 0.01,0.02,0.05)"),
                         cl::cat(category));
cl::opt<int64_t> queriesPerHead("queries-per-head",
                                cl::desc("Sampled queries per query head"),
                                cl::init(256), cl::cat(category));
cl::opt<int64_t>
    minContext("min-context",
               cl::desc("Sampled queries have at least this many causal keys"),
               cl::init(1024), cl::cat(category));
cl::opt<uint64_t> seed("seed",
                       cl::desc("Seed of the query sample and the rotations"),
                       cl::init(1), cl::cat(category));
cl::opt<int> threads("num-threads", cl::desc("Worker threads (0: all cores)"),
                     cl::init(0), cl::cat(category));
cl::opt<bool> json("json", cl::desc("Print JSON instead of a table"),
                   cl::cat(category));
cl::opt<bool> markdown("markdown", cl::desc("Print the table as Markdown"),
                       cl::cat(category));
cl::opt<bool> perHead("per-head", cl::desc("Also list every head"),
                      cl::cat(category));
cl::opt<bool> fidelity(
    "fidelity",
    cl::desc("Also measure the attention mass each method's selection holds "
             "and the relative error of the sparse output against dense "
             "(SEMANTICS.md's rule with --sink, --window, --min-budget)"),
    cl::cat(category));
cl::opt<std::string> valueFile(
    "values",
    cl::desc("Values .npy [T,KH,D] for --fidelity (default: i.i.d. N(0,1))"),
    cl::cat(category));
cl::opt<int64_t> sink("sink", cl::desc("--fidelity: sink tokens"), cl::init(4),
                      cl::cat(category));
cl::opt<int64_t> window("window", cl::desc("--fidelity: recent-window tokens"),
                        cl::init(64), cl::cat(category));
cl::opt<int64_t> minBudget("min-budget",
                           cl::desc("--fidelity: least selected tokens k"),
                           cl::init(20), cl::cat(category));
cl::opt<std::string> plotData(
    "plot-data",
    cl::desc("Write 'bits IoU... recall...' rows for gnuplot: index 0 the "
             "linear baseline, index 1 the trained MLP"),
    cl::cat(category));

[[noreturn]] void fail(const std::string &message) {
  llvm::errs() << "spotlight-eval: error: " << message << "\n";
  std::exit(1);
}

struct Method {
  std::string name;
  RetrievalResult result;
  FidelityResult fidelity; // empty without --fidelity
};

std::string jsonNumber(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", v);
  return buffer;
}

/// llvm::json escapes control characters too (a data description may hold
/// a file name with any byte); invalid UTF-8 becomes U+FFFD.
std::string jsonString(const std::string &s) {
  std::string out;
  llvm::raw_string_ostream(out)
      << llvm::json::Value(llvm::json::isUTF8(s) ? s : llvm::json::fixUTF8(s));
  return out;
}

std::string jsonArray(const std::vector<double> &v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + jsonNumber(v[i]);
  return s + "]";
}

std::string fidelityJson(const FidelityResult &f) {
  std::vector<double> mass, error;
  for (size_t b = 0; b < f.budgets.size(); ++b) {
    mass.push_back(f.meanMass(b));
    error.push_back(f.meanError(b));
  }
  return "{\"attention_mass\": " + jsonArray(mass) +
         ", \"output_relative_error\": " + jsonArray(error) + "}";
}
/// The second table of --fidelity: mass held and output error per budget.
void printFidelity(const std::vector<Method> &methods,
                   const FidelityResult &exact,
                   const std::vector<double> &fractions,
                   const SelectionRule &rule) {
  const size_t B = fractions.size();
  std::printf("\n%sselection of SEMANTICS.md (head mode): sink %lld, window "
              "%lld, k = max(%lld, floor(budget n)); values %s\n\n",
              markdown ? "- " : "", (long long)rule.sink,
              (long long)rule.window, (long long)rule.kMin,
              valueFile.empty() ? "i.i.d. N(0,1)" : valueFile.c_str());
  std::string header =
      markdown ? "| selection | bits |" : "selection       bits";
  std::string rowRule = "|---|---:|";
  for (const char *what : {"mass", "error"})
    for (double f : fractions) {
      const std::string text =
          std::string(what) + "@" + jsonNumber(100 * f) + "%";
      char cell[40];
      std::snprintf(cell, sizeof(cell), markdown ? " %s |" : " %10s",
                    text.c_str());
      header += cell;
      rowRule += "---:|";
    }
  std::printf("%s\n", header.c_str());
  if (markdown)
    std::printf("%s\n", rowRule.c_str());
  auto row = [&](const std::string &name, int64_t bits,
                 const FidelityResult &f) {
    if (markdown)
      std::printf("| %s | %s |", name.c_str(),
                  bits ? std::to_string(bits).c_str() : "-");
    else
      std::printf("%-15s %4s", name.c_str(),
                  bits ? std::to_string(bits).c_str() : "-");
    for (int pass = 0; pass < 2; ++pass)
      for (size_t b = 0; b < B; ++b)
        std::printf(markdown ? " %.3f |" : " %10.3f",
                    pass ? f.meanError(b) : f.meanMass(b));
    std::printf("\n");
  };
  row("exact top-k", 0, exact);
  for (const Method &m : methods)
    row(m.name == "linear" && markdown ? "linear (rotation + sign)" : m.name,
        m.result.bits, m.fidelity);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions({&spotlight::dataCategory(), &category});
  cl::ParseCommandLineOptions(
      argc, argv,
      "Measure the retrieval quality of Spotlight hashing against exact "
      "attention\n");
  const auto start = std::chrono::steady_clock::now();

  Dataset data;
  std::string error, dataDescription;
  if (!spotlight::loadDataFromOptions(data, dataDescription, error))
    fail(error);

  static const double defaultBudgets[] = {0.01, 0.02, 0.05};
  static const int64_t defaultWidths[] = {128, 256, 512, 1024};
  std::vector<double> fractions(budgets.begin(), budgets.end());
  if (fractions.empty())
    fractions.assign(std::begin(defaultBudgets), std::end(defaultBudgets));
  for (double f : fractions)
    if (!(f > 0 && f <= 1))
      fail("budgets must be fractions in (0, 1]");
  std::vector<int64_t> widths(linearBits.begin(), linearBits.end());
  if (widths.empty())
    widths.assign(std::begin(defaultWidths), std::end(defaultWidths));
  if (widths.size() == 1 && widths[0] == 0)
    widths.clear();
  for (int64_t b : widths)
    if (b <= 0 || b % 32 != 0)
      fail("--linear-bits must be positive multiples of 32");

  if (queriesPerHead <= 0)
    fail("--queries-per-head must be positive");
  const int64_t D = data.headDim, G = data.group();
  auto tokens = sampleQueryTokens(data, queriesPerHead, minContext, seed);
  int64_t sampled = 0;
  for (const auto &t : tokens)
    sampled += t.size();
  if (sampled == 0)
    fail("no query has " + std::to_string(minContext) +
         " causal keys (lower --min-context)");
  ExactReference reference =
      buildExactReference(data, tokens, fractions, threads);
  ConeStats cones = measureCones(data, seed);

  SelectionRule selection;
  selection.sink = sink;
  selection.window = window;
  selection.kMin = minBudget;
  if (selection.sink < 0 || selection.window < 0 || selection.kMin < 1)
    fail("--sink and --window must be >= 0, --min-budget >= 1");
  std::vector<float> values;
  if (fidelity && !valueFile.empty()) {
    Dataset withValues; // the values file read as keys, for its checks
    if (!loadDataset(valueFile, valueFile, data.sequenceLengths, withValues,
                     error))
      fail("--values: " + error);
    if (withValues.tokens != data.tokens ||
        withValues.queryHeads != data.kvHeads || withValues.headDim != D)
      fail("--values must be [T, KH, D] like the keys");
    values = std::move(withValues.keys);
  } else if (fidelity) {
    values = randomValues(data, seed);
  }
  auto measure = [&](const Encoder *encode, int64_t bits) {
    return fidelity ? measureFidelity(data, values, reference, encode, bits,
                                      selection, threads)
                    : FidelityResult();
  };

  std::vector<Method> methods;
  // What the exact top-k selection itself holds: the ceiling of any hash.
  const FidelityResult exactFidelity = measure(nullptr, 0);
  auto evaluateMlp = [&](const std::string &name, const HashWeights &w) {
    const bool byQueryHead = w.codeHeads == data.queryHeads;
    const Encoder encode = [&](int64_t qh, bool, const float *rows,
                               int64_t stride, int64_t count, uint32_t *codes) {
      encodeRows(headParams(w, byQueryHead ? qh : qh / G), D, rows, stride,
                 count, codes);
    };
    methods.push_back({name,
                       evaluateRetrieval(data, reference, D, encode, threads),
                       measure(&encode, D)});
  };
  if (!weightFile.empty()) {
    HashWeights w;
    if (!loadWeights(weightFile, w, error))
      fail(error);
    if (w.headDim != D ||
        (w.codeHeads != data.queryHeads && w.codeHeads != data.kvHeads))
      fail("--weights: expected D = " + std::to_string(D) +
           " and CH = QH or KH");
    evaluateMlp("trained MLP", w);
  }
  if (untrained) {
    HashWeights w;
    w.resize(data.queryHeads, D);
    initWeights(w, InitKind::Normal, 1.0, 1);
    evaluateMlp("untrained MLP", w);
  }
  for (int64_t bits : widths) {
    // One rotation per query head, shared by its queries and its keys.
    std::vector<std::vector<float>> rotations(data.queryHeads);
    for (int64_t qh = 0; qh < data.queryHeads; ++qh)
      rotations[qh] = randomOrthogonalProjection(
          D, bits, deriveSeed(deriveSeed(seed, 0x11a7), qh));
    const Encoder encode = [&](int64_t qh, bool, const float *rows,
                               int64_t stride, int64_t count, uint32_t *codes) {
      linearCodes(rotations[qh].data(), D, bits, rows, stride, count, codes);
    };
    methods.push_back(
        {"linear", evaluateRetrieval(data, reference, bits, encode, threads),
         measure(&encode, bits)});
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();

  const size_t B = fractions.size();
  if (!plotData.empty()) {
    std::ofstream out(plotData);
    out << "# bits";
    for (double f : fractions)
      out << " iou@" << 100 * f << "%";
    for (double f : fractions)
      out << " recall@" << 100 * f << "%";
    out << "\n";
    for (int pass = 0; pass < 2; ++pass) {
      out << (pass ? "\n\n# trained MLP\n" : "# linear\n");
      for (const Method &m : methods) {
        if ((m.name == "linear") != (pass == 0) || m.name == "untrained MLP")
          continue;
        out << m.result.bits;
        for (size_t b = 0; b < B; ++b)
          out << " " << m.result.meanIoU(b);
        for (size_t b = 0; b < B; ++b)
          out << " " << m.result.meanRecall(b);
        out << "\n";
      }
    }
    if (!out)
      fail("cannot write " + plotData);
  }

  if (json) {
    std::string s = "{\n";
    s += "  \"data\": " + jsonString(dataDescription) + ",\n";
    s += "  \"tokens\": " + std::to_string(data.tokens) +
         ", \"query_heads\": " + std::to_string(data.queryHeads) +
         ", \"kv_heads\": " + std::to_string(data.kvHeads) +
         ", \"head_dim\": " + std::to_string(D) + ",\n";
    s += "  \"queries_per_head\": " + std::to_string(queriesPerHead) +
         ", \"min_context\": " + std::to_string(minContext) +
         ", \"seed\": " + std::to_string(seed) + ",\n";
    s += "  \"cones_degrees\": {\"query\": " + jsonNumber(cones.queryCone) +
         ", \"key\": " + jsonNumber(cones.keyCone) +
         ", \"mean_query_vs_mean_key\": " + jsonNumber(cones.interCone) +
         ", \"query_key_pairs\": " + jsonNumber(cones.queryKeyAngle) + "},\n";
    std::vector<double> mass;
    for (size_t b = 0; b < B; ++b)
      mass.push_back(meanAttentionMass(reference, b));
    s += "  \"budgets\": " + jsonArray(fractions) + ",\n";
    s += "  \"exact_topk_attention_mass\": " + jsonArray(mass) + ",\n";
    s += "  \"methods\": [\n";
    for (size_t i = 0; i < methods.size(); ++i) {
      const Method &m = methods[i];
      std::vector<double> iou, recall;
      for (size_t b = 0; b < B; ++b) {
        iou.push_back(m.result.meanIoU(b));
        recall.push_back(m.result.meanRecall(b));
      }
      s += "    {\"name\": " + jsonString(m.name) +
           ", \"bits\": " + std::to_string(m.result.bits) +
           ", \"iou\": " + jsonArray(iou) +
           ", \"recall\": " + jsonArray(recall);
      if (fidelity)
        s += ", \"fidelity\": " + fidelityJson(m.fidelity);
      if (perHead)
        s += ", \"iou_per_head\": " + jsonArray(m.result.iou) +
             ", \"recall_per_head\": " + jsonArray(m.result.recall);
      s += std::string("}") + (i + 1 < methods.size() ? "," : "") + "\n";
    }
    s += "  ],\n";
    if (fidelity)
      s += "  \"selection\": {\"sink\": " + std::to_string(selection.sink) +
           ", \"window\": " + std::to_string(selection.window) +
           ", \"min_budget\": " + std::to_string(selection.kMin) +
           ", \"values\": " +
           jsonString(valueFile.empty() ? "N(0,1)" : valueFile.getValue()) +
           "},\n  \"exact_topk_fidelity\": " + fidelityJson(exactFidelity) +
           ",\n";
    s += "  \"seconds\": " + jsonNumber(seconds) + "\n}\n";
    std::fputs(s.c_str(), stdout);
    return 0;
  }

  if (markdown) {
    std::printf("- data: `%s`\n", dataDescription.c_str());
    std::printf("- %lld queries per query head (%lld heads), each with at "
                "least %lld causal keys; seed %llu\n",
                (long long)queriesPerHead.getValue(),
                (long long)data.queryHeads, (long long)minContext.getValue(),
                (unsigned long long)seed.getValue());
    std::printf("- cones: query half-angle %.1f°, key half-angle %.1f°, mean "
                "query vs mean key %.1f°, query-key pairs %.1f° on average\n",
                cones.queryCone, cones.keyCone, cones.interCone,
                cones.queryKeyAngle);
    std::printf("- softmax attention mass held by the exact top-k:");
    for (size_t b = 0; b < B; ++b)
      std::printf("%s %g%%: %.3f", b ? "," : "", 100 * fractions[b],
                  meanAttentionMass(reference, b));
    std::printf("\n\n");
  } else {
    std::printf("data      %s\n", dataDescription.c_str());
    std::printf("geometry  T=%lld in %zu sequence(s), QH=%lld KH=%lld D=%lld; "
                "%lld queries/head with >= %lld causal keys\n",
                (long long)data.tokens, data.sequenceLengths.size(),
                (long long)data.queryHeads, (long long)data.kvHeads,
                (long long)D, (long long)queriesPerHead.getValue(),
                (long long)minContext.getValue());
    std::printf("cones     query half-angle %.1f deg, key half-angle %.1f deg, "
                "mean query vs mean key %.1f deg, query-key pairs %.1f deg\n",
                cones.queryCone, cones.keyCone, cones.interCone,
                cones.queryKeyAngle);
    std::printf("attention mass of the exact top-k:");
    for (size_t b = 0; b < B; ++b)
      std::printf(" %g%% %.3f", 100 * fractions[b],
                  meanAttentionMass(reference, b));
    std::printf("\n\n");
  }
  // The table.
  std::string header = markdown ? "| method | bits |" : "method          bits";
  std::string rule = "|---|---:|";
  for (const char *what : {"IoU", "recall"})
    for (double f : fractions) {
      char cell[32];
      std::snprintf(cell, sizeof(cell), markdown ? " %s@%g%% |" : " %9s", what,
                    100 * f);
      if (!markdown) {
        char text[24];
        std::snprintf(text, sizeof(text), "%s@%g%%", what, 100 * f);
        std::snprintf(cell, sizeof(cell), " %10s", text);
      }
      header += cell;
      rule += "---:|";
    }
  std::printf("%s\n", header.c_str());
  if (markdown)
    std::printf("%s\n", rule.c_str());
  for (const Method &m : methods) {
    std::string name = m.name == "linear" ? "linear (rotation + sign)" : m.name;
    if (markdown)
      std::printf("| %s | %lld |", name.c_str(), (long long)m.result.bits);
    else
      std::printf("%-15s %4lld", m.name.c_str(), (long long)m.result.bits);
    for (int pass = 0; pass < 2; ++pass)
      for (size_t b = 0; b < B; ++b)
        std::printf(markdown ? " %.3f |" : " %10.3f",
                    pass ? m.result.meanRecall(b) : m.result.meanIoU(b));
    std::printf("\n");
    if (perHead && !markdown)
      for (int64_t qh = 0; qh < data.queryHeads; ++qh) {
        std::printf("  head %-8lld", (long long)qh);
        for (int pass = 0; pass < 2; ++pass)
          for (size_t b = 0; b < B; ++b)
            std::printf(" %10.3f", pass ? m.result.recall[qh * B + b]
                                        : m.result.iou[qh * B + b]);
        std::printf("\n");
      }
  }
  if (fidelity)
    printFidelity(methods, exactFidelity, fractions, selection);
  if (!markdown)
    std::printf("\n%.1f s\n", seconds);
  return 0;
}
