// wangge check — the store's integrity, read whole (store::Store::check_integrity): for an
// operator after a restore, a failover or an upgrade.
#include <cstdio>

#include "commands.hpp"

namespace wangge::cli {

Runner add_check_command(CLI::App& app) {
  auto store = std::make_shared<StoreOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check",
      "Check the store's integrity: every event has its case and each case's version matches\n"
      "its events, every idempotency key names a case, every point is valid, and on PostgreSQL\n"
      "the kept counts of cases by state equal the rows. Reads every row: run it after a\n"
      "restore, a failover or an upgrade rather than at the day's peak.\n"
      "Exit 0 when consistent, 1 with findings (one a line), 75 when the store cannot be reached.\n"
      "Example: wangge check --store wangge.db");
  add_store_options(*cmd, *store);
  return [=]() -> int {
    auto service = store->open();
    const std::vector<std::string> findings = service->check_store();
    for (const std::string& f : findings) std::printf("%s\n", f.c_str());
    if (findings.empty()) {
      std::printf("the store (%s) is consistent\n", service->store_kind().c_str());
      return 0;
    }
    std::fprintf(stderr, "%zu finding(s)\n", findings.size());
    return 1;
  };
}

}  // namespace wangge::cli
