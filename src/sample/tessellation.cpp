#include "tessellation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>

#include "wangge/geo/geos.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::sample {
namespace {

constexpr double kSnap = 100.0;  // 1 cm lattice

double dist(geo::XY a, geo::XY b) {
  return std::hypot(a.x - b.x, a.y - b.y);
}

/// An irregular, slightly elongated outline: a radius with a few harmonics.
geo::Ring make_outline(Random& rng, double area_m2) {
  const double rotation = rng.uniform(0, std::numbers::pi);
  double amp[6] = {0, 0, 0.09, 0.07, 0.05, 0.03};
  double phase[6];
  for (double& p : phase) p = rng.uniform(0, 2 * std::numbers::pi);
  geo::Ring ring;
  constexpr int kVertices = 96;
  for (int i = 0; i < kVertices; ++i) {
    const double t = 2 * std::numbers::pi * i / kVertices;
    double r = 1.0;
    for (int k = 2; k < 6; ++k) r += amp[k] * std::cos(k * t + phase[k]);
    const double x = 1.25 * r * std::cos(t), y = 0.85 * r * std::sin(t);
    ring.push_back({x * std::cos(rotation) - y * std::sin(rotation),
                    x * std::sin(rotation) + y * std::cos(rotation)});
  }
  ring.push_back(ring.front());
  const double s = std::sqrt(area_m2 / ring_area(ring));
  for (geo::XY& p : ring) p = {p.x * s, p.y * s};
  return ring;
}

bool inside(const geo::Ring& outline, geo::XY p) {
  return geo::locate_point(geo::Polygon{outline, {}}, p) == geo::PointLocation::inside;
}

/// Best-candidate sampling (Mitchell): each new seed is the candidate farthest from the seeds
/// so far, distances divided by a local spacing that grows away from the town centre.
void spread(Random& rng, std::vector<geo::XY>& seeds, int count, const geo::BBox& box,
            const geo::Ring& outline, bool want_inside, geo::XY centre, double radius) {
  auto spacing = [&](geo::XY p) { return 0.7 + 0.6 * std::min(1.0, dist(p, centre) / radius); };
  for (int n = 0; n < count; ++n) {
    geo::XY best{0, 0};
    double best_score = -1;
    for (int c = 0, tries = 0; c < 24 && tries < 10000; ++tries) {
      const geo::XY p{rng.uniform(box.min_x, box.max_x), rng.uniform(box.min_y, box.max_y)};
      if (inside(outline, p) != want_inside) continue;
      ++c;
      double nearest = std::numeric_limits<double>::infinity();
      for (const geo::XY& s : seeds) nearest = std::min(nearest, dist(p, s));
      const double score = nearest / spacing(p);
      if (score > best_score) {
        best_score = score;
        best = p;
      }
    }
    seeds.push_back(best);
  }
}

geo::XY snap(geo::XY p) {
  return {std::round(p.x * kSnap) / kSnap, std::round(p.y * kSnap) / kSnap};
}

std::pair<long long, long long> key(geo::XY p) {
  return {number::narrow_round(p.x * kSnap), number::narrow_round(p.y * kSnap)};  // km × kSnap
}

/// Voronoi cells of @p seeds; the first @p inside_count seeds are the units. Cells are matched
/// to seeds by containment (GEOS 3.11 does not keep input order).
std::vector<geo::Ring> voronoi_cells(const std::vector<geo::XY>& seeds, std::size_t inside_count,
                                     const geo::BBox& frame) {
  geos::Context ctx;
  std::vector<GEOSGeometry*> points;
  for (const geo::XY& s : seeds)
    points.push_back(GEOSGeom_createPointFromXY_r(ctx.handle(), s.x, s.y));
  geos::Geometry multipoint =
      geos::own(ctx, GEOSGeom_createCollection_r(ctx.handle(), GEOS_MULTIPOINT, points.data(),
                                                 static_cast<unsigned>(points.size())));
  const geo::Polygon frame_poly{{{frame.min_x, frame.min_y},
                                 {frame.max_x, frame.min_y},
                                 {frame.max_x, frame.max_y},
                                 {frame.min_x, frame.max_y},
                                 {frame.min_x, frame.min_y}},
                                {}};
  geos::Geometry envelope = geos::to_geos(ctx, geo::MultiPolygon{{frame_poly}});
  geos::Geometry diagram =
      geos::own(ctx, GEOSVoronoiDiagram_r(ctx.handle(), multipoint.get(), envelope.get(), 0.0, 0));
  const geo::MultiPolygon cells = geos::from_geos(ctx, diagram.get());
  std::vector<geo::Ring> out(inside_count);
  std::vector<bool> found(inside_count, false);
  for (const geo::Polygon& cell : cells.polygons) {
    const geo::MultiPolygon one{{cell}};
    const geo::BBox b = geo::bbox_of(one);
    for (std::size_t i = 0; i < inside_count; ++i) {
      if (found[i] || !b.contains(seeds[i])) continue;
      if (geo::locate_point(one, seeds[i]) == geo::PointLocation::inside) {
        out[i] = cell.outer;
        found[i] = true;
        break;
      }
    }
  }
  if (std::find(found.begin(), found.end(), false) != found.end()) {
    throw Error(ErrorCode::internal, "sample: a unit seed has no Voronoi cell");
  }
  return out;
}

}  // namespace

