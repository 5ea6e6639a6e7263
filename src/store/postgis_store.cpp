// The PostGIS store via libpqxx 6.4: parameterised statements only, a writer connection on
// the group-commit thread, a small pool of read connections, geometry columns (SRID 4326) with
// GiST indexes (the schema and its migrations: pg_schema.cpp; connecting: pg_connection.cpp).
#include <algorithm>
#include <cctype>
#include <pqxx/pqxx>
#include <unordered_map>

#include "adapters.hpp"
#include "group_commit.hpp"
#include "pg_connection.hpp"
#include "pg_partitions.hpp"
#include "pg_replica.hpp"
#include "pg_schema.hpp"
#include "pool.hpp"
#include "sql.hpp"
#include "sql_store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

std::string bytea_hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(2 + 2 * bytes.size(), '\\');
  out[1] = 'x';
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out[2 + 2 * i] = kDigits[c >> 4];
    out[3 + 2 * i] = kDigits[c & 15];
  }
  return out;
}

/// The bytes of a bytea value in its text output (hex: "\x4a46…").
Blob bytea_bytes(const char* text, std::size_t size) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (size < 2 || text[0] != '\\' || text[1] != 'x' || size % 2 != 0)
    throw Error(ErrorCode::internal, "a bytea value is not in hex output format");
  Blob out;
  out.bytes.resize((size - 2) / 2);
  for (std::size_t i = 0; i < out.bytes.size(); ++i) {
    const int hi = digit(text[2 + 2 * i]), lo = digit(text[3 + 2 * i]);
    if (hi < 0 || lo < 0) throw Error(ErrorCode::internal, "a bytea value holds a non-hex digit");
    out.bytes[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

/// Parameters as libpq text values (nullptr = SQL NULL).
class Params {
 public:
  explicit Params(const Row& row) {
    storage_.reserve(row.size());
    for (const Value& v : row) {
      if (std::holds_alternative<std::monostate>(v))
        storage_.emplace_back();
      else if (auto i = std::get_if<std::int64_t>(&v))
        storage_.emplace_back(std::to_string(*i));
      else if (auto d = std::get_if<double>(&v)) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.17g", *d);
        storage_.emplace_back(buf);
      } else if (const auto* b = std::get_if<Blob>(&v)) {
        storage_.emplace_back(bytea_hex(b->bytes));  // bytea's text input: \x and hex digits
      } else {
        const std::string& s = std::get<std::string>(v);
        // libpq sends text parameters NUL-terminated: an embedded NUL would silently cut it.
        if (s.find('\0') != std::string::npos)
          throw Error(ErrorCode::invalid_argument, "text contains a NUL byte");
        storage_.emplace_back(s);
      }
    }
    for (const auto& s : storage_) pointers_.push_back(s ? s->c_str() : nullptr);
  }
  auto dynamic() const { return pqxx::prepare::make_dynamic_params(pointers_); }

 private:
  std::vector<std::optional<std::string>> storage_;
  std::vector<const char*> pointers_;
};

/// A connection with the statements prepared on it (prepared statements are per connection:
/// parsed and planned once, then executed by name).
struct PgConnection {
  std::unique_ptr<pqxx::connection> conn;
  std::unordered_map<std::string, std::string> prepared;  // SQL text ('?' form) -> name

  const std::string& statement(const std::string& text) {
    auto it = prepared.find(text);
    if (it == prepared.end()) {
      const std::string name = "w" + std::to_string(prepared.size());
      conn->prepare(name, sql::dollar_placeholders(text));
      it = prepared.emplace(text, name).first;
    }
    return it->second;
  }
};

Value value_of(const pqxx::field& f) {
  if (f.is_null()) return {};
  switch (f.type()) {
    case 20:
    case 21:
    case 23:
      return std::int64_t{f.as<long long>()};
    case 700:
    case 701:
      return f.as<double>();
    case 16:
      return std::int64_t{f.as<bool>() ? 1 : 0};
    case 17:  // bytea
      return bytea_bytes(f.c_str(), f.size());
    default:
      return std::string(f.c_str(), f.size());
  }
}

std::vector<Row> rows_of(const pqxx::result& result) {
  std::vector<Row> rows;
  rows.reserve(result.size());
  for (const auto& r : result) {
    Row row;
    row.reserve(r.size());
    for (const auto& f : r) row.push_back(value_of(f));
    rows.push_back(std::move(row));
  }
  return rows;
}

/// Queries through one transaction object: the writer's WriteTx and each reader's session.
class Session final : public SqlSession {
 public:
  Session(PgConnection& conn, pqxx::transaction_base& tx) : conn_(conn), tx_(tx) {}

  std::vector<Row> rows(const std::string& text, const Row& params) override {
    return rows_of(exec(text, params));
  }
  std::size_t run(const std::string& text, const Row& params) override {
    return static_cast<std::size_t>(exec(text, params).affected_rows());
  }
  void acquire_ledger_lock() override {
    // Held to the end of the transaction: one posting reads and writes the ledger at a time,
    // whichever node it runs on (the balances it checks cannot change under it).
    run("SELECT pg_advisory_xact_lock(7204302)", {});
  }

 private:
  /// One prepared statement, with what libpqxx throws turned into our errors.
  pqxx::result exec(const std::string& text, const Row& params) {
    try {
      const Params p(params);
      return tx_.exec_prepared(conn_.statement(text), p.dynamic());
    } catch (const Error&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      translate(e);
    } catch (const pqxx::broken_connection& e) {
      translate(e);
    }
  }

  PgConnection& conn_;
  pqxx::transaction_base& tx_;
};

std::unique_ptr<PgConnection> connect(const std::string& conninfo) {
  auto c = std::make_unique<PgConnection>();
  c->conn = connect_raw(conninfo);
  return c;
}

/// A read connection: every statement on it is cancelled by the server after @p budget
/// (statement_timeout), which the session reports as Error(unavailable).
std::unique_ptr<PgConnection> connect_reader(const std::string& conninfo,
                                             std::chrono::microseconds budget) {
  auto c = connect(conninfo);
  try {
    pqxx::nontransaction tx(*c->conn);
    // At least 1 ms: PostgreSQL's unit, and 0 would switch the timeout off.
    const auto ms = std::max<std::chrono::microseconds::rep>(1, budget.count() / 1000);
    tx.exec0("SET statement_timeout = " + std::to_string(ms));
  } catch (const std::exception& e) {
    translate(e);
  }
  return c;
}

class Writer final : public TransactionBackend {
 public:
  explicit Writer(const std::string& conninfo) : conninfo_(conninfo), conn_(connect(conninfo)) {}
  void begin() override {
    if (!conn_->conn->is_open()) conn_ = connect(conninfo_);  // the server restarted: reconnect
    tx_ = std::make_unique<pqxx::work>(*conn_->conn);
    session_ = std::make_unique<Session>(*conn_, *tx_);
  }
  void savepoint() override { tx_->exec0("SAVEPOINT job"); }
  void release_savepoint() override { tx_->exec0("RELEASE SAVEPOINT job"); }
  void rollback_to_savepoint() override {
    tx_->exec0("ROLLBACK TO SAVEPOINT job");
    session_->rolled_back_job();
  }
  void commit() override {
    try {
      tx_->commit();  // synchronous_commit=on: durable when this returns
    } catch (const std::exception& e) {
      session_.reset();
      tx_.reset();
      translate(e);
    }
    session_.reset();
    tx_.reset();
  }
  void rollback() noexcept override {
    session_.reset();
    tx_.reset();  // pqxx aborts an uncommitted transaction on destruction
  }
  WriteTx& tx() override { return *session_; }

 private:
  std::string conninfo_;
  std::unique_ptr<PgConnection> conn_;
  std::unique_ptr<pqxx::work> tx_;
  std::unique_ptr<Session> session_;
};

class PostgisStore final : public SqlStore, public Signals {
 protected:
  /// Runs @p fn with what libpqxx throws outside a query (beginning a transaction on a
  /// connection the server dropped, committing) turned into our errors, like a query's.
  template <class Fn>
  static auto translated(Fn&& fn) {
    try {
      return fn();
    } catch (const Error&) {
      throw;
    } catch (const pqxx::failure& e) {
      translate(e);
    } catch (const pqxx::usage_error& e) {
      translate(e);
    }
  }

  /// On a connection of @p pool, outside a transaction; its statement_timeout is the budget.
  static void read_on(Pool<PgConnection>& pool, const Reader& fn) {
    pool.with([&](PgConnection& conn) {
      return translated([&] {
        pqxx::nontransaction tx(*conn.conn);
        Session session(conn, tx);
        fn(session);
        return 0;
      });
    });
  }
  /// On a read connection, whose statement_timeout is the read budget.
  void read(const Reader& fn) override { read_on(readers_, fn); }
  /// On the replica while it is fresh; on the primary otherwise, or when the replica fails.
  void read_lagging(const Reader& fn) override {
    if (replica_ && lag_->fresh()) {
      try {
        read_on(*replica_, fn);
        return;
      } catch (const Error& e) {
        if (e.code() != ErrorCode::unavailable) throw;
      }
    }
    read(fn);
  }
  /// In a read transaction that lifts the timeout.
  void read_unbounded(const Reader& fn) override {
    readers_.with([&](PgConnection& conn) {
      return translated([&] {
        pqxx::read_transaction tx(*conn.conn);
        tx.exec0("SET LOCAL statement_timeout = 0");
        Session session(conn, tx);
        fn(session);
        tx.commit();
        return 0;
      });
    });
  }

 public:
  PostgisStore(const std::string& conninfo, const StoreOptions& options)
      : conninfo_(conninfo),
        partitions_(conninfo),
        readers_(
            [conninfo, budget = options.read_budget] { return connect_reader(conninfo, budget); },
            options.readers) {
    migrate(conninfo, options.schema_version);
    if (!options.read_replica.empty()) {
      replica_ = std::make_unique<Pool<PgConnection>>(
          [replica = options.read_replica, budget = options.read_budget] {
            return connect_reader(replica, budget);
          },
          options.readers);
      lag_ = std::make_unique<ReplicaLag>(conninfo, options.read_replica, options.read_staleness);
    }
    writer_ = std::make_unique<GroupCommit>(
        [conninfo] { return std::make_unique<Writer>(conninfo); }, options);
    // Signals are heard database-wide: those of a store in another schema are not ours.
    read_unbounded([&](SqlSession& s) {
      for (const char ch : text_of(s.rows("SELECT current_schema()", {}).at(0).at(0)))
        if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_')
          scope_ += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    });
  }

  std::string kind() const override { return "postgis"; }
  std::vector<std::string> maintain(dispatch::Instant now) override;
  std::vector<std::pair<std::string, std::size_t>> count_by_state() override;
  void write(const std::function<void(WriteTx&)>& fn) override { writer_->submit(fn); }

  Signals& signals() override { return *this; }
  void signal(const std::string& channel, const std::string& payload) override {
    // On a read connection, outside any transaction: delivered at once.
    read([&](SqlSession& s) {
      s.rows("SELECT pg_notify(?, ?)", {scoped(channel), payload.substr(0, kMaxSignalPayload)});
    });
  }
  std::unique_ptr<SignalListener> listen(const std::vector<std::string>& channels) override {
    std::vector<std::string> scoped_channels;
    for (const std::string& c : channels) scoped_channels.push_back(scoped(c));
    return listen_postgres(conninfo_, std::move(scoped_channels), scope_);
  }
  /// @p channel of this store's schema (a channel name is at most 63 bytes).
  std::string scoped(const std::string& channel) const {
    return (channel + "_" + scope_).substr(0, 63);
  }

  std::string save_generation(const std::vector<grid::Grid>& grids, const std::string& source,
                              dispatch::Instant now) override {
    std::string id;
    write([&](WriteTx& tx) {
      Session& s = static_cast<Session&>(tx);
      id = s.add_generation(source, grids.size(), now);
      auto columns = grid_columns();
      columns.pop_back();  // geom, bound through ST_GeomFromWKB
      const std::string insert = "INSERT INTO grids (generation, " + column_list(columns) +
                                 ", geom) VALUES (?, " + placeholders(columns.size(), false) +
                                 ", ST_GeomFromWKB(decode(?, 'hex'), 4326))";
      for (const grid::Grid& g : grids) {
        Row row{id};
        Row values = encode_grid(g);
        row.insert(row.end(), values.begin(), values.end());
        s.rows(insert, row);
      }
    });
    return id;
  }
  std::vector<grid::Grid> load_generation(const std::string& id) override {
    auto columns = grid_columns();
    columns.pop_back();
    return read_value_unbounded([&](SqlSession& s) {
      std::vector<grid::Grid> out;
      for (const Row& row : s.rows("SELECT " + column_list(columns) +
                                       ", encode(ST_AsBinary(geom, 'NDR'), 'hex') FROM grids "
                                       "WHERE generation = ? ORDER BY seq",
                                   {id}))
        out.push_back(decode_grid(row));
      if (out.empty())
        throw Error(ErrorCode::not_found, "grid generation '" + id + "' has no grids");
      return out;
    });
  }
  std::size_t memory_bytes() const override { return 0; }
  ReplicaState replica_state() const override {
    if (!lag_) return {};
    return {true, lag_->fresh(), std::chrono::milliseconds(lag_->lag_ms())};
  }

  std::vector<std::string> check_integrity() override;

 private:
  std::string conninfo_;
  MonthlyPartitions partitions_;
  std::unique_ptr<Pool<PgConnection>> replica_;  ///< null without a read replica
  std::unique_ptr<ReplicaLag> lag_;
  std::string scope_;  // the schema's name, lower case: what signals of this store are named by
  Pool<PgConnection> readers_;
  std::unique_ptr<GroupCommit> writer_;
};

std::vector<std::string> PostgisStore::maintain(dispatch::Instant now) {
  std::string unfolded;
  try {
    write([](WriteTx& tx) { static_cast<Session&>(tx).rows(kFoldStateCounts, {}); });
  } catch (const Error& e) {
    unfolded = e.what();  // counts stay right (the deltas are read too), only slower to sum
  }
  std::vector<std::string> done = partitions_.maintain(now);
  if (!unfolded.empty())
    throw Error(ErrorCode::unavailable,
                "the counts of reports by state could not be folded: " + unfolded);
  return done;
}

std::vector<std::pair<std::string, std::size_t>> PostgisStore::count_by_state() {
  return read_lagging_value([&](SqlSession& s) {
    std::vector<std::pair<std::string, std::size_t>> out;
    for (const Row& row : s.rows(kCountByState, {}))
      out.emplace_back(text_of(row[0]),
                       static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(row, 1))));
    return out;
  });
}

