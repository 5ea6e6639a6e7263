// The change feed: every change fanned out once and in order; a listener resuming after an id
// gets exactly what it missed, then the rest live; an id from another boot or older than the
// ring is told to reload; one of another node or boot is resumed from the store.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "wangge/dispatch/time.hpp"
#include "wangge/service/change_feed.hpp"

namespace wangge::service {
namespace {

class Recorder : public ChangeListener {
 public:
  bool deliver(const Change& change) override {
    std::lock_guard lock(mutex_);
    seqs_.push_back(change.seq);
    texts_.push_back(change.report->text);
    changed_.notify_all();
    return true;
  }
  bool heartbeat() override { return true; }
  bool reset() override {
    std::lock_guard lock(mutex_);
    ++resets_;
    seqs_.push_back(0);  // a reload, in its place among the changes
    changed_.notify_all();
    return true;
  }
  /// Waits (at most 10 s) until @p n changes (or reloads, seen as 0) arrived; @returns them.
  std::vector<std::uint64_t> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10), [&] { return seqs_.size() >= n; });
    return seqs_;
  }
  std::vector<std::string> texts() {
    std::lock_guard lock(mutex_);
    return texts_;
  }
  int resets() {
    std::lock_guard lock(mutex_);
    return resets_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::uint64_t> seqs_;
  std::vector<std::string> texts_;
  int resets_ = 0;
};

dispatch::Report report(int i) {
  dispatch::Report r;
  r.id = "r" + std::to_string(i);
  r.text = "change " + std::to_string(i);
  return r;
}

using Seqs = std::vector<std::uint64_t>;

/// The change numbered @p seq, of a case last updated at @p updated (for its id).
Change change(std::uint64_t seq, dispatch::Instant updated = dispatch::Instant{}) {
  dispatch::Report r = report(static_cast<int>(seq));
  r.updated_at = updated;
  return Change{seq, std::make_shared<const dispatch::Report>(r)};
}

/// An id of another node (or an earlier boot) for a change of a case updated at @p updated.
std::string foreign_id(dispatch::Instant updated) {
  return "otherboo.42." + std::to_string(updated.time_since_epoch().count());
}

TEST(ChangeFeed, FansEveryChangeOutOnceInOrder) {
  ChangeFeed feed;
  auto live = std::make_shared<Recorder>();
  feed.listen(live, std::nullopt);
  for (int i = 1; i <= 50; ++i) feed.publish(report(i));
  const auto seen = live->wait_for(50);
  Seqs expected;
  for (std::uint64_t i = 1; i <= 50; ++i) expected.push_back(i);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(live->texts().front(), "change 1");
  EXPECT_EQ(live->texts().back(), "change 50");
}

TEST(ChangeFeed, AResumingListenerGetsWhatItMissedThenTheRestLive) {
  ChangeFeed feed;
  auto first = std::make_shared<Recorder>();
  feed.listen(first, std::nullopt);
  for (int i = 1; i <= 5; ++i) feed.publish(report(i));
  ASSERT_EQ(first->wait_for(5).size(), 5u);  // the fan-out has passed all five

  auto resumed = std::make_shared<Recorder>();
  feed.listen(resumed, feed.id_of(change(2)));
  EXPECT_EQ(resumed->wait_for(3), (Seqs{3, 4, 5}));
  feed.publish(report(6));
  EXPECT_EQ(resumed->wait_for(4), (Seqs{3, 4, 5, 6}));
  EXPECT_EQ(first->wait_for(6).size(), 6u);

  auto current = std::make_shared<Recorder>();
  feed.listen(current, feed.id_of(change(6)));  // saw everything: nothing replayed
  feed.publish(report(7));
  EXPECT_EQ(current->wait_for(1), (Seqs{7}));
  EXPECT_EQ(current->resets(), 0);
}

TEST(ChangeFeed, AnIdIsItsBootItsNumberAndItsCasesUpdateTime) {
  ChangeFeed feed;
  const dispatch::Instant at{dispatch::Milliseconds(1796000000123)};
  const std::string id = feed.id_of(change(17, at));
  EXPECT_TRUE(id.size() == 8 + 17 && id.substr(8) == ".17.1796000000123") << id;
  EXPECT_EQ(feed.id_of(change(0, at)), "h.0.1796000000123");  // read back from the store
}

