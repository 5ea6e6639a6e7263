// The points bank (积分银行) over HTTP: the policy and catalogue, a person's account, the ledger's
// entries, and the postings (earnings by hand, awards, redemptions, reversals, the expiry run).
// The rules live in wangge::service::PointsBank and dispatch/points.hpp; these handlers parse,
// call it and render.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "json_body.hpp"
#include "params.hpp"
#include "wangge/service/points_bank.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;
namespace pts = dispatch::points;

/// The caller: an anonymous one reads as the public (who has no points account).
json entry_json(const Context& ctx, const pts::Entry& e) {
  json out{{"id", e.id},         {"kind", std::string(to_string(e.kind))},
           {"person", e.person}, {"points", e.amount},
           {"source", e.source}, {"rule", e.rule.empty() ? json() : json(e.rule)},
           {"reason", e.reason}, {"at", iso(ctx, e.at)},
           {"by", e.by}};
  if (!e.lines.empty()) {
    json lines = json::array();
    for (const pts::Line& l : e.lines)
      lines.push_back({{"account", l.account}, {"points", l.amount}});
    out["lines"] = lines;
  }
  return out;
}

/// A posting's answer: 201 with the new entry, 200 with the first one on a replay.
Response posted(const Context& ctx, const pts::Posted& p) {
  json body = entry_json(ctx, p.entry);
  body["replayed"] = p.replayed;
  return json_response(p.replayed ? 200 : 201, body.dump())
      .header("Location", "/api/v1/points/entries/" + p.entry.id);
}

std::string idempotency_key(const Request& req) {
  const auto key = req.header("idempotency-key");
  if (key && (key->empty() || key->size() > 255))
    throw Error(ErrorCode::invalid_argument, "Idempotency-Key must be 1 to 255 characters");
  return key.value_or("");
}

std::string required_text(Fields& f, const char* name) {
  auto v = f.text(name);
  if (!v || v->empty())
    throw Error(ErrorCode::invalid_argument, std::string("field '") + name + "' is required");
  return *v;
}

/// GET /api/v1/points/policy — what earns points, what they buy, how long they last (public).
Response policy(Context& ctx, Request&) {
  const pts::Policy p = ctx.service.points().policy();
  json rules = json::array(), catalogue = json::array();
  for (const pts::EarningRule& r : p.rules)
    rules.push_back({{"event", r.event}, {"name", r.name}, {"points", r.points}});
  for (const pts::CatalogueItem& c : p.catalogue)
    catalogue.push_back(
        {{"id", c.id}, {"name", c.name}, {"provider", c.provider}, {"points", c.points}});
  return json_response(200, json{{"validity_months", p.validity_months},
                                 {"rules", rules},
                                 {"catalogue", catalogue}}
                                .dump())
      .header("Cache-Control", "public, max-age=60");
}

std::string person_param(const Request& req) {
  const std::string p = req.params.at("person");
  if (p.empty() || p.size() > 128)
    throw Error(ErrorCode::not_found, "points account " + p.substr(0, 64) + " does not exist");
  return p;
}

/// GET /api/v1/points/accounts/{person} ("me": the caller's own).
Response account(Context& ctx, Request& req) {
  const service::PointsAccount a =
      ctx.service.points().account(person_param(req), caller_of(req), req.now);
  json recent = json::array();
  for (const pts::Entry& e : a.recent) recent.push_back(entry_json(ctx, e));
  return json_response(200, json{{"person", a.person},
                                 {"balance", a.summary.balance},
                                 {"earned", a.summary.earned},
                                 {"redeemed", a.summary.redeemed},
                                 {"expired", a.summary.expired},
                                 {"entries", a.summary.entries},
                                 {"expiring", a.expiring},
                                 {"expiring_by", iso(ctx, a.expiring_by)},
                                 {"recent", recent}}
                                .dump())
      .header("Cache-Control", "no-store");
}

