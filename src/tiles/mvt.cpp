// The MVT 2.1 encoder (the decoder is in mvt_decode.cpp).
#include "wangge/tiles/mvt.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/linestring.hpp>
#include <boost/geometry/geometries/multi_linestring.hpp>
#include <boost/geometry/geometries/multi_polygon.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>
#include <cmath>
#include <map>
#include <protozero/pbf_writer.hpp>
#include <type_traits>

#include "mvt_wire.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace bg = boost::geometry;

namespace wangge::tiles {
namespace {

using P = bg::model::d2::point_xy<double>;
// Counter-clockwise in the x-right/y-up sense of the formulas = positive shoelace area, which
// in tile coordinates (y down) is MVT's exterior ring; holes the other way.
using BPoly = bg::model::polygon<P, false, true>;
using BMulti = bg::model::multi_polygon<BPoly>;
using BBox2 = bg::model::box<P>;
using BLine = bg::model::linestring<P>;
using BMultiLine = bg::model::multi_linestring<BLine>;

using IRing = std::vector<std::pair<std::int32_t, std::int32_t>>;  // quantised, not closed
struct IPoly {
  IRing outer;
  std::vector<IRing> holes;
};

using namespace wire;

/// Twice the shoelace area (positive = exterior in MVT's y-down tile space), exact: integer
/// arithmetic relative to the first point, so the same in world units and in tile units.
std::int64_t area2(const IRing& r) {
  std::int64_t a = 0;
  const std::int64_t x0 = r[0].first, y0 = r[0].second;
  for (std::size_t i = 1; i + 1 < r.size(); ++i) {
    const std::int64_t px = r[i].first - x0, py = r[i].second - y0;
    const std::int64_t qx = r[i + 1].first - x0, qy = r[i + 1].second - y0;
    a += px * qy - qx * py;
  }
  return a;
}

/// Rounds half up, so that rounding commutes with integer shifts (std::lround rounds halves
/// away from zero, which differs on either side of a tile's origin).
/// @p v is in tile units (extent and buffer) or in world units at z <= 18 (prepare_for_zoom
/// quantises no deeper): at most 4096 × 2^18 = 2^30, inside int32.
std::int32_t round_unit(double v) {
  return number::narrow<std::int32_t>(std::floor(v + 0.5));
}

/// Rounds a ring to the grid, drops repeated points and the closing point, and orients it
/// (@p exterior: positive area). @returns false when fewer than 3 points or no area remain.
bool quantise(const bg::model::ring<P, false, true>& in, bool exterior, IRing& out) {
  out.clear();
  for (const P& p : in) {
    const std::pair<std::int32_t, std::int32_t> q{round_unit(p.x()), round_unit(p.y())};
    if (out.empty() || out.back() != q) out.push_back(q);
  }
  while (out.size() > 1 && out.front() == out.back()) out.pop_back();
  // Spikes left by rounding (a, b, a) carry no area and make the ring invalid: fold them.
  for (bool changed = true; changed && out.size() >= 3;) {
    changed = false;
    for (std::size_t i = 0; i < out.size() && out.size() >= 3; ++i) {
      const std::size_t n = out.size();
      if (out[(i + n - 1) % n] == out[(i + 1) % n]) {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(i % out.size()));
        changed = true;
        break;
      }
    }
  }
  if (out.size() < 3) return false;
  const std::int64_t a = area2(out);
  if (a == 0) return false;
  if ((a > 0) != exterior) std::reverse(out.begin(), out.end());
  return true;
}

/// As a Boost polygon for is_valid, moved by (-dx, -dy): world-unit rings are validated near
/// the origin, with the small magnitudes of tile units.
BPoly to_bpoly(const IPoly& p, std::int32_t dx = 0, std::int32_t dy = 0) {
  BPoly b;
  for (const auto& [x, y] : p.outer) b.outer().push_back(P(x - dx, y - dy));
  b.outer().push_back(b.outer().front());
  for (const IRing& h : p.holes) {
    b.inners().emplace_back();
    for (const auto& [x, y] : h) b.inners().back().push_back(P(x - dx, y - dy));
    b.inners().back().push_back(b.inners().back().front());
  }
  return b;
}

/// Quantises one clipped polygon; @returns false when its exterior collapses.
bool quantise_polygon(const BPoly& in, IPoly& out, bool with_holes) {
  if (!quantise(in.outer(), true, out.outer)) return false;
  out.holes.clear();
  if (!with_holes) return true;
  for (const auto& h : in.inners()) {
    IRing r;
    if (quantise(h, false, r)) out.holes.push_back(std::move(r));
  }
  return true;
}

/// Appends @p ring moved by (-dx, -dy) (world units to a tile's) as MVT commands.
void append_ring(const IRing& ring, std::int32_t& cx, std::int32_t& cy,
                 std::vector<std::uint32_t>& g, std::int32_t dx = 0, std::int32_t dy = 0) {
  g.push_back(command(move_to, 1));
  g.push_back(zigzag(ring[0].first - dx - cx));
  g.push_back(zigzag(ring[0].second - dy - cy));
  cx = ring[0].first - dx;
  cy = ring[0].second - dy;
  g.push_back(command(line_to, static_cast<std::uint32_t>(ring.size() - 1)));
  for (std::size_t i = 1; i < ring.size(); ++i) {
    const std::int32_t x = ring[i].first - dx, y = ring[i].second - dy;
    g.push_back(zigzag(x - cx));
    g.push_back(zigzag(y - cy));
    cx = x;
    cy = y;
  }
  g.push_back(command(close_path, 1));
}

/// @p poly through @p project as a corrected Boost polygon; its exterior extends @p box.
template <class Project>
BPoly projected_polygon(const geo::Polygon& poly, const Project& project, geo::BBox& box) {
  BPoly b;
  for (const geo::XY& v : poly.outer) {
    const geo::XY p = project(v);
    box.extend(p);
    b.outer().push_back(P(p.x, p.y));
  }
  for (const geo::Ring& h : poly.holes) {
    b.inners().emplace_back();
    for (const geo::XY& v : h) {
      const geo::XY p = project(v);
      b.inners().back().push_back(P(p.x, p.y));
    }
  }
  bg::correct(b);
  return b;
}

/// Rounds and validates one corrected polygon: with its holes, else without them.
/// @returns 0 when it collapses, 1 when valid with holes, 2 when valid only without them.
int quantise_valid(const BPoly& part, IPoly& q) {
  std::int32_t dx = 0, dy = 0;
  auto valid = [&] {
    dx = q.outer[0].first;
    dy = q.outer[0].second;
    return bg::is_valid(to_bpoly(q, dx, dy));
  };
  if (quantise_polygon(part, q, true) && valid()) return 1;
  if (!part.inners().empty() && quantise_polygon(part, q, false) && valid()) return 2;
  return 0;
}

}  // namespace

