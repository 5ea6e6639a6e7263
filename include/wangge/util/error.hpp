#pragma once
// The one error catalogue of wangge: every failure that can reach a user has a named code
// here, with its public code and title. Messages name the broken rule and where it was broken
// ("line 12: latitude 95 is outside [-90, 90]"). The catalogue knows no protocol: the HTTP
// status of each code is http/errors.cpp's, the CLI's exit status cli/main.cpp's.

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace wangge {

/// Named error codes. Append new codes at the end; public codes are part of the API contract.
enum class ErrorCode {
  invalid_argument,    ///< a parameter is missing, malformed or out of its allowed set
  invalid_coordinate,  ///< NaN, infinite or out-of-range longitude/latitude
  unreadable_source,   ///< a file or data source cannot be opened or parsed at all
  invalid_data,        ///< a source was read but its content breaks a rule (fields, geometry)
  invalid_topology,    ///< a grid hierarchy that cannot be indexed (cycles, missing parents)
  not_found,           ///< an id that does not exist
  internal,            ///< a bug: never caused by input
  forbidden,           ///< the actor's role or scope does not allow the action
  conflict,  ///< the object's state does not allow the action (e.g. closing a closed case)
  idempotency_mismatch,    ///< an idempotency key reused with a different request
  payload_too_large,       ///< a body, text or list beyond its documented limit
  unauthorized,            ///< missing or invalid credentials
  rate_limited,            ///< too many requests from one key or address
  unavailable,             ///< the service cannot take the request now (queue full, store down)
  unsupported_media_type,  ///< an upload whose bytes are not of a type taken (a PDF as a photo)
};

/// The last code, for tables indexed by ErrorCode.
inline constexpr ErrorCode kLastErrorCode = ErrorCode::unsupported_media_type;

/// What the catalogue says about one code.
struct ErrorInfo {
  std::string_view public_code;  ///< stable machine-readable code, e.g. "invalid-coordinate"
  std::string_view title;        ///< short human summary
};

/// @returns the catalogue entry for @p code (never throws).
const ErrorInfo& describe(ErrorCode code) noexcept;

/// The exception type for bad data and bad requests. Programmer errors use assert instead.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  /// An error the caller may retry after @p retry_after (rate_limited, unavailable).
  Error(ErrorCode code, const std::string& message, std::chrono::seconds retry_after)
      : std::runtime_error(message), code_(code), retry_after_(retry_after) {}
  ErrorCode code() const noexcept { return code_; }
  /// When a retry may succeed; zero when the error does not say.
  std::chrono::seconds retry_after() const noexcept { return retry_after_; }

 private:
  ErrorCode code_;
  std::chrono::seconds retry_after_{0};
};

}  // namespace wangge
