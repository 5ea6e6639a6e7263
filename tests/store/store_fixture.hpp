#pragma once
// The fixture of the store conformance suite (conformance_test.cpp, listing_test.cpp): the same
// cases against both adapters — SQLite in a temporary file and PostGIS in a fresh schema of the
// database named by WANGGE_TEST_PG.
#include <gtest/gtest.h>

#include <filesystem>
#include <pqxx/pqxx>
#include <random>

#include "../dispatch/sample_fixture.hpp"
#include "wangge/dispatch/workflow.hpp"
#include "wangge/store/store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store_testing {

namespace fs = std::filesystem;

/// An outbox message to @p recipient and a delivery of it on the channel "hook" (outbox_test.cpp,
/// the runner's test).
inline dispatch::Notification message(const std::string& id, const std::string& recipient,
                                      dispatch::Instant at) {
  dispatch::Notification n;
  n.id = id;
  n.created_at = at;
  n.report_id = "r1";
  n.event_seq = 2;
  n.kind = dispatch::NoticeKind::registered;
  n.recipient = recipient;
  n.grids = {"g1", "g0"};
  n.category = "0101";
  n.title = "已受理";
  n.text = "您反映的问题已受理立案";
  n.link = "/api/v1/reports/r1";
  return n;
}

inline dispatch::Delivery delivery(const std::string& id, const std::string& notification,
                                   dispatch::Instant due) {
  dispatch::Delivery d;
  d.id = id;
  d.notification_id = notification;
  d.channel = "hook";
  d.next_at = d.created_at = d.updated_at = due;
  return d;
}

/// Where a test store lives; removed at the end.
class StoreLocation {
 public:
  virtual ~StoreLocation() = default;
  virtual std::string location() const = 0;
};

class SqliteLocation final : public StoreLocation {
 public:
  SqliteLocation() {
    dir_ = fs::temp_directory_path() /
           ("wangge-store-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
  }
  ~SqliteLocation() override { fs::remove_all(dir_); }
  std::string location() const override { return (dir_ / "test.db").string(); }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
};

class PostgisLocation final : public StoreLocation {
 public:
  PostgisLocation() {
    const char* base = std::getenv("WANGGE_TEST_PG");
    if (!base)
      throw std::runtime_error(
          "WANGGE_TEST_PG is not set: run scripts/test (or ctest -L unit for the rest)");
    base_ = base;
    schema_ = "conformance_" + std::to_string(::getpid()) + "_" +
              std::to_string(std::random_device{}() % 1000000);
    pqxx::connection c(base_);
    pqxx::work tx(c);
    tx.exec0("CREATE SCHEMA " + tx.quote_name(schema_));
    tx.commit();
  }
  ~PostgisLocation() override {
    try {
      pqxx::connection c(base_);
      pqxx::work tx(c);
      tx.exec0("DROP SCHEMA " + tx.quote_name(schema_) + " CASCADE");
      tx.commit();
    } catch (...) {
    }
  }
  std::string location() const override {
    return base_ + " options='-c search_path=" + schema_ + ",public'";
  }

 private:
  std::string base_, schema_;
};

/// A fresh location of @p kind ("sqlite" or "postgis").
inline std::unique_ptr<StoreLocation> make_location(const std::string& kind) {
  if (kind == "sqlite") return std::make_unique<SqliteLocation>();
  return std::make_unique<PostgisLocation>();
}

class StoreConformance : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { sample_ = new testing::Sample(); }
  static void TearDownTestSuite() { delete sample_; }
  void SetUp() override {
    where_ = make_location(GetParam());
    store_ = store::open_store(where_->location());
  }
  void TearDown() override {
    store_.reset();
    where_.reset();
  }
  dispatch::Instant at(const char* local) const {
    return *dispatch::parse_iso(local, sample_->ref.calendar.zone());
  }

  /// Submits a new report the way the service does: insert + its first event, in one write.
  dispatch::Report submit(const char* when, const std::string& category = "0101", double dlon = 0,
                          const std::string& key = "") {
    dispatch::Submission s =
        sample_->submission(category, testing::Sample::kLon + dlon, testing::Sample::kLat);
    dispatch::Report r = sample_->intake.build(s, testing::Sample::resident(), at(when),
                                               dispatch::new_report_id(at(when)));
    r.version = 1;
    store_with_first_event(r, key);
    return r;
  }
  /// The event a submission begins with ("submit", seq 1, by its submitter).
  static dispatch::Event first_event(const dispatch::Report& r) {
    dispatch::Event e;
    e.report_id = r.id;
    e.seq = 1;
    e.at = r.created_at;
    e.actor_id = r.submitted_by;
    e.action = "submit";
    return e;
  }
  /// Stores @p r and its first event in one write (a key: its request hash is "hash-of-" key).
  void store_with_first_event(const dispatch::Report& r, const std::string& key) {
    store_->write([&](store::WriteTx& tx) {
      tx.insert_report(r, key, key.empty() ? "" : "hash-of-" + key);
      tx.append_event(first_event(r));
    });
  }
  /// Applies a workflow action and stores the result, as the service does.
  void act(const std::string& id, dispatch::Action a, const dispatch::Actor& who, const char* when,
           const std::string& reason = "") {
    dispatch::ActionRequest req;
    req.action = a;
    req.reason = reason;
    act(id, req, who, when);
  }
  void act(const std::string& id, const dispatch::ActionRequest& req, const dispatch::Actor& who,
           const char* when) {
    store_->write([&](store::WriteTx& tx) {
      dispatch::Report r = tx.report(id).value();
      const dispatch::Event e = dispatch::Workflow(sample_->ref).apply(r, req, who, at(when));
      tx.update_report(r);
      tx.append_event(e);
    });
  }

  static inline testing::Sample* sample_ = nullptr;
  std::unique_ptr<StoreLocation> where_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace wangge::store_testing
