#pragma once
// RAII over the SQLite C API: a connection and prepared statements bound from store Values.

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <unordered_map>

#include "codec.hpp"

namespace wangge::store::sqlite {

class Statement;

class Connection {
 public:
  /// Opens @p path (created when missing) with WAL, synchronous=FULL, foreign keys and a busy
  /// timeout. @throws Error(unavailable) naming the path and SQLite's reason.
  Connection(const std::string& path, bool read_only);
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

}  // namespace wangge::store::sqlite