geo::MultiPolygon simplify_for_zoom(const geo::MultiPolygon& mercator, int z, double units,
                                    std::uint32_t extent) {
  const double world = 2 * 20037508.342789244;
  const double tolerance = units * world / (std::ldexp(1.0, z) * extent);
  geo::MultiPolygon out;
  for (const geo::Polygon& p : mercator.polygons) {
    auto ring = [&](const geo::Ring& r) {
      bg::model::ring<P, false, true> in, simplified;
      for (const geo::XY& v : r) in.push_back(P(v.x, v.y));
      bg::simplify(in, simplified, tolerance);
      geo::Ring o;
      for (const P& v : simplified) o.push_back({v.x(), v.y()});
      return o;
    };
    geo::Polygon q{ring(p.outer), {}};
    if (q.outer.size() < 4) q.outer = p.outer;  // never lose a polygon to simplification
    for (const geo::Ring& h : p.holes) {
      geo::Ring r = ring(h);
      if (r.size() >= 4) q.holes.push_back(std::move(r));
    }
    out.polygons.push_back(std::move(q));
  }
  return out;
}

PreparedPolygon prepare_for_zoom(const geo::MultiPolygon& mercator, int z, double units,
                                 std::uint32_t extent) {
  PreparedPolygon out;
  out.mercator = simplify_for_zoom(mercator, z, units, extent);
  out.z = z;
  out.extent = extent;
  const WorldProjection world(z, extent);
  for (const geo::Polygon& poly : out.mercator.polygons) {
    BPoly b = projected_polygon(poly, world, out.world);
    if (z > 18) continue;
    IPoly q;
    const int kind = quantise_valid(b, q);
    if (kind == 0) continue;
    out.holes_dropped += kind == 2;
    std::vector<IRing> rings{std::move(q.outer)};
    for (IRing& h : q.holes) rings.push_back(std::move(h));
    out.parts.push_back(std::move(rings));
  }
  // A multipolygon with a collapsed part keeps the general path, which marks what it must.
  if (out.parts.size() != out.mercator.polygons.size()) {
    out.parts.clear();
    out.holes_dropped = 0;
  }
  return out;
}

