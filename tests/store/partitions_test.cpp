// Migration 21 (idempotency keys in a table of their own) on both adapters, and PostgreSQL's
// monthly partitions of reports and events (migration 22): a database an earlier version left
// is carried over whole, and a case is found in its own month's partition.
#include <pqxx/pqxx>
#include <set>

#include "store_fixture.hpp"
#include "wangge/util/sqlite.hpp"

namespace wangge::store {
namespace {

using store_testing::StoreConformance;

class Migrations : public StoreConformance {
 protected:
  /// Runs @p sql on the test's database, outside the store.
  void raw(const std::string& sql) const {
    if (GetParam() == "sqlite") {
      sqlite::Connection db(where_->location(), sqlite::Connection::Mode::read_write);
      db.exec(sql);
      return;
    }
    pqxx::connection c(where_->location());
    pqxx::work tx(c);
    tx.exec0(sql);
    tx.commit();
  }
  /// The rows of @p sql on PostgreSQL, each as text.
  std::vector<std::vector<std::string>> pg_rows(const std::string& sql) const {
    pqxx::connection c(where_->location());
    pqxx::nontransaction tx(c);
    std::vector<std::vector<std::string>> out;
    for (const auto& row : tx.exec(sql)) {
      out.emplace_back();
      for (const auto& field : row) out.back().push_back(field.is_null() ? "" : field.c_str());
    }
    return out;
  }
  /// @p r with an id of the earlier scheme ("r" and 15 base32 characters).
  static dispatch::Report with_first_id(dispatch::Report r, const std::string& id) {
    r.id = id;
    return r;
  }
};

TEST_P(Migrations, ADatabaseOfAnEarlierVersionIsCarriedOverWhole) {
  // The schema as version 20 left it: keys in a column of reports, ids without their month.
  store_.reset();
  where_ = store_testing::make_location(GetParam());  // the fixture's is at the latest version
  {
    StoreOptions v20;
    v20.schema_version = 20;
    store_ = open_store(where_->location(), v20);
  }
  dispatch::Report a = sample_->report(at("2026-11-23T09:00"));
  a.id = "r0k9m2pqxwz4h7ab";  // sorts before "r_"
  a.version = 1;
  dispatch::Report b = with_first_id(sample_->report(at("2026-11-24T10:00")), "rzz9m2pqxwz4h7ab");
  b.version = 1;
  store_with_first_event(a, "");
  store_with_first_event(b, "");
  raw("UPDATE reports SET idempotency_key = 'key-of-a', request_hash = 'hash-a' WHERE id = '" +
      a.id + "'");
  store_->write([&](WriteTx& tx) {
    dispatch::Report r = tx.report(b.id).value();
    dispatch::ActionRequest reg;
    reg.action = dispatch::Action::register_case;
    const dispatch::Event e = dispatch::Workflow(sample_->ref)
                                  .apply(r, reg, sample_->dispatcher(), at("2026-11-24T11:00"));
    tx.update_report(r);
    tx.append_event(e);
  });

  // Opened by this version: migrations 21 and 22 run.
  store_.reset();
  store_ = open_store(where_->location());
  ASSERT_EQ(store_->report(a.id)->text, a.text);
  EXPECT_EQ(store_->report(b.id)->state, dispatch::ReportState::registered);
  EXPECT_EQ(store_->events(b.id).size(), 2u);
  auto key_of = [&](const std::string& k) {
    std::optional<IdempotencyRecord> found;
    store_->write([&](WriteTx& tx) { found = tx.idempotency(k); });
    return found;
  };
  const auto key = key_of("key-of-a");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->report_id, a.id);
  EXPECT_EQ(key->request_hash, "hash-a");
  // A key now lives in its own table: used again, it names its report.
  dispatch::Report c = sample_->report(dispatch::now_utc());
  c.version = 1;
  store_with_first_event(c, "key-of-c");
  const auto key_c = key_of("key-of-c");
  ASSERT_TRUE(key_c);
  EXPECT_EQ(key_c->report_id, c.id);
  dispatch::Report again = sample_->report(dispatch::now_utc());
  again.version = 1;
  EXPECT_THROW(store_with_first_event(again, "key-of-c"), Error);
  EXPECT_EQ(store_->report_count(), 3u);
  EXPECT_EQ(store_->check_integrity(), std::vector<std::string>{});

