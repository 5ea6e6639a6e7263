// The embedded default store: one SQLite file in WAL mode with synchronous=FULL, a single
// writer thread doing group commit, and a pool of read-only connections for readers.
#include "adapters.hpp"
#include "group_commit.hpp"
#include "pool.hpp"
#include "sql.hpp"
#include "sqlite.hpp"
#include "wangge/util/error.hpp"

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
)sql",
      // 4: every filter of a listing has an index that also gives the order (creation time,
      // then id), so a page reads its rows and stops: category, state, finest grid, a small
      // box's cells, the submitter (a resident's own reports), update times.
      R"sql(
CREATE INDEX reports_category_created ON reports (category, created_at, id);
CREATE INDEX reports_state_created ON reports (state, created_at, id);
CREATE INDEX reports_grid_created ON reports (grid_id, created_at, id);
CREATE INDEX reports_cell_created ON reports (cell, created_at, id);
CREATE INDEX reports_submitter_created ON reports (submitted_by, created_at, id);
CREATE INDEX reports_updated ON reports (updated_at, id);
)sql"};
  return kMigrations;
}

void migrate(Connection& db) {
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
    for (std::size_t v = static_cast<std::size_t>(have); v < all.size(); ++v) {
      db.exec(all[v]);
      db.prepare("INSERT INTO schema_migrations VALUES (?, ?)")
          .bind_all({static_cast<std::int64_t>(v + 1), to_millis(now_utc())})
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
class Session final : public WriteTx {
 public:
  explicit Session(Connection& db) : db_(db) {}

  std::optional<Report> report(const std::string& id) override {
    auto rows = query_rows(db_, sql::select_report(), {id});
    if (rows.empty()) return std::nullopt;
    return decode_report(rows.front());
  }
  void insert_report(const Report& r, const std::string& key, const std::string& hash) override {
    Row row = encode_report(r);
    row.push_back(key.empty() ? Value() : Value(key));
    row.push_back(hash.empty() ? Value() : Value(hash));
    db_.cached(sql::insert_report()).bind_all(row).run();
  }
  void update_report(const Report& r) override {
    Row row = encode_report(r);
    const Value id = row.front();
    row.erase(row.begin());
    row.push_back(id);
    auto stmt = db_.cached(sql::update_report());
    stmt.bind_all(row).run();
    if (sqlite3_changes(db_.handle()) != 1)
      throw Error(ErrorCode::not_found, "report " + r.id + " does not exist");
  }
  void append_event(const Event& e) override {
    db_.prepare(sql::insert_event()).bind_all(encode_event(e)).run();
  }
  std::optional<IdempotencyRecord> idempotency(const std::string& key) override {
    auto rows = query_rows(db_, sql::select_idempotency(), {key});
    if (rows.empty()) return std::nullopt;
    auto text = [](const Value& v) {
      return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "";
    };
    return IdempotencyRecord{text(rows[0][0]), text(rows[0][1]), text(rows[0][2])};
  }
  std::vector<Report> open_reports_near(const std::string& category, const BBox& box,
                                        Instant since) override {
    const auto q = sql::open_reports_near(category, box, since);
    std::vector<Report> out;
    for (const Row& row : query_rows(db_, q.text, q.params))
      out.push_back(sql::decode_candidate(row));
    return out;
  }
  std::vector<std::string> overdue_unsupervised(Instant now, std::size_t limit) override {
    const auto q = sql::overdue_unsupervised(now, limit);
    std::vector<std::string> ids;
    for (const Row& row : query_rows(db_, q.text, q.params))
      ids.push_back(std::get<std::string>(row[0]));
    return ids;
  }

  std::optional<StoredReply> reply(const std::string& key) override {
    auto rows = query_rows(db_, sql::select_reply(), {key});
    if (rows.empty()) return std::nullopt;
    return StoredReply{std::get<std::string>(rows[0][0]),
                       static_cast<int>(std::get<std::int64_t>(rows[0][1])),
                       std::get<std::string>(rows[0][2])};
  }
  void save_reply(const std::string& key, const StoredReply& r, Instant now) override {
    db_.cached(sql::insert_reply())
        .bind_all({key, r.request_hash, std::int64_t{r.status}, r.body, to_millis(now)})
        .run();
  }

  std::vector<Report> decode_all(const sql::Query& q) {
    std::vector<Report> out;
    for (const Row& row : query_rows(db_, q.text, q.params)) out.push_back(decode_report(row));
    return out;
  }
  Connection& db() { return db_; }

 private:
  Connection& db_;
};

class Writer final : public TransactionBackend {
 public:
  explicit Writer(const std::string& path) : db_(path, false), session_(db_) {}
  void begin() override { db_.cached("BEGIN IMMEDIATE").run(); }
  void savepoint() override { db_.cached("SAVEPOINT job").run(); }
  void release_savepoint() override { db_.cached("RELEASE job").run(); }
  void rollback_to_savepoint() override { db_.cached("ROLLBACK TO job").run(); }
  void commit() override { db_.cached("COMMIT").run(); }
  void rollback() noexcept override {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  WriteTx& tx() override { return session_; }

 private:
  Connection db_;
  Session session_;
};

class SqliteStore final : public Store {
 private:
  /// Runs @p fn on a read connection within the read budget: the reads a request makes.
  template <class Fn>
  auto with_reader(Fn&& fn) {
    return readers_.with([&](Connection& conn) {
      const sqlite::Connection::Budget budget(conn, read_budget_);
      Session session(conn);
      return fn(session);
    });
  }
  /// The same without a budget: start-up and maintenance (a generation, reference documents,
  /// the key list, the integrity check), whose size is the data's, not a request's.
  template <class Fn>
  auto with_reader_unbounded(Fn&& fn) {
    return readers_.with([&](Connection& conn) {
      Session session(conn);
      return fn(session);
    });
  }

 public:
  SqliteStore(const std::string& path, const StoreOptions& options)
      : path_(path),
        read_budget_(options.read_budget),
        readers_(
            [path, budget = options.read_budget] {
              auto conn = std::make_unique<Connection>(path, true);
              // A read waits for a lock no longer than it may run (WAL readers rarely wait).
              const auto ms = std::max<std::chrono::microseconds::rep>(1, budget.count() / 1000);
              sqlite3_busy_timeout(conn->handle(),
                                   static_cast<int>(std::min<long long>(ms, 10000)));
              return conn;
            },
            options.readers) {
    {
      Connection setup(path, false);
      migrate(setup);
    }
    writer_ =
        std::make_unique<GroupCommit>([path] { return std::make_unique<Writer>(path); }, options);
  }

  std::string kind() const override { return "sqlite"; }

  void write(const std::function<void(WriteTx&)>& fn) override { writer_->submit(fn); }

  std::optional<Report> report(const std::string& id) override {
    return with_reader([&](Session& s) { return s.report(id); });
  }
  std::vector<Event> events(const std::string& id) override {
    return with_reader([&](Session& s) {
      std::vector<Event> out;
      for (const Row& row : query_rows(s.db(), sql::select_events(), {id}))
        out.push_back(decode_event(row));
      return out;
    });
  }
  ReportPage list(const ReportFilter& filter) override {
    const auto q = sql::list(filter);
    return with_reader([&](Session& s) {
      ReportPage page;
      page.items = s.decode_all(q);
      if (page.items.size() > filter.limit) {
        page.items.resize(filter.limit);
        page.next = sql::cursor_after(page.items.back());
      }
      return page;
    });
  }
  std::size_t count(const ReportFilter& filter, std::size_t at_most) override {
    const auto q = sql::count(filter, at_most);
    return with_reader([&](Session& s) {
      const auto rows = query_rows(s.db(), q.text, q.params);
      return static_cast<std::size_t>(std::get<std::int64_t>(rows[0][0]));
    });
  }
  std::vector<Report> reports_created(Instant from, Instant to, std::size_t max_rows) override {
    return with_reader(
        [&](Session& s) { return s.decode_all(sql::reports_created(from, to, max_rows)); });
  }
  std::size_t report_count() override {
    return with_reader([&](Session& s) {
      auto rows = query_rows(s.db(), "SELECT COUNT(*) FROM reports", {});
      return static_cast<std::size_t>(std::get<std::int64_t>(rows[0][0]));
    });
  }

  std::string save_generation(const std::vector<Grid>& grids, const std::string& source,
                              Instant now) override {
    std::string id;
    write([&](WriteTx& tx) {
      Connection& db = static_cast<Session&>(tx).db();
      auto rows = query_rows(db, "SELECT COUNT(*) FROM generations", {});
      id = "g" + std::to_string(std::get<std::int64_t>(rows[0][0]) + 1);
      db.prepare("INSERT INTO generations (id, created_at, source, grid_count) VALUES (?, ?, ?, ?)")
          .bind_all({id, to_millis(now), source, static_cast<std::int64_t>(grids.size())})
          .run();
      auto insert = db.prepare("INSERT INTO grids (generation, " + column_list(grid_columns()) +
                               ") VALUES (?, " + placeholders(grid_columns().size(), false) + ")");
      for (const Grid& g : grids) {
        insert.bind(1, id).bind_all(encode_grid(g), 2);
        insert.run();
      }
    });
    return id;
  }
  void activate_generation(const std::string& id) override {
    write([&](WriteTx& tx) {
      Connection& db = static_cast<Session&>(tx).db();
      if (query_rows(db, "SELECT 1 FROM generations WHERE id = ?", {id}).empty()) {
        throw Error(ErrorCode::not_found, "grid generation '" + id + "' does not exist");
      }
      db.prepare("UPDATE generations SET active = (id = ?)").bind_all({id}).run();
    });
  }
  std::optional<std::string> active_generation() override {
    return with_reader_unbounded([&](Session& s) -> std::optional<std::string> {
      auto rows = query_rows(s.db(), "SELECT id FROM generations WHERE active = 1", {});
      if (rows.empty()) return std::nullopt;
      return std::get<std::string>(rows[0][0]);
    });
  }
  std::vector<Grid> load_generation(const std::string& id) override {
    return with_reader_unbounded([&](Session& s) {
      std::vector<Grid> out;
      for (const Row& row : query_rows(s.db(),
                                       "SELECT " + column_list(grid_columns()) +
                                           " FROM grids WHERE generation = ? ORDER BY rowid",
                                       {id}))
        out.push_back(decode_grid(row));
      if (out.empty())
        throw Error(ErrorCode::not_found, "grid generation '" + id + "' has no grids");
      return out;
    });
  }
  std::vector<GenerationInfo> generations() override {
    return with_reader_unbounded([&](Session& s) {
      std::vector<GenerationInfo> out;
      for (const Row& r : query_rows(s.db(),
                                     "SELECT id, created_at, source, grid_count, active FROM "
                                     "generations ORDER BY created_at",
                                     {})) {
        out.push_back({std::get<std::string>(r[0]), from_millis(std::get<std::int64_t>(r[1])),
                       std::get<std::string>(r[2]),
                       static_cast<std::size_t>(std::get<std::int64_t>(r[3])),
                       std::get<std::int64_t>(r[4]) != 0});
      }
      return out;
    });
  }

  void put_reference(const std::string& name, const std::string& body, Instant now) override {
    write([&](WriteTx& tx) {
      static_cast<Session&>(tx)
          .db()
          .prepare(
              "INSERT INTO reference (name, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) "
              "DO UPDATE SET "
              "body = excluded.body, updated_at = excluded.updated_at")
          .bind_all({name, body, to_millis(now)})
          .run();
    });
  }
  std::optional<std::string> reference(const std::string& name) override {
    return with_reader_unbounded([&](Session& s) -> std::optional<std::string> {
      auto rows = query_rows(s.db(), "SELECT body FROM reference WHERE name = ?", {name});
      if (rows.empty()) return std::nullopt;
      return std::get<std::string>(rows[0][0]);
    });
  }

  void put_api_key(const ApiKey& k) override {
    write([&](WriteTx& tx) {
      static_cast<Session&>(tx)
          .db()
          .cached(sql::insert_api_key())
          .bind_all({k.id, k.hash, k.actor, k.role, k.label, to_millis(k.created_at)})
          .run();
    });
  }
  std::optional<ApiKey> api_key_by_hash(const std::string& hash) override {
    return with_reader([&](Session& s) -> std::optional<ApiKey> {
      auto rows = query_rows(s.db(), sql::select_api_key_by_hash(), {hash});
      if (rows.empty()) return std::nullopt;
      return sql::decode_api_key(rows[0]);
    });
  }
  std::vector<ApiKey> api_keys() override {
    return with_reader_unbounded([&](Session& s) {
      std::vector<ApiKey> out;
      for (const Row& row : query_rows(s.db(), sql::select_api_keys(), {}))
        out.push_back(sql::decode_api_key(row));
      return out;
    });
  }
  void revoke_api_key(const std::string& id) override {
    write([&](WriteTx& tx) {
      Connection& db = static_cast<Session&>(tx).db();
      db.cached(sql::revoke_api_key()).bind_all({id}).run();
      if (sqlite3_changes(db.handle()) != 1)
        throw Error(ErrorCode::not_found, "API key '" + id + "' does not exist");
    });
  }
  std::vector<GridPathCount> open_counts_by_path(Instant now) override {
    return with_reader([&](Session& s) {
      const auto q = sql::open_counts_by_path(now);
      std::vector<GridPathCount> out;
      for (const Row& row : query_rows(s.db(), q.text, q.params))
        out.push_back(sql::decode_path_count(row));
      return out;
    });
  }
  std::vector<std::pair<std::string, std::size_t>> count_by_state() override {
    return with_reader([&](Session& s) {
      std::vector<std::pair<std::string, std::size_t>> out;
      for (const Row& row : query_rows(s.db(), sql::count_by_state(), {}))
        out.emplace_back(std::get<std::string>(row[0]),
                         static_cast<std::size_t>(std::get<std::int64_t>(row[1])));
      return out;
    });
  }

  std::vector<std::string> check_integrity() override {
    return with_reader_unbounded([&](Session& s) {
      std::vector<std::string> problems;
      for (const Row& row : query_rows(s.db(), "PRAGMA integrity_check", {})) {
        const std::string text = std::get<std::string>(row[0]);
        if (text != "ok") problems.push_back("SQLite integrity_check: " + text);
      }
      for (const Row& row : query_rows(s.db(), "PRAGMA foreign_key_check", {})) {
        problems.push_back("foreign key violation in table " + std::get<std::string>(row[0]));
      }
      for (const std::string& check : sql::integrity_checks())
        for (const Row& row : query_rows(s.db(), check, {}))
          problems.push_back(std::get<std::string>(row[0]));
      return problems;
    });
  }

 private:
  std::string path_;
  std::chrono::microseconds read_budget_;
  std::unique_ptr<GroupCommit> writer_;
  Pool<Connection> readers_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace wangge::store