std::uint64_t feature_id(const std::string& id) noexcept {
  // JavaScript clients (MapLibre's feature-state, OpenLayers) hold ids as doubles: keep every
  // id below 2^53. Decimal ids that fit are themselves; others (17-digit unit codes, report and
  // service point ids) are a 52-bit hash above 2^52, clear of the short decimal codes.
  constexpr std::uint64_t kSafe = std::uint64_t{1} << 53;
  if (!id.empty() && id.size() <= 16 &&
      std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const std::uint64_t v = std::stoull(id);
    if (v < (kSafe >> 1)) return v;
  }
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return (kSafe >> 1) | (h & ((kSafe >> 1) - 1));
}

LayerEncoder::LayerEncoder(std::string name, const TileId& tile, std::uint32_t extent,
                           std::uint32_t buffer, double simplify_units)
    : name_(std::move(name)),
      zoom_(tile.z),
      projection_(tile, extent),
      extent_(extent),
      buffer_(buffer),
      simplify_units_(simplify_units) {}

std::vector<std::uint32_t> LayerEncoder::tags_of(const std::vector<Property>& properties) {
  std::vector<std::uint32_t> tags;
  tags.reserve(properties.size() * 2);
  std::string vkey;
  for (const Property& p : properties) {
    auto k = key_index_.find(p.key);
    if (k == key_index_.end()) {
      k = key_index_.emplace(p.key, static_cast<std::uint32_t>(keys_.size())).first;
      keys_.push_back(p.key);
    }
    // Values are shared per type: int 1 and double 1.0 stay two values (spec 4.1).
    vkey.assign(1, static_cast<char>('0' + p.value.index()));
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string>)
            vkey += v;
          else
            vkey.append(reinterpret_cast<const char*>(&v), sizeof v);
        },
        p.value);
    auto v = value_index_.find(vkey);
    if (v == value_index_.end()) {
      v = value_index_.emplace(vkey, static_cast<std::uint32_t>(values_.size())).first;
      values_.push_back(p.value);
    }
    tags.push_back(k->second);
    tags.push_back(v->second);
  }
  return tags;
}

bool LayerEncoder::add_point(std::uint64_t id, geo::XY lonlat,
                             const std::vector<Property>& properties) {
  const geo::XY p = projection_(lonlat);
  const double lo = -static_cast<double>(buffer_), hi = static_cast<double>(extent_ + buffer_);
  if (!(p.x >= lo && p.x <= hi && p.y >= lo && p.y <= hi)) return false;
  Feature f{id, 1, tags_of(properties), {}};
  // Within [lo, hi], checked above: tile units.
  f.geometry = {command(move_to, 1), zigzag(number::narrow<std::int32_t>(std::round(p.x))),
                zigzag(number::narrow<std::int32_t>(std::round(p.y)))};
  features_.push_back(std::move(f));
  ++stats_.features;
  return true;
}

