#include "wangge/service/views.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

namespace wangge {
namespace {

using nlohmann::json;

json when(const std::optional<Instant>& t, const TimeZone& zone) {
  return t ? json(format_iso(*t, zone)) : json(nullptr);
}

json assignee_view(const Assignee& a) {
  if (a.kind == Assignee::Kind::none) return nullptr;
  return json{{"kind", to_string(a.kind)}, {"id", a.id}, {"name", a.name}};
}

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

double rounded(double v, int decimals) {
  const double k = std::pow(10.0, decimals);
  return std::round(v * k) / k;
}

json report_view(const Report& r, const ReferenceData& ref, const ViewOptions& o) {
  const TimeZone& zone = ref.calendar.zone();
  const bool staff = o.audience == Audience::staff;
  const bool exact = o.audience != Audience::public_view;
  json j;
  j["id"] = r.id;
  j["state"] = to_string(r.state);
  const Category* c = ref.categories.find(r.category);
  j["category"] = {{"code", r.category},
                   {"name", c ? c->name : ""},
                   {"kind", c ? std::string(to_string(c->kind)) : ""},
                   {"class", c ? ref.categories.major_class(*c).name : ""}};
  j["text"] = r.text;
  j["media"] = r.media;
  j["channel"] = to_string(r.channel);
  j["created_at"] = format_iso(r.created_at, zone);
  j["updated_at"] = format_iso(r.updated_at, zone);
  const double lon = exact ? r.position.lon() : rounded(r.position.lon(), o.public_decimals);
  const double lat = exact ? r.position.lat() : rounded(r.position.lat(), o.public_decimals);
  j["location"] = {{"lon", lon}, {"lat", lat}, {"datum", "wgs84"}};
  if (exact) {
    j["location"]["reported"] = {
        {"lon", r.input.lon()}, {"lat", r.input.lat()}, {"datum", to_string(r.datum)}};
    j["location"]["accuracy_m"] = optional_number(r.accuracy_m);
  }
  json leader = {{"name", r.leader.name}, {"role", r.leader.role}};
  if (staff) leader["phone"] = r.leader.phone;
  j["assignment"] = {{"generation", r.generation},
                     {"status", r.grid_status == LocateStatus::inside    ? "inside"
                                : r.grid_status == LocateStatus::outside ? "outside"
                                                                         : "not_covered"},
                     {"grid", r.grid_chain.empty() ? json(nullptr) : json(r.grid_id())},
                     {"chain", r.grid_chain},
                     {"leader", r.grid_chain.empty() ? json(nullptr) : leader},
                     {"on_boundary", r.on_boundary},
                     {"boundary_distance_m", rounded(r.boundary_distance_m, 1)}};
  j["nearest_service"] = r.nearest_service
                             ? json{{"id", r.nearest_service->id},
                                    {"name", r.nearest_service->name},
                                    {"walk_m", rounded(r.nearest_service->walk_m, 1)},
                                    {"minutes", rounded(r.nearest_service->minutes, 1)},
                                    {"within_circle", r.nearest_service->within_circle},
                                    {"straight_line", r.nearest_service->straight_line}}
                             : json(nullptr);
  j["responsible"] = assignee_view(r.responsible);
  j["assignee"] = assignee_view(r.assignee);
  j["due_at"] = when(r.due_at, zone);
  j["overdue"] = r.overdue(o.now);
  j["closed_late"] = r.closed_late();
  j["duplicate_of"] = r.duplicate_of.empty() ? json(nullptr) : json(r.duplicate_of);
  j["registered_at"] = when(r.registered_at, zone);
  j["dispatched_at"] = when(r.dispatched_at, zone);
  j["accepted_at"] = when(r.accepted_at, zone);
  j["handled_at"] = when(r.handled_at, zone);
  j["closed_at"] = when(r.closed_at, zone);
  j["evaluated_at"] = when(r.evaluated_at, zone);
  j["rating"] = r.rating ? json(*r.rating) : json(nullptr);
  j["rating_comment"] = r.rating_comment;
  if (staff) {
    j["supervised"] = r.supervised;
    j["rework_count"] = r.rework_count;
    j["cancel_reason"] = r.cancel_reason;
    j["pending_extension"] =
        r.pending_extension
            ? json{{"requested_due_at", format_iso(r.pending_extension->requested_due, zone)},
                   {"reason", r.pending_extension->reason},
                   {"requested_by", r.pending_extension->requested_by}}
            : json(nullptr);
    j["submitted_by"] = r.submitted_by;
  }
  if (o.audience != Audience::public_view) {
    j["reporter"] = {{"name", r.reporter.name}, {"phone", r.reporter.phone}};
  }
  j["version"] = r.version;
  return j;
}

json event_view(const Event& e, const ReferenceData& ref, const ViewOptions& o) {
  json j{{"seq", e.seq},          {"at", format_iso(e.at, ref.calendar.zone())},
         {"action", e.action},    {"from", to_string(e.from)},
         {"to", to_string(e.to)}, {"role", to_string(e.role)},
         {"note", e.note},        {"media", e.media},
         {"data", e.data}};
  // Who acted is staff information; the public sees the role only.
  if (o.audience == Audience::staff) j["actor"] = e.actor_id;
  return j;
}

json stats_view(const std::vector<StatsRow>& rows) {
  json out = json::array();
  for (const StatsRow& r : rows) {
    out.push_back({{"key", r.key},
                   {"reported", r.reported},
                   {"registered", r.registered},
                   {"cancelled", r.cancelled},
                   {"dispatched", r.dispatched},
                   {"due_to_close", r.due_to_close},
                   {"closed", r.closed},
                   {"closed_on_time", r.closed_on_time},
                   {"overdue_open", r.overdue_open},
                   {"handled", r.handled},
                   {"reworked", r.reworked},
                   {"same_day", r.same_day},
                   {"evaluated", r.evaluated},
                   {"satisfied", r.satisfied},
                   {"closure_rate", optional_number(r.closure_rate)},
                   {"on_time_rate", optional_number(r.on_time_rate)},
                   {"rework_rate", optional_number(r.rework_rate)},
                   {"same_day_rate", optional_number(r.same_day_rate)},
                   {"satisfaction_rate", optional_number(r.satisfaction_rate)},
                   {"median_minutes_to_dispatch", optional_number(r.median_minutes_to_dispatch)},
                   {"median_minutes_to_close", optional_number(r.median_minutes_to_close)}});
  }
  return out;
}

}  // namespace wangge
