#pragma once
// Reads that may lag, on a PostgreSQL read replica (private to the store module): how far
// behind the replica is, from a heartbeat row each node writes on the primary once a second
// and reads back on the replica.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace wangge::store {

class ReplicaLag {
 public:
  /// Starts the heartbeat: written through @p primary, read through @p replica (libpq strings).
  ReplicaLag(std::string primary, std::string replica, std::chrono::milliseconds staleness);
  ~ReplicaLag();
  ReplicaLag(const ReplicaLag&) = delete;
  ReplicaLag& operator=(const ReplicaLag&) = delete;

  /// Whether the replica was, at the last look (each second), at most the staleness behind.
  bool fresh() const noexcept { return fresh_.load(); }
  /// How far behind it was at the last look (ms), or -1 when it could not be read.
  long long lag_ms() const noexcept { return lag_ms_.load(); }

 private:
  void run();

  std::string primary_, replica_;
  std::chrono::milliseconds staleness_;
  std::atomic<bool> fresh_{false};
  std::atomic<long long> lag_ms_{-1};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wangge::store
