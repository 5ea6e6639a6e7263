#pragma once
// At most N callers at once run a costly piece of work (an argon2id hash, an image decode);
// the others wait a bounded time for a turn, then are refused with Error(unavailable), so a
// burst of requests queues briefly instead of exhausting memory or CPU.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "wangge/util/error.hpp"

namespace wangge {

class Gate {
 public:
  Gate(unsigned limit, std::chrono::milliseconds wait) : limit_(limit), wait_(wait) {}
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;

  /// Runs @p fn in a turn and returns what it returns.
  /// @throws Error(unavailable, @p busy) when no turn came within the wait; what @p fn throws.
  template <class Fn>
  auto run(Fn&& fn, const std::string& busy) {
    {
      std::unique_lock lock(mutex_);
      if (!freed_.wait_for(lock, wait_, [&] { return running_ < limit_; }))
        throw Error(ErrorCode::unavailable, busy);
      ++running_;
    }
    struct Release {
      Gate& g;
      ~Release() {
        {
          std::lock_guard l(g.mutex_);
          --g.running_;
        }
        g.freed_.notify_one();
      }
    } release{*this};
    return fn();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  unsigned running_ = 0;
  const unsigned limit_;
  const std::chrono::milliseconds wait_;
};

}  // namespace wangge
