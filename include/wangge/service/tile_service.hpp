#pragma once
// wangge::service::TileService — the vector tiles of the service's data (grids and their labels,
// service points, walking areas, coverage gaps, open reports, the offline basemap): which
// features each layer holds with which public attributes, the cache of built tiles, and when a
// cached tile goes stale. It owns its state (the cache, the derived walking areas, the basemap)
// and reads the rest of the service only through a TileSource.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wangge/dispatch/public_report.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/report.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/geo/polygon.hpp"
#include "wangge/grid/grid_index.hpp"
#include "wangge/network/nearest.hpp"
#include "wangge/store/store.hpp"
#include "wangge/tiles/tile_cache.hpp"

namespace wangge::network {
class SnapRaster;
}  // namespace wangge::network

namespace wangge::service {

/// One vector-tile layer as TileJSON describes it.
struct TileLayerInfo {
  std::string id;
  std::string description;
  std::string geometry;  ///< "polygon" or "point"
  int minzoom = 0;
  int maxzoom = 18;
  std::vector<std::pair<std::string, std::string>>
      fields;           ///< name, type (String, Number, Boolean)
  std::string version;  ///< changes when the layer is replaced whole (a new grid generation)
  int max_age_s = 60;   ///< how long clients may keep a tile without asking again
};

/// One service point's walking area (GET /api/v1/isochrones).
struct IsochroneArea {
  network::ServicePoint point;
  double minutes = 0;      ///< the walking time it was drawn for
  double speed_kmh = 0;    ///< the walking speed assumed
  geo::MultiPolygon area;  ///< WGS-84 lon/lat; empty when the point is off the network
};

struct TileRequest {
  dispatch::Instant now;  ///< for the reports' `overdue` and `age_hours`
  /// The datum of the tile's coordinates: WGS-84 (and CGCS2000, the same within a metre), or
  /// GCJ-02 to lie on AMap's or Tencent's raster basemaps: every layer is shifted with it.
  geo::Datum datum = geo::Datum::wgs84;
};

/// What the tiles read from the rest of the service; each is asked at the time of use.
struct TileSource {
  /// The active grids, or null before any are loaded.
  std::function<std::shared_ptr<const grid::GridIndex>()> grids;
  /// The active generation's id ("g0" when the grids were given without a store).
  std::function<std::string()> generation;
  /// The walking network and service points, or null when none are loaded.
  std::function<std::shared_ptr<const network::NearestService>()> nearest;
  /// The reference data, or null without a store (then the reports layer is empty).
  std::function<std::shared_ptr<const dispatch::ReferenceData>()> reference;
  /// How reports are shown to the public.
  std::function<const dispatch::PrivacyPolicy&()> privacy;
  /// The public's walk over reports (Service::each_report as the public viewer); null without
  /// a store.
  std::function<std::size_t(store::ReportFilter, std::size_t at_most,
                            const std::function<void(const dispatch::Report&)>&)>
      public_reports;
  /// Open and overdue reports per finest grid path (Store::open_counts_by_path); null without a
  /// store.
  std::function<std::vector<store::GridPathCount>(dispatch::Instant now)> open_counts;
  /// Households and those not visited since a time per finest grid path
  /// (VisitStore::visit_coverage); none without a store (the grids carry no visit figures).
  std::function<std::optional<std::vector<store::GridPathVisits>>(dispatch::Instant since)>
      visit_coverage;
};

class TileService {
 public:
  explicit TileService(TileSource source);
  ~TileService();
  TileService(const TileService&) = delete;
  TileService& operator=(const TileService&) = delete;

