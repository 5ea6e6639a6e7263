#include "wangge/network/contour.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace wangge::network {
namespace {

enum Side { B, R, T, L };

double ring_signed_area(const geo::Ring& r) {
  double twice = 0;
  for (std::size_t i = 1; i < r.size(); ++i) twice += r[i - 1].x * r[i].y - r[i].x * r[i - 1].y;
  return twice / 2;
}

}  // namespace

geo::MultiPolygon contour(const RasterGrid& grid, double threshold) {
  // Padded sample lattice: one ring of "outside" samples around the raster.
  const std::int64_t W = static_cast<std::int64_t>(grid.width) + 2,
                     H = static_cast<std::int64_t>(grid.height) + 2;
  const double outside = std::isfinite(threshold) ? threshold * 4 + 1 : 1e300;
  auto value = [&](std::int64_t i, std::int64_t j) {
    if (i <= 0 || j <= 0 || i >= W - 1 || j >= H - 1) return outside;
    const double v = grid.at(static_cast<std::size_t>(i - 1), static_cast<std::size_t>(j - 1));
    return std::isfinite(v) ? v : outside;
  };
  auto position = [&](std::int64_t i, std::int64_t j) {
    return geo::XY{grid.x0 + (static_cast<double>(i) - 0.5) * grid.cell,
                   grid.y0 + (static_cast<double>(j) - 0.5) * grid.cell};
  };
  // A crossing on a lattice edge: horizontal edges (i,j)-(i+1,j) are 2k, vertical (i,j)-(i,j+1)
  // 2k+1.
  auto edge_id = [&](std::int64_t i, std::int64_t j, Side s) -> std::int64_t {
    switch (s) {
      case B:
        return 2 * (j * W + i);
      case T:
        return 2 * ((j + 1) * W + i);
      case L:
        return 2 * (j * W + i) + 1;
      case R:
        return 2 * (j * W + i + 1) + 1;
    }
    return 0;
  };
  auto crossing = [&](std::int64_t i, std::int64_t j, Side s) {
    std::int64_t ai = i, aj = j, bi = i, bj = j;
    switch (s) {
      case B:
        bi = i + 1;
        break;
      case T:
        aj = bj = j + 1, bi = i + 1;
        break;
      case L:
        bj = j + 1;
        break;
      case R:
        ai = bi = i + 1, bj = j + 1;
        break;
    }
    const double va = value(ai, aj), vb = value(bi, bj);
    const double t = std::clamp((threshold - va) / (vb - va), 0.0, 1.0);
    const geo::XY a = position(ai, aj), b = position(bi, bj);
    return geo::XY{a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)};
  };
  // Segments keyed by their start crossing; each crossing starts one and ends one.
  std::unordered_map<std::int64_t, std::pair<std::int64_t, geo::XY>>
      next;  // from edge -> (to edge, from point)
  std::vector<std::int64_t> starts;
  auto add = [&](std::int64_t i, std::int64_t j, Side from, Side to) {
    const std::int64_t a = edge_id(i, j, from), b = edge_id(i, j, to);
    next[a] = {b, crossing(i, j, from)};
    starts.push_back(a);
  };
  for (std::int64_t j = 0; j + 1 < H; ++j) {
    for (std::int64_t i = 0; i + 1 < W; ++i) {
      const double bl = value(i, j), br = value(i + 1, j), tr = value(i + 1, j + 1),
                   tl = value(i, j + 1);
      const int c = (bl <= threshold ? 1 : 0) | (br <= threshold ? 2 : 0) |
                    (tr <= threshold ? 4 : 0) | (tl <= threshold ? 8 : 0);
      const bool centre_in = (bl + br + tr + tl) / 4 <= threshold;
      switch (c) {
        case 1:
          add(i, j, B, L);
          break;
        case 2:
          add(i, j, R, B);
          break;
        case 3:
          add(i, j, R, L);
          break;
        case 4:
          add(i, j, T, R);
          break;
        case 5:
          if (centre_in)
            add(i, j, B, R), add(i, j, T, L);
          else
            add(i, j, B, L), add(i, j, T, R);
          break;
        case 6:
          add(i, j, T, B);
          break;
        case 7:
          add(i, j, T, L);
          break;
        case 8:
          add(i, j, L, T);
          break;
        case 9:
          add(i, j, B, T);
          break;
        case 10:
          if (centre_in)
            add(i, j, L, B), add(i, j, R, T);
          else
            add(i, j, R, B), add(i, j, L, T);
          break;
        case 11:
          add(i, j, R, T);
          break;
        case 12:
          add(i, j, L, R);
          break;
        case 13:
          add(i, j, B, R);
          break;
        case 14:
          add(i, j, L, B);
          break;
        default:
          break;
      }
    }
  }
  // Chain segments into rings.
  std::vector<geo::Ring> outers, holes;
  for (std::int64_t start : starts) {
    auto it = next.find(start);
    if (it == next.end()) continue;  // already used
    geo::Ring ring;
    std::int64_t at = start;
    while (true) {
      auto seg = next.find(at);
      if (seg == next.end()) break;
      ring.push_back(seg->second.second);
      const std::int64_t to = seg->second.first;
      next.erase(seg);
      at = to;
      if (at == start) break;
    }
    if (ring.size() < 3) continue;
    ring.push_back(ring.front());
    (ring_signed_area(ring) > 0 ? outers : holes).push_back(std::move(ring));
  }
  // Each hole goes to the smallest outer ring around it.
  geo::MultiPolygon out;
  std::vector<double> areas;
  for (geo::Ring& r : outers) {
    areas.push_back(ring_signed_area(r));
    out.polygons.push_back(geo::Polygon{std::move(r), {}});
  }
  for (geo::Ring& h : holes) {
    std::size_t best = out.polygons.size();
    for (std::size_t k = 0; k < out.polygons.size(); ++k) {
      if (geo::locate_point(geo::Polygon{out.polygons[k].outer, {}}, h.front()) ==
          geo::PointLocation::outside)
        continue;
      if (best == out.polygons.size() || areas[k] < areas[best]) best = k;
    }
    if (best < out.polygons.size()) out.polygons[best].holes.push_back(std::move(h));
  }
  return out;
}

}  // namespace wangge::network
