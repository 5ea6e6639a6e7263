#include "limits.hpp"

#include <algorithm>
#include <cmath>

namespace wangge::http {

std::optional<double> RateLimiter::take(const std::string& who, double rate, double burst_seconds,
                                        Clock::time_point now, double cost) {
  // No limit unless the rate is a finite positive number, so a wait is always a finite
  // positive number (the server turns it into an integer Retry-After).
  if (!(rate > 0) || !std::isfinite(rate)) return std::nullopt;
  const double capacity = std::max(1.0, rate * burst_seconds);
  std::lock_guard lock(mutex_);
  if (buckets_.size() > 100000) {
    // Forget the buckets that have refilled: they behave exactly as new ones.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double refilled =
          it->second.tokens + rate * std::chrono::duration<double>(now - it->second.last).count();
      it = refilled >= capacity ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(who, Bucket{capacity, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens =
        std::min(capacity, b.tokens + rate * std::chrono::duration<double>(now - b.last).count());
    b.last = now;
  }
  const double need = std::min(cost, capacity);
  if (b.tokens >= need) {
    b.tokens -= need;
    return std::nullopt;
  }
  return (need - b.tokens) / rate;
}

}  // namespace wangge::http
