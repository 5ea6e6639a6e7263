#include <osmium/handler.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/visitor.hpp>

#include <cmath>
#include <string_view>
#include <unordered_map>

#include "wangge/network/osm.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::network {
namespace {

using Index = osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;

bool one_of(const char* v, std::initializer_list<std::string_view> set) {
  if (!v) return false;
  for (std::string_view s : set)
    if (s == v) return true;
  return false;
}

enum class Direction { both, forward, backward };

struct WalkableWay {
  std::vector<osmium::object_id_type> nodes;
  std::vector<osmium::Location> locations;
  bool steps = false;
  bool square = false;  // area=yes pedestrian square
  Direction direction = Direction::both;
};

/// The foot profile (see osm.hpp): whether and how a way can be walked.
std::optional<WalkableWay> walkable(const osmium::Way& way) {
  const osmium::TagList& tags = way.tags();
  const char* highway = tags["highway"];
  if (!highway) return std::nullopt;
  const char* foot = tags["foot"];
  const bool foot_yes = one_of(foot, {"yes", "designated", "permissive"});
  if (one_of(foot, {"no", "private", "use_sidepath"})) return std::nullopt;
  if (one_of(tags["access"], {"no", "private"}) && !foot_yes) return std::nullopt;
  const std::string_view h = highway;
  const bool road =
      one_of(highway, {"primary", "primary_link", "secondary", "secondary_link", "tertiary",
                       "tertiary_link", "unclassified", "residential", "trunk", "trunk_link"});
  bool ok =
      one_of(highway, {"primary", "primary_link", "secondary", "secondary_link", "tertiary",
                       "tertiary_link", "unclassified", "residential", "living_street", "service",
                       "track", "path", "footway", "pedestrian", "steps", "corridor", "platform"});
  if (h == "trunk" || h == "trunk_link")
    ok = one_of(tags["sidewalk"], {"yes", "both", "left", "right"}) || foot_yes;
  if (h == "cycleway" || h == "bridleway") ok = foot_yes;
  if (road && one_of(tags["sidewalk"], {"separate"}) && !foot_yes) ok = false;
  if (!ok) return std::nullopt;
  WalkableWay w;
  w.steps = h == "steps";
  w.square =
      one_of(tags["area"], {"yes"}) && (h == "pedestrian" || h == "footway") && way.is_closed();
  const char* oneway = tags["oneway:foot"];
  if (one_of(oneway, {"yes", "true", "1"}))
    w.direction = Direction::forward;
  else if (one_of(oneway, {"-1", "reverse"}))
    w.direction = Direction::backward;
  for (const osmium::NodeRef& n : way.nodes()) {
    if (!n.location().valid()) continue;                          // a node outside the extract
    if (!w.nodes.empty() && w.nodes.back() == n.ref()) continue;  // repeated node
    w.nodes.push_back(n.ref());
    w.locations.push_back(n.location());
  }
  if (w.nodes.size() < 2) return std::nullopt;
  return w;
}

class Collector : public osmium::handler::Handler {
 public:
  void way(const osmium::Way& way) {
    if (auto w = walkable(way)) ways.push_back(std::move(*w));
  }
  std::vector<WalkableWay> ways;
};

}  // namespace