std::vector<std::string> PostgisStore::check_integrity() {
  return read_value_unbounded([&](SqlSession& s) {
    std::vector<std::string> problems;
    for (const std::string& check : sql::integrity_checks())
      for (const Row& row : s.rows(check, {})) problems.push_back(text_of(row[0]));
    for (const Row& row : s.rows("SELECT 'report ' || id || ' has an invalid point' FROM "
                                 "reports WHERE NOT ST_IsValid(geom)",
                                 {}))
      problems.push_back(text_of(row[0]));
    // The kept counts (migration 25) against a count of every row.
    for (const Row& row :
         s.rows(std::string("SELECT 'reports in state ' || COALESCE(k.state, r.state) || ': "
                            "kept count ' || COALESCE(k.n, 0) || ', rows ' || COALESCE(r.n, 0) "
                            "FROM (") +
                    kCountByState +
                    ") AS k (state, n) FULL JOIN (SELECT state, COUNT(*) FROM reports GROUP "
                    "BY state) AS r (state, n) ON k.state = r.state WHERE COALESCE(k.n, 0) <> "
                    "COALESCE(r.n, 0)",
                {}))
      problems.push_back(text_of(row[0]));
    return problems;
  });
}

}  // namespace

std::unique_ptr<Store> open_postgis_store(const std::string& conninfo,
                                          const StoreOptions& options) {
  StoreOptions bounded = options;
  if (!bounded.read_replica.empty())
    bounded.read_replica = with_connect_timeout(bounded.read_replica);
  return std::make_unique<PostgisStore>(with_connect_timeout(conninfo), bounded);
}

}  // namespace wangge::store
