#pragma once
// Notifications (通知): the outbox written with every change, the inbox people read, the admin's
// view of deliveries, and the runner that delivers them.
//
// - enqueue() is called inside the store transaction of a change: the messages the domain's
//   rules (dispatch/notification.hpp) owe and one delivery per channel that carries each are
//   committed with the change or not at all.
// - The runner (start/stop) posts due deliveries (notify/channels.hpp) and records each
//   outcome. Those a commit of this process made due at once are handed to it in memory
//   (hand_off); the rest, retries and what other processes wrote it reads from the store, at
//   least once a second; a failed try waits first_retry × 2^n (±25% jitter, at most longest_retry),
//   and after max_attempts the delivery is dead until an admin re-sends it. Delivery is
//   at-least-once under a stable id: a crash between the post and its record sends it again
//   with the same X-Wangge-Delivery. Each channel has its own rate limit.
// - The inbox is each person's own: a recipient reads and marks only their messages.

#include <atomic>
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
#include <unordered_set>
#include <vector>

#include "wangge/dispatch/notification.hpp"
#include "wangge/dispatch/organisation.hpp"
#include "wangge/notify/channels.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

/// Sends sign-in codes through the first SMS channel of @p config with a "code" template, one
/// request per code (notify::format_code), at once; a gateway that fails or times out (the
/// retry policy's timeout) is Error(unavailable), so the resident hears to ask again.
/// std::nullopt when no SMS channel has a "code" template.
std::optional<MessageSender> sms_code_sender(const notify::NotifyConfig& config);

struct NotifierStats {
  std::uint64_t delivered = 0;  ///< tries that succeeded
  std::uint64_t failed = 0;     ///< tries that failed (retried or dead)
  std::uint64_t dead = 0;       ///< deliveries given up
  std::uint64_t digests = 0;    ///< digests delivered (each one try for all it holds)
  std::uint64_t purged = 0;     ///< finished deliveries deleted after the retention
};

class Notifications {
 public:
  explicit Notifications(store::Store& store);
  ~Notifications();
  Notifications(const Notifications&) = delete;
  Notifications& operator=(const Notifications&) = delete;

  /// The channels, templates and retry schedule (before start(); the defaults: no channel,
  /// the default templates). @p base_url prefixes the links in messages.
  void configure(notify::NotifyConfig config, std::string base_url);
  const notify::NotifyConfig& config() const { return *config_; }

  /// Inside @p tx: the messages @p e (just applied to @p r) owes and their deliveries, added to
  /// @p out. @returns how many messages were written.
  std::size_t enqueue(store::WriteTx& tx, const dispatch::Report& r, const dispatch::Event& e,
                      const dispatch::ReferenceData& ref,
                      const std::function<std::string(const std::string&)>& grid_name,
                      dispatch::Instant now, store::Enqueued& out) const;

  /// @p me's messages, newest first (at most 200 a page).
  std::vector<dispatch::Notification> inbox(const dispatch::Actor& me, store::InboxQuery query);
  std::size_t unread(const dispatch::Actor& me);
  /// @throws Error(not_found) unless the message is @p me's.
  void mark_read(const std::string& id, const dispatch::Actor& me, dispatch::Instant now);
  /// Marks @p me's unread messages read (全部已读): every one, or with @p through (a message
  /// id of @p me's: the newest the page showed) only those not newer than it, so that one
  /// arriving meanwhile stays unread. @returns how many. @throws Error(not_found) for a
  /// message not @p me's.
  std::size_t mark_all_read(const dispatch::Actor& me, dispatch::Instant now,
                            const std::optional<std::string>& through);

