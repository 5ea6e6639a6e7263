#pragma once
// The 督办 (supervision) ticker inside `wangge serve`: every period it asks the service to raise
// the supervision levels that have come due (催办, 督办, 挂牌督办) and the 报到 deadlines a
// whistled department missed (报到超时), so nothing waits for a cron job. One ticker per process;
// when several nodes share a database, the one that holds the cluster's lease ticks
// (Service::leads) and the others skip their turns until it is theirs.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wangge::service {

class Service;

class Ticker {
 public:
  /// What one turn did; the next one tries again whatever failed.
  struct Outcome {
    std::size_t raised = 0;  ///< supervision events raised
    std::string error;       ///< what stopped the tick (the store unavailable, …); "" if it ran
    /// What the store's housekeeping before the tick could not do (Service::maintain: a month's
    /// partition not made, …); the tick ran all the same.
    std::string housekeeping_error;
    std::vector<std::string> housekeeping;  ///< what the housekeeping did worth a line in the log
  };
  using Report = std::function<void(const Outcome&)>;

  /// Starts ticking at once and then every @p period, until destroyed or stop() is called.
  Ticker(Service& service, std::chrono::milliseconds period, Report report);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

  /// Stops and joins; a tick in progress finishes first.
  void stop();

 private:
  void run();

  Service& service_;
  const std::chrono::milliseconds period_;
  const Report report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wangge::service
