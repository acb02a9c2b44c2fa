//===- EntryPoints.cpp - The entry points of an artifact ------------------===//

#include "spotlight/ABI/EntryPoints.h"

#include <sstream>

namespace spotlight::abi {

bool argIsOutput(ArgKind kind) {
  switch (kind) {
#define SPOTLIGHT_ARG(Kind, name, rank, isOutput)                              \
  case ArgKind::Kind:                                                          \
    return isOutput;
#include "spotlight/ABI/EntryPoints.def"
  }
  return false;
}

const char *argName(ArgKind kind) {
  switch (kind) {
#define SPOTLIGHT_ARG(Kind, name, rank, isOutput)                              \
  case ArgKind::Kind:                                                          \
    return name;
#include "spotlight/ABI/EntryPoints.def"
  }
  return "";
}

std::vector<int64_t> argShape(ArgKind kind, const DecodeGeometry &g) {
  // -1 is a dynamic size: N, the pages P and slots T, and B for kAnyBatch.
  const int64_t B = g.batch, QH = g.queryHeads, KH = g.kvHeads, D = g.headDim;
  const int64_t W = g.codeWords(), C = g.keyCodesPerHead(), N = -1, P = -1,
                T = -1, page = g.pageSize;
  switch (kind) {
  case ArgKind::Query:
  case ArgKind::Out:
  case ArgKind::OutPartial:
    return {B, QH, D};
  case ArgKind::OutLse:
    return {B, QH};
  case ArgKind::Partials:
    return {-1, B, QH, D};
  case ArgKind::Lses:
    return {-1, B, QH};
  case ArgKind::Keys:
  case ArgKind::Values:
    return {B, KH, N, D};
  case ArgKind::QueryCodes:
  case ArgKind::OutQueryCodes:
    return {B, QH, 1, W};
  case ArgKind::KeyCodes:
  case ArgKind::OutKeyCodes:
    return {B, KH, N, C, W};
  case ArgKind::Indices:
  case ArgKind::OutIndices:
    return {B, g.selectionSets(), g.selectionSlots()};
  case ArgKind::W1:
  case ArgKind::W2:
    return {g.codeHeads, D, D};
  case ArgKind::B1:
  case ArgKind::B2:
    return {g.codeHeads, D};
  case ArgKind::KeyPool:
  case ArgKind::ValuePool:
  case ArgKind::OutKeyPool:
  case ArgKind::OutValuePool:
    return {P, page, KH, D};
  case ArgKind::CodePool:
  case ArgKind::OutCodePool:
    return {P, page, KH, C, W};
  case ArgKind::BlockTable:
    return {B, -1};
  case ArgKind::SeqLens:
    return {B};
  case ArgKind::NewKeys:
  case ArgKind::NewValues:
    return {T, KH, D};
  case ArgKind::SlotMapping:
    return {T};
  case ArgKind::TokenRanges:
    return {B, 2};
  case ArgKind::Scores:
  case ArgKind::OutScores:
    return {B, g.selectionSets(), N};
  case ArgKind::Histograms:
    return {-1, B, g.selectionSets(), g.selectionBins()};
  case ArgKind::OutHistograms:
    return {B, g.selectionSets(), g.selectionBins()};
  }
  return {};
}

std::string argElement(ArgKind kind, const DecodeGeometry &g) {
  switch (kind) {
  case ArgKind::Query:
  case ArgKind::Out:
  case ArgKind::Keys:
  case ArgKind::Values:
  case ArgKind::KeyPool:
  case ArgKind::ValuePool:
  case ArgKind::OutKeyPool:
  case ArgKind::OutValuePool:
  case ArgKind::NewKeys:
  case ArgKind::NewValues:
    return elementTypeName(g.dtype);
  case ArgKind::W1:
  case ArgKind::W2:
  case ArgKind::B1:
  case ArgKind::B2:
    return elementTypeName(g.weightType);
  case ArgKind::OutPartial:
  case ArgKind::OutLse:
  case ArgKind::Partials:
  case ArgKind::Lses:
    return "f32";
  default:
    return "i32";
  }
}

std::string argType(ArgKind kind, const DecodeGeometry &g) {
  std::ostringstream os;
  os << (argIsOutput(kind) ? "memref<" : "tensor<");
  for (int64_t d : argShape(kind, g))
    os << (d < 0 ? std::string("?") : std::to_string(d)) << "x";
  os << argElement(kind, g) << ">";
  return os.str();
}

const char *entrySymbol(EntryPoint entry) {
  switch (entry) {
#define SPOTLIGHT_ENTRY_POINT(Id, symbol, scope, ...)                         \
  case EntryPoint::Id:                                                         \
    return symbol;
#include "spotlight/ABI/EntryPoints.def"
  }
  return "";
}

std::string entryCInterfaceSymbol(EntryPoint entry) {
  return std::string("_mlir_ciface_") + entrySymbol(entry);
}

EntryScope entryScope(EntryPoint entry) {
  switch (entry) {
#define SPOTLIGHT_ENTRY_POINT(Id, symbol, scope, ...)                         \
  case EntryPoint::Id:                                                         \
    return EntryScope::scope;
#include "spotlight/ABI/EntryPoints.def"
  }
  return EntryScope::Contiguous;
}

bool entryInArtifact(EntryPoint entry, const DecodeGeometry &model) {
  switch (entryScope(entry)) {
  case EntryScope::Contiguous:
    return false;
  case EntryScope::Batch:
    return true;
  case EntryScope::KVHead:
  case EntryScope::TokenSplit:
    // One launch covers a whole batch on a GPU; only CPU steps split.
    return !model.isCUDA();
  }
  return false;
}

DecodeGeometry entryGeometry(EntryPoint entry, const DecodeGeometry &model) {
  return entryScope(entry) == EntryScope::KVHead ? model.kvHeadSlice()
                                                 : model.anyBatch();
}

const std::vector<ArgKind> &entryArgs(EntryPoint entry) {
  using namespace arg;
  switch (entry) {
#define SPOTLIGHT_ENTRY_POINT(Id, symbol, scope, ...)                         \
  case EntryPoint::Id: {                                                       \
    static const std::vector<ArgKind> args = {__VA_ARGS__};                    \
    return args;                                                               \
  }
#include "spotlight/ABI/EntryPoints.def"
  }
  static const std::vector<ArgKind> none;
  return none;
}

const std::vector<EntryPoint> &allEntryPoints() {
  static const std::vector<EntryPoint> all = {
#define SPOTLIGHT_ENTRY_POINT(Id, symbol, scope, ...) EntryPoint::Id,
#include "spotlight/ABI/EntryPoints.def"
  };
  return all;
}

std::string entrySignature(EntryPoint entry, const DecodeGeometry &g) {
  std::string text = "(";
  const char *separator = "";
  for (ArgKind kind : entryArgs(entry)) {
    text += separator + argType(kind, g);
    separator = ", ";
  }
  return text + ") -> ()";
}

} // namespace spotlight::abi
