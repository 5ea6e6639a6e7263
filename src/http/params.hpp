#pragma once
// Query parameters read through the one checked number parser (wangge/util/number.hpp): a
// number is finite, integral where it must be and within its documented range (the ranges
// are in api/openapi.yaml), else 400 "query parameter 'limit' must be an integer from 1 to
// 200". Absent parameters give std::nullopt; an empty value is a malformed one.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "exchange.hpp"
#include "wangge/dispatch/time.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/geo/polygon.hpp"

namespace wangge::http {

/// "query parameter 'limit'": the subject of a message about @p name.
std::string query_subject(const char* name);

/// @throws Error(invalid_argument) naming the parameter and the range.
std::optional<long long> integer_param(const Request& req, const char* name, long long min,
                                       long long max);
/// The same, @p fallback when absent.
long long integer_param(const Request& req, const char* name, long long min, long long max,
                        long long fallback);
/// @throws Error(invalid_argument) naming the parameter and the range.
std::optional<double> decimal_param(const Request& req, const char* name, double min, double max);
/// A finite number that must be there, its range left to the domain (a coordinate: LonLat
/// answers 422 invalid-coordinate naming the range). @throws Error(invalid_argument) "query
/// parameter 'lon' is required" / "… must be a finite number".
double required_finite(const Request& req, const char* name);

/// "minlon,minlat,maxlon,maxlat" in degrees (with @p allow_heights also OGC's 6-number form
/// minlon,minlat,minh,maxlon,maxlat,maxh, heights ignored): finite, longitudes within
/// [-180, 180], latitudes within [-90, 90], min <= max.
/// @throws Error(invalid_argument) "bbox must be …" naming the rule.
geo::BBox parse_bbox(const std::string& text, bool allow_heights);

/// The `datum` query parameter of a map answer (tiles, GeoJSON): wgs84 when absent (cgcs2000
/// is the same within a metre), gcj02 for AMap's and Tencent's basemaps, and with
/// @p allow_bd09 bd09 for Baidu's. @throws Error(invalid_argument) naming the ones allowed.
geo::Datum datum_param(const Request& req, bool allow_bd09);

/// An ISO 8601 time (a local one in @p zone). @throws Error(invalid_argument) naming the
/// parameter.
dispatch::Instant time_param(const Request& req, const char* name, const dispatch::TimeZone& zone);

/// A local date YYYY-MM-DD; std::nullopt when absent. @throws Error(invalid_argument) naming
/// the parameter.
std::optional<std::chrono::local_days> day_param(const Request& req, const char* name,
                                                 const dispatch::TimeZone& zone);

/// A parameter's comma list, each item trimmed, empty ones left out: "a, b,,c" → {"a", "b", "c"}.
std::vector<std::string> comma_list(const std::string& s);

}  // namespace wangge::http