  /// Areas (grids) a person follows (关注区域): they hear of the public cases registered and
  /// closed there. At most kMaxSubscriptions each; at most kMaxFollowersTold are told of one
  /// case (the first by id).
  static constexpr std::size_t kMaxSubscriptions = 20;
  static constexpr std::size_t kMaxFollowersTold = 1000;
  std::vector<std::pair<std::string, dispatch::Instant>> subscriptions(const dispatch::Actor& me);
  /// @throws Error(unauthorized) for the public, Error(not_found) for a grid of no active
  ///         generation, Error(conflict) past kMaxSubscriptions.
  void subscribe(const dispatch::Actor& me, const std::string& grid, dispatch::Instant now);
  /// @throws Error(not_found) when @p me does not follow @p grid.
  void unsubscribe(const dispatch::Actor& me, const std::string& grid);
  /// How subscribe() knows a grid (the service's active grid index).
  void set_grid_check(std::function<bool(const std::string&)> exists) {
    grid_exists_ = std::move(exists);
  }
  /// Whether this process delivers (Service::leads: one node of a cluster does; the others
  /// leave what they write to its runner, which reads the outbox at least once a second).
  void set_leader_check(std::function<bool()> leads) { leads_ = std::move(leads); }

  /// Deliveries (admins only), the most recently changed first, at most 500.
  /// @throws Error(forbidden) for anyone but an admin.
  std::vector<dispatch::Delivery> deliveries(const dispatch::Actor& admin,
                                             std::optional<dispatch::DeliveryState> state,
                                             std::size_t limit);
  /// Sends a delivery again (admins only) under its id. @throws Error(forbidden),
  /// Error(not_found).
  dispatch::Delivery resend(const std::string& id, const dispatch::Actor& admin,
                            dispatch::Instant now);
  /// Deliveries per state (for /metrics).
  std::vector<std::pair<std::string, std::size_t>> counts();
  NotifierStats stats() const;

  /// Starts the runner thread (once). Without channels it is not started.
  void start();
  /// Stops and joins the runner; a try in progress finishes first.
  void stop();
  /// Tells the runner that something may be due now (after a commit that enqueued): it reads
  /// the store's due deliveries.
  void wake();
  /// After the commit of @p e's transaction: the runner sends its due deliveries from memory,
  /// without reading them back (the store stays the truth: one that is lost here, by a crash
  /// or past kMaxHandedOff waiting, is read from the store as any due one).
  static constexpr std::size_t kMaxHandedOff = 4096;
  void hand_off(store::Enqueued&& e);

  /// Deletes the deliveries finished longer than the retention before @p now (the runner does
  /// so hourly). @returns how many went.
  std::size_t purge(dispatch::Instant now);

 private:
  /// Holds @p d (of @p n) for its window's digest when its channel digests and its address
  /// got digest_after deliveries in the window already; urgent messages are never held.
  void hold_for_digest(store::WriteTx& tx, const dispatch::Notification& n, dispatch::Delivery& d,
                       dispatch::Instant now, const dispatch::TimeZone& zone) const;
  void run();
  /// One pass: sends what is due; @returns when the next pass should look (the earliest due
  /// time, a rate-limited channel's next token, or a second at most).
  dispatch::Instant pass(notify::Poster& poster);
  /// Tries @p items (their outcomes into @p outcomes); @returns how many were tried; a
  /// rate-limited channel's next token lowers @p later.
  struct Pass;
  std::size_t send(notify::Poster& poster, const std::vector<store::DueDelivery>& items, Pass& p);

  store::Store& store_;
  std::shared_ptr<const notify::NotifyConfig> config_;
  std::string base_url_;
  std::function<bool(const std::string&)> grid_exists_;
  std::function<bool()> leads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  bool running_ = false;
  // Handed off since the last pass; whether the store must be read at the next one, or when.
  std::vector<store::DueDelivery> handed_;
  bool read_store_ = true;
  dispatch::Instant read_at_{};
  // The runner's own: ids it tried lately, so that one both read from the store and handed
  // off (committed just before a read) is sent once.
  std::unordered_set<std::string> recent_;
  std::deque<std::string> recent_order_;
  std::thread thread_;
  std::atomic<std::uint64_t> delivered_{0}, failed_{0}, dead_{0}, digests_{0}, purged_{0};
  struct Buckets;
  std::unique_ptr<Buckets> buckets_;
};

}  // namespace wangge::service
