#include "errors.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace wangge::http {

int http_status(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::invalid_argument:
      return 400;
    case ErrorCode::invalid_coordinate:
    case ErrorCode::unreadable_source:
    case ErrorCode::invalid_data:
    case ErrorCode::invalid_topology:
    case ErrorCode::idempotency_mismatch:
      return 422;
    case ErrorCode::not_found:
      return 404;
    case ErrorCode::forbidden:
      return 403;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::unauthorized:
      return 401;
    case ErrorCode::rate_limited:
      return 429;
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::unsupported_media_type:
      return 415;
    case ErrorCode::internal:
      return 500;
  }
  return 500;
}

ErrorReply error_reply(const std::exception& e, const Request& req, const std::string& where) {
  const auto* error = dynamic_cast<const Error*>(&e);
  ErrorReply r;
  r.code = error ? error->code() : ErrorCode::internal;
  r.status = http_status(r.code);
  const ErrorInfo& info = describe(r.code);
  r.public_code = info.public_code;
  r.title = info.title;
  if (r.code == ErrorCode::rate_limited) r.retry_after = std::chrono::seconds(60);
  if (r.code == ErrorCode::unavailable) r.retry_after = std::chrono::seconds(5);
  if (error && error->retry_after().count() > 0) r.retry_after = error->retry_after();
  if (r.code != ErrorCode::internal && r.code != ErrorCode::unavailable) {
    r.detail = e.what();
    return r;
  }
  auto log = spdlog::get("wangge.http");
  if (!log) log = spdlog::default_logger();
  log->error("{} {}: {}{}", req.id, where, error ? "" : "unexpected exception: ", e.what());
  r.detail = r.code == ErrorCode::unavailable
                 ? "the service cannot take the request now; retry later (request " + req.id + ")"
                 : "the service could not complete the request; it has been logged (request " +
                       req.id + ")";
  return r;
}

}  // namespace wangge::http