  if (GetParam() != "postgis") return;
  // Each row is in the partition its id sorts into; the earlier ids in theirs.
  auto partition_of = [&](const std::string& table, const std::string& column,
                          const std::string& id) {
    const auto rows = pg_rows("SELECT DISTINCT tableoid::regclass::text FROM " + table + " WHERE " +
                              column + " = '" + id + "'");
    return rows.size() == 1 ? rows[0][0] : "(" + std::to_string(rows.size()) + " partitions)";
  };
  EXPECT_EQ(partition_of("reports", "id", a.id), "reports_first_digits");
  EXPECT_EQ(partition_of("reports", "id", b.id), "reports_first_letters");
  EXPECT_EQ(partition_of("events", "report_id", b.id), "events_first_letters");
  EXPECT_EQ(partition_of("reports", "id", c.id), "reports_" + c.id.substr(2, 6));
  EXPECT_EQ(partition_of("events", "report_id", c.id), "events_" + c.id.substr(2, 6));
  // Every index the table had is on the partitioned one.
  std::set<std::string> indexes;
  for (const auto& row : pg_rows("SELECT indexname FROM pg_indexes WHERE schemaname = "
                                 "current_schema() AND tablename = 'reports'"))
    indexes.insert(row[0]);
  for (const char* name :
       {"reports_pkey", "reports_created", "reports_nearby", "reports_due", "reports_geom",
        "reports_category_created", "reports_state_created", "reports_grid_created",
        "reports_cell_created", "reports_submitter_created", "reports_updated", "reports_external",
        "reports_report_in_due"})
    EXPECT_TRUE(indexes.count(name)) << name;
  EXPECT_EQ(indexes.size(), 13u);
}

/// PostgreSQL only: SQLite has no partitions.
class Partitions : public Migrations {};

TEST_P(Partitions, ALookupByIdReadsOnlyItsMonthsPartition) {
  // Three months around today's: made when the store opened (one before, three ahead).
  const dispatch::Instant now = dispatch::now_utc();
  std::vector<dispatch::Report> made;
  for (const auto when :
       {now - std::chrono::hours(24 * 31), now, now + std::chrono::hours(24 * 31)}) {
    dispatch::Report r = sample_->report(when);
    r.version = 1;
    store_with_first_event(r, "");
    made.push_back(r);
  }
  std::set<std::string> months;
  for (const dispatch::Report& r : made) {
    const std::string month = "reports_" + r.id.substr(2, 6);
    months.insert(month);
    // The plan PostgreSQL makes for the store's own lookup names one partition: the month's.
    std::string plan;
    for (const auto& row : pg_rows("EXPLAIN SELECT * FROM reports WHERE id = '" + r.id + "'"))
      plan += row[0] + "\n";
    EXPECT_NE(plan.find(month), std::string::npos) << plan;
    EXPECT_EQ(plan.find("reports_first"), std::string::npos) << plan;
    EXPECT_EQ(plan.find("reports_default"), std::string::npos) << plan;
    std::string events_plan;
    for (const auto& row :
         pg_rows("EXPLAIN SELECT * FROM events WHERE report_id = '" + r.id + "' ORDER BY seq"))
      events_plan += row[0] + "\n";
    EXPECT_NE(events_plan.find("events_" + r.id.substr(2, 6)), std::string::npos) << events_plan;
    EXPECT_EQ(events_plan.find("events_default"), std::string::npos) << events_plan;
    EXPECT_EQ(store_->report(r.id)->id, r.id);
    EXPECT_EQ(store_->events(r.id).size(), 1u);
  }
  EXPECT_EQ(months.size(), 3u);
  // A listing reads across the months, newest first.
  ReportFilter f;
  const ReportPage page = store_->list(f);
  ASSERT_EQ(page.items.size(), 3u);
  EXPECT_EQ(page.items[0].id, made[2].id);
  EXPECT_EQ(page.items[2].id, made[0].id);
  // Nothing went to the default partition; maintain() has nothing left to make this month.
  EXPECT_EQ(pg_rows("SELECT COUNT(*) FROM reports_default")[0][0], "0");
  EXPECT_NO_THROW(store_->maintain(now));
}

TEST_P(Partitions, AMonthWithoutItsPartitionYetIsStoredInTheDefaultOneAndFound) {
  // Years ahead: no partition is made that far; the row still lands, and is found.
  const dispatch::Instant later = dispatch::now_utc() + std::chrono::hours(24 * 365 * 3);
  dispatch::Report r = sample_->report(later);
  r.version = 1;
  store_with_first_event(r, "");
  EXPECT_EQ(store_->report(r.id)->id, r.id);
  EXPECT_EQ(pg_rows("SELECT COUNT(*) FROM reports_default")[0][0], "1");
  // Its month's partition cannot be made now (the row would have to move); maintain() names
  // the month and keeps the row where it is.
  try {
    store_->maintain(later);
    ADD_FAILURE() << "maintain() made a partition over rows of the default one";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unavailable);
    EXPECT_NE(std::string(e.what()).find(r.id.substr(2, 4) + "-" + r.id.substr(6, 2)),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(store_->report(r.id)->id, r.id);
}

TEST_P(Partitions, AnOldMonthLeftEmptyIsDroppedAndABusyOneWaitsForTheNextPass) {
  const dispatch::Instant now = dispatch::now_utc();
  const dispatch::Instant next_month = now + std::chrono::hours(24 * 31);
  dispatch::Report gone = sample_->report(now);
  gone.version = 1;
  dispatch::Report kept = sample_->report(next_month);
  kept.version = 1;
  store_with_first_event(gone, "");
  store_with_first_event(kept, "");
  bool deleted = false;
  store_->write([&](WriteTx& tx) { deleted = tx.delete_case(gone.id, 1); });  // archived
  ASSERT_TRUE(deleted);
  const std::string m0 = gone.id.substr(2, 6), m1 = kept.id.substr(2, 6);
  const std::string m2 =
      dispatch::new_report_id(next_month + std::chrono::hours(24 * 31)).substr(2, 6);
  const std::string before =
      dispatch::new_report_id(now - std::chrono::hours(24 * 31)).substr(2, 6);
  auto months = [&](const char* parent) {
    std::set<std::string> out;
    for (const auto& row :
         pg_rows(std::string("SELECT c.relname FROM pg_inherits i JOIN pg_class c "
                             "ON c.oid = i.inhrelid WHERE i.inhparent = '") +
                 parent + "'::regclass"))
      out.insert(row[0]);
    return out;
  };
  for (const std::string& m : {before, m0, m1, m2})
    ASSERT_TRUE(months("reports").count("reports_" + m));

  // Four months on, the month before the window's first is long past for all four. The month
  // after next is busy: a read in a transaction holds it, so it waits for the next pass.
  pqxx::connection reader(where_->location());
  pqxx::work holding(reader);
  holding.exec("SELECT COUNT(*) FROM reports_" + m2);
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<std::string> done = store_->maintain(now + std::chrono::hours(24 * 124));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  holding.abort();
  auto label = [](const std::string& m) { return m.substr(0, 4) + "-" + m.substr(4); };
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0], "dropped the emptied partitions of " + label(before) + ", " + label(m0))
      << done[0];
  const auto reports = months("reports"), events = months("events");
  EXPECT_FALSE(reports.count("reports_" + m0));
  EXPECT_FALSE(events.count("events_" + m0));
  EXPECT_FALSE(reports.count("reports_" + before));
  EXPECT_TRUE(reports.count("reports_" + m1)) << "a month with a case is kept";
  EXPECT_TRUE(events.count("events_" + m1));
  EXPECT_TRUE(reports.count("reports_" + m2)) << "the busy month waits";
  EXPECT_GE(took, 0.9) << "the busy month was waited on for the lock timeout";
  EXPECT_LT(took, 10.0);
  // The kept case and its events are whole; the foreign key still holds for the months left.
  EXPECT_EQ(store_->report(kept.id)->id, kept.id);
  EXPECT_EQ(store_->events(kept.id).size(), 1u);
  EXPECT_EQ(store_->check_integrity(), std::vector<std::string>{});
  // A case of a dropped month (an import of old cases) lands in the default partition, found.
  dispatch::Report late = sample_->report(now);
  late.version = 1;
  store_with_first_event(late, "");
  EXPECT_EQ(store_->report(late.id)->id, late.id);
  EXPECT_EQ(pg_rows("SELECT COUNT(*) FROM reports_default")[0][0], "1");
}

INSTANTIATE_TEST_SUITE_P(Adapters, Migrations, ::testing::Values("sqlite", "postgis"),
                         [](const auto& p) { return p.param; });
INSTANTIATE_TEST_SUITE_P(Adapters, Partitions, ::testing::Values("postgis"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace wangge::store