/// GET /api/v1/points/entries?person=&kind=&from=&to=&limit=&before=
Response list_entries(Context& ctx, Request& req) {
  store::LedgerQuery q;
  if (const auto p = req.param("person")) q.person = *p;
  if (const auto k = req.param("kind")) {
    q.kind = pts::parse_kind(*k);
    if (!q.kind)
      throw Error(ErrorCode::invalid_argument,
                  "query parameter 'kind' must be earn, award, redeem, expire or reverse");
  }
  const auto& zone = ctx.service.reference()->calendar.zone();
  if (req.param("from")) q.from = time_param(req, "from", zone);
  if (req.param("to")) q.to = time_param(req, "to", zone);
  q.limit = static_cast<std::size_t>(integer_param(req, "limit", 1, 500, 50));
  if (const auto b = req.param("before")) {
    q.before = pts::entry_number(*b);
    if (!q.before)
      throw Error(ErrorCode::invalid_argument,
                  "query parameter 'before' must be an entry id such as e12 (a page's 'next')");
  }
  const auto entries = ctx.service.points().entries(q, caller_of(req));
  json items = json::array();
  for (const pts::Entry& e : entries) items.push_back(entry_json(ctx, e));
  json body{{"entries", items}};
  body["next"] = entries.size() == q.limit ? json(entries.back().id) : json();
  return json_response(200, body.dump()).header("Cache-Control", "no-store");
}

/// GET /api/v1/points/entries/{id}
Response get_entry(Context& ctx, Request& req) {
  return json_response(
             200, entry_json(ctx, ctx.service.points().entry(req.params.at("id"), caller_of(req)))
                      .dump())
      .header("Cache-Control", "no-store");
}

/// POST /api/v1/points/earnings {person, event_type, event_key, units}
Response earn(Context& ctx, Request& req) {
  const json body = parse_object(req.body);
  Fields f(body);
  pts::EarnRequest r;
  r.person = required_text(f, "person");
  r.event_type = required_text(f, "event_type");
  r.event_key = required_text(f, "event_key");
  r.units = f.integer("units", 1, 1000).value_or(1);
  f.no_others();
  r.at = req.now;
  return posted(ctx, ctx.service.points().earn(r, caller_of(req), idempotency_key(req)));
}

/// POST /api/v1/points/awards {person, points, reason}
Response award(Context& ctx, Request& req) {
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string person = required_text(f, "person");
  const auto points = f.integer("points", 1, pts::kMaxPoints);
  const std::string reason = required_text(f, "reason");
  f.no_others();
  if (!points) throw Error(ErrorCode::invalid_argument, "field 'points' is required");
  return posted(ctx, ctx.service.points().award(person, *points, reason, caller_of(req), req.now,
                                                idempotency_key(req)));
}

/// POST /api/v1/points/redemptions {item, quantity, person}
Response redeem(Context& ctx, Request& req) {
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string item = required_text(f, "item");
  const auto quantity = f.integer("quantity", 1, 100).value_or(1);
  const std::string person = f.text("person").value_or("");
  f.no_others();
  return posted(ctx, ctx.service.points().redeem(person, item, quantity, caller_of(req), req.now,
                                                 idempotency_key(req)));
}

/// POST /api/v1/points/entries/{id}/reversal {reason}
Response reverse(Context& ctx, Request& req) {
  const json body = parse_object(req.body);
  Fields f(body);
  const std::string reason = required_text(f, "reason");
  f.no_others();
  return posted(ctx, ctx.service.points().reverse(req.params.at("id"), reason, caller_of(req),
                                                  req.now, idempotency_key(req)));
}

/// POST /api/v1/points/expiry — expires what came due for every holder (admins).
Response expire(Context& ctx, Request& req) {
  const service::ExpiryRun run = ctx.service.points().expire_due(caller_of(req), req.now);
  return json_response(
      200, json{{"people", run.people}, {"entries", run.entries}, {"points", run.points}}.dump());
}

}  // namespace

void add_points_routes(Router& router, Context& ctx) {
  const auto to = [&ctx](ContextHandler fn) { return with_context(ctx, fn); };
  const Execution worker = Execution::worker;
  router.add({"GET", "/api/v1/points/policy", {}, to(policy), worker});
  router.add({"GET", "/api/v1/points/accounts/{person}", {}, to(account), worker});
  router.add({"GET", "/api/v1/points/entries", {}, to(list_entries), worker});
  router.add({"GET", "/api/v1/points/entries/{id}", {}, to(get_entry), worker});
  router.add({"POST", "/api/v1/points/earnings", {}, to(earn), worker});
  router.add({"POST", "/api/v1/points/awards", {}, to(award), worker});
  router.add({"POST", "/api/v1/points/redemptions", {}, to(redeem), worker});
  router.add({"POST", "/api/v1/points/entries/{id}/reversal", {}, to(reverse), worker});
  router.add({"POST", "/api/v1/points/expiry", {}, to(expire), worker});
}

}  // namespace wangge::http
