#pragma once
// RAII over the GEOS C API (reentrant *_r functions only). GEOS is for batch work —
// validation, union, difference, make-valid — never for the locate hot path.
// A GeosContext must be used from one thread at a time; create one per worker thread.

#define GEOS_USE_ONLY_R_API
#include <geos_c.h>

#include <memory>
#include <optional>
#include <string>

#include "wangge/geo/polygon.hpp"

namespace wangge::geos {

/// Owns a GEOS context handle; errors raised inside GEOS are captured as text.
class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GEOSContextHandle_t handle() const noexcept { return handle_; }
  /// The last error message GEOS reported on this context ("" when none).
  const std::string& last_error() const noexcept { return last_error_; }

 private:
  static void on_error(const char* message, void* self);
  GEOSContextHandle_t handle_;
  std::string last_error_;
};

/// Deletes a GEOS geometry with the context that made it.
struct GeometryDeleter {
  GEOSContextHandle_t ctx;
  void operator()(GEOSGeometry* g) const noexcept {
    if (g) GEOSGeom_destroy_r(ctx, g);
  }
};
using Geometry = std::unique_ptr<GEOSGeometry, GeometryDeleter>;

/// Takes ownership of @p g made on @p ctx. @throws Error(internal) when @p g is null.
Geometry own(const Context& ctx, GEOSGeometry* g);

/// Builds a GEOS (Multi)Polygon from our type. Empty input gives an empty MultiPolygon.
Geometry to_geos(const Context& ctx, const geo::MultiPolygon& g);

/// Extracts the polygonal parts of @p g (lines and points are dropped).
geo::MultiPolygon from_geos(const Context& ctx, const GEOSGeometry* g);

/// @returns std::nullopt when @p g is valid, else GEOS's reason with its location.
struct Invalidity {
  std::string reason;
  geo::XY where;
};
std::optional<Invalidity> invalidity(const Context& ctx, const GEOSGeometry* g);

/// A point inside @p g (GEOSPointOnSurface), or std::nullopt for an empty geometry.
std::optional<geo::XY> point_on_surface(const Context& ctx, const GEOSGeometry* g);

/// Where a label of @p g goes: the centre of the largest circle inside it (the pole of
/// inaccessibility, GEOSMaximumInscribedCircle, to within @p tolerance in its units), so that
/// the label sits in the widest part rather than on a thin arm; the point on surface when that
/// fails. std::nullopt for an empty geometry.
std::optional<geo::XY> label_point(const Context& ctx, const GEOSGeometry* g, double tolerance);

}  // namespace wangge::geos