TEST(ChangeFeed, AnIdFromAnotherBootOrOlderThanTheRingMeansReload) {
  ChangeFeedOptions options;
  options.ring = 3;
  ChangeFeed feed(options);
  auto first = std::make_shared<Recorder>();
  feed.listen(first, std::nullopt);
  for (int i = 1; i <= 10; ++i) {
    feed.publish(report(i));
    ASSERT_EQ(first->wait_for(i).size(), static_cast<std::size_t>(i));  // one at a time
  }

  auto foreign = std::make_shared<Recorder>();
  feed.listen(foreign, std::string("otherboo.9"));  // no time: nothing to resume from
  EXPECT_EQ(foreign->resets(), 1);
  auto stale = std::make_shared<Recorder>();
  feed.listen(stale, feed.id_of(change(2)));  // the ring keeps 8, 9, 10
  EXPECT_EQ(stale->resets(), 1);
  auto recent = std::make_shared<Recorder>();
  feed.listen(recent, feed.id_of(change(7)));  // 8, 9 and 10 are still known
  EXPECT_EQ(recent->wait_for(3), (Seqs{8, 9, 10}));
  feed.publish(report(11));
  EXPECT_EQ(recent->wait_for(4), (Seqs{8, 9, 10, 11}));
  // Told to reload, they stay and get what comes next.
  EXPECT_EQ(foreign->wait_for(2), (Seqs{0, 11}));
  EXPECT_EQ(stale->wait_for(2), (Seqs{0, 11}));
}

TEST(ChangeFeed, ResetListenersTellsEveryListenerToReloadAndKeepsThoseThatTookIt) {
  // A node that was cut off from the others for longer than it can replay tells its listeners
  // to reload; one that refuses the reset (its client is gone) is dropped.
  class Gone : public Recorder {
   public:
    bool reset() override {
      Recorder::reset();
      return false;
    }
  };
  ChangeFeed feed;
  auto a = std::make_shared<Recorder>();
  auto b = std::make_shared<Recorder>();
  auto gone = std::make_shared<Gone>();
  feed.listen(a, std::nullopt);
  feed.listen(b, std::nullopt);
  feed.listen(gone, std::nullopt);
  feed.publish(report(1));
  ASSERT_EQ(a->wait_for(1), (Seqs{1}));
  feed.reset_listeners();
  EXPECT_EQ(a->resets(), 1);
  EXPECT_EQ(b->resets(), 1);
  EXPECT_EQ(gone->resets(), 1);
  EXPECT_EQ(feed.listeners(), 2u);
  feed.publish(report(2));
  EXPECT_EQ(a->wait_for(3), (Seqs{1, 0, 2}));
  EXPECT_EQ(b->wait_for(3), (Seqs{1, 0, 2}));
}

TEST(ChangeFeed, AListenerOutrunByMoreThanTheRingIsToldToReloadNeverLeftWithAGap) {
  // Ten changes into a ring of two as fast as they come: the fan-out may fall behind (the
  // ring then drops changes it has not sent). Whatever the interleaving, a listener sees
  // every change in order, or a reload (0) before each gap.
  for (int run = 0; run < 20; ++run) {
    ChangeFeedOptions options;
    options.ring = 2;
    ChangeFeed feed(options);
    auto live = std::make_shared<Recorder>();
    feed.listen(live, std::nullopt);
    for (int i = 1; i <= 10; ++i) feed.publish(report(i));
    std::vector<std::uint64_t> seen;
    for (std::size_t n = 1; n <= 40; ++n) {
      seen = live->wait_for(n);
      if (!seen.empty() && seen.back() == 10) break;
    }
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back(), 10u);
    std::uint64_t last = 0;
    bool reloaded = false;
    for (const std::uint64_t s : seen) {
      if (s == 0) {
        reloaded = true;
        continue;
      }
      EXPECT_TRUE(s == last + 1 || (reloaded && s > last)) << "a gap before " << s;
      last = s;
      reloaded = false;
    }
  }
}

// ---- resuming from the store: an id of another node or boot --------------------------------

/// A history that answers @p cases for any instant and records what it was asked.
struct History {
  std::vector<dispatch::Report> cases;
  bool too_many = false;
  std::vector<std::pair<dispatch::Instant, std::size_t>> asked;
  std::function<void()> during;  ///< runs inside the read (a change committed meanwhile)
  ChangeHistory fn() {
    return [this](dispatch::Instant since,
                  std::size_t limit) -> std::optional<std::vector<dispatch::Report>> {
      asked.emplace_back(since, limit);
      if (during) during();
      if (too_many) return std::nullopt;
      return cases;
    };
  }
};

dispatch::Report updated(int i, dispatch::Instant at) {
  dispatch::Report r = report(i);
  r.updated_at = at;
  return r;
}

