// The embedded default store: one SQLite file in WAL mode with synchronous=FULL, a single
// writer thread doing group commit, and a pool of read-only connections for readers.
#include <algorithm>

#include "adapters.hpp"
#include "group_commit.hpp"
#include "pool.hpp"
#include "sql.hpp"
#include "sql_store.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/sqlite.hpp"

namespace wangge::store {
namespace {

using sqlite::Connection;

// Migrations, in order; a database records the ones it has.
const std::vector<std::string>& migrations() {
  static const std::vector<std::string> kMigrations{
      R"sql(
CREATE TABLE reports (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, state TEXT NOT NULL,
  category TEXT NOT NULL, channel TEXT NOT NULL, text TEXT NOT NULL, media TEXT NOT NULL,
  submitted_by TEXT, reporter_name TEXT, reporter_phone TEXT,
  lon REAL NOT NULL, lat REAL NOT NULL, input_lon REAL NOT NULL, input_lat REAL NOT NULL, datum TEXT NOT NULL,
  accuracy_m REAL, generation TEXT NOT NULL, grid_status TEXT NOT NULL, grid_id TEXT, grid_path TEXT NOT NULL,
  grid_chain TEXT NOT NULL, leader_name TEXT, leader_role TEXT, leader_phone TEXT, on_boundary INTEGER NOT NULL,
  boundary_distance_m REAL NOT NULL, duplicate_of TEXT, responsible_kind TEXT NOT NULL, responsible_id TEXT,
  responsible_name TEXT, assignee_kind TEXT NOT NULL, assignee_id TEXT, assignee_name TEXT,
  registered_at INTEGER, dispatched_at INTEGER, accepted_at INTEGER, handled_at INTEGER, closed_at INTEGER,
  evaluated_at INTEGER, due_at INTEGER, supervised INTEGER NOT NULL, rework_count INTEGER NOT NULL,
  rating INTEGER, rating_comment TEXT, pending_extension TEXT, suspended_at INTEGER,
  remaining_work_minutes INTEGER, resume_state TEXT NOT NULL, cancel_reason TEXT, version INTEGER NOT NULL,
  cell INTEGER NOT NULL,
  idempotency_key TEXT UNIQUE, request_hash TEXT);
CREATE INDEX reports_created ON reports (created_at, id);
CREATE INDEX reports_nearby ON reports (category, cell);
CREATE INDEX reports_due ON reports (state, due_at);
CREATE TABLE events (
  report_id TEXT NOT NULL REFERENCES reports (id), seq INTEGER NOT NULL, at INTEGER NOT NULL, actor_id TEXT,
  role TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, note TEXT,
  media TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (report_id, seq));
CREATE TABLE generations (
  id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, source TEXT NOT NULL, grid_count INTEGER NOT NULL,
  active INTEGER NOT NULL DEFAULT 0);
CREATE TABLE grids (
  generation TEXT NOT NULL REFERENCES generations (id), id TEXT NOT NULL, parent_id TEXT, level INTEGER,
  level_name TEXT, code TEXT, name TEXT, leader_name TEXT, leader_role TEXT, leader_phone TEXT,
  households INTEGER, residents INTEGER, geom TEXT NOT NULL, PRIMARY KEY (generation, id));
CREATE TABLE reference (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL);
)sql",
      // 2: the nearest service point by walking, found at intake.
      R"sql(
ALTER TABLE reports ADD COLUMN service_point_id TEXT;
ALTER TABLE reports ADD COLUMN service_point_name TEXT;
ALTER TABLE reports ADD COLUMN service_walk_m REAL;
ALTER TABLE reports ADD COLUMN service_minutes REAL;
ALTER TABLE reports ADD COLUMN service_within_circle INTEGER;
ALTER TABLE reports ADD COLUMN service_straight_line INTEGER;
)sql",
      // 3: API keys (hashed) and replies remembered under idempotency keys.
      R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, actor TEXT NOT NULL, role TEXT NOT NULL, label TEXT,
  created_at INTEGER NOT NULL, revoked INTEGER NOT NULL);
CREATE TABLE replies (
  key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL);
)sql"};
  // Later ones are the same text on both dialects (sql::migrations_from_fourth) but for two
  // that PostgreSQL needs at a city's scale and one subdistrict's file does not.
  static const std::vector<std::string> kAll = [] {
    std::vector<std::string> all = kMigrations;
    for (std::string& m : sql::migrations_from_fourth(
             {"-- 22: nothing here (PostgreSQL's monthly partitions)",
              "-- 25: nothing here (PostgreSQL's kept counts of reports by state)",
              "-- 26: nothing here (PostgreSQL's vacuum of the counts' deltas)"}))
      all.push_back(std::move(m));
    return all;
  }();
  return kAll;
}

void migrate(Connection& db, std::size_t up_to) {
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at "
      "INTEGER NOT NULL)");
  db.exec("BEGIN IMMEDIATE");  // one process migrates at a time; the others then see it done
  try {
    auto q = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    q.step();
    const auto have = std::get<std::int64_t>(q.column(0));
    q.reset();
    const auto& all = migrations();
    const std::size_t last = up_to == 0 ? all.size() : std::min(up_to, all.size());
    for (std::size_t v = static_cast<std::size_t>(have); v < last; ++v) {
      db.exec(all[v]);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?)")
          .bind_all({static_cast<std::int64_t>(v + 1), to_millis(dispatch::now_utc())})
          .run();
    }
    db.exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::vector<Row> query_rows(Connection& db, const std::string& text, const Row& params) {
  auto stmt = db.cached(text);
  stmt.bind_all(params);
  std::vector<Row> rows;
  while (stmt.step()) rows.push_back(stmt.row());
  return rows;
}