double ring_area(const geo::Ring& ring) {
  double twice = 0;
  for (std::size_t i = 1; i < ring.size(); ++i)
    twice += ring[i - 1].x * ring[i].y - ring[i].x * ring[i - 1].y;
  return std::abs(twice) / 2;
}

geo::XY centroid(const geo::Ring& ring) {
  double a = 0, cx = 0, cy = 0;
  for (std::size_t i = 1; i < ring.size(); ++i) {
    const double c = ring[i - 1].x * ring[i].y - ring[i].x * ring[i - 1].y;
    a += c;
    cx += (ring[i - 1].x + ring[i].x) * c;
    cy += (ring[i - 1].y + ring[i].y) * c;
  }
  return {cx / (3 * a), cy / (3 * a)};
}

Tessellation tessellate(Random& rng, int units, double area_m2) {
  const geo::Ring outline = make_outline(rng, area_m2);
  const geo::BBox box = geo::bbox_of(geo::MultiPolygon{{geo::Polygon{outline, {}}}});
  const double spacing = std::sqrt(area_m2 / units);
  Tessellation t;
  // The old town sits off-centre, a third of the way to the outline.
  t.town_centre = {rng.uniform(box.min_x, box.max_x) / 3, rng.uniform(box.min_y, box.max_y) / 3};
  const double radius = std::max(box.max_x - box.min_x, box.max_y - box.min_y) / 2;

  std::vector<geo::XY> seeds;
  spread(rng, seeds, units, box, outline, true, t.town_centre, radius);
  // A ring of outside seeds bounds the boundary cells, so the outline follows cell edges.
  geo::BBox ring_box = box;
  ring_box.extend(geo::XY{box.min_x - 3 * spacing, box.min_y - 3 * spacing});
  ring_box.extend(geo::XY{box.max_x + 3 * spacing, box.max_y + 3 * spacing});
  const double ring_area_m2 =
      (ring_box.max_x - ring_box.min_x) * (ring_box.max_y - ring_box.min_y) - area_m2;
  // A ring a few spacings wide around the subdistrict: some thousands of seeds.
  spread(rng, seeds, number::narrow<int>(ring_area_m2 / (spacing * spacing * 1.3)), ring_box,
         outline, false, t.town_centre, radius);

  geo::BBox frame = ring_box;
  frame.extend(geo::XY{ring_box.min_x * 2, ring_box.min_y * 2});
  frame.extend(geo::XY{ring_box.max_x * 2, ring_box.max_y * 2});
  // Voronoi diagrams scale with their seeds: one pass measures, the second hits the area.
  std::vector<geo::Ring> cells = voronoi_cells(seeds, static_cast<std::size_t>(units), frame);
  double total = 0;
  for (const geo::Ring& c : cells) total += ring_area(c);
  const double s = std::sqrt(area_m2 / total);
  for (geo::XY& p : seeds) p = {p.x * s, p.y * s};
  t.town_centre = {t.town_centre.x * s, t.town_centre.y * s};
  frame = {frame.min_x * s, frame.min_y * s, frame.max_x * s, frame.max_y * s};
  cells = voronoi_cells(seeds, static_cast<std::size_t>(units), frame);

  // Snap every vertex to the 1 cm lattice so neighbours share identical coordinates.
  for (int i = 0; i < units; ++i) {
    geo::Ring snapped;
    for (const geo::XY& p : cells[i]) {
      const geo::XY q = snap(p);
      if (snapped.empty() || !(snapped.back() == q)) snapped.push_back(q);
    }
    if (!(snapped.front() == snapped.back())) snapped.push_back(snapped.front());
    t.cells.push_back({seeds[i], std::move(snapped)});
  }

  // Edges → the cells on either side; shared edges make neighbours.
  std::map<std::pair<std::pair<long long, long long>, std::pair<long long, long long>>, std::size_t>
      edges;
  t.neighbours.assign(t.cells.size(), {});
  for (int c = 0; c < units; ++c) {
    const geo::Ring& r = t.cells[c].ring;
    for (std::size_t i = 1; i < r.size(); ++i) {
      auto ka = key(r[i - 1]), kb = key(r[i]);
      const bool flip = kb < ka;
      auto k = flip ? std::pair{kb, ka} : std::pair{ka, kb};
      auto [it, fresh] = edges.emplace(k, t.segments.size());
      if (fresh) {
        t.segments.push_back({flip ? r[i] : r[i - 1], flip ? r[i - 1] : r[i], c, -1});
      } else {
        Segment& seg = t.segments[it->second];
        seg.right = c;
        t.neighbours[seg.left].push_back(c);
        t.neighbours[c].push_back(seg.left);
      }
    }
  }
  return t;
}