  /// The layers: grids, grid_labels, service_points, isochrones, coverage_gaps, reports (open,
  /// public fields) and the basemap when one is loaded; shared and rebuilt only when the grid
  /// generation, the network or the basemap changes.
  std::shared_ptr<const std::vector<TileLayerInfo>> layers() const;
  /// One layer's tile ("" bytes: empty), from the cache or built.
  /// @throws Error(not_found) for an unknown layer, Error(invalid_argument) for a bad tile.
  std::shared_ptr<const tiles::TileData> tile(const std::string& layer, const tiles::TileId& t,
                                              const TileRequest& request);
  /// The tile when it is cached and fresh, else null; never builds (for answering on an I/O
  /// thread).
  std::shared_ptr<const tiles::TileData> cached(const std::string& layer, const tiles::TileId& t,
                                                geo::Datum datum = geo::Datum::wgs84) const;
  /// The same for a layer of layers() at hand (the hit path looks the layers up once).
  std::shared_ptr<const tiles::TileData> cached(const TileLayerInfo& layer, const tiles::TileId& t,
                                                geo::Datum datum = geo::Datum::wgs84) const;
  /// The tile cache's counters (for /metrics).
  tiles::TileCacheStats cache_stats() const;

  /// Loads the offline basemap from an OpenStreetMap file: the `basemap` tile layer.
  void load_basemap(const std::string& osm_path);
  /// The basemap's extent, or an invalid box when none is loaded.
  geo::BBox basemap_bounds() const;

  /// The walking area of every service point at the configured threshold (cached per network).
  std::vector<std::pair<network::ServicePoint, geo::MultiPolygon>> isochrones();
  /// The walking areas within @p minutes (default: the configured threshold) of the service
  /// point @p id, or of every point when @p id is empty; the snapped raster is the one the
  /// tiles use (built once per network). @throws Error(not_found) when no network is loaded or
  /// no point has that id.
  std::vector<IsochroneArea> isochrones(const std::string& id, std::optional<double> minutes);
  /// Areas of the grids outside every service point's circle (cached per network and grids).
  geo::MultiPolygon coverage_gaps();

  /// After a committed change of @p r: the reports tiles that contain it and the grids tiles of
  /// its grid chain (their counts) go stale.
  void report_changed(const dispatch::Report& r);
  /// After a change of many reports at once: every reports and grids tile goes stale.
  void reports_changed();
  /// After a visit to a household of @p grid_chain (its visit figures), or with an empty chain
  /// after households were imported: the grids tiles of the chain, or all of them, go stale.
  void visits_changed(const std::vector<std::string>& grid_chain);

 private:
  struct State;
  /// The active grids; @throws Error(not_found) when none are loaded.
  std::shared_ptr<const grid::GridIndex> grid_index() const;
  /// The grids tiles of @p grid_chain go stale (their figures changed).
  void grids_changed(const std::vector<std::string>& grid_chain);
  /// [start, end) of the month of @p now in the calendar's zone; none without reference data.
  std::optional<std::pair<dispatch::Instant, dispatch::Instant>> this_month(
      dispatch::Instant now) const;
  /// Once a month has ended, the grids tiles (which count this month's visits) go stale.
  void roll_month(dispatch::Instant now);
  /// Whether the month the grids tiles counted has ended (they must be built again).
  bool month_over() const;
  // One builder per tile layer; @p padded: the tile's box with its buffer.
  /// The grids layer, or with @p labels the grid_labels layer (one point per grid).
  std::string grids_tile(const tiles::TileId& t, const geo::BBox& padded, dispatch::Instant now,
                         bool labels, geo::Datum datum);
  /// Where each grid of @p index is labelled (lon/lat), computed once per index.
  std::shared_ptr<const std::vector<std::optional<geo::XY>>> grid_label_points(
      const std::shared_ptr<const grid::GridIndex>& index);
  std::string service_points_tile(const tiles::TileId& t, geo::Datum datum);
  std::string isochrones_tile(const tiles::TileId& t, const geo::BBox& padded, geo::Datum datum);
  std::string coverage_gaps_tile(const tiles::TileId& t, const geo::BBox& padded, geo::Datum datum);
  std::string reports_tile(const tiles::TileId& t, int minzoom, const geo::BBox& padded,
                           dispatch::Instant now, geo::Datum datum);
  std::string basemap_tile(const tiles::TileId& t, const geo::BBox& padded, geo::Datum datum);
  /// The snapped raster of @p net (built on first use, dropped when the network changes).
  std::shared_ptr<const network::SnapRaster> snap_raster(
      const std::shared_ptr<const network::NearestService>& net);

  TileSource source_;
  std::unique_ptr<State> state_;
};

}  // namespace wangge::service
