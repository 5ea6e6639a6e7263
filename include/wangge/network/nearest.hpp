#pragma once
// Nearest service point by walking time, for every report, in microseconds and exactly.
//
// Per service type, one multi-source Dijkstra on the graph's reversed arcs, seeded at every
// service point's snapped position (partial edges from both ends), gives each node its
// nearest service point and the walking cost from the node to it. A report is then its snap
// plus a look-up at both ends of its edge, plus service points on its own edge — the same
// answer as a shortest-path search from the report, with ties to the first service point in
// input order. The walk includes the straight leg from the report onto the street.
//
// Configuration: walking speed and the circle's threshold (defaults 4 km/h and 15 minutes:
// 1,000 m, GB 50180's 800–1,000 m life circle), the maximum snap distance (default 200 m;
// beyond it a point is off the network) and the straight-line fallback's detour factor
// (default 1.3, a common ratio of network to crow-fly distance in grid-like cities).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/network/snap.hpp"
#include "wangge/util/number.hpp"

namespace wangge::network {

struct WalkingConfig {
  double speed_kmh = 4.0;
  double threshold_minutes = 15.0;
  double max_snap_m = 200.0;
  double detour_factor = 1.3;
  /// The circle's threshold as a walking cost in millimetres. Speed and minutes are checked
  /// where they enter (at most 50 km/h and 120 minutes: 1e8 mm).
  std::int64_t threshold_mm() const {
    return number::narrow<std::int64_t>(speed_kmh * 1e6 / 60.0 * threshold_minutes);
  }
  double minutes(std::int64_t cost_mm) const {
    return static_cast<double>(cost_mm) / (speed_kmh * 1e6 / 60.0);
  }
};

struct ServicePoint {
  std::string id;
  std::string name;
  std::string kind;                   ///< e.g. 党群服务中心
  std::vector<std::string> services;  ///< the service types offered, e.g. 便民服务, 养老托幼
  std::string opening_hours;
  std::string address;
  geo::LonLat position = geo::LonLat::trusted(0, 0);
};

/// The answer for one position and service type.
struct NearestAnswer {
  const ServicePoint* point =
      nullptr;        ///< the nearest (even beyond the circle); null: none reachable
  double walk_m = 0;  ///< walking metres (steps weighted), including the leg onto the street
  double minutes = 0;
  bool within_circle = false;
  bool on_network = false;     ///< snapped within max_snap_m
  bool straight_line = false;  ///< fallback: no network answer, crow-fly distance × detour factor
  std::optional<Snap> snap;
  std::int64_t network_mm = 0;  ///< the network part alone (for cross-checks)
};

class NearestService {
 public:
  /// Snaps the service points once and runs one search per service type (and one over all,
  /// type ""). @p graph may be null: then every answer is the straight-line fallback.
  NearestService(std::shared_ptr<const WalkingGraph> graph, std::vector<ServicePoint> points,
                 WalkingConfig config);
  ~NearestService();
  NearestService(NearestService&&) noexcept;

  /// The nearest service point offering @p type ("" = any) to @p position. Thread-safe.
  NearestAnswer lookup(geo::LonLat position, std::string_view type = "") const;
  /// The same with an existing snap (e.g. a cached raster cell's).
  NearestAnswer lookup_snapped(const Snap& snap, std::string_view type = "") const;

  const std::vector<ServicePoint>& points() const noexcept { return points_; }
  /// Service types in first-seen order.
  const std::vector<std::string>& types() const noexcept { return types_; }
  const WalkingConfig& config() const noexcept { return config_; }
  const WalkingGraph* graph() const noexcept { return graph_.get(); }
  const Snapper* snapper() const noexcept { return snapper_.get(); }

  /// Per-node costs toward the points of @p seeds (indices into points()), for isochrones and
  /// coverage: cost[n] and owner[n] (index into points(), or -1). Bounded at @p limit_mm.
  struct Field {
    std::vector<std::int64_t> cost;
    std::vector<std::int32_t> owner;
    /// The seeds with their edges, sorted by edge, for the same-edge case.
    struct Seed {
      std::uint32_t edge;
      std::int64_t offset_mm;
      std::int32_t owner;
    };
    std::vector<Seed> seeds;
    /// The seeds lying on edge @p e.
    std::pair<const Seed*, const Seed*> on_edge(std::uint32_t e) const;
  };
  Field search(const std::vector<std::size_t>& seeds,
               std::int64_t limit_mm = WalkingGraph::kUnreachable) const;
  /// The precomputed field of service type @p type ("" = any). @throws Error(invalid_argument).
  const Field& field(std::string_view type) const;
  /// The walking cost (network part) from @p snap to the field's nearest seed, and that seed.
  std::pair<std::int64_t, std::int32_t> cost_from(const Field& field, const Snap& snap) const;

 private:
  std::shared_ptr<const WalkingGraph> graph_;
  std::unique_ptr<Snapper> snapper_;
  std::vector<ServicePoint> points_;
  WalkingConfig config_;
  std::vector<std::optional<Snap>> point_snaps_;
  std::vector<std::string> types_;
  std::vector<Field> fields_;  // per type, [0] = any
};

}  // namespace wangge::network
