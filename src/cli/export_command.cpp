// wangge export grids|reports|service-points|isochrones --out FILE [--format F] [--personal --as
// ADMIN]
#include <cstdio>

#include "commands.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {

Runner add_export_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string what, out, format, as, at;
    bool personal = false;
    int decimals = 4;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write grids, reports, service points or walking isochrones to a GIS file through GDAL "
      "(GeoPackage, GeoJSON,\n"
      "Shapefile, FlatGeobuf, KML, CSV), in WGS-84. Reports carry public fields only unless an "
      "admin asks for\n"
      "--personal (text, reporter name and phone, exact positions; leader phones for grids).\n"
      "Example: wangge export grids --out grids.gpkg\n"
      "         wangge export reports --format FlatGeobuf --out reports.fgb\n"
      "         wangge export reports --personal --as a01 --out reports-full.gpkg");
  add_store_options(*cmd, a->store);
  cmd->add_option("what", a->what, "grids, reports, service-points or isochrones")
      ->required()
      ->check(CLI::IsMember({"grids", "reports", "service-points", "isochrones"}));
  cmd->add_option("--out", a->out,
                  "Output file; the format follows its extension unless --format says")
      ->required();
  cmd->add_option("--format", a->format,
                  "GDAL driver: GPKG, GeoJSON, 'ESRI Shapefile', FlatGeobuf, KML, CSV")
      ->check(CLI::IsMember({"GPKG", "GeoJSON", "ESRI Shapefile", "FlatGeobuf", "KML", "CSV"}));
  cmd->add_flag("--personal", a->personal, "Include personal fields (admin only)");
  cmd->add_option("--as", a->as, "Who exports: an admin's staff id, needed for --personal");
  cmd->add_option("--public-decimals", a->decimals,
                  "Decimals of public report positions (default 4, ~10 m)")
      ->check(CLI::Range(0, 9));
  return [a]() -> int {
    auto service = a->store.open();
    ExportRequest r;
    r.what = a->what;
    r.path = a->out;
    r.driver = a->format;
    r.personal = a->personal;
    r.public_decimals = a->decimals;
    r.now = now_utc();
    if (!a->as.empty())
      r.by = service->actor(a->as);
    else
      r.by = Actor{"", "anonymous", Role::resident, {}, {}};
    const std::size_t n = service->export_layer(r);
    std::printf("%zu %s written to %s%s\n", n, a->what.c_str(), a->out.c_str(),
                a->personal ? " (with personal fields)" : "");
    return 0;
  };
}

}  // namespace wangge::cli
