//===- ThreadPool.cpp - Work-item parallelism for the runtime -------------===//

#include "ThreadPool.h"

#include <system_error>

namespace spotlight::runtime {

ThreadPool::ThreadPool(unsigned threads) {
  // A thread the system refuses (EAGAIN: a process or memory limit) leaves
  // the pool smaller, not failed: the caller's thread works too.
  try {
    for (unsigned i = 1; i < threads; ++i)
      workers.emplace_back([this] { workerLoop(); });
  } catch (const std::system_error &) {
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &worker : workers)
    worker.join();
}

void ThreadPool::runItems() {
  std::unique_lock<std::mutex> lock(mutex);
  while (job && next < jobSize) {
    int64_t item = next++;
    const auto *body = job;
    lock.unlock();
    (*body)(item);
    lock.lock();
    if (++finished == jobSize)
      done.notify_all();
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
    }
    runItems();
  }
}

void ThreadPool::parallelFor(int64_t count,
                             const std::function<void(int64_t)> &body) {
  if (count <= 0)
    return;
  if (workers.empty() || count == 1) {
    for (int64_t i = 0; i < count; ++i)
      body(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    job = &body;
    jobSize = count;
    next = finished = 0;
    ++generation;
  }
  wake.notify_all();
  runItems();
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return finished == jobSize; });
  job = nullptr;
}

} // namespace spotlight::runtime