bool LayerEncoder::add_line(std::uint64_t id, const std::vector<geo::XY>& lonlat,
                            const std::vector<Property>& properties) {
  const double lo = -static_cast<double>(buffer_), hi = static_cast<double>(extent_ + buffer_);
  BLine input;
  geo::BBox projected;
  for (const geo::XY& v : lonlat) {
    const geo::XY p = projection_(v);
    projected.extend(p);
    input.push_back(P(p.x, p.y));
  }
  if (input.size() < 2 || !projected.valid() || projected.max_x < lo || projected.min_x > hi ||
      projected.max_y < lo || projected.min_y > hi) {
    return false;
  }
  BMultiLine clipped;
  if (projected.min_x >= lo && projected.max_x <= hi && projected.min_y >= lo &&
      projected.max_y <= hi) {
    clipped.push_back(std::move(input));
  } else {
    bg::intersection(input, BBox2(P(lo, lo), P(hi, hi)), clipped);
  }
  std::vector<std::uint32_t> geometry;
  std::int32_t cx = 0, cy = 0;
  for (const BLine& part : clipped) {
    BLine simplified;
    if (simplify_units_ > 0)
      bg::simplify(part, simplified, simplify_units_);
    else
      simplified = part;
    IRing q;
    for (const P& p : simplified) {
      const std::pair<std::int32_t, std::int32_t> v{round_unit(p.x()), round_unit(p.y())};
      if (q.empty() || q.back() != v) q.push_back(v);
    }
    if (q.size() < 2) continue;
    geometry.push_back(command(move_to, 1));
    geometry.push_back(zigzag(q[0].first - cx));
    geometry.push_back(zigzag(q[0].second - cy));
    cx = q[0].first;
    cy = q[0].second;
    geometry.push_back(command(line_to, static_cast<std::uint32_t>(q.size() - 1)));
    for (std::size_t i = 1; i < q.size(); ++i) {
      geometry.push_back(zigzag(q[i].first - cx));
      geometry.push_back(zigzag(q[i].second - cy));
      cx = q[i].first;
      cy = q[i].second;
    }
  }
  if (geometry.empty()) return false;
  features_.push_back(Feature{id, 2, tags_of(properties), std::move(geometry)});
  ++stats_.features;
  return true;
}

template <class Project>
bool LayerEncoder::add_projected(std::uint64_t id, const geo::MultiPolygon& lonlat,
                                 const std::vector<Property>& properties, Project project) {
  const double lo = -static_cast<double>(buffer_), hi = static_cast<double>(extent_ + buffer_);
  BMulti input;
  geo::BBox projected;
  for (const geo::Polygon& poly : lonlat.polygons) {
    input.push_back(projected_polygon(poly, project, projected));
  }
  if (!projected.valid() || projected.max_x < lo || projected.min_x > hi || projected.max_y < lo ||
      projected.min_y > hi) {
    return false;
  }
  BMulti clipped;
  if (projected.min_x >= lo && projected.max_x <= hi && projected.min_y >= lo &&
      projected.max_y <= hi) {
    clipped = std::move(input);  // wholly inside the tile and its buffer: nothing to clip
  } else {
    bg::intersection(input, BBox2(P(lo, lo), P(hi, hi)), clipped);
  }
  if (clipped.empty()) return false;

  std::vector<std::uint32_t> geometry;
  std::int32_t cx = 0, cy = 0;
  bool any = false;
  for (const BPoly& part : clipped) {
    BPoly simplified;
    if (simplify_units_ > 0) bg::simplify(part, simplified, simplify_units_);
    IPoly q;
    bool ok =
        simplify_units_ > 0 && quantise_polygon(simplified, q, true) && bg::is_valid(to_bpoly(q));
    if (!ok) {
      const int kind = quantise_valid(part, q);
      ok = kind != 0;
      if (ok && simplify_units_ > 0) ++stats_.unsimplified;
      if (kind == 2) ++stats_.holes_dropped;
    }
    if (!ok) continue;  // a sliver of a larger feature, or below the grid: see the marker below
    append_ring(q.outer, cx, cy, geometry);
    for (const IRing& h : q.holes) append_ring(h, cx, cy, geometry);
    any = true;
  }
  if (!any) {
    // Below the grid at this zoom: keep it visible as a one-pixel square (of a 256-px tile)
    // at its place, so that small grids do not vanish from overview maps.
    geo::BBox box;
    for (const BPoly& part : clipped) {
      for (const P& v : part.outer()) box.extend(geo::XY{v.x(), v.y()});
    }
    const geo::XY centre = box.centre();
    const std::int32_t half = std::max<std::int32_t>(1, static_cast<std::int32_t>(extent_ / 512));
    const auto lo_unit = -static_cast<std::int32_t>(buffer_);
    const auto hi_unit = static_cast<std::int32_t>(extent_ + buffer_);
    const std::int32_t x = number::clamp_to<std::int32_t>(std::round(centre.x), lo_unit, hi_unit);
    const std::int32_t y = number::clamp_to<std::int32_t>(std::round(centre.y), lo_unit, hi_unit);
    // Exterior: positive area in y-down coordinates.
    const IRing square{
        {x - half, y - half}, {x - half, y + half}, {x + half, y + half}, {x + half, y - half}};
    IRing oriented = square;
    if (area2(oriented) < 0) std::reverse(oriented.begin(), oriented.end());
    append_ring(oriented, cx, cy, geometry);
    ++stats_.markers;
  }
  features_.push_back(Feature{id, 3, tags_of(properties), std::move(geometry)});
  ++stats_.features;
  return true;
}

