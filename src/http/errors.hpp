#pragma once
// The one mapping from the error catalogue (wangge/util/error.hpp, which knows no protocol) to
// HTTP: each ErrorCode's status, and what a client may read of an exception. The text of an
// internal or unavailable error never reaches a client; it is logged here, once, with the
// request id and the route, and the client reads a fixed sentence naming the request id.
// problem+json (server.cpp) and Open311's error list (open311.cpp) both render this.

#include <exception>
#include <string>
#include <string_view>

#include "exchange.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {

/// The HTTP status of @p code.
int http_status(ErrorCode code) noexcept;

struct ErrorReply {
  ErrorCode code = ErrorCode::internal;
  int status = 500;
  std::string_view public_code;  ///< the catalogue's stable code, e.g. "invalid-coordinate"
  std::string_view title;
  std::string detail;  ///< the message for the client
  /// The Retry-After a rate_limited or unavailable reply carries: the error's own when it
  /// says, else 60 s and 5 s.
  std::chrono::seconds retry_after{0};
};

/// The reply for @p e thrown while serving @p req on route @p where: an Error by its code, any
/// other exception as internal. Internal and unavailable causes are logged.
ErrorReply error_reply(const std::exception& e, const Request& req, const std::string& where);

}  // namespace wangge::http