std::vector<int> grow_regions(const Tessellation& t, const std::vector<int>& members, int k,
                              const std::vector<double>& weight, Random& rng) {
  const int n = static_cast<int>(members.size());
  if (k > n) throw Error(ErrorCode::internal, "sample: more regions than units");
  std::map<int, int> position;  // cell → index in members
  for (int i = 0; i < n; ++i) position[members[i]] = i;
  std::vector<geo::XY> centre(n);
  for (int i = 0; i < n; ++i) centre[i] = centroid(t.cells[members[i]].ring);

  // Farthest-point seeds: spread the regions' starting units.
  std::vector<int> seeds{static_cast<int>(rng.below(static_cast<std::uint64_t>(n)))};
  while (static_cast<int>(seeds.size()) < k) {
    int best = -1;
    double best_d = -1;
    for (int i = 0; i < n; ++i) {
      double d = std::numeric_limits<double>::infinity();
      for (int s : seeds) d = std::min(d, dist(centre[i], centre[s]));
      if (d > best_d) {
        best_d = d;
        best = i;
      }
    }
    seeds.push_back(best);
  }
  std::vector<int> region(n, -1);
  std::vector<double> load(k, 0);
  std::vector<geo::XY> anchor(k);
  for (int r = 0; r < k; ++r) {
    region[seeds[r]] = r;
    load[r] = weight[members[seeds[r]]];
    anchor[r] = centre[seeds[r]];
  }
  for (int assigned = k; assigned < n;) {
    // The lightest region that can still grow takes its nearest free neighbour.
    std::vector<int> order(k);
    for (int r = 0; r < k; ++r) order[r] = r;
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return load[a] != load[b] ? load[a] < load[b] : a < b; });
    bool grew = false;
    for (int r : order) {
      int best = -1;
      double best_d = std::numeric_limits<double>::infinity();
      for (int i = 0; i < n; ++i) {
        if (region[i] != r) continue;
        for (int nb : t.neighbours[members[i]]) {
          auto it = position.find(nb);
          if (it == position.end() || region[it->second] >= 0) continue;
          const double d = dist(centre[it->second], anchor[r]);
          if (d < best_d) {
            best_d = d;
            best = it->second;
          }
        }
      }
      if (best < 0) continue;
      region[best] = r;
      load[r] += weight[members[best]];
      ++assigned;
      grew = true;
      break;
    }
    if (!grew) throw Error(ErrorCode::internal, "sample: units are not connected");
  }
  return region;
}

}  // namespace wangge::sample
