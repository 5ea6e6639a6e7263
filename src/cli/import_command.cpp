// wangge import grids|reference|reports, wangge generation list|activate
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/progress.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

struct GridsArgs {
  StoreOptions store;
  GridSourceOptions source;
  bool activate = false;
};

struct ReferenceArgs {
  StoreOptions store;
  std::string dir;
};

struct ReportsArgs {
  StoreOptions store;
  std::string file, as;
  bool now = false;
  bool json = false;
};

/// Submits every row of a reports CSV (the sample's columns). The idempotency key of a row is
/// "import:<file name>:<id column>", so importing a file twice stores each report once.
int import_reports(const ReportsArgs& a) {
  auto service = a.store.open();
  const dispatch::TimeZone& zone = service->reference()->calendar.zone();
  const std::string content = text::read_file(a.file);
  csv::Reader reader(content);
  auto header = reader.next();
  if (!header || header->error)
    throw Error(ErrorCode::unreadable_source, "'" + a.file + "' has no CSV header line");
  auto col = [&](const char* name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < header->fields.size(); ++i)
      if (text::trim(header->fields[i]) == name) return i;
    return std::nullopt;
  };
  const auto c_id = col("id"), c_lon = col("lon"), c_lat = col("lat"), c_datum = col("datum"),
             c_acc = col("accuracy_m"), c_cat = col("category_code"), c_text = col("text"),
             c_channel = col("channel"), c_created = col("created_at"),
             c_name = col("reporter_name"), c_phone = col("reporter_phone");
  if (!c_lon || !c_lat || !c_cat || !c_text) {
    throw Error(
        ErrorCode::invalid_argument,
        "'" + a.file +
            "' needs the columns lon, lat, category_code and text (as geodata/sample/reports.csv)");
  }
  const dispatch::Actor by = service->actor(a.as);
  const std::string file_name = std::filesystem::path(a.file).filename().string();
  std::size_t rows = 0, stored = 0, replayed = 0, uncovered = 0, duplicates = 0;
  std::vector<std::pair<std::size_t, std::string>> rejected;
  std::vector<csv::Record> records;
  while (auto rec = reader.next()) records.push_back(std::move(*rec));
  ProgressBar bar("reports", records.size());
  for (const csv::Record& rec : records) {
    ++rows;
    bar.advance();
    try {
      if (rec.error) throw Error(ErrorCode::invalid_argument, *rec.error);
      if (rec.fields.size() != header->fields.size()) {
        throw Error(ErrorCode::invalid_argument, "has " + std::to_string(rec.fields.size()) +
                                                     " fields, the header has " +
                                                     std::to_string(header->fields.size()));
      }
      auto field = [&](const std::optional<std::size_t>& c) {
        return c ? rec.fields[*c] : std::string();
      };
      dispatch::Submission s;
      s.lon = text::parse_double(field(c_lon));
      s.lat = text::parse_double(field(c_lat));
      if (!s.lon || !s.lat) throw Error(ErrorCode::invalid_coordinate, "lon/lat are not numbers");
      if (c_datum && !field(c_datum).empty()) s.datum = field(c_datum);
      if (c_acc && !field(c_acc).empty()) s.accuracy_m = text::parse_double(field(c_acc));
      s.category = field(c_cat);
      s.text = field(c_text);
      if (c_channel && !field(c_channel).empty()) s.channel = field(c_channel);
      s.reporter = {field(c_name), field(c_phone), ""};
      dispatch::Instant when = dispatch::now_utc();
      if (!a.now && c_created && !field(c_created).empty())
        when = parse_time_option(field(c_created), "created_at", zone);
      const std::string key = c_id ? "import:" + file_name + ":" + field(c_id) : std::string();
      const service::SubmitResult r = service->submit(s, by, key, when);
      if (r.replayed) {
        ++replayed;
        continue;
      }
      ++stored;
      if (r.report.grid_chain.empty()) ++uncovered;
      if (!r.report.duplicate_of.empty()) ++duplicates;
    } catch (const Error& e) {
      rejected.emplace_back(rec.line, e.what());
    }
  }
  bar.finish();
  if (a.json) {
    nlohmann::json j{{"rows", rows},
                     {"stored", stored},
                     {"already_stored", replayed},
                     {"not_covered", uncovered},
                     {"duplicates_suggested", duplicates},
                     {"rejected", rejected.size()}};
    j["rejected_rows"] = nlohmann::json::array();
    for (const auto& [line, why] : rejected)
      j["rejected_rows"].push_back({{"line", line}, {"reason", why}});
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("imported %s into %s\n", a.file.c_str(), service->store_kind().c_str());
    std::printf(
        "  rows                  %8zu\n  stored                %8zu\n  already stored        "
        "%8zu\n",
        rows, stored, replayed);
    std::printf(
        "  not covered (queue)   %8zu\n  duplicates suggested  %8zu\n  rejected              "
        "%8zu\n",
        uncovered, duplicates, rejected.size());
    for (std::size_t i = 0; i < rejected.size() && i < 20; ++i) {
      std::printf("  rejected line %zu: %s\n", rejected[i].first, rejected[i].second.c_str());
    }
  }
  return 0;
}

}  // namespace

