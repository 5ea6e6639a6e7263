#pragma once
// RAII over the SQLite C API, the one wrapper wangge has: a connection and prepared statements
// bound from plain values (the store's tables, the MBTiles writer's file).

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace wangge::db {

/// Bytes for a BLOB (SQLite) or bytea (PostgreSQL) column; a std::string is text.
struct Blob {
  std::string bytes;
};
/// A column's value or a statement's parameter, on either database.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;
using Row = std::vector<Value>;

}  // namespace wangge::db

namespace wangge::sqlite {

using db::Blob;
using db::Row;
using db::Value;

class Statement;

class Connection {
 public:
  enum class Mode {
    read_write,  ///< WAL, synchronous=FULL (a commit is on disk), foreign keys, a busy timeout
    read_only,   ///< the same, reading
    scratch,     ///< a file made whole and published afterwards (util/atomic_file.hpp): no
                 ///< journal, no fsync of its own
  };
  /// Opens @p path (created when missing, but read_only). @throws Error(unavailable) naming the
  /// path and SQLite's reason.
  Connection(const std::string& path, Mode mode);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void exec(const std::string& sql);
  Statement prepare(const std::string& sql);
  /// A statement prepared once per connection and reused (reset when the returned handle goes).
  Statement cached(const std::string& sql);
  sqlite3* handle() const noexcept { return db_; }
  [[noreturn]] void fail(const std::string& what) const;
  /// Throws the budget's Error when a budget is active and its deadline has passed.
  void check_budget() const;

  /// While one lives, statements on the connection that run past @p budget are interrupted
  /// and fail with Error(unavailable) naming the budget: a progress handler checks the clock
  /// every few thousand virtual-machine steps (a long step), and every step that returns a row
  /// checks it too (many short steps, which the handler may never see).
  class Budget {
   public:
    Budget(Connection& conn, std::chrono::microseconds budget);
    ~Budget();
    Budget(const Budget&) = delete;
    Budget& operator=(const Budget&) = delete;

   private:
    Connection& conn_;
  };

 private:
  static int over_budget(void* self);
  sqlite3* db_ = nullptr;
  std::string path_;
  std::chrono::steady_clock::time_point deadline_{};
  std::chrono::microseconds budget_{0};
  bool budgeted_ = false;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class Statement {
 public:
  /// @param owned  finalize on destruction; otherwise (a cached statement) reset and unbind
  Statement(const Connection& conn, sqlite3_stmt* stmt, bool owned = true)
      : conn_(&conn), stmt_(stmt), owned_(owned) {}
  ~Statement() {
    if (owned_)
      sqlite3_finalize(stmt_);
    else if (stmt_)
      reset();
  }
  Statement(Statement&& o) noexcept : conn_(o.conn_), stmt_(o.stmt_), owned_(o.owned_) {
    o.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const Value& v);  ///< 1-based
  Statement& bind_all(const Row& values, int first = 1);
  /// Steps once: @returns true when a row is available.
  bool step();
  /// Runs a statement without results to completion.
  void run();
  Value column(int i) const;
  Row row() const;
  void reset();

 private:
  const Connection* conn_;
  sqlite3_stmt* stmt_;
  bool owned_;
};

}  // namespace wangge::sqlite
