// The outbox port on both adapters: a message and its deliveries commit with the write that
// enqueued them or not at all; due deliveries, outcomes, the dead letter and re-sending; the
// inbox, each recipient's own, paged by keyset.
#include <algorithm>
#include <map>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

using store_testing::StoreConformance;

using store_testing::delivery;
using store_testing::message;

TEST_P(StoreConformance, TheOutboxCommitsWithItsWriteOrNotAtAll) {
  const dispatch::Instant t = at("2026-11-23T09:00");
  EXPECT_THROW(store_->write([&](WriteTx& tx) {
    tx.enqueue(message("n_doomed", "u1", t), {delivery("d_doomed", "n_doomed", t)});
    throw Error(ErrorCode::conflict, "the change was refused after its messages were written");
  }),
               Error);
  EXPECT_FALSE(store_->notifications().notification("n_doomed"));
  EXPECT_FALSE(store_->notifications().delivery("d_doomed"));
  EXPECT_TRUE(store_->notifications().due_deliveries(t, 10).empty());

  std::vector<bool> first, again;
  std::size_t first_new = 0, again_new = 0;
  store_->write([&](WriteTx& tx) {
    first_new = tx.enqueue(message("n_1", "u1", t), {delivery("d_1", "n_1", t)}, &first);
    // The same event enqueued again (a retried write): nothing doubles, and it says so (the
    // runner is handed only what is new).
    again_new = tx.enqueue(message("n_1", "u1", t),
                           {delivery("d_1", "n_1", t), delivery("d_2", "n_1", t)}, &again);
  });
  EXPECT_EQ(first_new, 1u);
  EXPECT_EQ(first, (std::vector<bool>{true}));
  EXPECT_EQ(again_new, 1u);
  EXPECT_EQ(again, (std::vector<bool>{false, true}));
  const auto due = store_->notifications().due_deliveries(t, 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].delivery.id, "d_1");
  EXPECT_EQ(due[1].delivery.id, "d_2");
  EXPECT_EQ(due[0].notification.text, "您反映的问题已受理立案");
  EXPECT_EQ(due[0].notification.grids, (std::vector<std::string>{"g1", "g0"}));
  EXPECT_EQ(due[0].notification.kind, dispatch::NoticeKind::registered);
}

TEST_P(StoreConformance, DeliveriesAreRetriedThenDeadThenResent) {
  const dispatch::Instant t = at("2026-11-23T09:00");
  store_->write([&](WriteTx& tx) {
    tx.enqueue(message("n_1", "u1", t), {delivery("d_a", "n_1", t), delivery("d_b", "n_1", t)});
  });
  auto& outbox = store_->notifications();
  EXPECT_EQ(outbox.due_deliveries(t - std::chrono::seconds(1), 10).size(), 0u);  // not yet
  EXPECT_EQ(outbox.next_due(), t);

  DeliveryOutcome ok{"d_a", t, true, false, t, ""};
  DeliveryOutcome retry{"d_b", t, false, false, t + std::chrono::minutes(5), "HTTP 500"};
  outbox.record_outcomes({ok, retry});
  EXPECT_TRUE(outbox.due_deliveries(t + std::chrono::minutes(4), 10).empty());
  const auto later = outbox.due_deliveries(t + std::chrono::minutes(5), 10);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].delivery.attempts, 1);
  EXPECT_EQ(later[0].delivery.last_error, "HTTP 500");
  EXPECT_EQ(outbox.delivery("d_a")->state, dispatch::DeliveryState::delivered);
  EXPECT_EQ(outbox.delivery("d_a")->delivered_at, t);

  // A late outcome for a delivery no longer pending changes nothing.
  outbox.record_outcomes({DeliveryOutcome{"d_a", t, false, true, t, "late"}});
  EXPECT_EQ(outbox.delivery("d_a")->state, dispatch::DeliveryState::delivered);

  outbox.record_outcomes({DeliveryOutcome{"d_b", t, false, true, t, "timed out"}});
  EXPECT_EQ(outbox.delivery("d_b")->state, dispatch::DeliveryState::dead);
  EXPECT_EQ(outbox.delivery("d_b")->attempts, 2);
  EXPECT_FALSE(outbox.next_due());
  EXPECT_EQ(outbox.deliveries(dispatch::DeliveryState::dead, 10).size(), 1u);

  EXPECT_TRUE(outbox.resend("d_b", t + std::chrono::hours(1)));
  EXPECT_FALSE(outbox.resend("d_nothing", t));
  const auto again = outbox.due_deliveries(t + std::chrono::hours(1), 10);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].delivery.id, "d_b");  // the same id
  EXPECT_EQ(again[0].delivery.attempts, 0);
  std::map<std::string, std::size_t> counts;
  for (const auto& [state, n] : outbox.delivery_counts()) counts[state] = n;
  EXPECT_EQ(counts["pending"], 1u);
  EXPECT_EQ(counts["delivered"], 1u);
}

