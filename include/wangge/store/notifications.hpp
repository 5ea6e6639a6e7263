#pragma once
// The notification port of the store: the outbox. A message (Notification, the recipient's
// inbox entry) and its deliveries, one per channel that must carry it, are written by WriteTx::
// enqueue in the same transaction as the change they tell of; a runner reads the due deliveries,
// sends them and records each outcome. A delivery's id never changes, however often it is tried,
// so a receiver deduplicates on it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/notification.hpp"
#include "wangge/dispatch/time.hpp"

namespace wangge::store {

struct DueDelivery {
  dispatch::Delivery delivery;
  dispatch::Notification notification;
};

/// What a transaction enqueued, handed to the runner once it has committed: the new deliveries
/// due at once, and whether others wait (held for a digest or past quiet hours).
struct Enqueued {
  std::size_t messages = 0;
  std::vector<DueDelivery> due;
  bool waiting = false;
};

/// What one try of a delivery came to.
struct DeliveryOutcome {
  std::string id;
  dispatch::Instant at;
  bool delivered = false;
  bool dead = false;          ///< the last try failed: no more tries (dead letter)
  dispatch::Instant next_at;  ///< when not delivered and not dead: the next try
  std::string error;          ///< when not delivered
};

/// A page of a recipient's inbox, newest first.
struct InboxQuery {
  std::string recipient;
  bool unread_only = false;
  std::size_t limit = 50;
  /// Keyset: only messages older than this one (created_at, id), from the last page's end.
  std::optional<std::pair<dispatch::Instant, std::string>> before;
};

class NotificationStore {
 public:
  virtual ~NotificationStore() = default;
  /// Pending deliveries whose time has come (next_at ≤ @p now), the oldest first, at most
  /// @p limit, each with its message.
  virtual std::vector<DueDelivery> due_deliveries(dispatch::Instant now, std::size_t limit) = 0;
  /// Records the outcomes of tries, all in one transaction. A delivery no longer pending
  /// (re-sent or finished elsewhere) keeps its state.
  virtual void record_outcomes(const std::vector<DeliveryOutcome>& outcomes) = 0;
  /// When the next pending delivery is due (std::nullopt when none is pending).
  virtual std::optional<dispatch::Instant> next_due() = 0;
  /// The pending deliveries held for digest @p digest, the oldest first, each with its message.
  virtual std::vector<DueDelivery> digest_members(const std::string& digest) = 0;

  virtual std::vector<dispatch::Notification> inbox(const InboxQuery& query) = 0;
  virtual std::size_t unread_count(const std::string& recipient) = 0;
  /// Marks the message read when it is @p recipient's. @returns false when it is not theirs
  /// (or does not exist).
  virtual bool mark_read(const std::string& id, const std::string& recipient,
                         dispatch::Instant now) = 0;
  /// Marks read at @p now every unread message of @p recipient (全部已读) made no later than
  /// @p now and, when given, at or before @p through (created_at, id: the newest message the
  /// person was shown). @returns how many were marked.
  virtual std::size_t mark_all_read(
      const std::string& recipient, dispatch::Instant now,
      const std::optional<std::pair<dispatch::Instant, std::string>>& through) = 0;
  /// One message by id (for the admin view).
  virtual std::optional<dispatch::Notification> notification(const std::string& id) = 0;

  /// Deliveries in @p state (all states when std::nullopt), the most recently changed first.
  virtual std::vector<dispatch::Delivery> deliveries(std::optional<dispatch::DeliveryState> state,
                                                     std::size_t limit) = 0;
  virtual std::optional<dispatch::Delivery> delivery(const std::string& id) = 0;
  /// Makes a dead (or delivered) delivery pending again, due at @p now, its tries counted
  /// afresh, on its own (no longer held for a digest); the id stays. @returns false for an unknown
  /// id.
  virtual bool resend(const std::string& id, dispatch::Instant now) = 0;
  /// Deletes up to @p limit delivered or dead deliveries last changed before @p before (their
  /// messages stay in the inbox). @returns how many went.
  virtual std::size_t purge_deliveries(dispatch::Instant before, std::size_t limit) = 0;
  /// Deliveries per state, for /metrics.
  virtual std::vector<std::pair<std::string, std::size_t>> delivery_counts() = 0;

  /// The grids @p actor follows (关注区域), with when.
  virtual std::vector<std::pair<std::string, dispatch::Instant>> subscriptions(
      const std::string& actor) = 0;
  /// Follows @p grid. @returns false when @p actor follows @p at_most grids already (and not
  /// this one); following one twice keeps the first.
  virtual bool subscribe(const std::string& actor, const std::string& grid, dispatch::Instant now,
                         std::size_t at_most) = 0;
  /// @returns false when @p actor did not follow @p grid.
  virtual bool unsubscribe(const std::string& actor, const std::string& grid) = 0;
};

}  // namespace wangge::store
