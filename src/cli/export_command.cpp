// wangge export grids|reports|service-points|isochrones --out FILE [--format F] [--personal --as
// ADMIN]
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/tiles/mbtiles.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/progress.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

struct TileArgs {
  std::vector<std::string> layers;
  int minzoom = 12, maxzoom = 16;
  std::string bbox;
};

/// Seeds an MBTiles file from the service's tile layers (the same tiles the server serves).
int export_tiles(service::Service& service, const TileArgs& a, const std::string& out) {
  if (out.size() < 8 || out.substr(out.size() - 8) != ".mbtiles") {
    throw Error(ErrorCode::invalid_argument,
                "export tiles writes MBTiles: --out must end in .mbtiles");
  }
  if (a.minzoom < 0 || a.maxzoom > tiles::kMaxZoom || a.minzoom > a.maxzoom) {
    throw Error(ErrorCode::invalid_argument,
                "zooms must satisfy 0 <= --minzoom <= --maxzoom <= 22");
  }
  std::vector<std::string> layers;
  for (const std::string& l : a.layers) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = l.find(',', start);
      layers.push_back(
          l.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (layers.empty()) layers = {"grids"};
  const std::vector<service::TileLayerInfo> infos = *service.tiles().layers();
  nlohmann::json vector_layers = nlohmann::json::array();
  for (const std::string& l : layers) {
    const service::TileLayerInfo* info = nullptr;
    for (const service::TileLayerInfo& i : infos) {
      if (i.id == l) info = &i;
    }
    if (!info) {
      throw Error(
          ErrorCode::invalid_argument,
          "tile layer '" + l +
              "' does not exist: grids, service_points, isochrones, coverage_gaps, reports");
    }
    nlohmann::json fields = nlohmann::json::object();
    for (const auto& [f, type] : info->fields) fields[f] = type;
    vector_layers.push_back({{"id", l},
                             {"description", info->description},
                             {"minzoom", a.minzoom},
                             {"maxzoom", a.maxzoom},
                             {"fields", fields}});
  }
  geo::BBox box;
  if (!a.bbox.empty()) {
    std::vector<double> n;
    std::string rest = a.bbox;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto d = text::parse_double(rest.substr(0, comma));
      if (!d) break;
      n.push_back(*d);
      rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    }
    if (n.size() != 4 || !(n[0] < n[2] && n[1] < n[3]) || n[0] < -180 || n[2] > 180 ||
        n[1] < -85.06 || n[3] > 85.06) {
      throw Error(ErrorCode::invalid_argument,
                  "--bbox must be minlon,minlat,maxlon,maxlat with min < max, in range");
    }
    box = geo::BBox{n[0], n[1], n[2], n[3]};
  } else {
    for (const grid::Grid& g : service.grid_index()->grids().grids())
      box.extend(geo::bbox_of(g.geometry));
  }
  std::vector<tiles::TileId> list;
  for (int z = a.minzoom; z <= a.maxzoom; ++z) {
    for (const tiles::TileId& t : tiles::tiles_touching(box, z)) list.push_back(t);
  }
  if (list.size() > 2'000'000) {
    throw Error(ErrorCode::invalid_argument,
                std::to_string(list.size()) + " tiles: narrow --bbox or the zooms");
  }
  tiles::MBTilesWriter writer(out);
  std::string joined;
  for (const std::string& l : layers) joined += (joined.empty() ? "" : ",") + l;
  writer.metadata("name", "wangge " + joined);
  writer.metadata("format", "pbf");
  writer.metadata("type", "overlay");
  writer.metadata("version", "1");
  writer.metadata("minzoom", std::to_string(a.minzoom));
  writer.metadata("maxzoom", std::to_string(a.maxzoom));
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.7f,%.7f,%.7f,%.7f", box.min_x, box.min_y, box.max_x, box.max_y);
  writer.metadata("bounds", buf);
  std::snprintf(buf, sizeof buf, "%.7f,%.7f,%d", box.centre().x, box.centre().y, a.minzoom);
  writer.metadata("center", buf);
  writer.metadata("json", nlohmann::json{{"vector_layers", vector_layers}}.dump());
  ProgressBar bar("tiles", list.size());
  std::size_t written = 0;
  const service::TileRequest request{dispatch::now_utc()};
  for (const tiles::TileId& t : list) {
    std::string mvt;
    for (const std::string& l : layers) mvt += service.tiles().tile(l, t, request)->mvt;
    if (!mvt.empty()) {
      writer.tile(t, tiles::gzip(mvt));
      ++written;
    }
    bar.advance();
  }
  bar.finish();
  writer.commit();
  std::printf("%zu tiles with features (of %zu, z%d-z%d) of %s written to %s\n", written,
              list.size(), a.minzoom, a.maxzoom, joined.c_str(), out.c_str());
  return 0;
}

}  // namespace

