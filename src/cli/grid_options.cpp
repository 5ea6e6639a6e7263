#include "commands.hpp"

#include <iostream>

#include "wangge/util/error.hpp"

namespace wangge::cli {

void print_error(const std::string& message) {
  std::cerr << "wangge: error: " << message << "\n";
}

void print_notes(const std::vector<std::string>& notes) {
  for (const std::string& n : notes) std::cerr << "wangge: note: " << n << "\n";
}

void one_value_per_option(CLI::App& app) {
  const auto all_options = [](CLI::Option*) { return true; };
  for (CLI::Option* o : app.get_options(all_options)) {
    if (!o->get_positional() && o->get_expected_max() > 1) o->allow_extra_args(false);
  }
  // (option groups are subcommands too)
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    one_value_per_option(*sub);
}

void add_grid_source_options(CLI::App& cmd, GridSourceOptions& o, bool positional) {
  // validate reads only grids, so its datum option is --datum; commands that also read
  // points keep --datum for the points and name this one --grid-datum.
  const std::string datum_flag = positional ? "--datum" : "--grid-datum";
  if (positional) {
    cmd.add_option("source", o.path,
                   "Grid source: any OGR vector file (GeoJSON, GPKG, SHP, FGB, CSV+WKT)")
        ->required();
  } else {
    cmd.add_option("--grids", o.path, "Grid source: any OGR vector file")->required();
  }
  cmd.add_option("--layer", o.layer, "Layer to read (default: the first)");
  cmd.add_option(datum_flag, o.datum,
                 "Datum of the grid coordinates: wgs84|gcj02|bd09 (default: from the layer's CRS)");
  auto* g = cmd.add_option_group("field mapping",
                                 "Source fields feeding each attribute (defaults: fields of these "
                                 "names when present; id falls back to the feature id)");
  g->add_option("--id-field", o.id, "Grid id (default: id)");
  g->add_option("--parent-field", o.parent,
                "Parent grid id (default: parent_id, else parent); none or '' = one level")
      ->each([&o](const std::string& v) {
        if (v.empty() || v == "none") o.flat = true;
      });
  g->add_flag("--flat", o.flat,
              "The layer is one level (districts of a GIS export): no parent links");
  g->add_option("--level-field", o.level, "Level number (default: level)");
  g->add_option("--level-name-field", o.level_name, "Level name, e.g. 片区 (default: level_name)");
  g->add_option("--code-field", o.code, "Grid code (default: code)");
  g->add_option("--name-field", o.name, "Grid name (default: name)");
  g->add_option("--leader-field", o.leader_name, "Leader's name (default: leader_name)");
  g->add_option("--leader-role-field", o.leader_role, "Leader's role (default: leader_role)");
  g->add_option("--leader-phone-field", o.leader_phone, "Leader's phone (default: leader_phone)");
  g->add_option("--households-field", o.households, "Households (default: households)");
  g->add_option("--residents-field", o.residents, "Residents (default: residents)");
}

grid::ImportOptions GridSourceOptions::to_import_options() const {
  grid::ImportOptions out;
  auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); };
  out.layer = opt(layer);
  if (!datum.empty()) {
    out.datum = geo::parse_datum(datum);
    if (!out.datum) {
      throw Error(ErrorCode::invalid_argument,
                  "datum '" + datum + "' is not one of wgs84, gcj02, bd09");
    }
  }
  grid::FieldMapping& f = out.fields;
  f.id = opt(id);
  f.flat = flat;
  f.parent = parent == "none" ? std::nullopt : opt(parent);
  f.level = opt(level);
  f.level_name = opt(level_name);
  f.code = opt(code);
  f.name = opt(name);
  f.leader_name = opt(leader_name);
  f.leader_role = opt(leader_role);
  f.leader_phone = opt(leader_phone);
  f.households = opt(households);
  f.residents = opt(residents);
  return out;
}

}  // namespace wangge::cli
