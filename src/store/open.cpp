#include "adapters.hpp"

namespace wangge::store {

bool is_postgres_location(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0 ||
         location.find("dbname=") != std::string::npos ||
         location.find("host=") != std::string::npos;
}

std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options) {
  if (is_postgres_location(location)) return store::open_postgis_store(location, options);
  return store::open_sqlite_store(location, options);
}

}  // namespace wangge::store
