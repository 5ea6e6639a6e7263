#pragma once
// The monthly partitions of reports and events in PostgreSQL (private to the store module).

#include <atomic>
#include <chrono>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "wangge/dispatch/time.hpp"

namespace wangge::store {

/// Makes, in @p tx, the partitions of reports and events for the month before @p now's (China
/// Standard Time), its own and the three after, those not made yet. A month whose rows already
/// sit in the default partition is left there (a subtransaction rolled back). @returns one line
/// for each month not made, naming it and why.
std::vector<std::string> make_month_partitions(pqxx::dbtransaction& tx, dispatch::Instant now);

/// Drops, in @p tx, the partitions of reports and events of each month before the one before
/// @p now's that holds no row any more (`wangge archive` took its cases): the disk its deleted
/// rows held goes back at once, and listings merge fewer partitions. A month busy for more than
/// a second (a long read holding it) is left for the next pass. @returns the months dropped
/// ("2023-01").
std::vector<std::string> drop_emptied_months(pqxx::dbtransaction& tx, dispatch::Instant now);

/// Keeps the months ahead made as time passes: once per month of @p now, on a connection of
/// its own, under the lock migrations hold (several nodes may try at once).
class MonthlyPartitions {
 public:
  explicit MonthlyPartitions(std::string conninfo) : conninfo_(std::move(conninfo)) {}

  /// Makes the months ahead and drops those emptied (drop_emptied_months). @returns a line
  /// for the log naming the months dropped, if any. @throws Error(unavailable) naming each
  /// month that could not be made; tried again at the next call ten minutes on.
  std::vector<std::string> maintain(dispatch::Instant now);

 private:
  std::string conninfo_;
  std::mutex mutex_;
  int made_for_ = -1;  ///< year * 12 + month - 1 of the last month all were made for
  std::chrono::steady_clock::time_point tried_at_{};
};

}  // namespace wangge::store
