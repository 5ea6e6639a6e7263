// /healthz, /readyz, /metrics, /api/openapi.yaml|json
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "openapi_spec.hpp"
#include "wangge/service/change_feed.hpp"
#include "wangge/service/notifications.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {

std::string Context::base_url(const Request& req) const {
  if (!config.base_url.empty()) return config.base_url;
  if (!req.origin.empty()) return req.origin;
  return "http://" + config.address + ":" + std::to_string(config.port);
}

service::ViewOptions Context::view_for(const Request& req, const dispatch::Report& r) const {
  service::ViewOptions v;
  v.now = req.now;
  v.privacy = service.privacy();
  const dispatch::Actor& a = req.actor;
  if (!req.authenticated)
    v.audience = service::Audience::public_view;
  else if (dispatch::reports_as_resident(a.role))
    v.audience = !a.id.empty() && a.id == r.submitted_by ? service::Audience::owner
                                                         : service::Audience::public_view;
  else
    v.audience = dispatch::Workflow::can_see(r, a) ? service::Audience::staff
                                                   : service::Audience::public_view;
  // A follower (who reported the same problem) reads the public view, with what he may do.
  const bool follower = dispatch::reports_as_resident(a.role) && r.followed_by(a.id);
  if (req.authenticated && (v.audience != service::Audience::public_view || follower))
    v.actor = &req.actor;
  return v;
}

dispatch::Actor caller_of(const Request& req) {
  return req.authenticated ? req.actor : dispatch::Actor::public_viewer();
}

std::string iso(const Context& ctx, dispatch::Instant t) {
  return dispatch::format_iso(t, ctx.service.reference()->calendar.zone());
}

Response json_response(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.body = body;
  return r;
}

void require(const Request& req, std::initializer_list<dispatch::Role> roles) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "this needs an API key (Authorization: Bearer <key>)");
  for (dispatch::Role r : roles)
    if (req.actor.role == r) return;
  throw Error(ErrorCode::forbidden, std::string(to_string(req.actor.role)) + " may not do this");
}

namespace {

/// GET /readyz — ready when not starting or draining and the store answers a read.
Response readyz(Context& ctx, Request& req) {
  if (!ctx.ready)
    return problem(503, "unavailable", "Not ready", "the server is starting or stopping", req.id);
  ctx.service.probe_store();  // Error(unavailable) → 503 with Retry-After
  return json_response(200, nlohmann::json{{"status", "ready"},
                                           {"generation", ctx.service.active_generation()},
                                           {"store", ctx.service.store_kind()}}
                                .dump());
}

/// GET /metrics — Prometheus text.
Response metrics(Context& ctx, Request&) {
  Response r;
  r.content_type = "text/plain; version=0.0.4";
  Scrape now{ctx.queue_depth(), ctx.in_flight, ctx.service.reports_by_state(),
             ctx.service.tiles().cache_stats(), ctx.service.store_memory_bytes()};
  if (ctx.service.has_store()) {
    now.deliveries_by_state = ctx.service.notifications().counts();
    const service::NotifierStats tries = ctx.service.notifications().stats();
    now.delivery_tries_ok = tries.delivered;
    now.delivery_tries_failed = tries.failed;
    now.digests_sent = tries.digests;
    now.deliveries_purged = tries.purged;
    now.stream_listeners = ctx.service.changes().listeners();
    now.leads = ctx.service.leads();
    const auto replica = ctx.service.store_replica();
    now.replica_configured = replica.configured;
    now.replica_in_use = replica.in_use;
    now.replica_lag_ms = replica.lag.count();
  }
  r.body = ctx.metrics.render(now);
  return r;
}

}  // namespace

void add_system_routes(Router& router, Context& ctx) {
  router.add({"GET",
              "/healthz",
              {},
              [](Request&) { return json_response(200, R"({"status":"ok"})"); },
              Execution::inline_io,
              "/healthz"});
  router.add({"GET", "/readyz", {}, with_context(ctx, readyz), Execution::worker, "/readyz"});
  router.add({"GET", "/metrics", {}, with_context(ctx, metrics), Execution::worker, "/metrics"});
  router.add({"GET",
              "/api/openapi",
              {"yaml"},
              [](Request&) {
                Response r;
                r.content_type = "application/yaml";
                r.body = openapi_spec();
                return r;
              },
              Execution::inline_io,
              "/api/openapi.yaml"});
  router.add({"GET",
              "/api/openapi",
              {"json"},
              [](Request&) {
                Response r;
                r.content_type = "application/vnd.oai.openapi+json;version=3.0";
                r.body = openapi_spec_json();
                return r;
              },
              Execution::inline_io,
              "/api/openapi.json"});
}

}  // namespace wangge::http
