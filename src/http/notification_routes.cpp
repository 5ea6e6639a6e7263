// The inbox (each person's own messages) and the admin's view of deliveries. The rules live in
// wangge::service::Notifications; these handlers parse, call it and render.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "params.hpp"
#include "wangge/service/notifications.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

json message_json(const Context& ctx, const dispatch::Notification& n) {
  return json{{"id", n.id},
              {"kind", std::string(to_string(n.kind))},
              {"report_id", n.report_id},
              {"title", n.title},
              {"text", n.text},
              {"link", n.link},
              {"urgent", n.urgent},
              {"created_at", iso(ctx, n.created_at)},
              {"read_at", n.read_at ? json(iso(ctx, *n.read_at)) : json()}};
}

/// The keyset cursor of an inbox page: "<created_at ms>.<id>".
std::string cursor_of(const dispatch::Notification& n) {
  return std::to_string(n.created_at.time_since_epoch().count()) + "." + n.id;
}

std::pair<dispatch::Instant, std::string> parse_cursor(const std::string& s) {
  const auto dot = s.find('.');
  const auto bad = [] {
    return Error(ErrorCode::invalid_argument,
                 "query parameter 'before' must be the 'next' of a previous page");
  };
  if (dot == std::string::npos || dot == 0 || dot > 15 || s.size() - dot - 1 > 64) throw bad();
  long long ms = 0;
  for (std::size_t i = 0; i < dot; ++i) {
    if (s[i] < '0' || s[i] > '9') throw bad();
    ms = ms * 10 + (s[i] - '0');
  }
  const std::string id = s.substr(dot + 1);
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') throw bad();
  return {dispatch::Instant(dispatch::Milliseconds(ms)), id};
}

/// GET /api/v1/inbox?unread=true&limit=50&before=… — the caller's own messages, newest first.
Response inbox(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "the inbox needs a signed-in person or a key");
  store::InboxQuery q;
  q.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 200, 50));
  if (const auto u = req.param("unread")) {
    if (*u != "true" && *u != "false")
      throw Error(ErrorCode::invalid_argument, "query parameter 'unread' must be true or false");
    q.unread_only = *u == "true";
  }
  if (const auto b = req.param("before")) q.before = parse_cursor(*b);
  const auto messages = ctx.service.notifications().inbox(req.actor, q);
  json items = json::array();
  for (const dispatch::Notification& n : messages) items.push_back(message_json(ctx, n));
  json body{{"messages", items}, {"unread", ctx.service.notifications().unread(req.actor)}};
  body["next"] = messages.size() == q.limit ? json(cursor_of(messages.back())) : json();
  return json_response(200, body.dump()).header("Cache-Control", "no-store");
}

/// Whether @p id has the shape of a message's or delivery's id (3 to 64 of a-z, A-Z, 0-9, _).
bool id_shaped(const std::string& id) {
  bool ok = id.size() >= 3 && id.size() <= 64;
  for (char c : id) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  return ok;
}

std::string id_param(const Request& req, const char* name) {
  const std::string id = req.params.at(name);
  if (!id_shaped(id))
    throw Error(ErrorCode::not_found,
                std::string(name) + " " + id.substr(0, 64) + " does not exist");
  return id;
}

/// POST /api/v1/inbox/{id}/read — marks one of the caller's messages read.
Response mark_read(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "the inbox needs a signed-in person or a key");
  ctx.service.notifications().mark_read(id_param(req, "id"), req.actor, req.now);
  return Response{204, "application/json", "", nullptr, {}};
}

/// POST /api/v1/inbox/read-all[?through=<message id>] — marks the caller's messages read
/// (全部已读): all of them, or those not newer than @c through (the newest the page showed).
Response mark_all_read(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "the inbox needs a signed-in person or a key");
  const std::optional<std::string> through = req.param("through");
  if (through && !id_shaped(*through))
    throw Error(ErrorCode::invalid_argument,
                "query parameter 'through' must be the id of a message of yours");
  const std::size_t marked = ctx.service.notifications().mark_all_read(req.actor, req.now, through);
  return json_response(
      200,
      json{{"marked", marked}, {"unread", ctx.service.notifications().unread(req.actor)}}.dump());
}

