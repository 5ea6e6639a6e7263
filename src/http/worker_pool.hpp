#pragma once
// A fixed set of worker threads with a bounded queue: blocking work (the store) runs here,
// never on the I/O threads; a full queue is refused at once so the caller can answer 503.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wangge::http {

class WorkerPool {
 public:
  WorkerPool(unsigned threads, std::size_t capacity);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Queues @p job; false when the queue is full or the pool is stopping.
  bool try_submit(std::function<void()> job);
  /// Jobs waiting (not yet running).
  std::size_t depth() const;
  /// Refuses new jobs, runs the queued ones to the end, joins the threads. Idempotent.
  void drain();

 private:
  void run();
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wangge::http
