//===- EntryPoints.h - The entry points of an artifact ----------*- C++ -*-===//
//
// The functions of a decode module (EntryPoints.def): their symbols, their
// arguments, and the MLIR types of those arguments for a geometry. Names
// carry a `spotlight_` prefix so they never collide with libc (`select`).
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_ABI_ENTRYPOINTS_H
#define SPOTLIGHT_ABI_ENTRYPOINTS_H

#include "spotlight/ABI/Geometry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spotlight::abi {

/// The kinds of entry-point arguments; unscoped in a namespace of their own
/// so that `using namespace arg` lets the table's bare names stand.
namespace arg {
enum Kind : int {
#define SPOTLIGHT_ARG(Kind, name, rank, isOutput) Kind,
#include "spotlight/ABI/EntryPoints.def"
};
} // namespace arg
using ArgKind = arg::Kind;

/// Which modules hold an entry point (EntryPoints.def).
enum class EntryScope { Contiguous, Batch, KVHead, TokenSplit };

/// The entry points.
enum class EntryPoint {
#define SPOTLIGHT_ENTRY_POINT(Id, symbol, scope, ...) Id,
#include "spotlight/ABI/EntryPoints.def"
};

constexpr int argRank(ArgKind kind) {
  switch (kind) {
#define SPOTLIGHT_ARG(Kind, name, rank, isOutput)                              \
  case ArgKind::Kind:                                                          \
    return rank;
#include "spotlight/ABI/EntryPoints.def"
  }
  return 0;
}

/// Whether the argument is an output (a memref the function writes).
bool argIsOutput(ArgKind kind);
/// The argument's SSA name in generated modules ("q", "kc_out", ...).
const char *argName(ArgKind kind);
/// The argument's shape for a geometry; -1 is the dynamic token count.
std::vector<int64_t> argShape(ArgKind kind, const DecodeGeometry &g);
/// The argument's element type name ("bf16", "i32", ...).
std::string argElement(ArgKind kind, const DecodeGeometry &g);
/// The argument's MLIR type, e.g. "tensor<1x7x128xbf16>",
/// "memref<1x1x?x7x4xi32>".
std::string argType(ArgKind kind, const DecodeGeometry &g);

/// The function's symbol ("spotlight_decode").
const char *entrySymbol(EntryPoint entry);
/// The C-interface symbol an artifact exports
/// ("_mlir_ciface_spotlight_decode").
std::string entryCInterfaceSymbol(EntryPoint entry);
EntryScope entryScope(EntryPoint entry);
/// Whether an artifact compiled for `model` holds the function (and the
/// runtime loads it): the batch step always, the one-KV-head step and the
/// token split on the CPU.
bool entryInArtifact(EntryPoint entry, const DecodeGeometry &model);
/// The geometry of the function in an artifact of `model`: any batch, or
/// (KVHead) one sequence's KV head, DecodeGeometry::kvHeadSlice.
DecodeGeometry entryGeometry(EntryPoint entry, const DecodeGeometry &model);
/// The function's arguments, in order.
const std::vector<ArgKind> &entryArgs(EntryPoint entry);
/// Every entry point, in table order.
const std::vector<EntryPoint> &allEntryPoints();
/// The function type as MLIR prints it: "(tensor<...>, memref<...>) -> ()".
std::string entrySignature(EntryPoint entry, const DecodeGeometry &g);

} // namespace spotlight::abi

#endif // SPOTLIGHT_ABI_ENTRYPOINTS_H
