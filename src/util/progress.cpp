#include "wangge/util/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "wangge/util/number.hpp"

namespace wangge {

ProgressBar::ProgressBar(std::string label, std::size_t total)
    : label_(std::move(label)),
      total_(total),
      visible_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  finish();
}

void ProgressBar::advance(std::size_t n) {
  done_.fetch_add(n, std::memory_order_relaxed);
  if (!visible_) return;
  const auto now = std::chrono::steady_clock::now();
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock() || now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  draw(false);
}

void ProgressBar::finish() {
  std::lock_guard lock(draw_mutex_);
  if (finished_) return;
  finished_ = true;
  if (visible_) draw(true);
}

void ProgressBar::draw(bool final) {
  const std::size_t done = done_.load(std::memory_order_relaxed);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
  constexpr int kWidth = 30;
  if (total_ > 0) {
    const double share = static_cast<double>(done) / static_cast<double>(total_);
    const int filled = number::clamp_to<int>(share * kWidth + 0.5, 0, kWidth);
    std::fprintf(stderr, "\r%s [%-*.*s] %5.1f%% %zu/%zu (%.0f/s)", label_.c_str(), kWidth, filled,
                 "##############################", share * 100.0, done, total_, rate);
  } else {
    std::fprintf(stderr, "\r%s %zu (%.0f/s)", label_.c_str(), done, rate);
  }
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace wangge