Runner add_import_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("import",
                                     "Import grids, reference data or reports into the store.\n"
                                     "Example: wangge import grids new-grids.gpkg --activate");
  cmd->require_subcommand(1);

  auto ga = std::make_shared<GridsArgs>();
  CLI::App* g =
      cmd->add_subcommand("grids",
                          "Import a grid layer as a new generation (validated first).\n"
                          "Example: wangge import grids geodata/sample/grids.geojson --activate");
  add_store_options(*g, ga->store);
  add_grid_source_options(*g, ga->source, true);
  g->add_flag("--activate", ga->activate,
              "Make it the active generation (new reports are assigned to it)");

  auto ra = std::make_shared<ReferenceArgs>();
  CLI::App* r = cmd->add_subcommand(
      "reference",
      "Import categories.json, organisation.json and calendar.json from a directory.\n"
      "Example: wangge import reference geodata/sample");
  add_store_options(*r, ra->store);
  r->add_option("dir", ra->dir, "Directory with the three documents")->required();

  auto pa = std::make_shared<ReportsArgs>();
  CLI::App* p = cmd->add_subcommand(
      "reports",
      "Submit every row of a reports CSV (columns as geodata/sample/reports.csv);\n"
      "re-importing a file stores nothing twice.\n"
      "Example: wangge import reports geodata/sample/reports.csv --data geodata/sample");
  add_store_options(*p, pa->store);
  p->add_option("file", pa->file, "The CSV file")->required();
  p->add_option("--as", pa->as, "Submitter (default anonymous)");
  p->add_flag("--now", pa->now, "Stamp reports now instead of with their created_at column");
  p->add_flag("--json", pa->json, "Print the summary as JSON");

  const Runner network = add_network_import(*cmd);
  return [=]() -> int {
    if (const int status = network(); status >= 0) return status;
    if (p->parsed()) return import_reports(*pa);
    if (r->parsed()) {
      auto service = ra->store.open();
      service->import_reference(ra->dir, dispatch::now_utc());
      const auto ref = service->reference();
      std::printf(
          "reference data imported: %zu categories, %zu departments, %zu staff, calendar in %s\n",
          ref->categories.all().size(), ref->departments.size(), ref->staff.size(),
          ref->calendar.zone().name.c_str());
      return 0;
    }
    auto service = ga->store.open();
    const std::string id = service->import_generation(
        ga->source.path, ga->source.to_import_options(), ga->activate, dispatch::now_utc());
    std::printf("grid generation %s imported from %s%s\n", id.c_str(), ga->source.path.c_str(),
                ga->activate ? " and activated"
                             : " (inactive: activate with `wangge generation activate`)");
    return 0;
  };
}

Runner add_generation_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("generation",
                                     "List grid generations or switch the active one.\n"
                                     "Example: wangge generation activate g2");
  cmd->require_subcommand(1);
  auto store = std::make_shared<StoreOptions>();
  auto id = std::make_shared<std::string>();
  CLI::App* l = cmd->add_subcommand("list", "List the generations");
  add_store_options(*l, *store);
  CLI::App* a = cmd->add_subcommand("activate", "Make a generation the active one");
  add_store_options(*a, *store);
  a->add_option("id", *id, "Generation id")->required();
  return [=]() -> int {
    auto service = store->open();
    if (a->parsed()) {
      service->activate_generation(*id);
      std::printf("generation %s is active\n", id->c_str());
      return 0;
    }
    const dispatch::TimeZone& zone = service->reference()->calendar.zone();
    for (const store::GenerationInfo& g : service->generations()) {
      std::printf("%s %-5s %6zu grids  %s  %s\n", g.active ? "*" : " ", g.id.c_str(), g.grids,
                  dispatch::format_iso(g.created_at, zone).c_str(), g.source.c_str());
    }
    return 0;
  };
}

}  // namespace wangge::cli
