#include "streets.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "names.hpp"
#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::sample {
namespace {

using Key = std::pair<long long, long long>;
/// Centimetres of the sample's few kilometres.
Key key(geo::XY p) {
  return {number::narrow_round(p.x * 100), number::narrow_round(p.y * 100)};
}

std::string classify(const Segment& s, const std::vector<int>& block,
                     const std::vector<int>& group) {
  if (s.right < 0) return "primary";
  if (block[s.left] != block[s.right]) return "secondary";
  if (group[s.left] != group[s.right]) return "residential";
  return "footway";
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::vector<Way> build_streets(const Tessellation& t, const std::vector<int>& block,
                               const std::vector<int>& group, Random& rng) {
  const std::size_t n = t.segments.size();
  std::vector<std::string> cls(n);
  std::map<std::pair<Key, std::string>, std::vector<std::size_t>> at;  // (node, class) → segments
  for (std::size_t i = 0; i < n; ++i) {
    cls[i] = classify(t.segments[i], block, group);
    at[{key(t.segments[i].a), cls[i]}].push_back(i);
    at[{key(t.segments[i].b), cls[i]}].push_back(i);
  }
  std::vector<bool> used(n, false);
  std::vector<Way> ways;
  for (std::size_t start = 0; start < n; ++start) {
    if (used[start]) continue;
    used[start] = true;
    std::vector<geo::XY> line{t.segments[start].a, t.segments[start].b};
    // Extend forwards from the last point, then (reversed) from the first, while the node
    // continues exactly one unused segment of the same class.
    for (int pass = 0; pass < 2; ++pass) {
      for (;;) {
        const auto& there = at[{key(line.back()), cls[start]}];
        if (there.size() != 2) break;
        const std::size_t next = used[there[0]] ? there[1] : there[0];
        if (used[next]) break;
        used[next] = true;
        const Segment& s = t.segments[next];
        line.push_back(key(s.a) == key(line.back()) ? s.b : s.a);
        if (key(line.back()) == key(line.front())) break;  // closed ring
      }
      std::reverse(line.begin(), line.end());
    }
    Way w{std::move(line), cls[start], ""};
    double length = 0;
    for (std::size_t i = 1; i < w.points.size(); ++i) {
      length += std::hypot(w.points[i].x - w.points[i - 1].x, w.points[i].y - w.points[i - 1].y);
    }
    // Short block borders are tertiary streets; long ones secondary roads.
    if (w.highway == "secondary" && length < 600) w.highway = "tertiary";
    w.name = street_name(rng, w.highway);
    ways.push_back(std::move(w));
  }
  return ways;
}

StreetStats write_osm(const std::string& path, const std::vector<Way>& ways,
                      const geo::LocalProjection& proj) {
  AtomicFile out(path);
  std::map<Key, long long> ids;
  std::vector<geo::XY> order;
  for (const Way& w : ways)
    for (const geo::XY& p : w.points)
      if (ids.emplace(key(p), static_cast<long long>(ids.size()) + 1).second) order.push_back(p);
  geo::BBox box;
  for (const geo::XY& p : order) box.extend(geo::XY{proj.lon_of(p.x), proj.lat_of(p.y)});
  out.printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  out.printf("<osm version=\"0.6\" generator=\"wangge sample\">\n");
  out.printf("  <bounds minlat=\"%.7f\" minlon=\"%.7f\" maxlat=\"%.7f\" maxlon=\"%.7f\"/>\n",
             box.min_y, box.min_x, box.max_y, box.max_x);
  for (const geo::XY& p : order) {
    out.printf("  <node id=\"%lld\" version=\"1\" lat=\"%.7f\" lon=\"%.7f\"/>\n", ids[key(p)],
               proj.lat_of(p.y), proj.lon_of(p.x));
  }
  StreetStats stats;
  stats.nodes = order.size();
  long long way_id = 1;
  for (const Way& w : ways) {
    out.printf("  <way id=\"%lld\" version=\"1\">\n", way_id++);
    for (const geo::XY& p : w.points) out.printf("    <nd ref=\"%lld\"/>\n", ids[key(p)]);
    out.printf("    <tag k=\"highway\" v=\"%s\"/>\n", w.highway.c_str());
    if (!w.name.empty()) out.printf("    <tag k=\"name\" v=\"%s\"/>\n", xml_escape(w.name).c_str());
    out.printf("  </way>\n");
    for (std::size_t i = 1; i < w.points.size(); ++i) {
      stats.km +=
          std::hypot(w.points[i].x - w.points[i - 1].x, w.points[i].y - w.points[i - 1].y) / 1000;
    }
  }
  stats.ways = ways.size();
  out.printf("</osm>\n");
  out.commit();
  return stats;
}

}  // namespace wangge::sample
