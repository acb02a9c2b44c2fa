//===- DecodeModule.cpp - Decode modules from a model geometry ------------===//

#include "spotlight/Codegen/DecodeModule.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

namespace spotlight {

const char *elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::F16:
    return "f16";
  case ElementType::BF16:
    return "bf16";
  }
  return "f32";
}

int64_t DecodeGeometry::budgetFor(int64_t tokens) const {
  if (budgetCount > 0)
    return budgetCount;
  auto fraction = static_cast<int64_t>(
      std::floor(budgetFraction * static_cast<double>(tokens)));
  return std::max(minBudget, fraction);
}

int64_t DecodeGeometry::selectionSlots() const {
  return sink + window + budgetFor(maxTokens);
}

std::string DecodeGeometry::validate() const {
  std::ostringstream err;
  if (batch <= 0 || queryHeads <= 0 || kvHeads <= 0 || headDim <= 0)
    err << "batch, query heads, KV heads and head dim must be positive";
  else if (queryHeads % kvHeads != 0)
    err << "query heads (" << queryHeads << ") must be a multiple of KV heads ("
        << kvHeads << ")";
  else if (headDim % 32 != 0)
    err << "head dim (" << headDim << ") must be a multiple of 32";
  else if (codeHeads != queryHeads && codeHeads != kvHeads)
    err << "code heads (" << codeHeads << ") must equal query heads ("
        << queryHeads << ") or KV heads (" << kvHeads << ")";
  else if (sink < 0 || window < 0 || minBudget < 0)
    err << "sink, window and min budget must be non-negative";
  else if (budgetCount < 0)
    err << "budget count must be positive";
  else if (budgetCount == 0 && !(budgetFraction > 0.0 && budgetFraction <= 1.0))
    err << "budget fraction must be in (0, 1], got " << budgetFraction;
  else if (maxTokens <= 0)
    err << "max tokens must be positive";
  else if (target != "cpu" && target != "sm_80" && target != "sm_90")
    err << "target must be cpu, sm_80 or sm_90, got '" << target << "'";
  return err.str();
}

DecodeGeometry DecodeGeometry::workItem() const {
  DecodeGeometry item = *this;
  item.batch = 1;
  item.kvHeads = 1;
  item.queryHeads = group();
  item.codeHeads = codeHeadsPerItem();
  return item;
}

namespace {
/// Prints `tensor<AxBx...xT>` (or memref) with `?` for dynamic sizes.
std::string shaped(const char *kind, std::initializer_list<int64_t> dims,
                   const std::string &element) {
  std::ostringstream os;
  os << kind << "<";
  for (int64_t d : dims)
    os << (d < 0 ? std::string("?") : std::to_string(d)) << "x";
  os << element << ">";
  return os.str();
}

/// Emits the module text function by function.
class ModuleWriter {
public:
  explicit ModuleWriter(const DecodeGeometry &g) : g(g) {
    std::string t = elementTypeName(g.dtype);
    std::string w = elementTypeName(g.weightType);
    int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
    int64_t CH = g.codeHeads, W = g.codeWords(), C = g.keyCodesPerHead();
    q = shaped("tensor", {B, QH, D}, t);
    kv = shaped("tensor", {B, KH, -1, D}, t);
    w1 = shaped("tensor", {CH, D, D}, w);
    b1 = shaped("tensor", {CH, D}, w);
    qc = shaped("tensor", {B, QH, 1, W}, "i32");
    kc = shaped("tensor", {B, KH, -1, C, W}, "i32");
    idx = shaped("tensor", {B, g.selectionSets(), g.selectionSlots()}, "i32");
    weightTypes = w1 + ", " + b1 + ", " + w1 + ", " + b1;
  }

  std::string write(const std::string &manifest = "") {
    os << "// Spotlight decode step: B=" << g.batch << " QH=" << g.queryHeads
       << " KH=" << g.kvHeads << " D=" << g.headDim << " CH=" << g.codeHeads
       << " " << elementTypeName(g.dtype) << "\n";
    os << "module";
    if (!manifest.empty())
      os << " attributes {spotlight.manifest = \"" << escaped(manifest)
         << "\"}";
    os << " {\n";
    encodeQueries();
    encodeKeys();
    select();
    attend();
    decode();
    decodeDense();
    os << "}\n";
    return os.str();
  }

private:
  static std::string escaped(const std::string &text) {
    std::string out;
    for (char c : text) {
      if (c == '\n')
        out += "\\0A";
      else if (c == '"' || c == '\\')
        out += std::string("\\") + c;
      else
        out += c;
    }
    return out;
  }

