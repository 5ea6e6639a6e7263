#pragma once
// wangge::service::Exports — the service's data as files for GIS tools and offices: one layer
// (grids, reports, service points, walking areas) through GDAL with the public attributes, or
// the personal ones for an admin who asks; statistics (统计) as an office table (XLSX or CSV
// with Chinese column names). It keeps no state and reads the rest of the service only through
// an ExportSource.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wangge/dispatch/public_report.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/report.hpp"
#include "wangge/dispatch/statistics.hpp"
#include "wangge/geo/polygon.hpp"
#include "wangge/grid/grid_index.hpp"
#include "wangge/network/nearest.hpp"
#include "wangge/service/appraisals.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

/// `wangge export`: one layer of the service's data to a GIS file through GDAL.
struct ExportRequest {
  std::string what;  ///< grids, reports, service-points, isochrones
  std::string path;
  std::string driver;  ///< OGR short name; "" from the extension
  bool personal =
      false;  ///< reporter name/phone, report text, exact positions, leader phones: admin only
  dispatch::Actor by;
  dispatch::Instant now;
};

/// `wangge archive`: ended cases out of the store, into a GeoPackage the records office and
/// GIS tools read (layers reports, events, photos), then deleted from the store.
struct ArchiveRequest {
  dispatch::Instant before;   ///< cases created and ended before this
  std::string path;           ///< a .gpkg that does not exist yet: an archive is never replaced
  std::size_t limit = 10000;  ///< at most this many cases in one run (1–100,000)
  bool contacts = false;      ///< the reporters' names, phones and e-mail (left out by default)
  bool keep = false;          ///< write the file and delete nothing
};

struct ArchiveResult {
  std::size_t cases = 0, events = 0, photos = 0;  ///< written to the file
  std::size_t deleted = 0;                        ///< cases deleted from the store
  /// Written, but changed after they were read (a late rating, a reopening): left in the
  /// store, whole, for the next run.
  std::vector<std::string> changed;
  bool more = false;  ///< more cases are due than this run took
  /// What the store's housekeeping did after the deletes (PostgreSQL: the months emptied, their
  /// partitions dropped; store::Store::maintain), a line each.
  std::vector<std::string> housekeeping;
};

/// What the exports read from the rest of the service; each is asked at the time of use.
struct ExportSource {
  /// The active grids, or null before any are loaded.
  std::function<std::shared_ptr<const grid::GridIndex>()> grids;
  /// The walking network and service points, or null when none are loaded.
  std::function<std::shared_ptr<const network::NearestService>()> nearest;
  /// Every service point's walking area at the configured threshold (TileService::isochrones).
  std::function<std::vector<std::pair<network::ServicePoint, geo::MultiPolygon>>()> isochrones;
  /// The reference data (@throws when the service has no store).
  std::function<std::shared_ptr<const dispatch::ReferenceData>()> reference;
  /// How reports are shown to the public.
  std::function<const dispatch::PrivacyPolicy&()> privacy;
  /// The walk over the reports a viewer may see (Service::each_report).
  std::function<std::size_t(store::ReportFilter, const dispatch::Actor& viewer, std::size_t at_most,
                            const std::function<void(const dispatch::Report&)>&)>
      reports;
};

class Exports {
 public:
  explicit Exports(ExportSource source) : source_(std::move(source)) {}

  /// Writes one layer (see ExportRequest); @returns the number of features written.
  /// @throws Error(forbidden) for personal fields without an admin, Error(invalid_argument)
  ///         for an unknown layer or format.
  std::size_t layer(const ExportRequest& request) const;
  /// What people read for a statistics row's key: the leader's label, a grid's or department's
  /// name, a category's code and name; the key itself otherwise.
  std::string stats_label(const dispatch::StatsRow& row, dispatch::StatsGroup group) const;
  /// Writes @p rows as an office table (.xlsx through GDAL's XLSX driver, or .csv with a UTF-8
  /// byte-order mark) with Chinese column names, rates as fractions. @returns the rows written.
  /// @throws Error(invalid_argument) for another extension or an unwritable path.
  std::size_t stats_table(const std::vector<dispatch::StatsRow>& rows, dispatch::StatsGroup group,
                          const std::string& path) const;
  /// The same table as the bytes of a file of @p format ("xlsx" or "csv"), for a download.
  std::string stats_file(const std::vector<dispatch::StatsRow>& rows, dispatch::StatsGroup group,
                         const std::string& format) const;
  /// Writes the month's appraisal as an XLSX workbook: 网格员考核, 片区考核, 红黑榜 (with the
  /// formula beside each score) and 说明 (how the figures are made).
  void appraisal_table(const AppraisalReport& report, const std::string& path) const;
  /// The same workbook's bytes, for a download.
  std::string appraisal_file(const AppraisalReport& report) const;

 private:
  ExportSource source_;
};

}  // namespace wangge::service
