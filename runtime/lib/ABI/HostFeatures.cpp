//===- HostFeatures.cpp - CPUID checks of LLVM's x86 feature names --------===//

#include "spotlight/ABI/HostFeatures.h"

#include <cstdint>
#include <sstream>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace spotlight::abi {
namespace {

#if defined(__x86_64__) || defined(__i386__)
enum Register { EAX, EBX, ECX, EDX };

/// Where CPUID reports an instruction-set feature, by LLVM's name for it.
struct CPUIDBit {
  const char *name;
  unsigned leaf, subleaf;
  Register reg;
  unsigned bit;
};

constexpr CPUIDBit kFeatures[] = {
    {"sse3", 1, 0, ECX, 0},          {"pclmul", 1, 0, ECX, 1},
    {"ssse3", 1, 0, ECX, 9},         {"fma", 1, 0, ECX, 12},
    {"cx16", 1, 0, ECX, 13},         {"sse4.1", 1, 0, ECX, 19},
    {"sse4.2", 1, 0, ECX, 20},       {"movbe", 1, 0, ECX, 22},
    {"popcnt", 1, 0, ECX, 23},       {"aes", 1, 0, ECX, 25},
    {"xsave", 1, 0, ECX, 26},        {"avx", 1, 0, ECX, 28},
    {"f16c", 1, 0, ECX, 29},         {"rdrnd", 1, 0, ECX, 30},
    {"bmi", 7, 0, EBX, 3},           {"avx2", 7, 0, EBX, 5},
    {"bmi2", 7, 0, EBX, 8},          {"avx512f", 7, 0, EBX, 16},
    {"avx512dq", 7, 0, EBX, 17},     {"rdseed", 7, 0, EBX, 18},
    {"adx", 7, 0, EBX, 19},          {"avx512ifma", 7, 0, EBX, 21},
    {"avx512cd", 7, 0, EBX, 28},     {"sha", 7, 0, EBX, 29},
    {"avx512bw", 7, 0, EBX, 30},     {"avx512vl", 7, 0, EBX, 31},
    {"avx512vbmi", 7, 0, ECX, 1},    {"avx512vbmi2", 7, 0, ECX, 6},
    {"gfni", 7, 0, ECX, 8},          {"vaes", 7, 0, ECX, 9},
    {"vpclmulqdq", 7, 0, ECX, 10},   {"avx512vnni", 7, 0, ECX, 11},
    {"avx512bitalg", 7, 0, ECX, 12}, {"avx512vpopcntdq", 7, 0, ECX, 14},
    {"avx512vp2intersect", 7, 0, EDX, 8},
    {"avx512fp16", 7, 0, EDX, 23},   {"amx-bf16", 7, 0, EDX, 22},
    {"amx-tile", 7, 0, EDX, 24},     {"amx-int8", 7, 0, EDX, 25},
    {"avxvnni", 7, 1, EAX, 4},       {"avx512bf16", 7, 1, EAX, 5},
    {"lzcnt", 0x80000001, 0, ECX, 5}, {"sse4a", 0x80000001, 0, ECX, 6},
    {"xop", 0x80000001, 0, ECX, 11}, {"fma4", 0x80000001, 0, ECX, 16},
    {"tbm", 0x80000001, 0, ECX, 21},
};

bool hostHas(const CPUIDBit &feature) {
  unsigned regs[4] = {};
  const unsigned top = __get_cpuid_max(feature.leaf & 0x80000000u, nullptr);
  if (top < feature.leaf ||
      !__get_cpuid_count(feature.leaf, feature.subleaf, &regs[EAX], &regs[EBX],
                         &regs[ECX], &regs[EDX]))
    return false;
  return (regs[feature.reg] >> feature.bit) & 1;
}
#endif

} // namespace

std::vector<std::string> missingHostFeatures(const std::string &features) {
  std::vector<std::string> missing;
  std::istringstream names(features);
  std::string name;
  while (std::getline(names, name, ',')) {
    if (!name.empty() && name[0] == '+')
      name.erase(0, 1);
#if defined(__x86_64__) || defined(__i386__)
    for (const CPUIDBit &feature : kFeatures)
      if (name == feature.name && !hostHas(feature))
        missing.push_back(name);
#endif
  }
  return missing;
}

} // namespace spotlight::abi
