#include "params.hpp"

#include <cmath>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http {

std::string query_subject(const char* name) {
  return std::string("query parameter '") + name + "'";
}

std::optional<long long> integer_param(const Request& req, const char* name, long long min,
                                       long long max) {
  const auto v = req.param(name);
  if (!v) return std::nullopt;
  return number::parse_integer_in(*v, query_subject(name), min, max);
}

long long integer_param(const Request& req, const char* name, long long min, long long max,
                        long long fallback) {
  return integer_param(req, name, min, max).value_or(fallback);
}

std::optional<double> decimal_param(const Request& req, const char* name, double min, double max) {
  const auto v = req.param(name);
  if (!v) return std::nullopt;
  return number::parse_decimal_in(*v, query_subject(name), min, max);
}

geo::Datum datum_param(const Request& req, bool allow_bd09) {
  const auto v = req.param("datum");
  if (!v) return geo::Datum::wgs84;
  const auto d = geo::parse_datum(*v);
  if (!d || (*d == geo::Datum::bd09 && !allow_bd09)) {
    throw Error(ErrorCode::invalid_argument,
                "query parameter 'datum' must be one of wgs84, cgcs2000, gcj02" +
                    std::string(allow_bd09 ? ", bd09" : " (tiles are Web Mercator; bd09 is not)"));
  }
  return *d;
}

double required_finite(const Request& req, const char* name) {
  const auto v = req.param(name);
  if (!v) throw Error(ErrorCode::invalid_argument, query_subject(name) + " is required");
  return number::parse_finite(*v, query_subject(name));
}

geo::BBox parse_bbox(const std::string& text, bool allow_heights) {
  const std::string rule =
      std::string("bbox must be minlon,minlat,maxlon,maxlat") +
      (allow_heights ? " (or minlon,minlat,minh,maxlon,maxlat,maxh)" : "") +
      ": finite degrees, longitudes from -180 to 180, latitudes from -90 to 90, min <= max";
  std::vector<double> n;
  for (std::size_t start = 0; start <= text.size() && n.size() <= 6;) {
    const std::size_t comma = text.find(',', start);
    const auto d = text::parse_double(std::string_view(text).substr(
        start, comma == std::string::npos ? text.npos : comma - start));
    if (!d || !std::isfinite(*d)) throw Error(ErrorCode::invalid_argument, rule);
    n.push_back(*d);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (allow_heights && n.size() == 6) n = {n[0], n[1], n[3], n[4]};
  if (n.size() != 4) throw Error(ErrorCode::invalid_argument, rule);
  const geo::BBox b{n[0], n[1], n[2], n[3]};
  const bool in_range = b.min_x >= -180 && b.max_x <= 180 && b.min_y >= -90 && b.max_y <= 90;
  if (!in_range || b.min_x > b.max_x || b.min_y > b.max_y)
    throw Error(ErrorCode::invalid_argument, rule);
  return b;
}

std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  for (std::string rest = s; !rest.empty();) {
    const auto comma = rest.find(',');
    std::string one(text::trim(rest.substr(0, comma)));
    if (!one.empty()) out.push_back(std::move(one));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return out;
}

dispatch::Instant time_param(const Request& req, const char* name, const dispatch::TimeZone& zone) {
  auto t = dispatch::parse_iso(*req.param(name), zone);
  if (!t)
    throw Error(ErrorCode::invalid_argument,
                std::string("query parameter '") + name + "' is not an ISO 8601 time");
  return *t;
}

std::optional<std::chrono::local_days> day_param(const Request& req, const char* name,
                                                 const dispatch::TimeZone& zone) {
  const auto text = req.param(name);
  if (!text) return std::nullopt;
  const auto t = text->size() == 10 ? dispatch::parse_iso(*text, zone) : std::nullopt;
  if (!t)
    throw Error(ErrorCode::invalid_argument,
                std::string("query parameter '") + name + "' is not a date YYYY-MM-DD");
  return std::chrono::floor<std::chrono::days>(zone.to_local(*t));
}

}  // namespace wangge::http
