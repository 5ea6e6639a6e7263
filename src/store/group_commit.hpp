#pragma once
// The single writer thread of a store. Concurrent write() calls queue up; the writer takes
// every queued write (up to a batch limit), runs them in one transaction, commits once — one
// fsync for the whole batch — and only then wakes their callers. A write that throws is
// undone alone: the batch is rolled back and run again without it (writes must therefore be
// safe to run again, which they are: they read their inputs from the transaction).

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "wangge/store/store.hpp"

namespace wangge::store {

/// One database connection's transaction verbs, used only by the writer thread.
class TransactionBackend {
 public:
  virtual ~TransactionBackend() = default;
  virtual void begin() = 0;
  virtual void savepoint() = 0;
  virtual void release_savepoint() = 0;
  virtual void rollback_to_savepoint() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  virtual WriteTx& tx() = 0;
};

class GroupCommit {
 public:
  /// @param make_backend  called on the writer thread to open its connection
  GroupCommit(std::function<std::unique_ptr<TransactionBackend>()> make_backend,
              const StoreOptions& options);
  /// Runs every queued write, then stops the writer.
  ~GroupCommit();
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  /// Queues @p fn and waits until its batch is durable; rethrows what it threw.
  void submit(const std::function<void(WriteTx&)>& fn);

 private:
  struct Job {
    const std::function<void(WriteTx&)>* fn;
    std::promise<void> done;
  };
  void run(std::function<std::unique_ptr<TransactionBackend>()> make_backend,
           std::promise<void> ready);
  void run_batch(TransactionBackend& backend, std::deque<Job>& batch);

  std::size_t max_batch_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace wangge::store
