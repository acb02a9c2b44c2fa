//===- DecodeModule.cpp - Decode modules from a model geometry ------------===//

#include "spotlight/Codegen/DecodeModule.h"

#include <sstream>

namespace spotlight {

namespace {
/// Emits the module text function by function.
class ModuleWriter {
public:
  explicit ModuleWriter(const DecodeGeometry &g) : g(g) {
    using abi::ArgKind, abi::argType;
    q = argType(ArgKind::Query, g);
    kv = argType(ArgKind::Keys, g);
    w1 = argType(ArgKind::W1, g);
    b1 = argType(ArgKind::B1, g);
    qc = argType(ArgKind::QueryCodes, g);
    kc = argType(ArgKind::KeyCodes, g);
    idx = argType(ArgKind::Indices, g);
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

  /// The function's signature, from the ABI's table of entry points.
  void header(abi::EntryPoint entry) {
    os << "  func.func @" << abi::entrySymbol(entry) << "(";
    const char *separator = "";
    for (abi::ArgKind kind : abi::entryArgs(entry)) {
      os << separator << "%" << abi::argName(kind) << ": "
         << abi::argType(kind, g);
      separator = ", ";
    }
    os << ") attributes {llvm.emit_c_interface} {\n";
  }
  void footer() { os << "    return\n  }\n"; }

  /// `%name = tensor.empty(...)` sized like `type`, N taken from `%k`-like
  /// `source` when the type is dynamic.
  void empty(const std::string &name, const std::string &type,
             const std::string &source = "",
             const std::string &sourceType = "") {
    if (type.find('?') == std::string::npos) {
      os << "    " << name << " = tensor.empty() : " << type << "\n";
      return;
    }
    os << "    %c2_" << name.substr(1) << " = arith.constant 2 : index\n"
       << "    %n_" << name.substr(1) << " = tensor.dim " << source << ", %c2_"
       << name.substr(1) << " : " << sourceType << "\n"
       << "    " << name << " = tensor.empty(%n_" << name.substr(1)
       << ") : " << type << "\n";
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
      os << std::scientific << g.budgetFraction << std::defaultfloat
         << " : f64";
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
      os << "    " << result
         << " = spotlight.decode_attention ins(%q, %k, %v : " << q << ", " << kv
         << ", " << kv << ") outs(%o_init : " << q << ")" << scaleAttr()
         << "\n";
    else
      os << "    " << result << " = spotlight.sparse_attention ins(%q, %k, %v, "
         << indices << " : " << q << ", " << kv << ", " << kv << ", " << idx
         << ") outs(%o_init : " << q << ")" << scaleAttr() << "\n";
  }

  void encodeQueries() {
    header(abi::EntryPoint::EncodeQueries);
    hashQueries("%qc");
    store("%qc", qc, "%qc_out");
    footer();
  }

  void encodeKeys() {
    header(abi::EntryPoint::EncodeKeys);
    empty("%kc_init", kc, "%k", kv);
    os << "    %kc = spotlight.hash_encode ins(%k, %w1, %b1, %w2, %b2 : " << kv
       << ", " << weightTypes << ") outs(%kc_init : " << kc << ")\n";
    store("%kc", kc, "%kc_out");
    footer();
  }

  void select() {
    header(abi::EntryPoint::Select);
    hamming("%idx", "%qc", "%kc");
    store("%idx", idx, "%idx_out");
    footer();
  }

  void attend() {
    header(abi::EntryPoint::Attend);
    attention("%o", "%idx");
    store("%o", q, "%out");
    footer();
  }

  void decode() {
    header(abi::EntryPoint::Decode);
    hashQueries("%qc");
    hamming("%idx", "%qc", "%kc");
    attention("%o", "%idx");
    store("%o", q, "%out");
    store("%idx", idx, "%idx_out");
    footer();
  }

  void decodeDense() {
    header(abi::EntryPoint::DecodeDense);
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
  return ModuleWriter(item).write(abi::writeManifest(model));
}

} // namespace spotlight
