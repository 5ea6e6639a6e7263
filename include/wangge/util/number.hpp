#pragma once
// Numbers that enter from outside (query strings, JSON bodies, form fields, command-line
// options) and every conversion of a double to an integer type, checked in one place.
//
// A number from outside is finite, integral where it must be, and within its documented range,
// or it is refused with a message naming the parameter and the range ("query parameter 'limit'
// must be an integer from 1 to 200"). Converting a double to an integer type is undefined
// behaviour when the value (truncated) does not fit — static_cast<long long>(1e19) is whatever
// the machine gives (LLONG_MIN on x86-64) — so no code of ours casts one directly: it goes
// through to_integer (checked), clamp_to (saturating on purpose) or narrow (a range the caller
// has proved). scripts/check-casts enforces that this file is the only place with such casts.

#include <cassert>
#include <cmath>
#include <concepts>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace wangge::number {

/// "an integer from 1 to 200": the rule, for messages.
std::string integer_rule(long long min, long long max);
/// "a number from 0 to 5000" (shortest decimal form of each bound).
std::string decimal_rule(double min, double max);
/// The shortest decimal text that reads back as @p value ("5000", "0.1", "1e+300", "nan").
std::string format(double value);

/// Parses @p text (surrounding ASCII white space allowed) as a base-10 integer — an optional
/// sign and digits only: no fraction, exponent, hex, "nan" or "inf" — within [min, max].
/// @p name is the subject of the message ("query parameter 'limit'", "--limit").
/// @throws Error(invalid_argument) "<name> must be an integer from <min> to <max>" for anything
///         else, including values beyond the range of long long.
long long parse_integer_in(std::string_view text, std::string_view name, long long min,
                           long long max);

/// Parses @p text (surrounding white space allowed) as a finite decimal number ("12.5",
/// "-1e3") within [min, max]. NaN and infinities, however written, are refused.
/// @throws Error(invalid_argument) "<name> must be a number from <min> to <max>".
double parse_decimal_in(std::string_view text, std::string_view name, double min, double max);

/// Parses @p text as a finite decimal number of any size, for values whose range is a rule of
/// the domain checked later (a longitude: LonLat names the range and the coordinate).
/// @throws Error(invalid_argument) "<name> must be a finite number".
double parse_finite(std::string_view text, std::string_view name);

/// Whether @p value truncated toward zero is representable in T (so the conversion is defined).
template <std::integral T>
inline bool fits(double value) noexcept {
  if (!std::isfinite(value)) return false;
  const double t = std::trunc(value);
  // Both bounds are exact doubles: the lowest value is 0 or -2^digits, and one past the highest
  // is 2^digits (the highest itself, e.g. 2^63 - 1, is not representable).
  constexpr double lowest = static_cast<double>(std::numeric_limits<T>::lowest());
  constexpr double past_highest =
      2.0 * static_cast<double>(T{1} << (std::numeric_limits<T>::digits - 1));
  return t >= lowest && t < past_highest;
}

/// @p value truncated toward zero (as static_cast would), or std::nullopt when it is NaN,
/// infinite or does not fit in T.
template <std::integral T>
inline std::optional<T> to_integer(double value) noexcept {
  if (!fits<T>(value)) return std::nullopt;
  return static_cast<T>(value);
}

/// @p value (a JSON number, say) as an integer when it is integral and within [min, max].
/// @throws Error(invalid_argument) "<name> must be an integer from <min> to <max>" otherwise.
long long integral_in(double value, std::string_view name, long long min, long long max);

/// @p value clamped to [lo, hi] and truncated toward zero; NaN gives @p lo. For conversions
/// where saturating is the intended meaning (a coordinate past the edge of a tile grid is on
/// its last column). Never undefined.
template <std::integral T>
inline T clamp_to(double value, T lo, T hi) noexcept {
  if (std::isnan(value) || value <= static_cast<double>(lo)) return lo;
  if (value >= static_cast<double>(hi)) return hi;
  return static_cast<T>(value);  // strictly between two values of T: fits
}

/// The conversion for a value the caller has proved finite and within T (say why at the call):
/// asserted in debug builds; in release builds a broken proof saturates (NaN gives 0) instead
/// of being undefined.
template <std::integral T>
inline T narrow(double value) noexcept {
  assert(fits<T>(value) && "number::narrow: the value does not fit the integer type");
  if (std::isnan(value)) return T{0};
  return clamp_to<T>(value, std::numeric_limits<T>::lowest(), std::numeric_limits<T>::max());
}

/// std::llround with the same guarantee as narrow(): for values proved within long long.
inline long long narrow_round(double value) noexcept {
  return narrow<long long>(std::round(value));
}

}  // namespace wangge::number
