#include "ogc_items.hpp"

#include <cmath>

#include "wangge/service/views.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http::ogc {
namespace {

using json = nlohmann::json;

json polygon_json(const geo::MultiPolygon& g) {
  json polys = json::array();
  for (const geo::Polygon& p : g.polygons) {
    json rings = json::array();
    auto ring = [](const geo::Ring& r) {
      json out = json::array();
      for (const geo::XY& v : r) out.push_back({v.x, v.y});
      return out;
    };
    rings.push_back(ring(p.outer));
    for (const geo::Ring& h : p.holes) rings.push_back(ring(h));
    polys.push_back(rings);
  }
  return {{"type", "MultiPolygon"}, {"coordinates", polys}};
}

json point_json(double lon, double lat) {
  return {{"type", "Point"}, {"coordinates", {lon, lat}}};
}

bool meets(const geo::BBox& b, const std::optional<geo::BBox>& bbox) {
  return !bbox || (b.max_x >= bbox->min_x && b.min_x <= bbox->max_x && b.max_y >= bbox->min_y &&
                   b.min_y <= bbox->max_y);
}

}  // namespace

const std::vector<Collection>& collections() {
  static const std::vector<Collection> all{
      {"grids",
       "Grids",
       "Grid polygons of every level with their leaders (no phone numbers)",
       false,
       {"level", "level_name", "parent_id", "code", "name", "leader_name", "leader_role"}},
      {"service_points",
       "Service points",
       "Service points with their services and opening hours",
       false,
       {"kind", "name"}},
      {"isochrones",
       "Walking isochrones",
       "The area within the walking threshold of each service point",
       false,
       {"service_point"}},
      {"reports",
       "Reports",
       "Reports with public fields only: category, state, times, grid; positions rounded",
       true,
       {"category", "state", "grid"}},
  };
  return all;
}

const Collection& collection(const std::string& id) {
  for (const Collection& c : collections()) {
    if (c.id == id) return c;
  }
  throw Error(ErrorCode::not_found, "collection '" + id.substr(0, 60) + "' does not exist");
}

std::vector<Item> memory_items(const Collection& c, service::Service& service,
                               const std::optional<geo::BBox>& bbox) {
  std::vector<Item> out;
  if (c.id == "grids") {
    const auto index = service.grid_index();
    const grid::GridSet& set = index->grids();
    for (std::size_t i = 0; i < set.size(); ++i) {
      const grid::Grid& g = set[i];
      if (!meets(geo::bbox_of(g.geometry), bbox)) continue;
      json p{{"code", g.code.empty() ? g.id : g.code},
             {"name", g.name},
             {"level", set.level(i)},
             {"level_name", set.level_name(set.depth(i))},
             {"parent_id", g.parent_id},
             {"leader_name", g.leader.name},
             {"leader_role", g.leader.role},
             {"households", g.households ? json(*g.households) : json(nullptr)},
             {"residents", g.residents ? json(*g.residents) : json(nullptr)},
             {"area_m2", std::round(area_m2(g.geometry))}};
      out.push_back({g.id, p, polygon_json(g.geometry)});
    }
  } else if (c.id == "service_points") {
    if (auto net = service.nearest()) {
      for (const network::ServicePoint& sp : net->points()) {
        const double lon = sp.position.lon(), lat = sp.position.lat();
        if (!meets(geo::BBox{lon, lat, lon, lat}, bbox)) continue;
        out.push_back({sp.id,
                       {{"name", sp.name},
                        {"kind", sp.kind},
                        {"services", sp.services},
                        {"opening_hours", sp.opening_hours},
                        {"address", sp.address}},
                       point_json(lon, lat)});
      }
    }
  } else if (c.id == "isochrones") {
    const auto net = service.nearest();
    for (const auto& [sp, area] : service.tiles().isochrones()) {
      if (area.empty() || !meets(geo::bbox_of(area), bbox)) continue;
      out.push_back({sp.id,
                     {{"service_point", sp.id},
                      {"name", sp.name},
                      {"minutes", net->config().threshold_minutes},
                      {"area_m2", std::round(area_m2(area))}},
                     polygon_json(area)});
    }
  }
  return out;
}

Item report_item(const dispatch::PublicReport& p, const dispatch::TimeZone& zone) {
  return {p.id,
          {{"category", p.category},
           {"category_name", p.category_name},
           {"state", std::string(to_string(p.state))},
           {"created_at", dispatch::format_iso(p.created_at, zone)},
           {"updated_at", dispatch::format_iso(p.updated_at, zone)},
           {"due_at", p.due_at ? json(dispatch::format_iso(*p.due_at, zone)) : json(nullptr)},
           {"overdue", p.overdue},
           {"grid", p.grid}},
          point_json(p.lon, p.lat)};
}

std::string property_text(const Item& item, const std::string& name) {
  const json v = item.properties.value(name, json());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

}  // namespace wangge::http::ogc
