// The change feed: every change fanned out once and in order; a listener resuming after an id
// gets exactly what it missed, then the rest live; an id from another boot or older than the
// ring is told to reload.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

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

  Change second_change;
  second_change.seq = 2;
  auto resumed = std::make_shared<Recorder>();
  feed.listen(resumed, feed.id_of(second_change));
  EXPECT_EQ(resumed->wait_for(3), (Seqs{3, 4, 5}));
  feed.publish(report(6));
  EXPECT_EQ(resumed->wait_for(4), (Seqs{3, 4, 5, 6}));
  EXPECT_EQ(first->wait_for(6).size(), 6u);

  Change latest;
  latest.seq = 6;
  auto current = std::make_shared<Recorder>();
  feed.listen(current, feed.id_of(latest));  // saw everything: nothing replayed
  feed.publish(report(7));
  EXPECT_EQ(current->wait_for(1), (Seqs{7}));
  EXPECT_EQ(current->resets(), 0);
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
  feed.listen(foreign, std::string("otherboot.9"));
  EXPECT_EQ(foreign->resets(), 1);
  Change old;
  old.seq = 2;  // the ring keeps 8, 9, 10
  auto stale = std::make_shared<Recorder>();
  feed.listen(stale, feed.id_of(old));
  EXPECT_EQ(stale->resets(), 1);
  Change kept;
  kept.seq = 7;  // 8, 9 and 10 are still known
  auto recent = std::make_shared<Recorder>();
  feed.listen(recent, feed.id_of(kept));
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

}  // namespace
}  // namespace wangge::service
