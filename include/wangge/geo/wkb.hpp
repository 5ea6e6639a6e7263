#pragma once
// Well-known binary (ISO/OGC WKB, little-endian, 2D) for MultiPolygons, as hex text: the form
// both stores keep grid geometry in (PostGIS reads it with ST_GeomFromWKB(decode(…, 'hex'))).

#include <string>
#include <string_view>

#include "wangge/geo/polygon.hpp"

namespace wangge::geo {

/// @returns the WKB of @p g as a MultiPolygon, in upper-case hex.
std::string to_wkb_hex(const MultiPolygon& g);

/// Parses hex WKB of a Polygon or MultiPolygon (either byte order; Z/M dimensions dropped).
/// @throws Error(invalid_data) naming the byte offset of the problem.
MultiPolygon from_wkb_hex(std::string_view hex);

}  // namespace wangge::geo
