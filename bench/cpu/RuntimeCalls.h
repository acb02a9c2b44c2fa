//===- RuntimeCalls.h - What the CPU benchmarks share -----------*- C++ -*-===//
//
// Timing and C API calls for the benchmarks that drive the runtime: a
// failing call ends the benchmark with the runtime's message.
//
//===----------------------------------------------------------------------===//

#ifndef SPOTLIGHT_BENCH_CPU_RUNTIMECALLS_H
#define SPOTLIGHT_BENCH_CPU_RUNTIMECALLS_H

#include "spotlight/runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

namespace spotlight::bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

/// Median wall time of `reps` calls of `body`.
inline double median(int reps, const std::function<void()> &body) {
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    auto start = Clock::now();
    body();
    times.push_back(seconds(start));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

/// Shortest wall time of `reps` calls of `body`: for the machine's limits,
/// which a shared VM's neighbours only ever lower (its streaming read
/// measured 35 to 52 GB/s from one run to the next as a median of 5).
inline double fastest(int reps, const std::function<void()> &body) {
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    auto start = Clock::now();
    body();
    double t = seconds(start);
    best = r ? std::min(best, t) : t;
  }
  return best;
}

/// Shortest wall time of `reps` runs of `body(i)` on `threads` threads at
/// once (i = 0 .. threads - 1), each run timed from the first start to the
/// last join: the machine's limits with every core busy.
inline double fastestOnThreads(int reps, unsigned threads,
                               const std::function<void(unsigned)> &body) {
  return fastest(reps, [&] {
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i)
      pool.emplace_back([&, i] { body(i); });
    for (std::thread &thread : pool)
      thread.join();
  });
}

inline void check(spt_status status, const char *what) {
  if (status != SPT_OK) {
    std::fprintf(stderr, "%s: %s: %s\n", what, spt_status_name(status),
                 spt_last_error());
    std::exit(1);
  }
}

/// A runtime tensor over `data` (not a copy).
inline spt_tensor tensor(void *data, spt_dtype dtype,
                         std::vector<int64_t> shape) {
  spt_tensor t{data, dtype, static_cast<int32_t>(shape.size()), {}};
  for (size_t i = 0; i < shape.size(); ++i)
    t.shape[i] = shape[i];
  return t;
}

} // namespace spotlight::bench

#endif // SPOTLIGHT_BENCH_CPU_RUNTIMECALLS_H
