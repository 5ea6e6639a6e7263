// wangge archive --before DATE | --years N --out FILE.gpkg — ended cases older than the
// retention period out of the store, into a GeoPackage (service::ArchiveRequest).
#include <chrono>
#include <cstdio>

#include "commands.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {

Runner add_archive_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string before, out;
    long long years = 0, limit = 10000;
    bool contacts = false, keep = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "archive",
      "Ended cases (closed, evaluated, cancelled) created and ended before a date leave the\n"
      "store for a GeoPackage: layers reports (points), events and photos (JPEG BLOBs). The file\n"
      "is read back before any case is deleted; a case changed since it was read stays.\n"
      "Example: wangge archive --years 3 --out archive-2023.gpkg");
  add_store_options(*cmd, a->store);
  cmd->add_option("--before", a->before, "Cases created and ended before this (ISO 8601)");
  cmd->add_option("--years", a->years, "… or older than this many years")
      ->check(integer_in(1, 100));
  cmd->add_option("--out", a->out, "The GeoPackage to write (.gpkg; never replaced)")->required();
  cmd->add_option("--limit", a->limit, "At most this many cases in one run")
      ->check(integer_in(1, 100000));
  cmd->add_flag("--contacts", a->contacts,
                "Keep the reporters' names, phones and e-mail in the file (left out by default)");
  cmd->add_flag("--keep", a->keep, "Write the file and delete nothing from the store");

  return [=]() -> int {
    if (a->before.empty() == (a->years == 0))
      throw Error(ErrorCode::invalid_argument, "give one of --before and --years");
    auto service = a->store.open();
    const auto& zone = service->reference()->calendar.zone();
    service::ArchiveRequest req;
    // A year of 365¼ days: leap days, near enough for a retention period.
    const auto span = std::chrono::duration_cast<dispatch::Milliseconds>(
        std::chrono::days(365 * a->years + a->years / 4));
    req.before =
        a->years ? dispatch::now_utc() - span : parse_time_option(a->before, "--before", zone);
    req.path = a->out;
    req.limit = static_cast<std::size_t>(a->limit);
    req.contacts = a->contacts;
    req.keep = a->keep;
    const service::ArchiveResult r = service->archive(req);
    if (r.cases == 0) {
      std::printf("no ended case before %s: nothing written\n",
                  dispatch::format_iso(req.before, zone).c_str());
      return 0;
    }
    std::printf("archived %zu cases (%zu events, %zu photos) to %s\n", r.cases, r.events, r.photos,
                a->out.c_str());
    if (a->keep)
      std::printf("--keep: none deleted from the store\n");
    else
      std::printf("deleted %zu cases from the store\n", r.deleted);
    if (!r.changed.empty()) {
      std::printf("%zu changed after they were read and stay in the store:", r.changed.size());
      for (const std::string& id : r.changed) std::printf(" %s", id.c_str());
      std::printf("\n");
    }
    for (const std::string& line : r.housekeeping) std::printf("%s\n", line.c_str());
    if (r.more) std::printf("more cases are due than --limit took: run again with a new --out\n");
    return 0;
  };
}

}  // namespace wangge::cli
