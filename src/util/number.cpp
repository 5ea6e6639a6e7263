#include "wangge/util/number.hpp"

#include <charconv>

#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::number {
namespace {

[[noreturn]] void refuse(std::string_view name, const std::string& rule) {
  throw Error(ErrorCode::invalid_argument, std::string(name) + " must be " + rule);
}

}  // namespace

std::string format(double value) {
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 1e15)
    return std::to_string(*to_integer<long long>(value));  // "1000000", not "1e+06"
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

std::string integer_rule(long long min, long long max) {
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string decimal_rule(double min, double max) {
  return "a number from " + format(min) + " to " + format(max);
}

long long parse_integer_in(std::string_view text, std::string_view name, long long min,
                           long long max) {
  text = text::trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // from_chars takes only an optional '-' and decimal digits, and reports overflow.
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max)
    refuse(name, integer_rule(min, max));
  return value;
}

double parse_decimal_in(std::string_view text, std::string_view name, double min, double max) {
  const auto value = text::parse_double(text);
  if (!value || !std::isfinite(*value) || !(*value >= min && *value <= max))
    refuse(name, decimal_rule(min, max));
  return *value;
}

double parse_finite(std::string_view text, std::string_view name) {
  const auto value = text::parse_double(text);
  if (!value || !std::isfinite(*value)) refuse(name, "a finite number");
  return *value;
}

long long integral_in(double value, std::string_view name, long long min, long long max) {
  const auto whole = to_integer<long long>(value);
  if (!whole || static_cast<double>(*whole) != value || *whole < min || *whole > max)
    refuse(name, integer_rule(min, max));
  return *whole;
}

}  // namespace wangge::number