TEST(ChangeFeed, AnIdOfAnotherNodeGetsWhatTheStoreSaysChangedSinceThenTheRingThenLive) {
  ChangeFeed feed;
  const dispatch::Instant now = dispatch::now_utc();
  History history;
  history.cases = {updated(100, now - std::chrono::seconds(3)), updated(101, now)};
  feed.set_history(history.fn());
  auto first = std::make_shared<Recorder>();
  feed.listen(first, std::nullopt);
  feed.publish(report(1));  // long ago (updated at the epoch): not in the window
  ASSERT_EQ(first->wait_for(1).size(), 1u);
  // A change committed while the store is read: after the replay, in the ring.
  history.during = [&] { feed.publish(report(2)); };

  auto resumed = std::make_shared<Recorder>();
  const dispatch::Instant last_seen = now - std::chrono::seconds(4);
  feed.listen(resumed, foreign_id(last_seen));
  ASSERT_EQ(history.asked.size(), 1u);
  EXPECT_EQ(history.asked[0].first, last_seen - std::chrono::seconds(5));  // the clocks' margin
  EXPECT_EQ(history.asked[0].second, 500u);
  EXPECT_EQ(resumed->wait_for(3), (Seqs{0, 0, 2}));
  EXPECT_EQ(resumed->resets(), 0);
  EXPECT_EQ(resumed->texts(), (std::vector<std::string>{"change 100", "change 101", "change 2"}));
  feed.publish(report(3));
  EXPECT_EQ(resumed->wait_for(4), (Seqs{0, 0, 2, 3}));
  EXPECT_EQ(resumed->resets(), 0);
}

TEST(ChangeFeed, WhatThisNodeHeardInTheWindowIsReplayedTooForAReplicaThatLags) {
  // The store's read may come from a read replica a moment behind: a change this node has
  // heard within the window is replayed from the ring as well (at least once).
  ChangeFeed feed;
  const dispatch::Instant now = dispatch::now_utc();
  History history;  // the replica has none of it yet
  feed.set_history(history.fn());
  auto first = std::make_shared<Recorder>();
  feed.listen(first, std::nullopt);
  feed.publish(updated(1, now - std::chrono::minutes(10)));  // before the window
  feed.publish(updated(2, now - std::chrono::seconds(1)));   // in it
  ASSERT_EQ(first->wait_for(2).size(), 2u);
  auto resumed = std::make_shared<Recorder>();
  feed.listen(resumed, foreign_id(now - std::chrono::seconds(2)));
  EXPECT_EQ(resumed->wait_for(1), (Seqs{2}));
  EXPECT_EQ(resumed->resets(), 0);
}

TEST(ChangeFeed, AResumeTheStoreCannotCarryOrWithoutATimeOrTooOldMeansReload) {
  ChangeFeedOptions options;
  options.max_replay = 2;
  ChangeFeed feed(options);
  const dispatch::Instant now = dispatch::now_utc();
  History history;
  history.too_many = true;
  feed.set_history(history.fn());
  auto crowded = std::make_shared<Recorder>();
  feed.listen(crowded, foreign_id(now - std::chrono::seconds(30)));
  EXPECT_EQ(crowded->resets(), 1);
  EXPECT_EQ(history.asked.at(0).second, 2u);
  // Gone for more than an hour, a time no clock gives, a made-up id: a reload, and the store
  // is not read.
  for (const std::string& id :
       {foreign_id(now - std::chrono::hours(2)), std::string("otherboo.1.99999999999999999999"),
        std::string("otherboo.1.-5"), std::string("x.y.z"), std::string("..")}) {
    auto listener = std::make_shared<Recorder>();
    feed.listen(listener, id);
    EXPECT_EQ(listener->resets(), 1) << id;
  }
  EXPECT_EQ(history.asked.size(), 1u);
  // The store failing: a reload, and the listener stays for what comes next.
  feed.set_history(
      [](dispatch::Instant, std::size_t) -> std::optional<std::vector<dispatch::Report>> {
        throw std::runtime_error("the store is unavailable");
      });
  auto unlucky = std::make_shared<Recorder>();
  feed.listen(unlucky, foreign_id(now));
  EXPECT_EQ(unlucky->resets(), 1);
  feed.publish(report(5));  // the feed's first change
  EXPECT_EQ(unlucky->wait_for(2), (Seqs{0, 1}));
  EXPECT_EQ(unlucky->texts(), std::vector<std::string>{"change 5"});
}

}  // namespace
}  // namespace wangge::service
