#pragma once
// Instants and the subdistrict's clock. An instant is UTC milliseconds since the Unix epoch;
// wall-clock times (working hours, "same day") are read in a fixed-offset time zone. China has
// had no daylight saving since 1991, so Asia/Shanghai is UTC+08:00 all year; a zone with DST
// is refused rather than computed wrongly.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wangge::dispatch {

using Milliseconds = std::chrono::milliseconds;
using Instant = std::chrono::sys_time<Milliseconds>;

/// A fixed UTC offset with the name it was configured by ("Asia/Shanghai", "+08:00").
struct TimeZone {
  std::string name = "Asia/Shanghai";
  std::chrono::minutes offset{8 * 60};

  /// @returns the zone for an IANA name without DST in China and its neighbours
  /// (Asia/Shanghai, Asia/Chongqing, Asia/Harbin, Asia/Urumqi, Asia/Hong_Kong, Asia/Macau,
  /// Asia/Taipei, UTC) or a literal offset "+08:00" / "UTC+8"; std::nullopt otherwise.
  static std::optional<TimeZone> named(std::string_view name);

  /// The local wall-clock time of @p t, as a time point in "local seconds".
  std::chrono::local_time<Milliseconds> to_local(Instant t) const noexcept {
    return std::chrono::local_time<Milliseconds>((t + offset).time_since_epoch());
  }
  Instant to_instant(std::chrono::local_time<Milliseconds> t) const noexcept {
    return Instant(t.time_since_epoch()) - offset;
  }
};

/// ISO 8601 with the zone's offset and second precision: "2026-11-23T09:30:00+08:00".
std::string format_iso(Instant t, const TimeZone& zone);

/// Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)", or a date-time without offset read
/// in @p zone. @returns std::nullopt for anything else (the caller names the field).
std::optional<Instant> parse_iso(std::string_view text, const TimeZone& zone);

/// The current instant (system clock), at millisecond precision.
Instant now_utc() noexcept;

}  // namespace wangge::dispatch