bool LayerEncoder::add_polygon(std::uint64_t id, const geo::MultiPolygon& lonlat,
                               const std::vector<Property>& properties) {
  return add_projected(id, lonlat, properties, [this](geo::XY v) { return projection_(v); });
}

bool LayerEncoder::add_polygon_mercator(std::uint64_t id, const geo::MultiPolygon& mercator,
                                        const std::vector<Property>& properties) {
  return add_projected(id, mercator, properties,
                       [this](geo::XY v) { return projection_.from_mercator(v); });
}

bool LayerEncoder::add_prepared(std::uint64_t id, const PreparedPolygon& polygon,
                                const std::vector<Property>& properties) {
  const double lo = -static_cast<double>(buffer_), hi = static_cast<double>(extent_ + buffer_);
  const double ox = projection_.origin_x(), oy = projection_.origin_y();
  const geo::BBox& w = polygon.world;
  const bool whole = !polygon.parts.empty() && polygon.z == zoom_ && polygon.extent == extent_ &&
                     w.valid() && w.min_x - ox >= lo && w.max_x - ox <= hi && w.min_y - oy >= lo &&
                     w.max_y - oy <= hi;
  if (!whole) return add_polygon_mercator(id, polygon.mercator, properties);
  std::vector<std::uint32_t> geometry;
  std::int32_t cx = 0, cy = 0;
  // The tile's origin in world units at its zoom (<= 18 here): inside int32.
  const auto dx = number::narrow<std::int32_t>(ox), dy = number::narrow<std::int32_t>(oy);
  for (const auto& rings : polygon.parts) {
    for (const IRing& r : rings) append_ring(r, cx, cy, geometry, dx, dy);
  }
  stats_.holes_dropped += polygon.holes_dropped;
  features_.push_back(Feature{id, 3, tags_of(properties), std::move(geometry)});
  ++stats_.features;
  return true;
}

std::string LayerEncoder::finish() const {
  std::string out;
  if (features_.empty()) return out;
  protozero::pbf_writer tile(out);
  protozero::pbf_writer layer(tile, 3);
  layer.add_uint32(15, 2);  // version first (spec 4.1)
  layer.add_string(1, name_);
  for (const Feature& f : features_) {
    protozero::pbf_writer feature(layer, 2);
    feature.add_uint64(1, f.id);
    if (!f.tags.empty()) feature.add_packed_uint32(2, f.tags.begin(), f.tags.end());
    feature.add_enum(3, static_cast<std::int32_t>(f.type));
    feature.add_packed_uint32(4, f.geometry.begin(), f.geometry.end());
  }
  for (const std::string& k : keys_) layer.add_string(3, k);
  for (const Value& v : values_) {
    protozero::pbf_writer value(layer, 4);
    if (const auto* s = std::get_if<std::string>(&v))
      value.add_string(1, *s);
    else if (const auto* d = std::get_if<double>(&v))
      value.add_double(3, *d);
    else if (const auto* i = std::get_if<std::int64_t>(&v)) {
      if (*i >= 0)
        value.add_uint64(5, static_cast<std::uint64_t>(*i));
      else
        value.add_sint64(6, *i);
    } else
      value.add_bool(7, std::get<bool>(v));
  }
  layer.add_uint32(5, extent_);
  layer.commit();
  return out;
}

}  // namespace wangge::tiles
