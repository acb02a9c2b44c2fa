//===- ReadProbe.h - Streaming read bandwidth, measured on demand -*- C++ -*-//
//
// The byte bound of every step is its bytes at the streaming-read bandwidth.
// On a shared VM that bandwidth moves (39 to 67 GB/s on the same 2-core AMD
// EPYC from one minute to the next), so a bound measured once, minutes
// before a figure, made the figure's ratio swing with the machine rather
// than with the code. The probe keeps its buffer, and each row of figures
// measures the bandwidth next to its own steps (`around`).
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_BENCH_CPU_READPROBE_H
#define SPOTLIGHT_BENCH_CPU_READPROBE_H

#include "HugePages.h"
#include "RuntimeCalls.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

namespace spotlight::bench {

/// Streaming read: a sum over 512 MiB, far beyond the caches, in 2 MiB
/// pages like the runtime's pools, one thread per core (what a scan of the
/// key codes can hope for). Eight independent sums, so that the adds keep
/// up with the loads.
class ReadProbe {
public:
  explicit ReadProbe(unsigned threads)
      : threads(threads), data(kWords, 1), sums(threads) {}

  /// Bytes/s: the best of `reps` passes.
  double best(int reps) {
    double t = fastestOnThreads(reps, threads, [&](unsigned i) {
      uint64_t lane[8] = {};
      const size_t end = (i + 1) * kWords / threads;
      for (size_t w = i * kWords / threads; w + 8 <= end; w += 8)
        for (int l = 0; l < 8; ++l)
          lane[l] += data[w + l];
      uint64_t sum = 0;
      for (uint64_t x : lane)
        sum += x;
      sums[i] = sum;
    });
    return kWords * sizeof(uint64_t) / t;
  }

  /// Runs `measure` between two short probes and returns the best pass of
  /// either: the machine's bandwidth in the window of the measurement.
  double around(const std::function<void()> &measure) {
    const double before = best(3);
    measure();
    return std::max(before, best(3));
  }

private:
  static constexpr size_t kWords = (size_t(512) << 20) / sizeof(uint64_t);
  unsigned threads;
  PoolVector<uint64_t> data;
  std::vector<uint64_t> sums;
};

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_CPU_READPROBE_H
