// The offline basemap from OpenStreetMap (see basemap.hpp): two passes of libosmium, the first
// for multipolygon relations, the second for nodes, ways and the areas assembled from both.
#include "wangge/network/basemap.hpp"

#include <osmium/area/assembler.hpp>
#include <osmium/area/multipolygon_manager.hpp>
#include <osmium/handler.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/relations/relations_manager.hpp>
#include <osmium/tags/tags_filter.hpp>
#include <osmium/visitor.hpp>

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <boost/iterator/function_output_iterator.hpp>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace wangge::network {
namespace {

using Index = osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;

bool is(const char* v, std::string_view s) {
  return v && s == v;
}

std::string name_of(const osmium::TagList& tags) {
  if (const char* zh = tags["name:zh"]) return zh;
  if (const char* n = tags["name"]) return n;
  return {};
}

/// A highway, railway or waterway line: its kind and first zoom, or kind "" when not drawn.
std::pair<std::string, int> line_kind(const osmium::TagList& tags) {
  if (const char* h = tags["highway"]) {
    const std::string_view v = h;
    for (std::string_view k :
         {"motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"})
      if (v == k) return {"major", 8};
    for (std::string_view k : {"secondary", "tertiary", "secondary_link", "tertiary_link"})
      if (v == k) return {"secondary", 11};
    for (std::string_view k : {"residential", "unclassified", "living_street", "service", "road"})
      if (v == k) return {"minor", 13};
    for (std::string_view k :
         {"footway", "path", "pedestrian", "steps", "cycleway", "track", "bridleway", "corridor"})
      if (v == k) return {"path", 14};
    return {"", 0};
  }
  if (const char* r = tags["railway"]) {
    if (is(r, "rail") || is(r, "subway") || is(r, "light_rail") || is(r, "tram"))
      return {"rail", 11};
  }
  if (const char* w = tags["waterway"]) {
    if (is(w, "river") || is(w, "canal")) return {"river", 8};
    if (is(w, "stream") || is(w, "ditch") || is(w, "drain")) return {"stream", 13};
  }
  return {"", 0};
}

/// An area's kind and first zoom, or kind "" when not drawn.
std::pair<std::string, int> area_kind(const osmium::TagList& tags) {
  if (is(tags["natural"], "water") || is(tags["landuse"], "reservoir") ||
      is(tags["landuse"], "basin") || is(tags["waterway"], "riverbank"))
    return {"water", 8};
  if (tags["building"] && !is(tags["building"], "no")) return {"building", 14};
  if (is(tags["leisure"], "park") || is(tags["leisure"], "garden") ||
      is(tags["landuse"], "grass") || is(tags["landuse"], "forest") ||
      is(tags["natural"], "wood") || is(tags["leisure"], "pitch"))
    return {"park", 12};
  return {"", 0};
}

std::pair<std::string, int> place_kind(const osmium::TagList& tags) {
  const char* p = tags["place"];
  if (!p) return {"", 0};
  const std::string_view v = p;
  if (v == "city") return {"city", 6};
  if (v == "town") return {"town", 9};
  if (v == "suburb" || v == "quarter" || v == "borough") return {"suburb", 12};
  if (v == "village") return {"village", 12};
  if (v == "neighbourhood" || v == "hamlet" || v == "locality") return {"neighbourhood", 14};
  return {"", 0};
}

struct Collector : osmium::handler::Handler {
  std::vector<BasemapFeature> features;

  void node(const osmium::Node& n) {
    const auto [kind, z] = place_kind(n.tags());
    if (kind.empty() || !n.location().valid()) return;
    std::string name = name_of(n.tags());
    if (name.empty()) return;  // a place is drawn as its name
    BasemapFeature f;
    f.shape = BasemapFeature::Shape::point;
    f.kind = kind;
    f.name = std::move(name);
    f.minzoom = z;
    f.osm_id = static_cast<std::uint64_t>(n.positive_id());
    f.point = {n.location().lon(), n.location().lat()};
    f.bounds.extend(f.point);
    features.push_back(std::move(f));
  }

  void way(const osmium::Way& w) {
    const auto [kind, z] = line_kind(w.tags());
    if (kind.empty()) return;
    BasemapFeature f;
    f.kind = kind;
    f.minzoom = z;
    f.name = name_of(w.tags());
    f.osm_id = static_cast<std::uint64_t>(w.positive_id());
    for (const osmium::NodeRef& r : w.nodes()) {
      if (!r.location().valid()) continue;  // a node missing from an extract
      const geo::XY p{r.location().lon(), r.location().lat()};
      if (!f.line.empty() && f.line.back() == p) continue;
      f.line.push_back(p);
      f.bounds.extend(p);
    }
    if (f.line.size() >= 2) features.push_back(std::move(f));
  }

  void area(const osmium::Area& a) {
    const auto [kind, z] = area_kind(a.tags());
    if (kind.empty()) return;
    BasemapFeature f;
    f.shape = BasemapFeature::Shape::area;
    f.kind = kind;
    f.minzoom = z;
    f.name = name_of(a.tags());
    f.osm_id = static_cast<std::uint64_t>(a.orig_id() < 0 ? -a.orig_id() : a.orig_id());
    auto ring = [&](const osmium::NodeRefList& nodes) {
      geo::Ring r;
      for (const osmium::NodeRef& n : nodes) {
        r.push_back({n.location().lon(), n.location().lat()});
        f.bounds.extend(r.back());
      }
      return r;
    };
    for (const osmium::OuterRing& outer : a.outer_rings()) {
      geo::Polygon p{ring(outer), {}};
      for (const osmium::InnerRing& inner : a.inner_rings(outer)) p.holes.push_back(ring(inner));
      if (p.outer.size() >= 4) f.area.polygons.push_back(std::move(p));
    }
    if (!f.area.polygons.empty()) features.push_back(std::move(f));
  }
};

}  // namespace

using BPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using BBox = bg::model::box<BPoint>;

struct Basemap::Index {
  bgi::rtree<std::pair<BBox, std::size_t>, bgi::rstar<16>> tree;
};

Basemap::Basemap(std::vector<BasemapFeature> features)
    : features_(std::move(features)), index_(std::make_unique<Index>()) {
  std::vector<std::pair<BBox, std::size_t>> boxes;
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over what the tiles show
  auto mix = [&h](std::uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (i * 8)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  for (std::size_t i = 0; i < features_.size(); ++i) {
    const BasemapFeature& f = features_[i];
    boxes.emplace_back(
        BBox(BPoint(f.bounds.min_x, f.bounds.min_y), BPoint(f.bounds.max_x, f.bounds.max_y)), i);
    bounds_.extend(f.bounds);
    mix(f.osm_id);
    mix(static_cast<std::uint64_t>(f.minzoom));
    for (char c : f.kind + f.name) mix(static_cast<unsigned char>(c));
    // And where it is: a node moved in a new extract changes the version (and the tiles' URL).
    // Longitudes and latitudes (±180 and ±90: OSM's own range) in 1e-7 degrees fit long long.
    const auto at = [&mix](const geo::XY& p) {
      mix(static_cast<std::uint64_t>(number::narrow_round(p.x * 1e7)));
      mix(static_cast<std::uint64_t>(number::narrow_round(p.y * 1e7)));
    };
    for (const geo::XY& p : f.line) at(p);
    for (const geo::Polygon& poly : f.area.polygons) {
      for (const geo::XY& p : poly.outer) at(p);
      for (const geo::Ring& hole : poly.holes)
        for (const geo::XY& p : hole) at(p);
    }
    if (f.shape == BasemapFeature::Shape::point) at(f.point);
  }
  index_->tree = decltype(index_->tree)(boxes.begin(), boxes.end());  // packed (bulk loading)
  char buf[20];
  std::snprintf(buf, sizeof buf, "b%016llx", static_cast<unsigned long long>(h));
  version_ = buf;
}

Basemap::~Basemap() = default;

std::vector<const BasemapFeature*> Basemap::query(const geo::BBox& box, int z) const {
  std::vector<std::size_t> hits;
  index_->tree.query(
      bgi::intersects(BBox(BPoint(box.min_x, box.min_y), BPoint(box.max_x, box.max_y))),
      boost::make_function_output_iterator(
          [&](const std::pair<BBox, std::size_t>& v) { hits.push_back(v.second); }));
  std::sort(hits.begin(), hits.end());
  std::vector<const BasemapFeature*> out;
  for (std::size_t i : hits)
    if (features_[i].minzoom <= z) out.push_back(&features_[i]);
  return out;
}

std::shared_ptr<const Basemap> import_basemap(const std::string& path) {
  if (path.find("://") != std::string::npos) {
    throw Error(ErrorCode::unreadable_source, "'" + path + "': only local files are read");
  }
  Collector collector;
  try {
    const osmium::io::File file(path);
    osmium::TagsFilter filter{false};
    for (const char* key : {"building", "natural", "landuse", "leisure", "waterway"})
      filter.add_rule(true, osmium::TagMatcher{key});
    osmium::area::Assembler::config_type config;
    config.create_empty_areas = false;
    osmium::area::MultipolygonManager<osmium::area::Assembler> areas{config, filter};
    osmium::relations::read_relations(file, areas);
    osmium::io::Reader reader(file);
    Index index;
    osmium::handler::NodeLocationsForWays<Index> locations(index);
    locations.ignore_errors();
    osmium::apply(reader, locations, collector,
                  areas.handler([&collector](osmium::memory::Buffer&& buffer) {
                    osmium::apply(buffer, collector);
                  }));
    reader.close();
  } catch (const std::exception& e) {
    throw Error(ErrorCode::unreadable_source,
                "cannot read the OpenStreetMap file '" + path + "': " + e.what());
  }
  if (collector.features.empty()) {
    throw Error(ErrorCode::invalid_data,
                "'" + path + "' has nothing to draw (no street, water, building or named place)");
  }
  return std::make_shared<const Basemap>(std::move(collector.features));
}

}  // namespace wangge::network
