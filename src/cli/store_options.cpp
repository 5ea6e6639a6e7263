#include "commands.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {

void add_store_options(CLI::App& cmd, StoreOptions& o) {
  cmd.add_option("--store", o.store,
                 "SQLite file or PostgreSQL URL (default wangge.db; env WANGGE_STORE)")
      ->envname("WANGGE_STORE");
  cmd.add_option("--data", o.data,
                 "Seed data for a new store: grids.geojson and the reference documents (e.g. "
                 "geodata/sample;\n"
                 "env WANGGE_DATA)")
      ->envname("WANGGE_DATA");
}

std::unique_ptr<service::Service> StoreOptions::open(const dispatch::PrivacyPolicy& privacy) const {
  service::ServiceConfig config;
  config.privacy = privacy;
  config.store = store;
  config.data_dir = data;
  return service::Service::open(config);
}

dispatch::Instant parse_time_option(const std::string& text, const std::string& what,
                                    const dispatch::TimeZone& zone) {
  auto t = dispatch::parse_iso(text, zone);
  if (!t) {
    throw Error(ErrorCode::invalid_argument,
                what + " '" + text + "' is not an ISO 8601 time (e.g. 2026-11-23T09:30:00+08:00)");
  }
  return *t;
}

}  // namespace wangge::cli