WalkingGraph build_walking_graph(const std::string& path, const FootProfile& profile) {
  if (path.find("://") != std::string::npos) {
    throw Error(ErrorCode::unreadable_source, "'" + path + "': only local files are read");
  }
  Collector collector;
  try {
    osmium::io::File file(path);
    osmium::io::Reader reader(file, osmium::osm_entity_bits::node | osmium::osm_entity_bits::way);
    Index index;
    osmium::handler::NodeLocationsForWays<Index> locations(index);
    locations.ignore_errors();
    osmium::apply(reader, locations, collector);
    reader.close();
  } catch (const std::exception& e) {
    throw Error(ErrorCode::unreadable_source,
                "cannot read the OpenStreetMap file '" + path + "': " + e.what());
  }
  if (collector.ways.empty()) {
    throw Error(ErrorCode::invalid_data,
                "'" + path + "' has no walkable way (highway=* under the foot profile)");
  }

  // The local frame: the centre of everything walkable.
  geo::BBox box;
  for (const WalkableWay& w : collector.ways)
    for (const osmium::Location& l : w.locations) box.extend(geo::XY{l.lon(), l.lat()});
  const geo::LonLat origin = geo::LonLat::trusted(box.centre().x, box.centre().y);
  const geo::LocalProjection frame(origin);
  auto metres = [&](const osmium::Location& l) {
    const geo::Metres m = frame.to_metres(l.lon(), l.lat());
    return geo::XY{m.x, m.y};
  };

  // Intersections: way ends, and nodes used more than once (by two ways or twice by one).
  std::unordered_map<osmium::object_id_type, std::uint32_t> uses;
  for (const WalkableWay& w : collector.ways)
    for (auto id : w.nodes) ++uses[id];
  std::unordered_map<osmium::object_id_type, std::uint32_t> node_of;
  std::vector<geo::XY> nodes;
  auto node = [&](osmium::object_id_type id, const osmium::Location& l) {
    auto [it, fresh] = node_of.emplace(id, static_cast<std::uint32_t>(nodes.size()));
    if (fresh) nodes.push_back(metres(l));
    return it->second;
  };
  std::vector<WalkingGraph::Edge> edges;
  std::vector<geo::XY> geometry;
  auto add_edge = [&](std::uint32_t u, std::uint32_t v, const std::vector<geo::XY>& points,
                      const WalkableWay& w) {
    double length = 0;
    for (std::size_t i = 1; i < points.size(); ++i)
      length += std::hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
    WalkingGraph::Edge e;
    e.u = u;
    e.v = v;
    // A way of valid lon/lat is far shorter than 9e12 m; the steps factor is checked (≤ 100).
    e.length_mm = number::narrow_round(length * 1000.0);
    const std::int64_t cost =
        number::narrow_round(length * 1000.0 * (w.steps ? profile.steps_factor : 1.0));
    e.cost_uv = w.direction == Direction::backward ? WalkingGraph::kUnreachable : cost;
    e.cost_vu = w.direction == Direction::forward ? WalkingGraph::kUnreachable : cost;
    e.geometry_begin = static_cast<std::uint32_t>(geometry.size());
    geometry.insert(geometry.end(), points.begin(), points.end());
    e.geometry_end = static_cast<std::uint32_t>(geometry.size());
    if (u != v || e.length_mm > 0) edges.push_back(e);
  };
  for (const WalkableWay& w : collector.ways) {
    std::vector<geo::XY> points{metres(w.locations[0])};
    std::uint32_t from = node(w.nodes[0], w.locations[0]);
    for (std::size_t i = 1; i < w.nodes.size(); ++i) {
      points.push_back(metres(w.locations[i]));
      const bool last = i + 1 == w.nodes.size();
      if (last || uses[w.nodes[i]] > 1) {
        const std::uint32_t to = node(w.nodes[i], w.locations[i]);
        add_edge(from, to, points, w);
        from = to;
        points = {points.back()};
      }
    }
    if (w.square) {
      // Cross the square: join its entrances (nodes shared with other ways) to its centre.
      geo::XY centre{0, 0};
      for (std::size_t i = 0; i + 1 < w.locations.size(); ++i) {
        const geo::XY p = metres(w.locations[i]);
        centre.x += p.x;
        centre.y += p.y;
      }
      centre.x /= static_cast<double>(w.locations.size() - 1);
      centre.y /= static_cast<double>(w.locations.size() - 1);
      const auto centre_node = static_cast<std::uint32_t>(nodes.size());
      nodes.push_back(centre);
      WalkableWay plain = w;
      plain.direction = Direction::both;
      for (std::size_t i = 0; i + 1 < w.nodes.size(); ++i) {
        if (uses[w.nodes[i]] < 2 || (i == 0 && uses[w.nodes[i]] == 2))
          continue;  // the ring's own closing use
        add_edge(node(w.nodes[i], w.locations[i]), centre_node, {metres(w.locations[i]), centre},
                 plain);
      }
    }
  }
  return WalkingGraph(origin, std::move(nodes), std::move(edges), std::move(geometry), profile);
}

WalkingGraph open_walking_graph(const std::string& path) {
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".bin") == 0)
    return WalkingGraph::load(path);
  return build_walking_graph(path);
}

}  // namespace wangge::network