TEST_P(StoreConformance, AnInboxIsItsRecipientsOwnAndPagesByKeyset) {
  const dispatch::Instant t = at("2026-11-23T09:00");
  store_->write([&](WriteTx& tx) {
    for (int i = 0; i < 5; ++i)  // two at the same instant: the id breaks the tie
      tx.enqueue(message("n_" + std::to_string(i), "u1", t + std::chrono::minutes(i / 2)), {});
    tx.enqueue(message("n_other", "u2", t), {});
  });
  auto& outbox = store_->notifications();
  InboxQuery q;
  q.recipient = "u1";
  q.limit = 2;
  std::vector<std::string> seen;
  for (;;) {
    const auto page = outbox.inbox(q);
    for (const dispatch::Notification& n : page) seen.push_back(n.id);
    if (page.size() < q.limit) break;
    q.before = std::make_pair(page.back().created_at, page.back().id);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"n_4", "n_3", "n_2", "n_1", "n_0"}));
  EXPECT_EQ(outbox.unread_count("u1"), 5u);
  EXPECT_FALSE(outbox.mark_read("n_3", "u2", t));  // not theirs
  EXPECT_TRUE(outbox.mark_read("n_3", "u1", t + std::chrono::hours(1)));
  EXPECT_EQ(outbox.unread_count("u1"), 4u);
  EXPECT_EQ(outbox.notification("n_3")->read_at, t + std::chrono::hours(1));
  InboxQuery unread;
  unread.recipient = "u1";
  unread.unread_only = true;
  EXPECT_EQ(outbox.inbox(unread).size(), 4u);
  // 全部已读 through n_1 (09:00, the tie broken by the id): n_0 and n_1; n_2 (09:01, unread) and
  // n_4 (09:02) stay unread, and u2's own is untouched.
  const dispatch::Instant later = t + std::chrono::hours(2);
  EXPECT_EQ(outbox.mark_all_read("u1", later, std::make_pair(t, std::string("n_1"))), 2u);
  EXPECT_EQ(outbox.unread_count("u1"), 2u);
  EXPECT_EQ(outbox.notification("n_3")->read_at, t + std::chrono::hours(1));  // kept
  EXPECT_EQ(outbox.notification("n_0")->read_at, later);
  EXPECT_FALSE(outbox.notification("n_2")->read_at);
  EXPECT_EQ(outbox.unread_count("u2"), 1u);
  // As of 09:01 without a message: n_2, not n_4 (made later).
  EXPECT_EQ(outbox.mark_all_read("u1", t + std::chrono::minutes(1), std::nullopt), 1u);
  EXPECT_EQ(outbox.unread_count("u1"), 1u);
  EXPECT_EQ(outbox.mark_all_read("u1", later, std::nullopt), 1u);
  EXPECT_EQ(outbox.unread_count("u1"), 0u);
  EXPECT_EQ(outbox.mark_all_read("u1", later, std::nullopt), 0u);
}