  static std::string memref(const std::string &tensorType) {
    return "memref" + tensorType.substr(std::string("tensor").size());
  }

  void header(const std::string &name, const std::string &args) {
    os << "  func.func @" << name << "(" << args
       << ") attributes {llvm.emit_c_interface} {\n";
  }
  void footer() { os << "    return\n  }\n"; }

  /// `%name = tensor.empty(...)` sized like `type`, N taken from `%k`-like
  /// `source` when the type is dynamic.
  void empty(const std::string &name, const std::string &type,
             const std::string &source = "", const std::string &sourceType = "") {
    if (type.find('?') == std::string::npos) {
      os << "    " << name << " = tensor.empty() : " << type << "\n";
      return;
    }
    os << "    %c2_" << name.substr(1) << " = arith.constant 2 : index\n"
       << "    %n_" << name.substr(1) << " = tensor.dim " << source << ", %c2_"
       << name.substr(1) << " : " << sourceType << "\n"
       << "    " << name << " = tensor.empty(%n_" << name.substr(1) << ") : "
       << type << "\n";
  }

  void store(const std::string &value, const std::string &type,
             const std::string &dest) {
    os << "    bufferization.materialize_in_destination " << value
       << " in restrict writable " << dest << " : (" << type << ", "
       << memref(type) << ") -> ()\n";
  }

  void hashQueries(const std::string &result) {
    empty("%qc_init", qc);
    os << "    " << result
       << " = spotlight.hash_encode ins(%q, %w1, %b1, %w2, %b2 : " << q << ", "
       << weightTypes << ") outs(%qc_init : " << qc << ")\n";
  }

  void hamming(const std::string &result, const std::string &qcodes,
               const std::string &kcodes) {
    empty("%idx_init", idx);
    os << "    " << result << " = spotlight.hamming_topk "
       << (g.headMode ? "head" : "group") << " ins(" << qcodes << ", " << kcodes
       << " : " << qc << ", " << kc << ") outs(%idx_init : " << idx
       << ") {budget = ";
    if (g.budgetCount > 0)
      os << g.budgetCount << " : i64";
    else
      os << std::scientific << g.budgetFraction << std::defaultfloat << " : f64";
    os << ", min_budget = " << g.minBudget << " : i64, sink = " << g.sink
       << " : i64, window = " << g.window << " : i64}\n";
  }

  std::string scaleAttr() const {
    if (!g.scale)
      return "";
    std::ostringstream s;
    s << " {scale = " << std::scientific << *g.scale << " : f32}";
    return s.str();
  }

  void attention(const std::string &result, const std::string &indices) {
    empty("%o_init", q);
    if (indices.empty())
      os << "    " << result << " = spotlight.decode_attention ins(%q, %k, %v : "
         << q << ", " << kv << ", " << kv << ") outs(%o_init : " << q << ")"
         << scaleAttr() << "\n";
    else
      os << "    " << result << " = spotlight.sparse_attention ins(%q, %k, %v, "
         << indices << " : " << q << ", " << kv << ", " << kv << ", " << idx
         << ") outs(%o_init : " << q << ")" << scaleAttr() << "\n";
  }

  std::string weightArgs() const {
    return "%w1: " + w1 + ", %b1: " + b1 + ", %w2: " + w1 + ", %b2: " + b1;
  }

  void encodeQueries() {
    header(entry::encodeQueries, "%q: " + q + ", " + weightArgs() +
                                 ", %out: " + memref(qc));
    hashQueries("%qc");
    store("%qc", qc, "%out");
    footer();
  }

  void encodeKeys() {
    header(entry::encodeKeys,
           "%k: " + kv + ", " + weightArgs() + ", %out: " + memref(kc));
    empty("%kc_init", kc, "%k", kv);
    os << "    %kc = spotlight.hash_encode ins(%k, %w1, %b1, %w2, %b2 : " << kv
       << ", " << weightTypes << ") outs(%kc_init : " << kc << ")\n";
    store("%kc", kc, "%out");
    footer();
  }

  void select() {
    header(entry::select, "%qc: " + qc + ", %kc: " + kc + ", %out: " + memref(idx));
    hamming("%idx", "%qc", "%kc");
    store("%idx", idx, "%out");
    footer();
  }

  void attend() {
    header(entry::attend, "%q: " + q + ", %k: " + kv + ", %v: " + kv +
                         ", %idx: " + idx + ", %out: " + memref(q));
    attention("%o", "%idx");
    store("%o", q, "%out");
    footer();
  }

