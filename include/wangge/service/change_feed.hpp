#pragma once
// The feed of committed report changes, for live updates (Server-Sent Events): every change is
// numbered in this process ("<boot>.<seq>"), kept in a ring of the most recent ones for
// resuming after a disconnect, and fanned out by one thread to the listeners, each of which
// decides what its viewer may see and pushes without waiting (a stalled listener is dropped,
// never waited for).
//
// The feed is this process's: a listener that resumes with an id from another boot, or one
// older than the ring, is told to reload (reset) instead of being given a partial history.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wangge/dispatch/report.hpp"

namespace wangge::service {

struct Change {
  std::uint64_t seq = 0;
  std::shared_ptr<const dispatch::Report> report;  ///< as committed
};

class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  /// One change (in order). @returns false to be dropped (the client is gone or stalled).
  virtual bool deliver(const Change& change) = 0;
  /// Nothing happened for a while. @returns false to be dropped.
  virtual bool heartbeat() = 0;
  /// The resume point is lost: the client must reload. @returns false to be dropped.
  virtual bool reset() = 0;
};

struct ChangeFeedOptions {
  std::size_t ring = 10000;           ///< changes kept for resuming
  std::size_t max_listeners = 10000;  ///< more are refused (503)
  std::chrono::milliseconds heartbeat{
      15000};  ///< a comment line when quiet (proxies close idle streams)
};

class ChangeFeed {
 public:
  explicit ChangeFeed(ChangeFeedOptions options = {});
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  /// A committed change of @p r (called after the commit).
  void publish(const dispatch::Report& r);
  /// Adds @p listener; when @p after is given ("<boot>.<seq>", the last id it saw), first
  /// replays what it missed, or tells it to reset when that is no longer known.
  /// @throws Error(unavailable) when max_listeners listen already.
  void listen(std::shared_ptr<ChangeListener> listener, const std::optional<std::string>& after);
  /// Every listener is told to reload (reset): the changes it would need are not all known here
  /// (this process was cut off from the others for longer than the ring holds).
  void reset_listeners();
  /// "<boot>.<seq>" of @p c.
  std::string id_of(const Change& c) const;
  std::size_t listeners() const;
  /// Stops the fan-out thread (listeners are dropped).
  void stop();

 private:
  void run();

  const ChangeFeedOptions options_;
  const std::string boot_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Change> ring_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t delivered_ = 0;  ///< the fan-out has delivered every change up to this one
  std::vector<std::shared_ptr<ChangeListener>> listeners_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wangge::service