TEST_P(StoreConformance, PeopleFollowAreasUpToALimit) {
  const dispatch::Instant t = at("2026-11-23T09:00");
  auto& outbox = store_->notifications();
  EXPECT_TRUE(outbox.subscribe("u1", "g1", t, 2));
  EXPECT_TRUE(outbox.subscribe("u1", "g1", t + std::chrono::hours(1), 2));  // again: kept
  EXPECT_TRUE(outbox.subscribe("u1", "g2", t, 2));
  EXPECT_FALSE(outbox.subscribe("u1", "g3", t, 2));  // the limit
  EXPECT_TRUE(outbox.subscribe("u2", "g0", t, 2));
  const auto mine = outbox.subscriptions("u1");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0], std::make_pair(std::string("g1"), t));
  std::vector<std::string> who;
  store_->write([&](WriteTx& tx) { who = tx.subscribers({"g1", "g5", "g0"}, 10); });
  EXPECT_EQ(who, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_TRUE(outbox.unsubscribe("u1", "g1"));
  EXPECT_FALSE(outbox.unsubscribe("u1", "g1"));
  store_->write([&](WriteTx& tx) { who = tx.subscribers({"g1"}, 10); });
  EXPECT_TRUE(who.empty());
}

TEST_P(StoreConformance, TheAdminViewListsNewestChangeFirstInEveryStateAndEach) {
  // Twelve deliveries left pending, delivered or dead at different times; the view's order is
  // checked against sorting them here (updated_at, then id, both descending).
  const dispatch::Instant t = at("2026-11-23T09:00");
  auto& outbox = store_->notifications();
  std::map<std::string, std::pair<dispatch::Instant, std::string>>
      expected;  // id → (updated, state)
  store_->write([&](WriteTx& tx) {
    for (int i = 0; i < 12; ++i) {
      const std::string id = "d_" + std::to_string(10 + i);
      tx.enqueue(message("n_" + id, "u1", t), {delivery(id, "n_" + id, t)});
      expected[id] = {t, "pending"};
    }
  });
  std::vector<DeliveryOutcome> outcomes;
  for (int i = 0; i < 12; ++i) {
    const std::string id = "d_" + std::to_string(10 + i);
    const dispatch::Instant when = t + std::chrono::minutes((i * 7) % 12);  // out of id order
    if (i % 3 == 0) continue;  // stays pending, updated at t
    const bool dead = i % 3 == 2;
    outcomes.push_back({id, when, !dead, dead, when, dead ? "HTTP 500" : ""});
    expected[id] = {when, dead ? "dead" : "delivered"};
  }
  outbox.record_outcomes(outcomes);
  auto order = [&](const std::optional<std::string>& state, std::size_t limit) {
    std::vector<std::pair<dispatch::Instant, std::string>> rows;
    for (const auto& [id, v] : expected)
      if (!state || v.second == *state) rows.emplace_back(v.first, id);
    std::sort(rows.rbegin(), rows.rend());
    std::vector<std::string> ids;
    for (const auto& r : rows)
      if (ids.size() < limit) ids.push_back(r.second);
    return ids;
  };
  auto listed = [&](std::optional<dispatch::DeliveryState> state, std::size_t limit) {
    std::vector<std::string> ids;
    for (const dispatch::Delivery& d : outbox.deliveries(state, limit)) ids.push_back(d.id);
    return ids;
  };
  EXPECT_EQ(listed(std::nullopt, 50), order(std::nullopt, 50));
  EXPECT_EQ(listed(std::nullopt, 5), order(std::nullopt, 5));
  EXPECT_EQ(listed(dispatch::DeliveryState::pending, 50), order("pending", 50));
  EXPECT_EQ(listed(dispatch::DeliveryState::delivered, 3), order("delivered", 3));
  EXPECT_EQ(listed(dispatch::DeliveryState::dead, 50), order("dead", 50));
  EXPECT_EQ(listed(dispatch::DeliveryState::dead, 50).size(), 4u);
}

