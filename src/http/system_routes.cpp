// /healthz, /readyz, /metrics, /api/openapi.yaml|json
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "openapi_spec.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {

std::string Context::base_url() const {
  if (!config.base_url.empty()) return config.base_url;
  return "http://" + config.address + ":" + std::to_string(config.port);
}

ViewOptions Context::view_for(const Request& req, const Report& r) const {
  ViewOptions v;
  v.now = req.now;
  v.privacy = service.privacy();
  const Actor& a = req.actor;
  if (!req.authenticated)
    v.audience = Audience::public_view;
  else if (a.role == Role::resident)
    v.audience = !a.id.empty() && a.id == r.submitted_by ? Audience::owner : Audience::public_view;
  else
    v.audience = Workflow::can_see(r, a) ? Audience::staff : Audience::public_view;
  return v;
}

Response json_response(int status, const std::string& body) {
  Response r;
  r.status = status;
  r.body = body;
  return r;
}

void require(const Request& req, std::initializer_list<Role> roles) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "this needs an API key (Authorization: Bearer <key>)");
  for (Role r : roles)
    if (req.actor.role == r) return;
  throw Error(ErrorCode::forbidden, std::string(to_string(req.actor.role)) + " may not do this");
}

void add_system_routes(Router& router, Context& ctx) {
  router.add({"GET",
              "/healthz",
              {},
              [](Request&) { return json_response(200, R"({"status":"ok"})"); },
              Execution::inline_io,
              "/healthz"});
  router.add({"GET",
              "/readyz",
              {},
              [&ctx](Request& req) {
                if (!ctx.ready)
                  return problem(503, "unavailable", "Not ready",
                                 "the server is starting or stopping", req.id);
                return json_response(200,
                                     nlohmann::json{{"status", "ready"},
                                                    {"generation", ctx.service.active_generation()},
                                                    {"store", ctx.service.store().kind()}}
                                         .dump());
              },
              Execution::inline_io,
              "/readyz"});
  router.add({"GET",
              "/metrics",
              {},
              [&ctx](Request&) {
                Response r;
                r.content_type = "text/plain; version=0.0.4";
                r.body = ctx.metrics.render(ctx.queue_depth(), ctx.in_flight,
                                            ctx.service.store().count_by_state());
                return r;
              },
              Execution::worker,
              "/metrics"});
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
