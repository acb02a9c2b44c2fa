//===- ThreadPool.h - Work-item parallelism for the runtime -----*- C++ -*-===//

#ifndef SPOTLIGHT_RUNTIME_THREADPOOL_H
#define SPOTLIGHT_RUNTIME_THREADPOOL_H

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace spotlight::runtime {

/// A fixed set of workers that run `parallelFor` jobs; the calling thread
/// works too. One job at a time per pool (each cache owns one).
class ThreadPool {
public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// The threads that run a job: the workers and the caller.
  unsigned threads() const { return unsigned(workers.size()) + 1; }

  /// Calls `body(i)` for every i in [0, count) and waits for all of them.
  void parallelFor(int64_t count, const std::function<void(int64_t)> &body);

private:
  void workerLoop();
  void runItems();

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, done;
  const std::function<void(int64_t)> *job = nullptr;
  int64_t jobSize = 0, next = 0, finished = 0;
  uint64_t generation = 0;
  bool stopping = false;
};

} // namespace spotlight::runtime

#endif // SPOTLIGHT_RUNTIME_THREADPOOL_H
