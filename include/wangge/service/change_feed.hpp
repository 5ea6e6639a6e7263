#pragma once
// The feed of committed report changes, for live updates (Server-Sent Events): every change is
// numbered in this process and stamped with the case's update time ("<boot>.<seq>.<ms>"), kept
// in a ring of the most recent ones for resuming after a disconnect, and fanned out by one
// thread to the listeners, each of which decides what its viewer may see and pushes without
// waiting (a stalled listener is dropped, never waited for).
//
// A listener that resumes with an id of this boot still in the ring gets exactly what it
// missed. One that resumes with an id from another node or an earlier boot (behind nginx, the
// next connection may reach any node) gets, from the store, every case changed since that
// id's time less a margin for the nodes' clocks (History): at least once, so a change may
// come twice (its version tells). Only when that is more than a replay carries, or the id has
// no time, is it told to reload (reset).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
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

/// The cases changed at or after an instant, oldest first (the store's listing by update
/// time); std::nullopt when there are more than @p limit.
using ChangeHistory = std::function<std::optional<std::vector<dispatch::Report>>(
    dispatch::Instant since, std::size_t limit)>;

struct ChangeFeedOptions {
  std::size_t ring = 10000;      ///< changes kept for resuming
  std::size_t max_replay = 500;  ///< changes read back from the store for one resume
  /// How far before a resume id's time the store is read: the nodes' clocks may differ, and a
  /// change heard from another node may come after a later one of this node's.
  std::chrono::milliseconds clock_margin{5000};
  /// A resume id older than this is told to reload rather than replayed.
  std::chrono::milliseconds max_gap{std::chrono::hours(1)};
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
  /// Where a resume from another node or boot reads what it missed (set once, at start).
  void set_history(ChangeHistory history);
  /// Adds @p listener; when @p after is given (the last id it saw), first replays what it
  /// missed: from the ring when the id is this boot's and still there, else from the history
  /// (on the caller's thread; the fan-out goes on meanwhile), else it tells it to reset.
  /// @throws Error(unavailable) when max_listeners listen already.
  void listen(std::shared_ptr<ChangeListener> listener, const std::optional<std::string>& after);
  /// Every listener is told to reload (reset): the changes it would need are not all known here
  /// (this process was cut off from the others for longer than the ring holds).
  void reset_listeners();
  /// "<boot>.<seq>.<ms>" of @p c: ms is the case's update time. A change read back from the
  /// store for a resume (seq 0) is "h.0.<ms>": resuming after it reads the store again.
  std::string id_of(const Change& c) const;
  std::size_t listeners() const;
  /// Stops the fan-out thread (listeners are dropped).
  void stop();

 private:
  void run();
  /// Under the lock: whether seq @p seq of this boot can be resumed from the ring.
  bool in_ring(std::uint64_t seq) const;
  /// Under the lock: the ring's changes after @p seq that the fan-out has sent, to @p listener.
  /// @returns false when it is gone.
  bool replay_ring(ChangeListener& listener, std::uint64_t seq) const;

  const ChangeFeedOptions options_;
  const std::string boot_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Change> ring_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t delivered_ = 0;  ///< the fan-out has delivered every change up to this one
  std::vector<std::shared_ptr<ChangeListener>> listeners_;
  ChangeHistory history_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wangge::service
