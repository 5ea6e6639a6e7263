#include "pg_conninfo.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <memory>

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

}  // namespace wangge::store
