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

std::string Metrics::render(
    std::size_t queue_depth, std::size_t in_flight,
    const std::vector<std::pair<std::string, std::size_t>>& by_state) const {
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
  out += "wangge_worker_queue_depth " + std::to_string(queue_depth) + "\n";
  out +=
      "# HELP wangge_http_in_flight Requests being answered.\n# TYPE wangge_http_in_flight gauge\n";
  out += "wangge_http_in_flight " + std::to_string(in_flight) + "\n";
  out += "# HELP wangge_reports Reports by state.\n# TYPE wangge_reports gauge\n";
  for (const auto& [state, n] : by_state)
    out += "wangge_reports{state=\"" + state + "\"} " + std::to_string(n) + "\n";
  return out;
}

}  // namespace wangge::http
