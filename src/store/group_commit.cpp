#include "group_commit.hpp"

#include <optional>

#include "wangge/util/error.hpp"
#include "wangge/util/parallel.hpp"

namespace wangge::store {

GroupCommit::GroupCommit(std::function<std::unique_ptr<TransactionBackend>()> make_backend,
                         const StoreOptions& options)
    : max_batch_(options.group_commit ? std::max<std::size_t>(options.max_batch, 1) : 1) {
  std::promise<void> ready;
  auto started = ready.get_future();
  writer_ = std::thread(&GroupCommit::run, this, std::move(make_backend), std::move(ready));
  try {
    started.get();  // the writer's connection is open, or its failure is rethrown here
  } catch (...) {
    writer_.join();
    throw;
  }
}

GroupCommit::~GroupCommit() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void GroupCommit::submit(const std::function<void(WriteTx&)>& fn) {
  std::future<void> done;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw Error(ErrorCode::unavailable, "the store is shutting down");
    queue_.push_back(Job{&fn, {}});
    done = queue_.back().done.get_future();
  }
  wake_.notify_one();
  done.get();
}

void GroupCommit::run(std::function<std::unique_ptr<TransactionBackend>()> make_backend,
                      std::promise<void> ready) {
  name_this_thread("wangge-writer");
  std::unique_ptr<TransactionBackend> backend;
  try {
    backend = make_backend();
    ready.set_value();
  } catch (...) {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    ready.set_exception(std::current_exception());
    return;
  }
  for (;;) {
    std::deque<Job> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(*backend, batch);
  }
}

void GroupCommit::run_batch(TransactionBackend& backend, std::deque<Job>& batch) {
  std::vector<std::exception_ptr> failures(batch.size());
  // First pass without savepoints (they cost two statements per write). A write that throws
  // rolls the whole transaction back; the batch then runs again without it, each write in its
  // own savepoint, so one more failure costs no further re-runs.
  bool with_savepoints = false;
  for (;;) {
    std::optional<std::size_t> failed;
    try {
      backend.begin();
      for (std::size_t i = 0; i < batch.size() && !failed; ++i) {
        if (failures[i]) continue;
        if (with_savepoints) backend.savepoint();
        try {
          (*batch[i].fn)(backend.tx());
          if (with_savepoints) backend.release_savepoint();
        } catch (...) {
          failures[i] = std::current_exception();
          if (with_savepoints) {
            backend.rollback_to_savepoint();
            backend.release_savepoint();
          } else {
            failed = i;
          }
        }
      }
      if (!failed) {
        backend.commit();
        break;
      }
      backend.rollback();
      with_savepoints = true;
    } catch (...) {
      // The transaction itself failed: nothing of this batch is durable.
      backend.rollback();
      auto failure = std::current_exception();
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        failure = std::make_exception_ptr(
            Error(ErrorCode::unavailable, std::string("the store could not commit: ") + e.what()));
      }
      for (auto& f : failures)
        if (!f) f = failure;
      break;
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (failures[i])
      batch[i].done.set_exception(failures[i]);
    else
      batch[i].done.set_value();
  }
}

}  // namespace wangge::store
