#pragma once
// libpq connection strings as wangge uses them (private to the store module).

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

}  // namespace wangge::store
