//===- Manifest.cpp - The manifest an artifact carries --------------------===//

#include "spotlight/ABI/Manifest.h"

#include "spotlight/ABI/EntryPoints.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

namespace spotlight::abi {
namespace {
constexpr const char *kChecksumKey = "checksum = ";

/// FNV-1a: catches any edit of the manifest bytes; not a signature.
uint64_t checksum(const std::string &text) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : text)
    hash = (hash ^ c) * 0x100000001b3ull;
  return hash;
}

std::string hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(value));
  return text;
}

std::string signatureKey(EntryPoint entry) {
  return std::string("signature.") + entrySymbol(entry);
}
} // namespace

std::string describeGeometry(const DecodeGeometry &g) {
  std::ostringstream os;
  os.precision(17);
  os << "format = " << kManifestFormat << "\n"
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
     << "max_tokens = " << g.maxTokens << "\n"
     << "page_size = " << g.pageSize << "\n";
  if (g.scale)
    os << "scale = " << *g.scale << "\n";
  if (!g.hostFeatures.empty())
    os << "host_features = " << g.hostFeatures << "\n";
  return os.str();
}

std::string writeManifest(const DecodeGeometry &g) {
  std::ostringstream os;
  os << describeGeometry(g);
  for (EntryPoint entry : allEntryPoints())
    if (entryInArtifact(entry, g))
      os << signatureKey(entry) << " = "
         << entrySignature(entry, entryGeometry(entry, g)) << "\n";
  std::string text = os.str();
  return text + kChecksumKey + hex(checksum(text)) + "\n";
}

bool parseGeometry(const std::string &text, DecodeGeometry &g,
                   std::string &error) {
  auto failWith = [&](const std::string &message) {
    error = message;
    return false;
  };
  if (text.rfind(std::string("format = ") + kManifestFormat + "\n", 0) != 0)
    return failWith(std::string("not a manifest of this ABI (") +
                    kManifestFormat + "): recompile the artifact");
  std::istringstream lines(text);
  std::string line;
  std::map<std::string, std::string> fields;
  while (std::getline(lines, line)) {
    size_t eq = line.find(" = ");
    if (eq == std::string::npos ||
        !fields.emplace(line.substr(0, eq), line.substr(eq + 3)).second)
      return failWith("bad manifest line '" + line + "'");
  }
  auto integer = [&](const char *key, int64_t &out) {
    const std::string &value = fields[key];
    char *end = nullptr;
    errno = 0;
    out = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || errno == ERANGE)
      return failWith(std::string("manifest field '") + key +
                      "' is missing or bad");
    return true;
  };
  auto real = [&](const char *key, double &out) {
    const std::string &value = fields[key];
    char *end = nullptr;
    out = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !std::isfinite(out))
      return failWith(std::string("manifest field '") + key +
                      "' is missing or bad");
    return true;
  };
  if (!integer("query_heads", g.queryHeads) ||
      !integer("kv_heads", g.kvHeads) || !integer("head_dim", g.headDim) ||
      !integer("code_heads", g.codeHeads) || !integer("sink", g.sink) ||
      !integer("window", g.window) || !integer("budget_count", g.budgetCount) ||
      !integer("min_budget", g.minBudget) ||
      !integer("max_tokens", g.maxTokens) ||
      !integer("page_size", g.pageSize) ||
      !real("budget_fraction", g.budgetFraction))
    return false;
  if (!parseElementType(fields["dtype"], g.dtype) ||
      !parseElementType(fields["weight_dtype"], g.weightType))
    return failWith("manifest element types are missing or bad");
  if (fields["mode"] != "group" && fields["mode"] != "head")
    return failWith("manifest mode must be group or head");
  g.headMode = fields["mode"] == "head";
  g.target = fields["target"];
  g.hostFeatures = fields.count("host_features") ? fields["host_features"] : "";
  g.scale.reset();
  if (fields.count("scale")) {
    double scale = 0;
    if (!real("scale", scale))
      return false;
    g.scale = static_cast<float>(scale);
  }
  g.batch = 1;
  error = g.validate();
  return error.empty();
}

bool parseManifest(const std::string &text, DecodeGeometry &g,
                   std::string &error) {
  size_t sum = text.rfind(kChecksumKey);
  if (sum == std::string::npos || (sum && text[sum - 1] != '\n') ||
      text.substr(sum) !=
          kChecksumKey + hex(checksum(text.substr(0, sum))) + "\n") {
    error = "the manifest's checksum does not match its contents (the "
            "artifact was modified after compilation)";
    return false;
  }
  std::string body = text.substr(0, sum);
  if (!parseGeometry(body, g, error))
    return false;
  // The signatures were recorded from the compiled module: a geometry that
  // disagrees with them would make the runtime pass wrong-sized buffers.
  for (EntryPoint entry : allEntryPoints()) {
    if (!entryInArtifact(entry, g))
      continue;
    std::string expected = signatureKey(entry) + " = " +
                           entrySignature(entry, entryGeometry(entry, g)) +
                           "\n";
    if (body.find(expected) == std::string::npos) {
      error = std::string("the manifest's geometry disagrees with the "
                          "signature recorded for ") +
              entrySymbol(entry) + " (expected " +
              expected.substr(0, expected.size() - 1) + ")";
      return false;
    }
  }
  return true;
}

} // namespace spotlight::abi
