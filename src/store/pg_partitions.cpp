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

std::vector<std::string> drop_emptied_months(pqxx::dbtransaction& tx, dispatch::Instant now) {
  std::vector<std::string> dropped;
  const std::string before = bound(month_index(now) - kMonthsBefore);  // the window's start
  std::vector<std::string> suffixes;
  for (const auto& row : tx.exec_params(
           "SELECT substr(c.relname, 9) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
           "WHERE i.inhparent = 'reports'::regclass AND c.relname ~ '^reports_[0-9]{6}$' "
           "AND 'r_' || substr(c.relname, 9) < $1 ORDER BY 1",
           before))
    suffixes.push_back(row[0].as<std::string>());
  for (const std::string& suffix : suffixes) {
    // The names are 6 digits read from the catalogue (checked by the pattern above).
    const std::string reports = "reports_" + suffix, events = "events_" + suffix;
    try {
      pqxx::subtransaction sub(tx, "drop_month");
      // A long read holding the table must not stall every query queued behind the lock: give
      // up after a second and try again next month.
      sub.exec0("SET LOCAL lock_timeout = '1s'");
      sub.exec0("LOCK TABLE " + reports + ", " + events + " IN ACCESS EXCLUSIVE MODE");
      if (sub.exec("SELECT 1 FROM " + reports + " LIMIT 1").empty() &&
          sub.exec("SELECT 1 FROM " + events + " LIMIT 1").empty()) {
        sub.exec0("DROP TABLE " + events);
        // A partition events refer to is detached first (its foreign key's part goes with it).
        sub.exec0("ALTER TABLE reports DETACH PARTITION " + reports);
        sub.exec0("DROP TABLE " + reports);
        dropped.push_back(suffix.substr(0, 4) + "-" + suffix.substr(4));
      }
      sub.exec0("SET LOCAL lock_timeout = 0");
      sub.commit();
    } catch (const pqxx::sql_error&) {
      // Busy (the lock not had within a second) or gone: the next month's pass tries again.
    }
  }
  return dropped;
}

std::vector<std::string> MonthlyPartitions::maintain(dispatch::Instant now) {
  std::lock_guard lock(mutex_);
  const int month = month_index(now);
  const auto clock = std::chrono::steady_clock::now();
  if (month == made_for_ || clock - tried_at_ < std::chrono::minutes(10)) return {};
  tried_at_ = clock;
  std::vector<std::string> failures, dropped;
  try {
    pqxx::connection conn(conninfo_);
    pqxx::work tx(conn);
    (void)tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    failures = make_month_partitions(tx, now);
    dropped = drop_emptied_months(tx, now);
    tx.commit();
  } catch (const std::exception& e) {
    throw Error(ErrorCode::unavailable,
                std::string("the monthly partitions could not be checked: ") + e.what());
  }
  if (failures.empty()) {
    made_for_ = month;
    std::vector<std::string> done;
    if (!dropped.empty()) {
      std::string months;
      for (const std::string& d : dropped) months += (months.empty() ? "" : ", ") + d;
      done.push_back("dropped the emptied partitions of " + months);
    }
    return done;
  }
  std::string text;
  for (const std::string& f : failures) text += (text.empty() ? "" : "; ") + f;
  throw Error(ErrorCode::unavailable,
              text + "; their reports stay in the default partition, tried again in 10 minutes");
}

}  // namespace wangge::store
