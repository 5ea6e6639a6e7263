#pragma once
// RAII over GDAL/OGR for reading and writing vector data. A dataset is used by one thread at a
// time (GDAL 3.6 rule). Paths are local files only: URL-like and /vsi* paths are refused so a
// string from outside can never make GDAL fetch from the network.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wangge/geo/datum.hpp"
#include "wangge/geo/lonlat.hpp"

class GDALDataset;
class OGRSpatialReference;
class OGRCoordinateTransformation;

namespace wangge::gdal {

/// Registers GDAL drivers once (thread-safe) and silences GDAL's own stderr output; GDAL's
/// messages reach users through our errors instead.
void init();

struct DatasetCloser {
  void operator()(GDALDataset* ds) const noexcept;
};
using Dataset = std::unique_ptr<GDALDataset, DatasetCloser>;

/// A vector source as opened, and what had to be assumed to read it.
struct OpenedVector {
  Dataset dataset;
  std::vector<std::string> notes;  ///< sentences for the user (stderr), e.g. a bare array read
};

/// Opens a local vector source read-only (any OGR driver). A file holding a bare JSON array of
/// GeoJSON Features (which GDAL does not read) is read as the FeatureCollection of those
/// features, with a note saying so.
/// @throws Error(unreadable_source) naming the path and GDAL's reason, or for a JSON array the
///         element that is not a Feature; Error(invalid_argument) for URLs and /vsi* paths.
OpenedVector open_vector_with_notes(const std::string& path);

/// open_vector_with_notes without the notes.
Dataset open_vector(const std::string& path);

/// Opens a local vector source read-only with one of @p drivers only (OGR short names), passing
/// @p open_options ("KEY=VALUE"). @throws as open_vector_with_notes.
Dataset open_vector(const std::string& path, const std::vector<std::string>& drivers,
                    const std::vector<std::string>& open_options);

/// Creates a new vector dataset with the driver chosen from @p driver or from the extension.
/// @throws Error(invalid_argument / unreadable_source).
Dataset create_vector(const std::string& path, const std::string& driver = "");

/// @returns the OGR driver short name for @p path's extension (".gpkg" → "GPKG"), or "".
std::string driver_for_extension(const std::string& path);

/// The last GDAL error message, or "" (for messages that name GDAL's reason).
std::string last_error();

/// Transforms coordinates of a layer's CRS into WGS-84 longitude/latitude (axis order forced to
/// lon/lat whatever the CRS's own order), then from a declared datum (GCJ-02/BD-09) to WGS-84.
class ToWgs84 {
 public:
  /// @param source  the layer's CRS, or nullptr when it has none (coordinates taken as lon/lat)
  /// @param datum   the datum the lon/lat values are in (after reprojection)
  /// @throws Error(invalid_data) when no transformation to WGS-84 exists.
  ToWgs84(const OGRSpatialReference* source, geo::Datum datum);
  ~ToWgs84();
  ToWgs84(const ToWgs84&) = delete;
  ToWgs84& operator=(const ToWgs84&) = delete;

  /// Transforms in place. @returns false when the point cannot be transformed.
  bool apply(double& x, double& y) const;

  /// A human description, e.g. "EPSG:32649 → WGS-84" or "lon/lat (gcj02 → wgs84)".
  const std::string& description() const noexcept { return description_; }

 private:
  OGRCoordinateTransformation* transform_ = nullptr;
  geo::Datum datum_;
  std::string description_;
};

/// @returns the datum implied by a CRS: WGS-84 for geographic WGS-84/CGCS2000 CRSs and for any
/// projected CRS (reprojected through PROJ), std::nullopt when there is no CRS.
std::optional<geo::Datum> datum_of(const OGRSpatialReference* srs);

}  // namespace wangge::gdal
