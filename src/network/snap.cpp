#include "wangge/network/snap.hpp"

#include <algorithm>
#include <cmath>

#include "wangge/util/number.hpp"

namespace wangge::network {

Snapper::Snapper(const WalkingGraph& graph, double cell_m) : graph_(graph), cell_(cell_m) {
  const geo::BBox& b = graph.bounds_m();
  min_x_ = b.valid() ? b.min_x : 0;
  min_y_ = b.valid() ? b.min_y : 0;
  // Metres of a local projection of valid lon/lat (|v| < 4e7) over cells of metres: far
  // inside int64.
  cols_ = b.valid() ? number::narrow<std::int64_t>((b.max_x - b.min_x) / cell_) + 1 : 1;
  rows_ = b.valid() ? number::narrow<std::int64_t>((b.max_y - b.min_y) / cell_) + 1 : 1;
  auto cell_range = [&](geo::XY a, geo::XY c, std::int64_t& x0, std::int64_t& x1, std::int64_t& y0,
                        std::int64_t& y1) {
    x0 = number::clamp_to<std::int64_t>((std::min(a.x, c.x) - min_x_) / cell_, 0, cols_ - 1);
    x1 = number::clamp_to<std::int64_t>((std::max(a.x, c.x) - min_x_) / cell_, 0, cols_ - 1);
    y0 = number::clamp_to<std::int64_t>((std::min(a.y, c.y) - min_y_) / cell_, 0, rows_ - 1);
    y1 = number::clamp_to<std::int64_t>((std::max(a.y, c.y) - min_y_) / cell_, 0, rows_ - 1);
  };
  // Two passes over the segments: count per cell, then fill (CSR).
  std::vector<std::uint32_t> count(static_cast<std::size_t>(cols_ * rows_) + 1, 0);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<std::uint32_t> fill;
    if (pass == 1) {
      offsets_.assign(count.size(), 0);
      for (std::size_t i = 1; i < count.size(); ++i) offsets_[i] = offsets_[i - 1] + count[i - 1];
      segments_.resize(offsets_.back());
      fill.assign(offsets_.begin(), offsets_.end() - 1);
    }
    for (std::uint32_t e = 0; e < graph.edge_count(); ++e) {
      const geo::XY* p = graph.geometry_begin(e);
      const std::size_t n = static_cast<std::size_t>(graph.geometry_end(e) - p);
      for (std::uint32_t i = 0; i + 1 < n; ++i) {
        std::int64_t x0, x1, y0, y1;
        cell_range(p[i], p[i + 1], x0, x1, y0, y1);
        for (auto y = y0; y <= y1; ++y)
          for (auto x = x0; x <= x1; ++x) {
            const auto c = static_cast<std::size_t>(y * cols_ + x);
            if (pass == 0)
              ++count[c];
            else
              segments_[fill[c]++] = Segment{e, i};
          }
      }
    }
  }
  // Distance along each edge to each of its points, in the same frame and rounding as costs.
  prefix_mm_.resize(graph.edge_count() ? graph.edges().back().geometry_end : 0);
  for (std::uint32_t e = 0; e < graph.edge_count(); ++e) {
    const auto& edge = graph.edge(e);
    double along = 0;
    const geo::XY* p = graph.geometry_begin(e);
    for (std::uint32_t i = edge.geometry_begin; i < edge.geometry_end; ++i) {
      if (i > edge.geometry_begin)
        along += std::hypot(p[i - edge.geometry_begin].x - p[i - edge.geometry_begin - 1].x,
                            p[i - edge.geometry_begin].y - p[i - edge.geometry_begin - 1].y);
      prefix_mm_[i] = number::narrow_round(along * 1000.0);  // metres of one edge
    }
    prefix_mm_[edge.geometry_end - 1] = edge.length_mm;  // the end is exactly the edge's length
  }
}

std::optional<Snap> Snapper::snap(geo::XY p, double max_distance_m) const {
  // p is a projected valid lon/lat (|v| < 4e7 m) and max_distance_m is checked where it
  // enters (at most 10 km): the cell numbers are far inside int64.
  const auto cx = number::narrow<std::int64_t>(std::floor((p.x - min_x_) / cell_));
  const auto cy = number::narrow<std::int64_t>(std::floor((p.y - min_y_) / cell_));
  std::optional<Snap> best;
  double best_sq = max_distance_m * max_distance_m;
  const auto max_ring = number::narrow<std::int64_t>(std::ceil(max_distance_m / cell_)) + 1;
  for (std::int64_t ring = 0; ring <= max_ring; ++ring) {
    // Everything in ring r is at least (r - 1) cells away: stop when the best is nearer.
    if (best && (ring - 1) * cell_ > 0 && ((ring - 1) * cell_) * ((ring - 1) * cell_) > best_sq)
      break;
    for (std::int64_t y = cy - ring; y <= cy + ring; ++y) {
      if (y < 0 || y >= rows_) continue;
      const bool edge_row = y == cy - ring || y == cy + ring;
      for (std::int64_t x = cx - ring; x <= cx + ring; x += edge_row ? 1 : 2 * ring) {
        if (x >= 0 && x < cols_) {
          const auto c = static_cast<std::size_t>(y * cols_ + x);
          for (std::uint32_t k = offsets_[c]; k < offsets_[c + 1]; ++k) {
            const Segment& s = segments_[k];
            const geo::XY* g = graph_.geometry_begin(s.edge);
            const geo::XY a = g[s.index], b = g[s.index + 1];
            const double dx = b.x - a.x, dy = b.y - a.y;
            const double len_sq = dx * dx + dy * dy;
            const double t =
                len_sq > 0 ? std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / len_sq, 0.0, 1.0)
                           : 0.0;
            const geo::XY q{a.x + t * dx, a.y + t * dy};
            const double d_sq = (q.x - p.x) * (q.x - p.x) + (q.y - p.y) * (q.y - p.y);
            if (d_sq < best_sq || (best && d_sq == best_sq && s.edge < best->edge)) {
              best_sq = d_sq;
              const std::uint32_t first = graph_.edge(s.edge).geometry_begin + s.index;
              const std::int64_t from = prefix_mm_[first], to = prefix_mm_[first + 1];
              Snap out;
              out.edge = s.edge;
              out.offset_mm = from + number::narrow_round(t * static_cast<double>(to - from));
              out.distance_m = std::sqrt(d_sq);
              out.at = q;
              best = out;
            }
          }
        }
        if (!edge_row && ring == 0) break;
      }
    }
  }
  return best;
}

}  // namespace wangge::network
