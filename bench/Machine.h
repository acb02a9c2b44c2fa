//===- Machine.h - What the benchmarks ran on -------------------*- C++ -*-===//

#ifndef SPOTLIGHT_BENCH_MACHINE_H
#define SPOTLIGHT_BENCH_MACHINE_H

#include <fstream>
#include <string>

namespace spotlight::bench {

/// The CPU's model name from /proc/cpuinfo, for the benchmarks' headers.
inline std::string cpuName() {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_MACHINE_H
