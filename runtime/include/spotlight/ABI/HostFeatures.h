//===- HostFeatures.h - Whether this CPU runs an artifact's code -*- C++ -*-=//
//
// A CPU artifact is compiled for one CPU (`--cpu=native` by default), and
// its code may use any instruction that CPU has. Loaded on a CPU without
// them it would die of SIGILL at its first step; so the manifest records the
// target's features, and the runtime refuses an artifact whose features this
// CPU lacks.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_ABI_HOSTFEATURES_H
#define SPOTLIGHT_ABI_HOSTFEATURES_H

#include <string>
#include <vector>

namespace spotlight::abi {

/// The names in `features` (comma-separated LLVM x86 feature names, as a
/// manifest's `host_features` records them) that this CPU lacks, by CPUID.
/// A name the check does not know (a tuning flag, another architecture's
/// feature) counts as present: the check guards against the instruction
/// sets newer CPUs add, which it lists.
std::vector<std::string> missingHostFeatures(const std::string &features);

} // namespace spotlight::abi

#endif // SPOTLIGHT_ABI_HOSTFEATURES_H
