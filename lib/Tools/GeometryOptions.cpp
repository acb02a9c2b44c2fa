//===- GeometryOptions.cpp - Model geometry command-line options ----------===//

#include "spotlight/Tools/GeometryOptions.h"

#include <cstdlib>

namespace cl = llvm::cl;

namespace spotlight {

cl::OptionCategory &geometryCategory() {
  static cl::OptionCategory category("Model geometry");
  return category;
}

namespace {
cl::opt<std::string> model(
    "model",
    cl::desc("Preset geometry: qwen2.5-7b (QH=28, KH=4, D=128) or llama-3-8b "
             "(QH=32, KH=8, D=128); explicit flags override it"),
    cl::init("qwen2.5-7b"), cl::cat(geometryCategory()));
cl::opt<int64_t> queryHeads("qh", cl::desc("Query heads"), cl::init(0),
                            cl::cat(geometryCategory()));
cl::opt<int64_t> kvHeads("kh", cl::desc("KV heads"), cl::init(0),
                         cl::cat(geometryCategory()));
cl::opt<int64_t> headDim("d", cl::desc("Head dim (a multiple of 32)"),
                         cl::init(0), cl::cat(geometryCategory()));
cl::opt<std::string> codeHeads(
    "code-heads",
    cl::desc("One hash MLP per query head (qh, published) or per KV head (kh)"),
    cl::init("qh"), cl::cat(geometryCategory()));
cl::opt<std::string> dtype("dtype", cl::desc("q/K/V type: f32, f16 or bf16"),
                           cl::init("bf16"), cl::cat(geometryCategory()));
cl::opt<std::string> weightDtype("weight-dtype",
                                 cl::desc("Hash weight type: f32, f16, bf16"),
                                 cl::init("f32"), cl::cat(geometryCategory()));
cl::opt<std::string>
    budget("budget",
           cl::desc("Selected tokens: a count (512) or a fraction (0.02)"),
           cl::init("0.02"), cl::cat(geometryCategory()));
cl::opt<int64_t> minBudget("min-budget",
                           cl::desc("Least count of a fraction budget"),
                           cl::init(20), cl::cat(geometryCategory()));
cl::opt<int64_t> sink("sink", cl::desc("First tokens always kept"), cl::init(4),
                      cl::cat(geometryCategory()));
cl::opt<int64_t> window("window", cl::desc("Last tokens always kept"),
                        cl::init(64), cl::cat(geometryCategory()));
cl::opt<std::string> mode("mode",
                          cl::desc("Token set per KV head (group) or per "
                                   "query head (head)"),
                          cl::init("group"), cl::cat(geometryCategory()));
cl::opt<int64_t> maxTokens(
    "max-tokens",
    cl::desc("Longest context (sizes the output of a fraction budget)"),
    cl::init(262144), cl::cat(geometryCategory()));
cl::opt<int64_t> pageSize(
    "page-size",
    cl::desc("Token slots per page of the paged KV cache (vLLM's block size)"),
    cl::init(16), cl::cat(geometryCategory()));
} // namespace

bool parseBudget(const std::string &text, DecodeGeometry &g,
                 std::string &error) {
  const bool isFraction = text.find_first_of(".eE") != std::string::npos;
  if (isFraction) {
    char *end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(value > 0.0 && value <= 1.0)) {
      error = "budget must be a positive count or a fraction in (0, 1], got '" +
              text + "'";
      return false;
    }
    g.budgetCount = 0;
    g.budgetFraction = value;
    return true;
  }
  int64_t count = 0;
  if (llvm::StringRef(text).getAsInteger(10, count) || count <= 0) {
    error = "budget must be a positive count or a fraction in (0, 1], got '" +
            text + "'";
    return false;
  }
  g.budgetCount = count;
  return true;
}

namespace {
/// Applies the flags; with `onlyGiven`, only those on the command line.
bool applyOptions(DecodeGeometry &g, bool onlyGiven, std::string &error) {
  auto given = [&](const cl::Option &option) {
    return !onlyGiven || option.getNumOccurrences() > 0;
  };
  if (given(model)) {
    if (model == "qwen2.5-7b") {
      g.queryHeads = 28, g.kvHeads = 4, g.headDim = 128;
    } else if (model == "llama-3-8b") {
      g.queryHeads = 32, g.kvHeads = 8, g.headDim = 128;
    } else {
      error = "unknown --model '" + model + "' (qwen2.5-7b or llama-3-8b)";
      return false;
    }
  }
  for (const cl::opt<int64_t> *size : {&queryHeads, &kvHeads, &headDim})
    if (size->getNumOccurrences() && *size <= 0) {
      error = "--" + size->ArgStr.str() + " must be positive, got " +
              std::to_string(*size);
      return false;
    }
  if (queryHeads)
    g.queryHeads = queryHeads;
  if (kvHeads)
    g.kvHeads = kvHeads;
  if (headDim)
    g.headDim = headDim;
  if (codeHeads != "qh" && codeHeads != "kh") {
    error = "--code-heads must be qh or kh";
    return false;
  }
  if (given(codeHeads) || given(model) || queryHeads || kvHeads)
    g.codeHeads = codeHeads == "qh" ? g.queryHeads : g.kvHeads;
  if ((given(dtype) && !parseElementType(dtype, g.dtype)) ||
      (given(weightDtype) && !parseElementType(weightDtype, g.weightType))) {
    error = "--dtype and --weight-dtype must be f32, f16 or bf16";
    return false;
  }
  if (mode != "group" && mode != "head") {
    error = "--mode must be group or head";
    return false;
  }
  if (given(mode))
    g.headMode = mode == "head";
  if (given(sink))
    g.sink = sink;
  if (given(window))
    g.window = window;
  if (given(minBudget))
    g.minBudget = minBudget;
  if (given(maxTokens))
    g.maxTokens = maxTokens;
  if (given(pageSize))
    g.pageSize = pageSize;
  if (given(budget) && !parseBudget(budget, g, error))
    return false;
  error = g.validate();
  return error.empty();
}
} // namespace

bool geometryFromOptions(DecodeGeometry &g, std::string &error) {
  return applyOptions(g, /*onlyGiven=*/false, error);
}

bool applyGivenOptions(DecodeGeometry &g, std::string &error) {
  return applyOptions(g, /*onlyGiven=*/true, error);
}

} // namespace spotlight
