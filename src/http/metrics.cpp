#include "metrics.hpp"

#include <cstdio>

namespace wangge::http {

void Metrics::observe(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  ++histogram_[b];
  latency_sum_ += seconds;
  ++latency_count_;
}

namespace {
/// The outbox's, the change streams' and the cluster's part of a scrape (no lock needed: all
/// of it comes from @p now).
std::string render_outbox_and_cluster(const Scrape& now) {
  std::string out;
  out +=
      "# HELP wangge_notification_deliveries Deliveries of notifications by state.\n"
      "# TYPE wangge_notification_deliveries gauge\n";
  for (const auto& [state, n] : now.deliveries_by_state)
    out += "wangge_notification_deliveries{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out +=
      "# HELP wangge_notification_tries_total Delivery tries by this process, by outcome.\n"
      "# TYPE wangge_notification_tries_total counter\n"
      "wangge_notification_tries_total{outcome=\"ok\"} " +
      std::to_string(now.delivery_tries_ok) +
      "\nwangge_notification_tries_total{outcome=\"failed\"} " +
      std::to_string(now.delivery_tries_failed) + "\n";
  out +=
      "# HELP wangge_notification_digests_total Digests (messages held past a channel's "
      "digest_after, sent as one) delivered by this process.\n"
      "# TYPE wangge_notification_digests_total counter\nwangge_notification_digests_total " +
      std::to_string(now.digests_sent) + "\n";
  out +=
      "# HELP wangge_notification_purged_total Finished deliveries deleted after the "
      "configuration's retention_days by this process.\n"
      "# TYPE wangge_notification_purged_total counter\nwangge_notification_purged_total " +
      std::to_string(now.deliveries_purged) + "\n";
  out +=
      "# HELP wangge_event_stream_listeners Server-Sent Events listeners connected.\n"
      "# TYPE wangge_event_stream_listeners gauge\nwangge_event_stream_listeners " +
      std::to_string(now.stream_listeners) + "\n";
  out +=
      "# HELP wangge_cluster_leader 1 when this node runs the ticker and the outbox.\n"
      "# TYPE wangge_cluster_leader gauge\nwangge_cluster_leader " +
      std::to_string(now.leads ? 1 : 0) + "\n";
  if (now.replica_configured) {
    out +=
        "# HELP wangge_read_replica_in_use 1 while reads that may lag go to the read replica "
        "(it is within --read-staleness).\n# TYPE wangge_read_replica_in_use gauge\n"
        "wangge_read_replica_in_use " +
        std::to_string(now.replica_in_use ? 1 : 0) + "\n";
    if (now.replica_lag_ms >= 0) {  // absent while the replica cannot be read
      char buf[64];
      std::snprintf(buf, sizeof buf, "wangge_read_replica_lag_seconds %.3f\n",
                    static_cast<double>(now.replica_lag_ms) / 1000.0);
      out +=
          "# HELP wangge_read_replica_lag_seconds How far the read replica was behind the "
          "primary at the last look (each second).\n# TYPE wangge_read_replica_lag_seconds "
          "gauge\n";
      out += buf;
    }
  }
  return out;
}
}  // namespace

std::string Metrics::render(const Scrape& now) const {
  const tiles::TileCacheStats& tiles = now.tile_cache;
  std::lock_guard lock(mutex_);
  std::string out;
  char buf[256];
  out += "# HELP wangge_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE wangge_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    std::snprintf(buf, sizeof buf, "wangge_http_requests_total{route=\"%s\",status=\"%d\"} %zu\n",
                  key.first.c_str(), key.second, n);
    out += buf;
  }
  out += "# HELP wangge_http_request_duration_seconds Time to answer a request.\n";
  out += "# TYPE wangge_http_request_duration_seconds histogram\n";
  std::size_t cumulative = 0;
  for (std::size_t b = 0; b < kBuckets.size(); ++b) {
    cumulative += histogram_[b];
    std::snprintf(buf, sizeof buf, "wangge_http_request_duration_seconds_bucket{le=\"%g\"} %zu\n",
                  kBuckets[b], cumulative);
    out += buf;
  }
  cumulative += histogram_.back();
  std::snprintf(buf, sizeof buf, "wangge_http_request_duration_seconds_bucket{le=\"+Inf\"} %zu\n",
                cumulative);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "wangge_http_request_duration_seconds_sum "
                "%.6f\nwangge_http_request_duration_seconds_count %zu\n",
                latency_sum_, latency_count_);
  out += buf;
  out +=
      "# HELP wangge_worker_queue_depth Requests waiting for a worker.\n# TYPE "
      "wangge_worker_queue_depth gauge\n";
  out += "wangge_worker_queue_depth " + std::to_string(now.queue_depth) + "\n";
  out +=
      "# HELP wangge_http_in_flight Requests being answered.\n# TYPE wangge_http_in_flight gauge\n";
  out += "wangge_http_in_flight " + std::to_string(now.in_flight) + "\n";
  out += "# HELP wangge_reports Reports by state.\n# TYPE wangge_reports gauge\n";
  for (const auto& [state, n] : now.reports_by_state)
    out += "wangge_reports{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  out +=
      "# HELP wangge_tile_cache_requests_total Tile look-ups by outcome (a wait joined a build "
      "already running).\n# TYPE wangge_tile_cache_requests_total counter\n";
  out += "wangge_tile_cache_requests_total{outcome=\"hit\"} " + std::to_string(tiles.hits) + "\n";
  out +=
      "wangge_tile_cache_requests_total{outcome=\"miss\"} " + std::to_string(tiles.misses) + "\n";
  out += "wangge_tile_cache_requests_total{outcome=\"wait\"} " + std::to_string(tiles.waits) + "\n";
  out +=
      "# HELP wangge_tile_cache_dropped_total Tiles dropped from the cache by cause.\n# TYPE "
      "wangge_tile_cache_dropped_total counter\n";
  out += "wangge_tile_cache_dropped_total{cause=\"invalidated\"} " +
         std::to_string(tiles.invalidated) + "\n";
  out +=
      "wangge_tile_cache_dropped_total{cause=\"evicted\"} " + std::to_string(tiles.evicted) + "\n";
  out +=
      "# HELP wangge_tile_cache_bytes Bytes of tiles in the cache.\n# TYPE wangge_tile_cache_bytes "
      "gauge\nwangge_tile_cache_bytes " +
      std::to_string(tiles.bytes) + "\n";
  out +=
      "# HELP wangge_tile_cache_entries Tiles in the cache.\n# TYPE wangge_tile_cache_entries "
      "gauge\nwangge_tile_cache_entries " +
      std::to_string(tiles.entries) + "\n";
  out +=
      "# HELP wangge_store_memory_bytes Memory the store's library holds in the process "
      "(SQLite's page caches and statements).\n# TYPE wangge_store_memory_bytes gauge\n"
      "wangge_store_memory_bytes " +
      std::to_string(now.store_memory_bytes) + "\n";
  out += render_outbox_and_cluster(now);
  return out;
}

}  // namespace wangge::http
