#pragma once
// The ledger port of the store (积分银行, the points bank): entries and their lines, append-only.
// A posting runs the domain's rules (dispatch/points.hpp) against the ledger as it stands inside
// the write transaction, then appends the entry they planned: the balance read and the entry
// written cannot be separated by another posting, on one node or several (PostgreSQL: a
// transaction-scoped advisory lock on the ledger; SQLite: its single writer). The database
// itself refuses a second standing earning of one event, a second reversal of one entry and a
// second use of one request key (unique indexes), whatever the caller did.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/points.hpp"
#include "wangge/dispatch/time.hpp"

namespace wangge::store {

/// Plans the entry of one posting from the ledger as the transaction sees it.
using LedgerPlan = std::function<dispatch::points::Posted(const dispatch::points::LedgerView&)>;

/// A page of entries, newest first.
struct LedgerQuery {
  std::optional<std::string> person;  ///< one person's entries; all when empty
  std::optional<dispatch::points::Kind> kind;
  std::optional<dispatch::Instant> from, to;  ///< posted in [from, to)
  std::size_t limit = 50;
  std::optional<std::int64_t> before;  ///< keyset: entries numbered below this one
};

/// A person's points, derived from their lines.
struct PointsSummary {
  std::int64_t balance = 0;
  std::int64_t earned = 0;    ///< earned and awarded, less what was reversed of them
  std::int64_t redeemed = 0;  ///< redeemed, less what was given back
  std::int64_t expired = 0;
  std::size_t entries = 0;
};

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;
  /// Runs @p plan against the ledger inside the next write and appends the entry it planned
  /// (unless it is a replay of an earlier one). With a non-empty @p request_key (the client's
  /// idempotency key, scoped by the caller), a second posting under the same key returns the
  /// first entry as a replay when @p request_hash is the same and throws
  /// Error(idempotency_mismatch) otherwise. Rethrows what @p plan throws; nothing is written
  /// then. (WriteTx::post_points does the same inside a caller's own write.)
  virtual dispatch::points::Posted post(const LedgerPlan& plan, const std::string& request_key,
                                        const std::string& request_hash) = 0;
  /// The entry with this id ("e12"), std::nullopt for an unknown or non-canonical id.
  virtual std::optional<dispatch::points::Entry> ledger_entry(const std::string& id) = 0;
  virtual std::vector<dispatch::points::Entry> ledger_entries(const LedgerQuery& query) = 0;
  /// Every entry of @p person, in posting order (for the expiry's lots), at most @p at_most.
  virtual std::vector<dispatch::points::Entry> person_entries(const std::string& person,
                                                              std::size_t at_most) = 0;
  virtual PointsSummary points_summary(const std::string& person) = 0;
  /// People holding points (balance > 0), at most @p limit, by id after @p after.
  virtual std::vector<std::pair<std::string, std::int64_t>> holders(const std::string& after,
                                                                    std::size_t limit) = 0;
  /// Points earned and awarded in [@p from, @p to) per person (the appraisal's month), less
  /// those since reversed, summed in the database; people with none are not listed.
  virtual std::vector<std::pair<std::string, std::int64_t>> earned_between(
      dispatch::Instant from, dispatch::Instant to) = 0;
  /// The sum of every account's lines (0 when the ledger balances) and the entries counted,
  /// for the integrity check.
  virtual std::pair<std::int64_t, std::size_t> ledger_totals() = 0;
};

}  // namespace wangge::store
