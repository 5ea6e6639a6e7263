#pragma once
// Prometheus metrics: requests by route and status, a latency histogram, the worker queue's
// depth and, at each scrape, reports by state and the tile cache's counters.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "wangge/tiles/tile_cache.hpp"

namespace wangge::http {

/// What is read at each scrape, besides the counters Metrics keeps.
struct Scrape {
  std::size_t queue_depth = 0;
  std::size_t in_flight = 0;
  std::vector<std::pair<std::string, std::size_t>> reports_by_state;
  tiles::TileCacheStats tile_cache;
  std::size_t store_memory_bytes = 0;  ///< Store::memory_bytes (SQLite's caches)
  std::vector<std::pair<std::string, std::size_t>> deliveries_by_state = {};  ///< the outbox
  std::uint64_t delivery_tries_ok = 0, delivery_tries_failed = 0;  ///< this process's runner
  std::uint64_t digests_sent = 0;       ///< digests (汇总) this process's runner delivered
  std::uint64_t deliveries_purged = 0;  ///< finished deliveries deleted after the retention
  std::size_t stream_listeners = 0;     ///< Server-Sent Events listeners connected
  bool leads = true;  ///< this node runs the cluster's ticker and outbox (Service::leads)
  /// The read replica, if any (Service::store_replica): reads that may lag go to it now; how far
  /// behind it was at the last look (ms, negative when it could not be read).
  bool replica_configured = false, replica_in_use = false;
  long long replica_lag_ms = -1;
};

class Metrics {
 public:
  void observe(const std::string& route, int status, double seconds);
  /// The exposition text.
  std::string render(const Scrape& now) const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::size_t> requests_;
  std::array<std::size_t, kBuckets.size() + 1> histogram_{};
  double latency_sum_ = 0;
  std::size_t latency_count_ = 0;
};

}  // namespace wangge::http
