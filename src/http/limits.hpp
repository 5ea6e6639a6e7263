#pragma once
// Token buckets per API key and per client address: `rate` requests a second on average,
// bursts up to `rate × burst_seconds`. A refusal says how long to wait (Retry-After).

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace wangge::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  /// Takes @p cost tokens from @p who's bucket. @returns std::nullopt when allowed, else the
  /// seconds to wait until the bucket holds them. A refused take costs nothing.
  std::optional<double> take(const std::string& who, double rate, double burst_seconds,
                             Clock::time_point now, double cost = 1.0);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace wangge::http
