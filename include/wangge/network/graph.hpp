#pragma once
// The walking graph: intersections only (ways split where they meet, degree-2 nodes folded
// into the edge geometry), integer costs, both directions of each street with their own cost
// (a one-way footpath is closed in one of them), and the full geometry kept for snapping and
// drawing. Immutable once built; saved to and loaded from a small binary file.
//
// Units. Lengths and costs are integers in millimetres, measured in a local metric frame
// around the graph's centre (scale error < 0.05% over 20 km). A cost is the length walked at
// the reference speed: steps cost `steps_factor` times their length (they are slower).
// Walking time = cost / speed, so the speed can change without rebuilding.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "wangge/geo/local_projection.hpp"
#include "wangge/geo/polygon.hpp"

namespace wangge::network {

/// How the graph was built from OpenStreetMap (the foot profile; see osm.hpp).
struct FootProfile {
  double steps_factor = 2.0;     ///< steps are walked at half speed
  double min_component_m = 500;  ///< pieces with less street than this are dropped
};

class WalkingGraph {
 public:
  static constexpr std::int64_t kUnreachable = std::numeric_limits<std::int64_t>::max() / 4;
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  struct Edge {
    std::uint32_t u = 0, v = 0;
    std::int64_t length_mm = 0;
    std::int64_t cost_uv = 0;  ///< walking u → v; kUnreachable when closed that way
    std::int64_t cost_vu = 0;
    std::uint32_t geometry_begin = 0, geometry_end = 0;  ///< points u … v in geometry()
  };
  /// An arc into a node, for searches toward the facilities: walking from `from` over `edge`
  /// into the node costs `cost`.
  struct Arc {
    std::uint32_t from;
    std::uint32_t edge;
    std::int64_t cost;
  };

  struct Stats {
    std::size_t nodes = 0, edges = 0;
    double km = 0;
    std::size_t dropped_pieces = 0;
    double dropped_km = 0;
  };

  WalkingGraph() = default;
  /// Builds the arrays from nodes (local metres) and edges with their geometry, keeping only
  /// components with at least profile.min_component_m of street.
  WalkingGraph(geo::LonLat origin, std::vector<geo::XY> nodes_m, std::vector<Edge> edges,
               std::vector<geo::XY> geometry_m, const FootProfile& profile);

  std::size_t node_count() const noexcept { return nodes_.size(); }
  std::size_t edge_count() const noexcept { return edges_.size(); }
  const Edge& edge(std::uint32_t e) const { return edges_[e]; }
  const std::vector<Edge>& edges() const noexcept { return edges_; }
  geo::XY node_m(std::uint32_t n) const { return nodes_[n]; }
  /// Points of edge @p e from u to v, in local metres.
  const geo::XY* geometry_begin(std::uint32_t e) const {
    return geometry_.data() + edges_[e].geometry_begin;
  }
  const geo::XY* geometry_end(std::uint32_t e) const {
    return geometry_.data() + edges_[e].geometry_end;
  }
  /// Arcs into node @p n.
  const Arc* arcs_begin(std::uint32_t n) const { return arcs_.data() + arc_offsets_[n]; }
  const Arc* arcs_end(std::uint32_t n) const { return arcs_.data() + arc_offsets_[n + 1]; }

  const geo::LocalProjection& frame() const noexcept { return frame_; }
  geo::LonLat origin() const noexcept { return origin_; }
  geo::LonLat to_lonlat(geo::XY m) const;
  geo::XY to_metres(geo::LonLat p) const;
  /// The bounding box of the graph in local metres.
  const geo::BBox& bounds_m() const noexcept { return bounds_; }
  const Stats& stats() const noexcept { return stats_; }
  const FootProfile& profile() const noexcept { return profile_; }

  /// Writes the graph (little-endian binary, versioned). @throws Error(invalid_argument).
  void save(const std::string& path) const;
  /// @throws Error(unreadable_source) for a missing, truncated or foreign file.
  static WalkingGraph load(const std::string& path);

 private:
  void index();

  geo::LonLat origin_ = geo::LonLat::trusted(0, 0);
  geo::LocalProjection frame_{geo::LonLat::trusted(0, 0)};
  std::vector<geo::XY> nodes_;
  std::vector<Edge> edges_;
  std::vector<geo::XY> geometry_;
  std::vector<std::uint32_t> arc_offsets_;
  std::vector<Arc> arcs_;
  geo::BBox bounds_;
  Stats stats_;
  FootProfile profile_;
};

}  // namespace wangge::network