TEST_P(StoreConformance, FinishedDeliveriesArePurgedAfterTheRetentionPendingOnesNever) {
  const dispatch::Instant t = at("2026-11-23T09:00");
  auto& outbox = store_->notifications();
  store_->write([&](WriteTx& tx) {
    for (int i = 0; i < 9; ++i) {
      const std::string id = "d_" + std::to_string(i);
      tx.enqueue(message("n_" + id, "u1", t), {delivery(id, "n_" + id, t)});
    }
  });
  // 0–2 delivered at t, 3–5 dead at t + 1 h, 6 delivered at t + 2 h, 7–8 pending (updated t).
  std::vector<DeliveryOutcome> outcomes;
  for (int i = 0; i < 7; ++i) {
    const bool dead = i >= 3 && i <= 5;
    const dispatch::Instant when = t + std::chrono::hours(i < 3 ? 0 : (dead ? 1 : 2));
    outcomes.push_back({"d_" + std::to_string(i), when, !dead, dead, when, dead ? "HTTP 500" : ""});
  }
  outbox.record_outcomes(outcomes);
  EXPECT_EQ(outbox.purge_deliveries(t, 100), 0u);  // nothing finished before t
  EXPECT_EQ(outbox.purge_deliveries(t + std::chrono::minutes(90), 2), 2u);  // a slice
  EXPECT_EQ(outbox.purge_deliveries(t + std::chrono::minutes(90), 100), 4u);
  EXPECT_EQ(outbox.purge_deliveries(t + std::chrono::days(365), 100), 1u);  // d_6
  std::vector<std::string> left;
  for (const dispatch::Delivery& d : outbox.deliveries(std::nullopt, 50)) left.push_back(d.id);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"d_7", "d_8"}));  // pending ones stay
  EXPECT_TRUE(outbox.notification("n_d_0"));                  // the inbox keeps the message
}

TEST_P(StoreConformance, ADigestCountsAnAddressAndHoldsItsMembersTogether) {
  const dispatch::Instant t = at("2026-11-23T09:00");
  auto to = [&](const std::string& id, const std::string& phone, dispatch::Instant when,
                const std::string& digest) {
    dispatch::Delivery d = delivery(id, "n_" + id, when);
    d.channel = "sms";
    d.address = phone;
    d.digest = digest;
    d.window = "w_" + phone;
    if (!digest.empty()) d.next_at = t + std::chrono::hours(1);
    return d;
  };
  store_->write([&](WriteTx& tx) {
    EXPECT_EQ(tx.deliveries_in_window("w_13800138000"), 0u);
    tx.enqueue(message("n_1", "u1", t), {to("1", "13800138000", t, "")});
    tx.enqueue(message("n_2", "u1", t), {to("2", "13800138000", t + std::chrono::minutes(1), "")});
    dispatch::Delivery uncounted = delivery("6", "n_6", t);  // a channel without digests
    tx.enqueue(message("n_6", "u1", t), {uncounted});
    // This transaction's own deliveries count; other windows and uncounted ones do not.
    EXPECT_EQ(tx.deliveries_in_window("w_13800138000"), 2u);
    EXPECT_EQ(tx.deliveries_in_window("w_13900139000"), 0u);
    EXPECT_EQ(tx.deliveries_in_window(""), 0u);
    tx.enqueue(message("n_3", "u1", t),
               {to("3", "13800138000", t + std::chrono::minutes(2), "g_x")});
    tx.enqueue(message("n_4", "u1", t),
               {to("4", "13800138000", t + std::chrono::minutes(3), "g_x")});
    tx.enqueue(message("n_5", "u1", t),
               {to("5", "13900139000", t + std::chrono::minutes(3), "g_y")});
  });
  auto& outbox = store_->notifications();
  const auto members = outbox.digest_members("g_x");
  ASSERT_EQ(members.size(), 2u);
  EXPECT_EQ(members[0].delivery.id, "3");
  EXPECT_EQ(members[1].delivery.id, "4");
  EXPECT_EQ(members[0].notification.id, "n_3");
  EXPECT_EQ(members[0].delivery.digest, "g_x");
  EXPECT_TRUE(outbox.digest_members("g_none").empty());
  // Held ones wait for the window's end.
  EXPECT_EQ(outbox.due_deliveries(t + std::chrono::minutes(59), 10).size(), 3u);
  EXPECT_EQ(outbox.due_deliveries(t + std::chrono::hours(1), 10).size(), 6u);
  // Delivered members leave the digest; a re-sent one goes on its own.
  outbox.record_outcomes({{"3", t, true, false, t, ""}});
  ASSERT_EQ(outbox.digest_members("g_x").size(), 1u);
  ASSERT_TRUE(outbox.resend("3", t + std::chrono::hours(2)));
  EXPECT_EQ(outbox.delivery("3")->digest, "");
  EXPECT_EQ(outbox.digest_members("g_x").size(), 1u);
}

}  // namespace
}  // namespace wangge::store
