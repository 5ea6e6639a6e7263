#include "pg_partitions.hpp"

#include "wangge/dispatch/intake.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

constexpr long kMigrationLock = 7204301;  // the lock migrate() holds
constexpr int kMonthsBefore = 1;
constexpr int kMonthsAhead = 3;

/// year * 12 + month - 1 of the month @p now's ids carry.
int month_index(dispatch::Instant now) {
  const auto [year, month] = dispatch::report_id_month_of(now);
  return year * 12 + static_cast<int>(month) - 1;
}

std::string bound(int index) {
  return dispatch::report_id_month(index / 12, static_cast<unsigned>(index % 12 + 1));
}

}  // namespace

std::vector<std::string> make_month_partitions(pqxx::dbtransaction& tx, dispatch::Instant now) {
  std::vector<std::string> failures;
  const int first = month_index(now) - kMonthsBefore;
  for (int m = first; m <= first + kMonthsBefore + kMonthsAhead; ++m) {
    const std::string from = bound(m), to = bound(m + 1), suffix = from.substr(2);
    // DDL takes no parameters; every name and bound here is made of digits we formatted.
    try {
      pqxx::subtransaction sub(tx, "month");
      for (const char* table : {"reports", "events"}) {
        sub.exec0("CREATE TABLE IF NOT EXISTS " + std::string(table) + "_" + suffix +
                  " PARTITION OF " + table + " FOR VALUES FROM ('" + from + "') TO ('" + to + "')");
      }
      sub.commit();
    } catch (const pqxx::sql_error& e) {
      failures.push_back("the partitions of " + suffix.substr(0, 4) + "-" + suffix.substr(4) +
                         " were not made (" + e.what() + ")");
    }
  }
  return failures;
}

void MonthlyPartitions::maintain(dispatch::Instant now) {
  std::lock_guard lock(mutex_);
  const int month = month_index(now);
  const auto clock = std::chrono::steady_clock::now();
  if (month == made_for_ || clock - tried_at_ < std::chrono::minutes(10)) return;
  tried_at_ = clock;
  std::vector<std::string> failures;
  try {
    pqxx::connection conn(conninfo_);
    pqxx::work tx(conn);
    (void)tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    failures = make_month_partitions(tx, now);
    tx.commit();
  } catch (const std::exception& e) {
    throw Error(ErrorCode::unavailable,
                std::string("the monthly partitions could not be checked: ") + e.what());
  }
  if (failures.empty()) {
    made_for_ = month;
    return;
  }
  std::string text;
  for (const std::string& f : failures) text += (text.empty() ? "" : "; ") + f;
  throw Error(ErrorCode::unavailable,
              text + "; their reports stay in the default partition, tried again in 10 minutes");
}

}  // namespace wangge::store
