#pragma once
// The two Store adapters (private to the store module).

#include <memory>
#include <string>

#include "wangge/store/store.hpp"

namespace wangge::store {

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options);
std::unique_ptr<Store> open_postgis_store(const std::string& conninfo, const StoreOptions& options);

}  // namespace wangge::store
