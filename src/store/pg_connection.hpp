#pragma once
// Connecting to PostgreSQL as wangge does, and its errors as ours (private to the store module).

#include <exception>
#include <memory>
#include <pqxx/pqxx>
#include <string>

namespace wangge::store {

/// The seconds libpq waits for one member to answer when the string does not say.
inline constexpr int kDefaultConnectTimeout = 5;

/// @p conninfo (key=value or a postgresql:// URI) with connect_timeout set to
/// kDefaultConnectTimeout when neither it nor PGCONNECT_TIMEOUT sets one. Without a timeout,
/// libpq waits on a member whose machine is gone (no reset, only silence) for as long as TCP
/// does, minutes, before it tries the next host of a multi-host string: the nodes would not
/// follow a failover. A string libpq cannot parse is returned as it is (connecting reports it).
std::string with_connect_timeout(const std::string& conninfo);

/// A connection to @p conninfo set up as every one of wangge's is: bytea read in hex, no JIT.
/// @throws Error(unavailable) naming why it could not connect.
std::unique_ptr<pqxx::connection> connect_raw(const std::string& conninfo);

/// What libpqxx threw, as our error: a unique key's violation is Error(conflict), a statement
/// cancelled past its statement_timeout and everything else Error(unavailable).
[[noreturn]] void translate(const std::exception& e);

}  // namespace wangge::store
