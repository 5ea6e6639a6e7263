#pragma once
// Small text helpers shared by parsers of outside input.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wangge::text {

/// Parses a whole decimal number (no trailing garbage, no locale); std::nullopt when not one.
/// NaN and infinities written as text are returned as such so callers can name the rule.
std::optional<double> parse_double(std::string_view s);

/// Parses a whole base-10 integer; std::nullopt when not one.
std::optional<long long> parse_integer(std::string_view s);

/// @returns @p s without leading and trailing ASCII white space.
std::string_view trim(std::string_view s);

/// @returns @p s in ASCII lower case.
std::string lower(std::string_view s);

/// @returns whether @p s is well-formed UTF-8 (no overlong forms, surrogates or values past
/// U+10FFFF).
bool valid_utf8(std::string_view s);

/// Appends @p s to @p out as a JSON string (RFC 8259): quoted, with '"', '\\' and control
/// characters escaped and UTF-8 kept as it is; a byte that is not part of well-formed UTF-8
/// becomes U+FFFD, so the result always parses. For hot paths that write JSON by hand.
void append_json_string(std::string& out, std::string_view s);

/// @returns the number of terminal columns @p utf8 takes: East Asian wide characters (CJK,
/// Hangul, full-width forms) count two, other code points one. For aligning tables.
std::size_t display_width(std::string_view utf8);

/// @returns @p utf8 padded with spaces on the right to @p width terminal columns.
std::string pad_right(std::string_view utf8, std::size_t width);

/// @returns @p utf8 padded with spaces on the left to @p width terminal columns.
std::string pad_left(std::string_view utf8, std::size_t width);

/// Percent-encodes a URL query component (RFC 3986 unreserved characters stay as they are).
std::string url_encode(std::string_view s);

/// Reads a whole file; throws Error(unreadable_source) naming the path and the OS reason.
std::string read_file(const std::string& path);

/// The non-empty parts of @p list between @p separator ("a,,b" → {"a", "b"}; "" → {}).
std::vector<std::string> split(std::string_view list, char separator);

}  // namespace wangge::text
