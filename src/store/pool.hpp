#pragma once
// A small pool of read connections: at most `max` open, each used by one thread at a time.

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace wangge::store {

template <class Connection>
class Pool {
 public:
  Pool(std::function<std::unique_ptr<Connection>()> open, std::size_t max)
      : open_(std::move(open)), max_(max ? max : 1) {}

  /// Runs @p fn(Connection&) on a free connection (opening one when below the limit, else
  /// waiting). A connection whose use threw is closed, not reused: it may be broken.
  template <class Fn>
  auto with(Fn&& fn) {
    std::unique_ptr<Connection> conn = take();
    Lease lease{*this, conn};
    if (!conn) conn = open_();
    auto result = fn(*conn);
    lease.healthy = true;
    return result;
  }

 private:
  struct Lease {
    Pool& pool;
    std::unique_ptr<Connection>& conn;
    bool healthy = false;
    ~Lease() {
      std::lock_guard lock(pool.mutex_);
      if (conn && healthy) {
        pool.idle_.push_back(std::move(conn));
      } else {
        --pool.open_count_;
      }
      pool.free_.notify_one();
    }
  };

  std::unique_ptr<Connection> take() {
    std::unique_lock lock(mutex_);
    free_.wait(lock, [&] { return !idle_.empty() || open_count_ < max_; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_count_;
    return nullptr;  // the caller opens it
  }

  std::function<std::unique_ptr<Connection>()> open_;
  std::size_t max_;
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_count_ = 0;
};

}  // namespace wangge::store
