#pragma once
// What route handlers share: the service, the configuration, and the server's own state for
// /readyz and /metrics.

#include <atomic>
#include <functional>

#include "metrics.hpp"
#include "router.hpp"
#include "wangge/http/server.hpp"
#include "wangge/service/views.hpp"

namespace wangge::http {

struct Context {
  service::Service& service;
  const ServerConfig& config;
  Metrics& metrics;
  std::function<std::size_t()> queue_depth;
  std::atomic<std::size_t>& in_flight;
  std::atomic<bool>& ready;
  /// The actor of an API key secret (cached by the server), or std::nullopt.
  std::function<std::optional<dispatch::Actor>(const std::string&)> authenticate;

  /// The base URL for links in the answer to @p req: --base-url when set, else the origin the
  /// request was addressed to (behind the trusted proxy, as it forwarded it), else the
  /// listening address ("http://127.0.0.1:8080").
  std::string base_url(const Request& req) const;
  /// The view options for a report seen by the request's actor.
  service::ViewOptions view_for(const Request& req, const dispatch::Report& r) const;
};

/// A route handler over the shared context: a plain function of the context and the request
/// (parse → validate → call the service → render).
using ContextHandler = Response (*)(Context&, Request&);
/// @p fn as a Router handler bound to @p ctx (which outlives the router).
inline Handler with_context(Context& ctx, ContextHandler fn) {
  return [&ctx, fn](Request& req) { return fn(ctx, req); };
}

/// The body of a request that carries a photo: a 10 MB image and the multipart framing.
inline constexpr std::size_t kMaxUploadBody = 10 * 1024 * 1024 + 64 * 1024;

/// A JSON reply.
Response json_response(int status, const std::string& body);
/// @p t in ISO 8601 with the deployment's offset (the work calendar's zone).
std::string iso(const Context& ctx, dispatch::Instant t);

/// Who a request reads and acts as: the authenticated caller, or the public
/// (Actor::public_viewer) for an anonymous one. The one rule every route uses.
dispatch::Actor caller_of(const Request& req);
/// Refuses a request without an authenticated actor (401) or whose role is not one of @p roles
/// (403).
void require(const Request& req, std::initializer_list<dispatch::Role> roles);

void add_system_routes(Router& router, Context& ctx);
void add_v1_routes(Router& router, Context& ctx);
void add_open311_routes(Router& router, Context& ctx);
/// Open311's own error list ([{code, description}], JSON or XML by the request's extension):
/// what every /open311 answer that is an error looks like, unknown routes included.
Response open311_error_list(const Request& req, int status, const std::string& description);
void add_tile_routes(Router& router, Context& ctx);
void add_ogc_routes(Router& router, Context& ctx);
void add_account_routes(Router& router, Context& ctx);
void add_media_routes(Router& router, Context& ctx);
void add_notification_routes(Router& router, Context& ctx);
void add_points_routes(Router& router, Context& ctx);
void add_task_routes(Router& router, Context& ctx);
void add_visit_routes(Router& router, Context& ctx);
void add_patrol_routes(Router& router, Context& ctx);
void add_appraisal_routes(Router& router, Context& ctx);
void add_event_routes(Router& router, Context& ctx);
/// `/` and `/console/…`: the web console's page and assets (ServerConfig::console_dir).
void add_console_routes(Router& router, Context& ctx);

}  // namespace wangge::http