/// GET /api/v1/subscriptions — the areas (grids) the caller follows.
Response list_subscriptions(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "following an area needs a signed-in person or a key");
  json items = json::array();
  for (const auto& [grid, since] : ctx.service.notifications().subscriptions(req.actor))
    items.push_back(json{{"grid", grid}, {"since", iso(ctx, since)}});
  return json_response(200, json{{"subscriptions", items}}.dump())
      .header("Cache-Control", "no-store");
}

std::string grid_param(const Request& req) {
  const std::string grid = req.params.at("grid");
  if (grid.empty() || grid.size() > 64)
    throw Error(ErrorCode::not_found, "grid " + grid.substr(0, 64) + " does not exist");
  return grid;
}

/// PUT /api/v1/subscriptions/{grid} — follow an area: hear of the public cases registered and
/// closed in it (and below it).
Response subscribe(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "following an area needs a signed-in person or a key");
  const std::string grid = grid_param(req);
  ctx.service.notifications().subscribe(req.actor, grid, req.now);
  return json_response(200, json{{"grid", grid}}.dump());
}

/// DELETE /api/v1/subscriptions/{grid}
Response unsubscribe(Context& ctx, Request& req) {
  if (!req.authenticated)
    throw Error(ErrorCode::unauthorized, "following an area needs a signed-in person or a key");
  ctx.service.notifications().unsubscribe(req.actor, grid_param(req));
  return Response{204, "application/json", "", nullptr, {}};
}

json delivery_json(const Context& ctx, const dispatch::Delivery& d) {
  return json{
      {"id", d.id},
      {"notification_id", d.notification_id},
      {"channel", d.channel},
      {"to_phone", !d.address.empty()},  // the phone itself is personal data
      {"state", std::string(to_string(d.state))},
      {"attempts", d.attempts},
      {"next_at", d.state == dispatch::DeliveryState::pending ? json(iso(ctx, d.next_at)) : json()},
      {"created_at", iso(ctx, d.created_at)},
      {"updated_at", iso(ctx, d.updated_at)},
      {"delivered_at", d.delivered_at ? json(iso(ctx, *d.delivered_at)) : json()},
      {"last_error", d.last_error},
      {"digest", d.digest.empty() ? json() : json(d.digest)}};
}

/// GET /api/v1/admin/deliveries?state=dead&limit=100 (admins).
Response list_deliveries(Context& ctx, Request& req) {
  require(req, {dispatch::Role::admin});
  std::optional<dispatch::DeliveryState> state;
  if (const auto s = req.param("state")) {
    state = dispatch::parse_delivery_state(*s);
    if (!state)
      throw Error(ErrorCode::invalid_argument,
                  "query parameter 'state' must be pending, delivered or dead");
  }
  const auto limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 500, 100));
  json items = json::array();
  for (const dispatch::Delivery& d :
       ctx.service.notifications().deliveries(req.actor, state, limit))
    items.push_back(delivery_json(ctx, d));
  json counts = json::object();
  for (const auto& [s, n] : ctx.service.notifications().counts()) counts[s] = n;
  return json_response(200, json{{"deliveries", items}, {"counts", counts}}.dump())
      .header("Cache-Control", "no-store");
}

/// POST /api/v1/admin/deliveries/{id}/resend (admins): pending again at once, under its id.
Response resend(Context& ctx, Request& req) {
  require(req, {dispatch::Role::admin});
  const dispatch::Delivery d =
      ctx.service.notifications().resend(id_param(req, "id"), req.actor, req.now);
  return json_response(200, delivery_json(ctx, d).dump());
}

}  // namespace

void add_notification_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution worker = Execution::worker;
  router.add({"GET", "/api/v1/inbox", {}, to(inbox), worker});
  router.add({"POST", "/api/v1/inbox/{id}/read", {}, to(mark_read), worker});
  router.add({"POST", "/api/v1/inbox/read-all", {}, to(mark_all_read), worker});
  router.add({"GET", "/api/v1/subscriptions", {}, to(list_subscriptions), worker});
  router.add({"PUT", "/api/v1/subscriptions/{grid}", {}, to(subscribe), worker});
  router.add({"DELETE", "/api/v1/subscriptions/{grid}", {}, to(unsubscribe), worker});
  router.add({"GET", "/api/v1/admin/deliveries", {}, to(list_deliveries), worker});
  router.add({"POST", "/api/v1/admin/deliveries/{id}/resend", {}, to(resend), worker});
}

}  // namespace wangge::http
