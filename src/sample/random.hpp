#pragma once
// A small deterministic random source for the sample generator. It does not use the standard
// library's distributions, whose algorithms differ between implementations, so a seed gives
// the same sample everywhere.

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace wangge::sample {

class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n).
  std::uint64_t below(std::uint64_t n) { return n ? engine_() % n : 0; }
  /// Standard normal (Box–Muller).
  double normal() {
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace wangge::sample
