#pragma once
// Snapping a point onto the walking graph: the nearest point of the nearest edge (not the
// nearest node, which is wrong by up to half a block and can pick the far bank of a river),
// with its offset along the edge. A uniform grid of 100 m cells over the edges' segments,
// searched in rings, answers in about a microsecond.

#include <cstdint>
#include <optional>
#include <vector>

#include "wangge/network/graph.hpp"

namespace wangge::network {

struct Snap {
  std::uint32_t edge = 0;
  std::int64_t offset_mm = 0;  ///< along the edge from its u end (0 … length_mm)
  double distance_m = 0;       ///< from the point to the edge (the walk onto the network)
  geo::XY at{0, 0};            ///< the snapped point, local metres
};

class Snapper {
 public:
  /// @p graph must outlive the snapper.
  explicit Snapper(const WalkingGraph& graph, double cell_m = 100.0);

  /// The nearest edge point within @p max_distance_m, or std::nullopt (off network).
  /// Ties go to the lower edge index.
  std::optional<Snap> snap(geo::XY point_m, double max_distance_m) const;
  std::optional<Snap> snap(geo::LonLat p, double max_distance_m) const {
    return snap(graph_.to_metres(p), max_distance_m);
  }

 private:
  struct Segment {
    std::uint32_t edge;
    std::uint32_t index;  ///< first point of the segment, relative to the edge's geometry
  };
  const WalkingGraph& graph_;
  double cell_;
  double min_x_, min_y_;
  std::int64_t cols_, rows_;
  std::vector<std::uint32_t> offsets_;  // per cell, into segments_
  std::vector<Segment> segments_;
  std::vector<std::int64_t> prefix_mm_;  // per geometry point: distance from its edge's u end
};

}  // namespace wangge::network
