// PostgreSQL's kept counts of reports by state (migration 25, what /metrics reads): after every
// insert, change of state and delete, and while several nodes write and fold at once, they
// equal a COUNT of the rows themselves, read here outside the store.
#include <atomic>
#include <map>
#include <pqxx/pqxx>
#include <thread>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

using store_testing::StoreConformance;

/// PostgreSQL only: SQLite counts the rows themselves.
class KeptCounts : public StoreConformance {
 protected:
  /// The first column of each row of @p sql, as text, by the second (on the test's database).
  std::map<std::string, std::string> pg_pairs(const std::string& sql) const {
    pqxx::connection c(where_->location());
    pqxx::nontransaction tx(c);
    std::map<std::string, std::string> out;
    for (const auto& row : tx.exec(sql)) out[row[0].c_str()] = row[1].c_str();
    return out;
  }
  void pg_exec(const std::string& sql) const {
    pqxx::connection c(where_->location());
    pqxx::work tx(c);
    tx.exec0(sql);
    tx.commit();
  }
  /// The count of the rows, state by state.
  std::map<std::string, std::string> counted() const {
    return pg_pairs("SELECT state, COUNT(*)::TEXT FROM reports GROUP BY state");
  }
  /// What the store says, in the same shape.
  static std::map<std::string, std::string> kept(Store& store) {
    std::map<std::string, std::string> out;
    for (const auto& [state, n] : store.count_by_state()) out[state] = std::to_string(n);
    return out;
  }
  std::size_t unfolded() const {
    return std::stoul(pg_pairs("SELECT 'n', COUNT(*)::TEXT FROM report_state_deltas").at("n"));
  }
};

TEST_P(KeptCounts, FollowEachInsertChangeOfStateAndDelete) {
  std::vector<dispatch::Report> made;
  for (const char* when : {"2026-11-23T09:00", "2026-11-23T09:05", "2026-11-23T09:10",
                           "2026-11-23T09:15", "2026-11-23T09:20"})
    made.push_back(submit(when));
  act(made[0].id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T10:00");
  act(made[1].id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T10:05");
  act(made[2].id, dispatch::Action::cancel, sample_->dispatcher(), "2026-11-23T10:10", "重复上报");
  bool deleted = false;
  store_->write(
      [&](WriteTx& tx) { deleted = tx.delete_case(made[1].id, tx.report(made[1].id)->version); });
  ASSERT_TRUE(deleted);

  const auto rows = counted();
  ASSERT_EQ(rows.size(), 3u);  // received, registered, cancelled
  EXPECT_EQ(rows.at("received"), "2");
  EXPECT_EQ(kept(*store_), rows);
  EXPECT_GT(unfolded(), 0u);

  // Folded by the ticker's housekeeping: the same counts, from the totals alone.
  store_->maintain(dispatch::now_utc());
  EXPECT_EQ(unfolded(), 0u);
  EXPECT_EQ(kept(*store_), rows);
  EXPECT_EQ(store_->check_integrity(), std::vector<std::string>{});

  // A change after folding is counted at once.
  act(made[3].id, dispatch::Action::register_case, sample_->dispatcher(), "2026-11-23T11:00");
  EXPECT_EQ(kept(*store_), counted());
}

TEST_P(KeptCounts, FoldedDeltasAreVacuumedAfterTwoThousandNotAFifthOfTheTable) {
  const auto options = pg_pairs(
      "SELECT 'o', array_to_string(reloptions, ',') FROM pg_class "
      "WHERE relname = 'report_state_deltas'");
  EXPECT_EQ(options.at("o"), "autovacuum_vacuum_scale_factor=0,autovacuum_vacuum_threshold=2000");
}

TEST_P(KeptCounts, TheIntegrityCheckNamesACountThatDrifted) {
  submit("2026-11-23T09:00");
  pg_exec("INSERT INTO report_state_deltas (state, n) VALUES ('received', 1)");
  const auto problems = store_->check_integrity();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "reports in state received: kept count 2, rows 1");
}

TEST_P(KeptCounts, TwoNodesWritingAndFoldingAtOnceCountEveryReportOnce) {
  auto other = open_store(where_->location());
  constexpr int kEach = 120;
  constexpr int kPerFold = 30;  // each writer waits for a fold every this many reports
  std::atomic<int> writing{2};
  std::atomic<std::size_t> folds{0};  // maintain() calls finished
  auto write_many = [&](Store& store, int minute) {
    for (int i = 0; i < kEach; ++i) {
      // Interleave by counting, not by timing: every kPerFold reports, a writer waits until a
      // whole fold has run after its last write (two more finished: the one under way may have
      // begun before). So a whole fold runs amid each writer's writes at each of its three
      // checkpoints (30, 60, 90), however slow the machine (or a sanitizer) makes either side.
      if (i > 0 && i % kPerFold == 0) {
        const std::size_t seen = folds.load();
        while (folds.load() < seen + 2) std::this_thread::yield();
      }
      dispatch::Report r = sample_->report(at("2026-11-23T09:00") + std::chrono::seconds(i) +
                                           std::chrono::minutes(minute));
      r.version = 1;
      store.write([&](WriteTx& tx) {
        tx.insert_report(r, "", "");
        tx.append_event(first_event(r));
      });
      if (i % 3 == 0) {  // some change state as they go
        store.write([&](WriteTx& tx) {
          dispatch::Report now = tx.report(r.id).value();
          dispatch::ActionRequest reg;
          reg.action = dispatch::Action::register_case;
          const dispatch::Event e =
              dispatch::Workflow(sample_->ref).apply(now, reg, sample_->dispatcher(), r.created_at);
          tx.update_report(now);
          tx.append_event(e);
        });
      }
    }
    --writing;
  };
  std::thread a([&] { write_many(*store_, 0); });
  std::thread b([&] { write_many(*other, 10); });
  // Both nodes fold while the writes go on (the lease moving between them, or two leaders for
  // a moment during a failover).
  while (writing > 0) {
    store_->maintain(dispatch::now_utc());
    ++folds;
    other->maintain(dispatch::now_utc());
    ++folds;
  }
  a.join();
  b.join();
  const auto rows = counted();
  EXPECT_EQ(std::stoi(rows.at("received")) + std::stoi(rows.at("registered")), 2 * kEach);
  EXPECT_EQ(rows.at("registered"), std::to_string(2 * ((kEach + 2) / 3)));
  EXPECT_EQ(kept(*store_), rows);
  EXPECT_EQ(kept(*other), rows);
  store_->maintain(dispatch::now_utc());
  EXPECT_EQ(unfolded(), 0u);
  EXPECT_EQ(kept(*other), rows);
  EXPECT_EQ(store_->check_integrity(), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Adapters, KeptCounts, ::testing::Values("postgis"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace wangge::store
