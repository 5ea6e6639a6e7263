#pragma once
// A progress bar for long CLI work. It draws on stderr only when stderr is a terminal, so
// scripts and CI logs stay clean; it is safe to advance from several threads.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace wangge {

class ProgressBar {
 public:
  /// @param label  what is being counted ("points")
  /// @param total  the number of items expected (0 = unknown)
  ProgressBar(std::string label, std::size_t total);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Records @p n more items done; redraws at most ten times a second.
  void advance(std::size_t n = 1);
  /// Draws the final state and ends the line (idempotent).
  void finish();
  /// @returns whether the bar is drawn at all (stderr is a terminal).
  bool visible() const noexcept { return visible_; }

 private:
  void draw(bool final);

  std::string label_;
  std::size_t total_;
  bool visible_;
  bool finished_ = false;
  std::atomic<std::size_t> done_{0};
  std::mutex draw_mutex_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace wangge
