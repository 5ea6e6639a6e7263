// The accounts port over SQL, the same statements on both dialects (sql.cpp).
#include "sql.hpp"
#include "sql_store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

Row account_columns(const Account& a) {
  return {a.actor,
          a.password_hash,
          static_cast<std::int64_t>(a.failures),
          to_millis(a.locked_until),
          static_cast<std::int64_t>(a.disabled ? 1 : 0),
          to_millis(a.created_at),
          to_millis(a.updated_at),
          to_millis(a.sessions_after)};
}

}  // namespace

void SqlStore::insert_account(const Account& a) {
  write_sql([&](SqlSession& s) {
    if (!s.rows(sql::select_account(), {a.login}).empty())
      throw Error(ErrorCode::conflict, "the login '" + a.login + "' exists already");
    Row params{a.login};
    for (Value& v : account_columns(a)) params.push_back(std::move(v));
    s.run(sql::insert_account(), params);
  });
}

std::optional<Account> SqlStore::account(const std::string& login) {
  return read_value([&](SqlSession& s) -> std::optional<Account> {
    auto found = s.rows(sql::select_account(), {login});
    if (found.empty()) return std::nullopt;
    return sql::decode_account(found[0]);
  });
}

std::vector<Account> SqlStore::all_accounts(AccountKind kind) {
  return read_value_unbounded([&](SqlSession& s) {
    std::vector<Account> out;
    for (const Row& row : s.rows(sql::select_accounts(kind), {}))
      out.push_back(sql::decode_account(row));
    return out;
  });
}

std::optional<Account> SqlStore::update_account(const std::string& login,
                                                const std::function<void(Account&)>& change) {
  std::optional<Account> out;
  write_sql([&](SqlSession& s) {
    out.reset();
    // PostgreSQL: the row stays locked to the end of the write, so that two nodes counting
    // failures at once cannot lose one (SQLite has a single writer already).
    auto found = s.rows(sql::select_account() + for_update(), {login});
    if (found.empty()) return;
    Account a = sql::decode_account(found[0]);
    change(a);
    a.login = login;  // the key does not change
    Row params = account_columns(a);
    params.emplace_back(login);
    s.run(sql::update_account(), params);
    out = std::move(a);
  });
  return out;
}

void SqlStore::insert_session(const SessionRecord& r) {
  write_sql([&](SqlSession& s) {
    // A login's expired sessions go as it signs in again: the table holds live ones only.
    s.run("DELETE FROM sessions WHERE login = ? AND expires_at < ?",
          {r.login, to_millis(r.created_at)});
    s.run(sql::insert_session(), {r.hash, r.login, r.csrf, to_millis(r.created_at),
                                  to_millis(r.expires_at), std::int64_t{r.revoked ? 1 : 0}});
  });
}

std::optional<SessionRecord> SqlStore::session(const std::string& hash) {
  return read_value([&](SqlSession& s) -> std::optional<SessionRecord> {
    auto found = s.rows(sql::select_session(), {hash});
    if (found.empty()) return std::nullopt;
    return sql::decode_session(found[0]);
  });
}

void SqlStore::revoke_session(const std::string& hash) {
  write_sql(
      [&](SqlSession& s) { s.run("UPDATE sessions SET revoked = 1 WHERE hash = ?", {hash}); });
}

std::size_t SqlStore::revoke_sessions(const std::string& login, const std::string& keep_hash) {
  std::size_t n = 0;
  write_sql([&](SqlSession& s) {
    n = s.run("UPDATE sessions SET revoked = 1 WHERE login = ? AND hash <> ? AND revoked = 0",
              {login, keep_hash});
  });
  return n;
}

void SqlStore::update_login_code(const std::string& phone,
                                 const std::function<bool(std::optional<LoginCode>&)>& change) {
  write_sql([&](SqlSession& s) {
    std::optional<LoginCode> code;
    auto found = s.rows(sql::select_login_code() + for_update(), {phone});
    if (!found.empty()) code = sql::decode_login_code(found[0]);
    if (!change(code) || !code) return;
    s.run(sql::upsert_login_code(),
          {phone, code->code_hash, to_millis(code->sent_at), to_millis(code->expires_at),
           static_cast<std::int64_t>(code->attempts), to_millis(code->window_start),
           static_cast<std::int64_t>(code->sends_in_window)});
  });
}

}  // namespace wangge::store
