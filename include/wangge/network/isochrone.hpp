#pragma once
// Walking isochrones that agree with the dispatch rule. The area of a service point is the
// set of places from which NearestService would walk there within the threshold: every cell
// of a fine raster (default 10 m) is snapped exactly as a report is, its walking cost is
// evaluated with the same formula, and the boundary is traced with marching squares on that
// cost field. Unlike a concave hull it never claims land that cannot be reached. Exactness:
// a place is inside when its walk is below the threshold by more than a cell's diagonal
// (14 m at 10 m cells) and outside when above it by as much; within that band the raster's
// sampling decides (the cost peaks between samples on the ridge between two streets).
//
// Snapping every cell costs about a microsecond, so the snaps are cached in tiles of 64 × 64
// cells, computed when first needed and kept for the life of the network.

#include <map>
#include <memory>
#include <mutex>

#include "wangge/network/contour.hpp"
#include "wangge/network/nearest.hpp"

namespace wangge::network {

/// Cached snaps of raster cell centres over the network (thread-safe).
class SnapRaster {
 public:
  /// @p service must outlive the raster.
  SnapRaster(const NearestService& service, double cell_m = 10.0);

  double cell_m() const noexcept { return cell_; }
  /// The snap of the centre of global cell (@p i, @p j) (cell (0, 0)'s lower-left corner is
  /// the graph's lower-left bound minus the maximum snap distance), or nullopt when off network.
  std::optional<Snap> at(std::int64_t i, std::int64_t j) const;
  /// The global cell containing local-metre point @p p.
  std::pair<std::int64_t, std::int64_t> cell_of(geo::XY p) const;
  geo::XY centre(std::int64_t i, std::int64_t j) const {
    return {x0_ + (static_cast<double>(i) + 0.5) * cell_,
            y0_ + (static_cast<double>(j) + 0.5) * cell_};
  }
  double x0() const noexcept { return x0_; }
  double y0() const noexcept { return y0_; }

 private:
  static constexpr int kTile = 64;
  struct Cell {
    std::uint32_t edge = WalkingGraph::kNone;
    std::int64_t offset_mm = 0;
    float distance_m = 0;
  };
  using Tile = std::vector<Cell>;
  std::shared_ptr<const Tile> tile(std::int64_t ti, std::int64_t tj) const;

  const NearestService& service_;
  double cell_;
  double x0_, y0_;
  mutable std::mutex mutex_;
  mutable std::map<std::pair<std::int64_t, std::int64_t>, std::shared_ptr<const Tile>> tiles_;
};

struct IsochroneOptions {
  std::optional<double> minutes;  ///< default: the configured threshold
};

/// The walking area of service point @p index within the threshold, in WGS-84 lon/lat (empty
/// when the point is off the network). @throws Error(not_found) for an index out of range.
geo::MultiPolygon isochrone(const NearestService& service, const SnapRaster& raster,
                            std::size_t index, const IsochroneOptions& options = {});

/// The cost field of @p field over the cells of @p box (local metres): each cell's walking
/// cost in millimetres including the leg onto the street; +inf when off network or beyond
/// twice @p limit_mm. Shared by isochrones and coverage.
RasterGrid cost_raster(const NearestService& service, const SnapRaster& raster,
                       const NearestService::Field& field, const geo::BBox& box,
                       std::int64_t limit_mm);

/// Converts a polygon in the network's local metres to lon/lat.
geo::MultiPolygon to_lonlat(const WalkingGraph& graph, const geo::MultiPolygon& metres);

}  // namespace wangge::network