/// Reads and writes through one connection: the writer's WriteTx, and each reader's queries.
class Session final : public SqlSession {
 public:
  explicit Session(Connection& db) : db_(db) {}

  std::vector<Row> rows(const std::string& text, const Row& params) override {
    return query_rows(db_, text, params);
  }
  std::size_t run(const std::string& text, const Row& params) override {
    db_.cached(text).bind_all(params).run();
    return static_cast<std::size_t>(sqlite3_changes(db_.handle()));
  }
  Connection& db() { return db_; }

 private:
  Connection& db_;
};

class Writer final : public TransactionBackend {
 public:
  explicit Writer(const std::string& path)
      : db_(path, Connection::Mode::read_write), session_(db_) {}
  void begin() override {
    db_.cached("BEGIN IMMEDIATE").run();
    session_.begin_transaction();
  }
  void savepoint() override { db_.cached("SAVEPOINT job").run(); }
  void release_savepoint() override { db_.cached("RELEASE job").run(); }
  void rollback_to_savepoint() override {
    db_.cached("ROLLBACK TO job").run();
    session_.rolled_back_job();
  }
  void commit() override { db_.cached("COMMIT").run(); }
  void rollback() noexcept override {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  WriteTx& tx() override { return session_; }

 private:
  Connection db_;
  Session session_;
};

/// One server per SQLite file: no other node to tell, nobody to share a lease with (a command
/// run beside it on the same file is heard of as before: the outbox, a reload, a restart).
class NoSignals final : public Signals {
 public:
  void signal(const std::string&, const std::string&) override {}
  std::unique_ptr<SignalListener> listen(const std::vector<std::string>&) override {
    return nullptr;
  }
};

class SqliteStore final : public SqlStore {
 protected:
  void read(const Reader& fn) override {
    readers_.with([&](Connection& conn) {
      const sqlite::Connection::Budget budget(conn, read_budget_);
      Session session(conn);
      fn(session);
      return 0;
    });
  }
  void read_unbounded(const Reader& fn) override {
    readers_.with([&](Connection& conn) {
      Session session(conn);
      fn(session);
      return 0;
    });
  }

 public:
  SqliteStore(const std::string& path, const StoreOptions& options)
      : path_(path),
        read_budget_(options.read_budget),
        readers_(
            [path, budget = options.read_budget] {
              auto conn = std::make_unique<Connection>(path, Connection::Mode::read_only);
              // A read waits for a lock no longer than it may run (WAL readers rarely wait).
              const auto ms = std::max<std::chrono::microseconds::rep>(1, budget.count() / 1000);
              sqlite3_busy_timeout(conn->handle(),
                                   static_cast<int>(std::min<long long>(ms, 10000)));
              return conn;
            },
            options.readers) {
    {
      Connection setup(path, Connection::Mode::read_write);
      migrate(setup, options.schema_version);
    }
    writer_ =
        std::make_unique<GroupCommit>([path] { return std::make_unique<Writer>(path); }, options);
  }

  std::string kind() const override { return "sqlite"; }
  std::vector<std::string> maintain(dispatch::Instant) override { return {}; }  // no partitions
  Signals& signals() override { return signals_; }

  void write(const std::function<void(WriteTx&)>& fn) override { writer_->submit(fn); }

  std::string save_generation(const std::vector<grid::Grid>& grids, const std::string& source,
                              dispatch::Instant now) override {
    std::string id;
    write([&](WriteTx& tx) {
      Session& s = static_cast<Session&>(tx);
      id = s.add_generation(source, grids.size(), now);
      Connection& db = s.db();
      auto insert = db.prepare("INSERT INTO grids (generation, " + column_list(grid_columns()) +
                               ") VALUES (?, " + placeholders(grid_columns().size(), false) + ")");
      for (const grid::Grid& g : grids) {
        insert.bind(1, id).bind_all(encode_grid(g), 2);
        insert.run();
      }
    });
    return id;
  }
  std::vector<grid::Grid> load_generation(const std::string& id) override {
    return read_value_unbounded([&](SqlSession& session) {
      Connection& db = static_cast<Session&>(session).db();
      std::vector<grid::Grid> out;
      for (const Row& row : query_rows(db,
                                       "SELECT " + column_list(grid_columns()) +
                                           " FROM grids WHERE generation = ? ORDER BY rowid",
                                       {id}))
        out.push_back(decode_grid(row));
      if (out.empty())
        throw Error(ErrorCode::not_found, "grid generation '" + id + "' has no grids");
      return out;
    });
  }
  std::size_t memory_bytes() const override {
    return static_cast<std::size_t>(std::max<sqlite3_int64>(0, sqlite3_memory_used()));
  }

  std::vector<std::string> check_integrity() override {
    return read_value_unbounded([&](SqlSession& s) {
      std::vector<std::string> problems;
      for (const Row& row : s.rows("PRAGMA integrity_check", {})) {
        const std::string text = std::get<std::string>(row[0]);
        if (text != "ok") problems.push_back("SQLite integrity_check: " + text);
      }
      for (const Row& row : s.rows("PRAGMA foreign_key_check", {})) {
        problems.push_back("foreign key violation in table " + std::get<std::string>(row[0]));
      }
      for (const std::string& check : sql::integrity_checks())
        for (const Row& row : s.rows(check, {})) problems.push_back(std::get<std::string>(row[0]));
      return problems;
    });
  }

 private:
  std::string path_;
  std::chrono::microseconds read_budget_;
  std::unique_ptr<GroupCommit> writer_;
  Pool<Connection> readers_;
  NoSignals signals_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace wangge::store
