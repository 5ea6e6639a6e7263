// The web console (issue 16): `/` → `/console/`, the single page at every console path, and its
// assets. The files are read once at start from the directory the build made (console/, built by
// esbuild from pinned npm packages) and answered from memory: a request names a key of that
// table, never a path on disk. Every page carries a Content-Security-Policy without inline
// scripts; assets are content-hashed by the build and kept a year, the page is revalidated.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "context.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/tiles/tile_cache.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::http {

namespace {

namespace fs = std::filesystem;

/// What the console's pages may load and run: our own scripts and styles only (no inline
/// script, no eval), MapLibre's worker from our file, images from us or the page's own blobs
/// (a photo's preview before upload), a configured raster basemap's tiles from its @p origin
/// only, and no framing by another site.
std::string policy(const std::string& origin) {
  const std::string extra = origin.empty() ? "" : " " + origin;
  return "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self'; "
         "img-src 'self' data: blob:" +
         extra + "; connect-src 'self'" + extra +
         "; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
         "frame-ancestors 'none'";
}

/// The origin (scheme://host[:port]) of a raster basemap URL template, checked: http(s), a
/// host of letters, digits, dots and dashes, an optional port, and {z}, {x}, {y} in the path.
/// @throws Error(invalid_argument) naming the option and the rule.
std::string raster_origin(const std::string& url) {
  const std::string subject = "--raster-basemap '" + url + "'";
  const std::size_t scheme = url.find("://");
  const std::string s = scheme == std::string::npos ? "" : url.substr(0, scheme);
  if (s != "http" && s != "https")
    throw Error(ErrorCode::invalid_argument, subject + " must start with http:// or https://");
  const std::size_t path = url.find('/', scheme + 3);
  const std::string host =
      url.substr(scheme + 3, path == std::string::npos ? path : path - scheme - 3);
  const bool host_ok =
      !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':';
      });
  // At most one colon, followed by a port of digits.
  const std::size_t colon = host.find(':');
  const bool port_ok = colon == std::string::npos ||
                       (colon > 0 && colon + 1 < host.size() && colon + 6 >= host.size() &&
                        std::all_of(host.begin() + static_cast<std::ptrdiff_t>(colon) + 1,
                                    host.end(), [](char c) { return c >= '0' && c <= '9'; }));
  if (!host_ok || !port_ok)
    throw Error(ErrorCode::invalid_argument,
                subject + " must name a host of letters, digits, dots and dashes (and a port)");
  for (const char* p : {"{z}", "{x}", "{y}"})
    if (url.find(p, path == std::string::npos ? url.size() : path) == std::string::npos)
      throw Error(ErrorCode::invalid_argument, subject + " must hold " + p + " in its path");
  if (url.find_first_of(" \"'<>\\") != std::string::npos)
    throw Error(ErrorCode::invalid_argument, subject + " must not hold spaces, quotes or < >");
  return s + "://" + host;
}

struct Asset {
  std::string content_type;
  std::string bytes;
  std::string gzip;  ///< empty when not worth it (images)
  std::string etag;
};

/// The console's files by name (index.html, assets/app.1a2b3c4d.js, …).
using AssetTable = std::map<std::string, Asset>;

std::string content_type_of(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".pbf") return "application/x-protobuf";
  if (ext == ".json") return "application/json";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  if (ext == ".webmanifest") return "application/manifest+json";
  return "application/octet-stream";
}

/// Reads every regular file under @p dir (at most 64 MB in all) into the table.
std::shared_ptr<const AssetTable> load_assets(const std::string& dir) {
  auto table = std::make_shared<AssetTable>();
  if (dir.empty()) return table;
  std::size_t total = 0;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = fs::relative(e.path(), dir).generic_string();
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    Asset a;
    a.content_type = content_type_of(e.path());
    a.bytes = bytes.str();
    total += a.bytes.size();
    if (total > (64u << 20))
      throw Error(ErrorCode::invalid_argument,
                  "the console directory " + dir + " holds more than 64 MB");
    if (a.content_type.rfind("image/png", 0) != 0) a.gzip = tiles::gzip(a.bytes);
    a.etag = "\"" + sha256_hex(a.bytes).substr(0, 20) + "\"";
    table->emplace(name, std::move(a));
  }
  return table;
}

/// The headers every console answer carries.
void harden(Response& r, const std::string& csp) {
  r.header("Content-Security-Policy", csp);
  r.header("X-Content-Type-Options", "nosniff");
  r.header("X-Frame-Options", "DENY");
  r.header("Referrer-Policy", "same-origin");
  r.header("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()");
}

Response serve_asset(const std::shared_ptr<const AssetTable>& table, const std::string& csp,
                     const Request& req, const std::string& name, bool immutable) {
  const auto it = table->find(name);
  if (it == table->end()) {
    if (table->empty())
      throw Error(ErrorCode::not_found,
                  "the console is not installed (build it, or name its directory with "
                  "wangge serve --console DIR)");
    throw Error(ErrorCode::not_found, "no console file '" + name + "'");
  }
  const Asset& a = it->second;
  Response r;
  r.content_type = a.content_type;
  harden(r, csp);
  r.header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.header("Vary", "Accept-Encoding");
  const bool gz = !a.gzip.empty() && accepts_gzip(req);
  if (answer_conditionally(r, req, a.etag, gz)) return r;
  r.shared_body = std::shared_ptr<const std::string>(table, gz ? &a.gzip : &a.bytes);
  return r;
}