Runner add_export_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string what, out, format, as, at;
    TileArgs tiles;
    bool personal = false;
    int decimals = dispatch::PrivacyPolicy::kDefaultDecimals;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write grids, reports, service points or walking isochrones to a GIS file through GDAL "
      "(GeoPackage, GeoJSON,\n"
      "Shapefile, FlatGeobuf, KML, CSV with a UTF-8 byte-order mark, XLSX), in WGS-84. Reports "
      "carry public fields only unless an "
      "admin asks for\n"
      "--personal (text, reporter name and phone, exact positions; leader phones for grids).\n"
      "Example: wangge export grids --out grids.gpkg\n"
      "         wangge export reports --format FlatGeobuf --out reports.fgb\n"
      "         wangge export reports --personal --as a01 --out reports-full.gpkg\n"
      "         wangge export tiles --layer grids,service_points --minzoom 12 --maxzoom 16 --out "
      "sample.mbtiles");
  add_store_options(*cmd, a->store);
  cmd->add_option("what", a->what,
                  "grids, reports, service-points, isochrones, or tiles (MBTiles of vector tiles)")
      ->required()
      ->check(CLI::IsMember({"grids", "reports", "service-points", "isochrones", "tiles"}));
  cmd->add_option("--out", a->out,
                  "Output file; the format follows its extension unless --format says")
      ->required();
  cmd->add_option("--format", a->format,
                  "GDAL driver: GPKG, GeoJSON, 'ESRI Shapefile', FlatGeobuf, KML, CSV, XLSX")
      ->check(
          CLI::IsMember({"GPKG", "GeoJSON", "ESRI Shapefile", "FlatGeobuf", "KML", "CSV", "XLSX"}));
  cmd->add_flag("--personal", a->personal, "Include personal fields (admin only)");
  cmd->add_option("--layer", a->tiles.layers,
                  "tiles: layers (comma-separated or repeated): grids, service_points, isochrones, "
                  "coverage_gaps, "
                  "reports (default grids)");
  cmd->add_option("--minzoom", a->tiles.minzoom, "tiles: first zoom (default 12)")
      ->check(integer_in(0, 22));
  cmd->add_option("--maxzoom", a->tiles.maxzoom, "tiles: last zoom (default 16)")
      ->check(integer_in(0, 22));
  cmd->add_option("--bbox", a->tiles.bbox,
                  "tiles: minlon,minlat,maxlon,maxlat (default: the grids' extent)");
  cmd->add_option("--as", a->as, "Who exports: an admin's staff id, needed for --personal");
  cmd->add_option("--public-decimals", a->decimals,
                  "Decimals of public report positions (default 4, ~10 m)")
      ->check(
          integer_in(dispatch::PrivacyPolicy::kMinDecimals, dispatch::PrivacyPolicy::kMaxDecimals));
  return [a]() -> int {
    auto service = a->store.open(dispatch::PrivacyPolicy::with_decimals(a->decimals));
    if (a->what == "tiles") return export_tiles(*service, a->tiles, a->out);
    service::ExportRequest r;
    r.what = a->what;
    r.path = a->out;
    r.driver = a->format;
    r.personal = a->personal;
    r.now = dispatch::now_utc();
    if (!a->as.empty())
      r.by = service->actor(a->as);
    else
      r.by = dispatch::Actor{"", "anonymous", dispatch::Role::resident, {}, {}};
    const std::size_t n = service->exports().layer(r);
    std::printf("%zu %s written to %s%s\n", n, a->what.c_str(), a->out.c_str(),
                a->personal ? " (with personal fields)" : "");
    return 0;
  };
}

}  // namespace wangge::cli