  void decode() {
    header(entry::decode, "%q: " + q + ", %k: " + kv + ", %v: " + kv + ", %kc: " +
                         kc + ", " + weightArgs() + ", %out: " + memref(q) +
                         ", %idx_out: " + memref(idx));
    hashQueries("%qc");
    hamming("%idx", "%qc", "%kc");
    attention("%o", "%idx");
    store("%o", q, "%out");
    store("%idx", idx, "%idx_out");
    footer();
  }

  void decodeDense() {
    header(entry::decodeDense, "%q: " + q + ", %k: " + kv + ", %v: " + kv +
                               ", %out: " + memref(q));
    attention("%o", "");
    store("%o", q, "%out");
    footer();
  }

  const DecodeGeometry &g;
  std::ostringstream os;
  std::string q, kv, w1, b1, qc, kc, idx, weightTypes;
};
} // namespace

std::string buildDecodeModule(const DecodeGeometry &geometry) {
  return ModuleWriter(geometry).write();
}

std::string buildArtifactModule(const DecodeGeometry &model) {
  DecodeGeometry item = model.workItem();
  return ModuleWriter(item).write(writeManifest(model));
}

std::string writeManifest(const DecodeGeometry &g) {
  std::ostringstream os;
  os << "format = spotlight-artifact-1\n"
     << "target = " << g.target << "\n"
     << "query_heads = " << g.queryHeads << "\n"
     << "kv_heads = " << g.kvHeads << "\n"
     << "head_dim = " << g.headDim << "\n"
     << "code_heads = " << g.codeHeads << "\n"
     << "dtype = " << elementTypeName(g.dtype) << "\n"
     << "weight_dtype = " << elementTypeName(g.weightType) << "\n"
     << "mode = " << (g.headMode ? "head" : "group") << "\n"
     << "sink = " << g.sink << "\n"
     << "window = " << g.window << "\n"
     << "budget_count = " << g.budgetCount << "\n"
     << "budget_fraction = " << g.budgetFraction << "\n"
     << "min_budget = " << g.minBudget << "\n"
     << "max_tokens = " << g.maxTokens << "\n";
  if (g.scale)
    os << "scale = " << *g.scale << "\n";
  os << "entry_points = " << entry::encodeQueries << " " << entry::encodeKeys
     << " " << entry::select << " " << entry::decode << " "
     << entry::decodeDense << "\n";
  return os.str();
}

bool parseElementType(const std::string &name, ElementType &type) {
  for (ElementType t : {ElementType::F32, ElementType::F16, ElementType::BF16})
    if (name == elementTypeName(t)) {
      type = t;
      return true;
    }
  return false;
}

bool parseManifest(const std::string &text, DecodeGeometry &g,
                   std::string &error) {
  std::istringstream lines(text);
  std::string line, format;
  std::map<std::string, std::string> fields;
  while (std::getline(lines, line)) {
    size_t eq = line.find(" = ");
    if (eq == std::string::npos)
      continue;
    fields[line.substr(0, eq)] = line.substr(eq + 3);
  }
  if (fields["format"] != "spotlight-artifact-1") {
    error = "not a spotlight artifact manifest (format '" + fields["format"] +
            "')";
    return false;
  }
  auto integer = [&](const char *key, int64_t &out) {
    std::string value = fields[key];
    char *end = nullptr;
    out = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') {
      error = std::string("manifest field '") + key + "' is missing or bad";
      return false;
    }
    return true;
  };
  if (!integer("query_heads", g.queryHeads) ||
      !integer("kv_heads", g.kvHeads) || !integer("head_dim", g.headDim) ||
      !integer("code_heads", g.codeHeads) || !integer("sink", g.sink) ||
      !integer("window", g.window) ||
      !integer("budget_count", g.budgetCount) ||
      !integer("min_budget", g.minBudget) ||
      !integer("max_tokens", g.maxTokens))
    return false;
  if (!parseElementType(fields["dtype"], g.dtype) ||
      !parseElementType(fields["weight_dtype"], g.weightType)) {
    error = "manifest element types are missing or bad";
    return false;
  }
  if (fields["mode"] != "group" && fields["mode"] != "head") {
    error = "manifest mode must be group or head";
    return false;
  }
  g.headMode = fields["mode"] == "head";
  // Artifacts from before CUDA support say nothing: they are CPU code.
  g.target = fields.count("target") ? fields["target"] : "cpu";
  g.budgetFraction = std::strtod(fields["budget_fraction"].c_str(), nullptr);
  if (fields.count("scale"))
    g.scale = std::strtof(fields["scale"].c_str(), nullptr);
  g.batch = 1;
  error = g.validate();
  return error.empty();
}

} // namespace spotlight
