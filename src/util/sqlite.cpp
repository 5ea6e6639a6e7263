#include "wangge/util/sqlite.hpp"

#include "wangge/util/error.hpp"

namespace wangge::sqlite {

Connection::Connection(const std::string& path, Mode mode) : path_(path) {
  const bool read_only = mode == Mode::read_only;
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(ErrorCode::unavailable, "cannot open the SQLite database '" + path + "': " + why);
  }
  sqlite3_extended_result_codes(db_, 1);
  if (mode == Mode::scratch) {
    exec("PRAGMA journal_mode=OFF");
    exec("PRAGMA synchronous=OFF");
    return;
  }
  sqlite3_busy_timeout(db_, 10000);
  if (!read_only) exec("PRAGMA journal_mode=WAL");
  // FULL: a transaction acknowledged is on disk (WAL fsync'ed at each commit).
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");
  exec("PRAGMA cache_size=-65536");     // 64 MiB of page cache per connection
  exec("PRAGMA mmap_size=1073741824");  // read pages through the OS cache without copies
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Statement Connection::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      fail("cannot prepare a statement");
    }
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(*this, it->second, false);
}

Connection::Budget::Budget(Connection& conn, std::chrono::microseconds budget) : conn_(conn) {
  conn.budget_ = budget;
  conn.deadline_ = std::chrono::steady_clock::now() + budget;
  conn.budgeted_ = true;
  sqlite3_progress_handler(conn.db_, 4096, &Connection::over_budget, &conn);
}

Connection::Budget::~Budget() {
  sqlite3_progress_handler(conn_.db_, 0, nullptr, nullptr);
  conn_.budgeted_ = false;
}

int Connection::over_budget(void* self) {
  const auto* conn = static_cast<const Connection*>(self);
  return std::chrono::steady_clock::now() > conn->deadline_ ? 1 : 0;
}

namespace {
[[noreturn]] void throw_over_budget(const std::string& path, std::chrono::microseconds budget) {
  throw Error(ErrorCode::unavailable,
              "a read of the SQLite database (" + path + ") ran past its budget of " +
                  std::to_string(budget.count()) + " µs and was interrupted");
}
}  // namespace

void Connection::check_budget() const {
  if (budgeted_ && std::chrono::steady_clock::now() > deadline_) throw_over_budget(path_, budget_);
}

void Connection::fail(const std::string& what) const {
  const int code = sqlite3_extended_errcode(db_);
  if (code == SQLITE_INTERRUPT) throw_over_budget(path_, budget_);
  const ErrorCode ours =
      (code & 0xff) == SQLITE_CONSTRAINT ? ErrorCode::conflict : ErrorCode::unavailable;
  throw Error(ours, what + " (" + path_ + "): " + sqlite3_errmsg(db_));
}

void Connection::exec(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string why = message ? message : "";
    sqlite3_free(message);
    fail("SQLite statement failed: " + why);
  }
}

Statement Connection::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    fail("cannot prepare a statement");
  }
  return Statement(*this, stmt);
}

Statement& Statement::bind(int index, const Value& v) {
  int rc = SQLITE_OK;
  if (std::holds_alternative<std::monostate>(v))
    rc = sqlite3_bind_null(stmt_, index);
  else if (auto i = std::get_if<std::int64_t>(&v))
    rc = sqlite3_bind_int64(stmt_, index, *i);
  else if (auto d = std::get_if<double>(&v))
    rc = sqlite3_bind_double(stmt_, index, *d);
  else if (const auto* b = std::get_if<Blob>(&v))
    rc = sqlite3_bind_blob64(stmt_, index, b->bytes.data(), b->bytes.size(), SQLITE_TRANSIENT);
  else {
    const std::string& s = std::get<std::string>(v);
    rc = sqlite3_bind_text(stmt_, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  if (rc != SQLITE_OK) conn_->fail("cannot bind a parameter");
  return *this;
}

Statement& Statement::bind_all(const Row& values, int first) {
  for (std::size_t i = 0; i < values.size(); ++i) bind(first + static_cast<int>(i), values[i]);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    conn_->check_budget();
    return true;
  }
  if (rc == SQLITE_DONE) return false;
  conn_->fail("a statement failed");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

Value Statement::column(int i) const {
  switch (sqlite3_column_type(stmt_, i)) {
    case SQLITE_NULL:
      return {};
    case SQLITE_INTEGER:
      return std::int64_t{sqlite3_column_int64(stmt_, i)};
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt_, i);
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
      return Blob{
          std::string(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))};
    }
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
      return std::string(text ? text : "",
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
    }
  }
}

Row Statement::row() const {
  Row out;
  const int n = sqlite3_column_count(stmt_);
  out.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(column(i));
  return out;
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

}  // namespace wangge::sqlite
