#include "pg_connection.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>

#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

/// @p value as a conninfo value: single-quoted, with \ and ' escaped.
std::string quoted(const char* value) {
  std::string out = "'";
  for (const char* p = value; *p; ++p) {
    if (*p == '\\' || *p == '\'') out += '\\';
    out += *p;
  }
  return out + "'";
}

}  // namespace

std::string with_connect_timeout(const std::string& conninfo) {
  if (const char* env = std::getenv("PGCONNECT_TIMEOUT"); env && *env) return conninfo;
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
  PQfreemem(error);
  if (!options) return conninfo;
  std::string out;
  for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
    if (!o->val) continue;
    if (std::string(o->keyword) == "connect_timeout") return conninfo;  // the string says
    out += std::string(o->keyword) + "=" + quoted(o->val) + " ";
  }
  return out + "connect_timeout=" + std::to_string(kDefaultConnectTimeout);
}

std::unique_ptr<pqxx::connection> connect_raw(const std::string& conninfo) {
  try {
    auto c = std::make_unique<pqxx::connection>(conninfo);
    // Photos are read back in bytea's hex form (bytea_bytes); a database set to the old escape
    // form must not make every photo unreadable.
    pqxx::nontransaction(*c).exec0("SET bytea_output = 'hex'");
    // No JIT: its compile time is paid per partition (42 months: 15 s of JIT for a 1 s read,
    // scripts/bench/partitions), and no query of ours runs long enough to gain from it.
    pqxx::nontransaction(*c).exec0("SET jit = off");
    return c;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::unavailable, std::string("cannot connect to PostgreSQL: ") + e.what());
  }
}

[[noreturn]] void translate(const std::exception& e) {
  if (dynamic_cast<const pqxx::unique_violation*>(&e)) {
    throw Error(ErrorCode::conflict, std::string("the store refused a duplicate: ") + e.what());
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
      sql && sql->sqlstate() == "57014") {  // query_canceled: the statement_timeout
    throw Error(ErrorCode::unavailable,
                std::string("a read of PostgreSQL ran past its budget (statement_timeout) and was "
                            "cancelled: ") +
                    e.what());
  }
  throw Error(ErrorCode::unavailable, std::string("PostgreSQL: ") + e.what());
}

}  // namespace wangge::store