/// @p style with this server's public address @p base for the build's placeholder origin
/// (console/build.mjs writes its URLs as https://wangge-origin.invalid/…).
std::string with_origin(std::string style, const std::string& base) {
  const std::string placeholder = "https://wangge-origin.invalid";
  for (std::size_t at = style.find(placeholder); at != std::string::npos;
       at = style.find(placeholder, at + base.size()))
    style.replace(at, placeholder.size(), base);
  return style;
}

/// A JSON document of the console's (settings, style): revalidated each time, under its policy.
Response console_json(const std::string& body, const std::string& csp) {
  Response r = json_response(200, body);
  harden(r, csp);
  r.header("Cache-Control", "no-cache");
  return r;
}

Response redirect(const std::string& to) {
  Response r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.header("Location", to);
  r.body = "→ " + to + "\n";
  return r;
}

}  // namespace

void add_console_routes(Router& router, Context& ctx) {
  std::shared_ptr<const AssetTable> table = load_assets(ctx.config.console_dir);
  // The map's settings, checked at start: a bad raster basemap stops the server, named.
  nlohmann::json basemap = nullptr;
  std::string origin;
  if (!ctx.config.raster_basemap.empty()) {
    origin = raster_origin(ctx.config.raster_basemap);
    const auto datum = geo::parse_datum(ctx.config.raster_basemap_datum);
    if (!datum || *datum == geo::Datum::bd09)
      throw Error(ErrorCode::invalid_argument,
                  "--raster-basemap-datum '" + ctx.config.raster_basemap_datum +
                      "' must be wgs84 (cgcs2000, as Tianditu) or gcj02 (as AMap and Tencent)");
    basemap = {{"tiles", {ctx.config.raster_basemap}},
               {"datum", std::string(geo::to_string(*datum))},
               {"attribution", ctx.config.raster_basemap_attribution}};
  }
  const std::string csp = policy(origin);
  auto settings =
      std::make_shared<const std::string>(nlohmann::json{{"raster_basemap", basemap}}.dump());
  // The page itself: every console path is the one page, which routes on the client.
  auto page = [table, csp](Request& req) {
    return serve_asset(table, csp, req, "index.html", false);
  };
  router.add(
      {"GET", "/", {}, [](Request&) { return redirect("/console/"); }, Execution::inline_io});
  router.add({"GET",
              "/console",
              {},
              [](Request&) { return redirect("/console/"); },
              Execution::inline_io});
  router.add({"GET", "/console/", {}, page, Execution::inline_io});
  router.add({"GET", "/console/{page}", {}, page, Execution::inline_io});
  // What the pages' map draws under the grids (the raster basemap when one is configured).
  router.add({"GET",
              "/console/settings",
              {"json"},
              [settings, csp](Request&) { return console_json(*settings, csp); },
              Execution::inline_io});
  // The map's style document (console/build.mjs writes it from the console's own style): for
  // any MapLibre client, with this server's public address in its URLs.
  router.add({"GET",
              "/console/style",
              {"json"},
              [table, csp, &ctx](Request& req) {
                const bool offline = ctx.service.tiles().basemap_bounds().valid();
                const auto it = table->find(offline ? "style.json" : "style-without-basemap.json");
                if (it == table->end())
                  throw Error(ErrorCode::not_found, "the console is not installed (no style.json)");
                return console_json(with_origin(it->second.bytes, ctx.base_url(req)), csp);
              },
              Execution::inline_io});
  router.add({"GET",
              "/console/{page}/{id}",
              {},
              [table, page, csp](Request& req) {
                if (req.params.at("page") == "assets")
                  return serve_asset(table, csp, req, "assets/" + req.params.at("id"), true);
                return page(req);
              },
              Execution::inline_io});
  // The map's sprite index (sprite.<hash>.json, @2x too): the router takes ".json" off as the
  // format extension, as it does for every JSON answer.
  router.add({"GET",
              "/console/assets/{file}",
              {"json"},
              [table, csp](Request& req) {
                return serve_asset(table, csp, req, "assets/" + req.params.at("file") + ".json",
                                   true);
              },
              Execution::inline_io});
  // The map's glyphs, by font stack and range ("DejaVu Sans Book/0-255.pbf"); the router takes
  // ".pbf" off as the format extension.
  router.add({"GET",
              "/console/assets/glyphs/{stack}/{range}",
              {"pbf"},
              [table, csp](Request& req) {
                return serve_asset(table, csp, req,
                                   "assets/glyphs/" + req.params.at("stack") + "/" +
                                       req.params.at("range") + ".pbf",
                                   true);
              },
              Execution::inline_io});
}

}  // namespace wangge::http
