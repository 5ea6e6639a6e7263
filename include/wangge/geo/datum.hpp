#pragma once
// Datums of Chinese mobile clients: WGS-84 (GPS, canonical in wangge), GCJ-02 (Tencent, AMap,
// WeChat maps) and BD-09 (Baidu). The offsets are hundreds of metres, larger than a
// neighbourhood unit, so every outside position declares its datum and is normalised here.
//
// The GCJ-02 forward transform is the published obfuscation formula (Krasovsky constants,
// a = 6378245, ee = 0.00669342162296594323) applied only inside the China box
// lon 72.004..137.8347, lat 0.8293..55.8271. Its inverse has no closed form: to_wgs84 iterates
// the forward transform until the residual is below 1e-9 degrees (≈ 0.1 mm), which is far
// inside the 0.5 m requirement. BD-09 is a closed-form transform on top of GCJ-02.

#include <optional>
#include <string_view>

#include "wangge/geo/lonlat.hpp"

namespace wangge::geo {

enum class Datum { wgs84, gcj02, bd09 };

/// @returns the datum named by @p name ("wgs84", "gcj02", "bd09"; case-insensitive, also
/// "wgs-84", "gcj-02", "bd-09"), or std::nullopt.
std::optional<Datum> parse_datum(std::string_view name);

/// @returns the lower-case canonical name ("wgs84", ...).
std::string_view to_string(Datum datum) noexcept;

/// @returns whether the GCJ-02 offset applies at @p p (inside the China box).
bool in_china_box(LonLat p) noexcept;

LonLat wgs84_to_gcj02(LonLat p) noexcept;
LonLat gcj02_to_bd09(LonLat p) noexcept;
LonLat bd09_to_gcj02(LonLat p) noexcept;
/// Iterative inverse of wgs84_to_gcj02; error < 1e-6 m against the forward transform.
LonLat gcj02_to_wgs84(LonLat p) noexcept;

/// Converts @p p declared in @p from into WGS-84.
LonLat to_wgs84(LonLat p, Datum from) noexcept;
/// Converts WGS-84 @p p into @p to.
LonLat from_wgs84(LonLat p, Datum to) noexcept;

}  // namespace wangge::geo
