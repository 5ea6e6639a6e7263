#pragma once
// The two Store adapters (private to the store module).

#include <memory>
#include <string>
#include <vector>

#include "wangge/store/store.hpp"

namespace wangge::store {

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options);
std::unique_ptr<Store> open_postgis_store(const std::string& conninfo, const StoreOptions& options);
/// A listener of @p channels on a PostgreSQL connection of its own, its lease scoped by the
/// schema @p scope (pg_listener.cpp). @throws Error(unavailable) when it cannot connect.
std::unique_ptr<SignalListener> listen_postgres(const std::string& conninfo,
                                                std::vector<std::string> channels,
                                                const std::string& scope);

}  // namespace wangge::store
