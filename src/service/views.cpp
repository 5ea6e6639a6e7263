#include "wangge/service/views.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "wangge/dispatch/workflow.hpp"
#include "wangge/service/media_library.hpp"

namespace wangge::service {
namespace {

using nlohmann::json;

/// The photos of @p media as links: an upload's paths here (display copy and thumbnail), an
/// https URL as it is (its own thumbnail).
json photos(const std::vector<std::string>& media) {
  json out = json::array();
  for (const std::string& m : media) {
    if (dispatch::is_media_id(m))
      out.push_back({{"id", m}, {"url", media_path(m)}, {"thumbnail_url", media_path(m, true)}});
    else
      out.push_back({{"url", m}, {"thumbnail_url", m}});
  }
  return out;
}

json when(const std::optional<dispatch::Instant>& t, const dispatch::TimeZone& zone) {
  return t ? json(dispatch::format_iso(*t, zone)) : json(nullptr);
}

json assignee_view(const dispatch::Assignee& a) {
  if (a.kind == dispatch::Assignee::Kind::none) return nullptr;
  return json{{"kind", to_string(a.kind)}, {"id", a.id}, {"name", a.name}};
}

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

json assignment_view(const dispatch::PublicReport& p, const std::string* leader_phone) {
  json leader = {{"name", p.leader_name}, {"role", p.leader_role}};
  if (leader_phone) leader["phone"] = *leader_phone;
  return {{"generation", p.generation},
          {"status", p.grid_status == grid::LocateStatus::inside    ? "inside"
                     : p.grid_status == grid::LocateStatus::outside ? "outside"
                                                                    : "not_covered"},
          {"grid", p.grid.empty() ? json(nullptr) : json(p.grid)},
          {"chain", p.grid_chain},
          {"leader", p.grid.empty() ? json(nullptr) : leader},
          {"on_boundary", p.on_boundary},
          {"boundary_distance_m", dispatch::rounded(p.boundary_distance_m, 1)}};
}

/// What only staff read: supervision, rework, a pending extension, who submitted it, the
/// channel's ticket number.
void add_staff_fields(json& j, const dispatch::StaffReport::Staff& s,
                      const dispatch::TimeZone& zone) {
  j["supervised"] = s.supervision >= dispatch::SupervisionLevel::supervised;
  j["supervision"] = {{"level", to_string(s.supervision)},
                      {"label", dispatch::label_zh(s.supervision)}};
  j["rework_count"] = s.rework_count;
  j["pending_extension"] =
      s.pending_extension ? json{{"requested_due_at",
                                  dispatch::format_iso(s.pending_extension->requested_due, zone)},
                                 {"reason", s.pending_extension->reason},
                                 {"requested_by", s.pending_extension->requested_by}}
                          : json(nullptr);
  j["submitted_by"] = s.submitted_by;
  j["external_id"] = s.external_id.empty() ? json(nullptr) : json(s.external_id);
}

/// 吹哨报到: who was called, by when each must report in, and who has (no personal data).
json whistle_view(const std::vector<dispatch::WhistledDepartment>& whistle,
                  const dispatch::TimeZone& zone, dispatch::Instant now) {
  json out = json::array();
  for (const dispatch::WhistledDepartment& w : whistle) {
    out.push_back(
        {{"department", w.department},
         {"name", w.name},
         {"role", w.lead ? "lead" : "co"},
         {"report_in_due", dispatch::format_iso(w.report_in_due, zone)},
         {"reported_in_at",
          w.reported_in_at ? json(dispatch::format_iso(*w.reported_in_at, zone)) : json(nullptr)},
         {"late", w.reported_in_at ? *w.reported_in_at > w.report_in_due : now > w.report_in_due}});
  }
  return out;
}

/// The actions @p actor may take now, each with the fields it needs: a client's buttons.
json allowed_actions_view(const dispatch::Report& r, const dispatch::ReferenceData& ref,
                          const dispatch::Actor& actor) {
  json allowed = json::array();
  for (dispatch::Action a : dispatch::Workflow(ref).allowed(r, actor)) {
    json fields = json::array();
    for (std::string_view f : dispatch::action_fields(a)) fields.push_back(f);
    allowed.push_back({{"action", to_string(a)}, {"needs", fields}});
  }
  return allowed;
}

}  // namespace

json report_view(const dispatch::Report& r, const dispatch::ReferenceData& ref,
                 const ViewOptions& o) {
  const dispatch::TimeZone& zone = ref.calendar.zone();
  const bool staff = o.audience == Audience::staff;
  const bool exact = o.audience != Audience::public_view;
  // Everyone's fields come from the public projection; the owner and staff add to it (their
  // own fields read only when the audience may: the projection holds them all).
  const dispatch::StaffReport s = dispatch::staff_report(r, ref, o.privacy, o.now);
  const dispatch::PublicReport& p = s.pub;
  json j;
  j["id"] = p.id;
  j["state"] = to_string(p.state);
  j["category"] = {{"code", p.category},
                   {"name", p.category_name},
                   {"kind", p.category_kind},
                   {"class", p.category_class}};
  // The reporter and staff read the words as written; the public with numbers masked.
  j["text"] = exact ? s.own.text : p.text;
  j["address"] = exact ? s.own.address : p.address;
  j["media"] = p.media;
  j["photos"] = photos(p.media);
  j["channel"] = to_string(p.channel);
  j["created_at"] = dispatch::format_iso(p.created_at, zone);
  j["updated_at"] = dispatch::format_iso(p.updated_at, zone);
  j["location"] = {{"lon", exact ? s.own.position.lon() : p.lon},
                   {"lat", exact ? s.own.position.lat() : p.lat},
                   {"datum", "wgs84"}};
  if (exact) {
    j["location"]["reported"] = {{"lon", s.own.reported.lon()},
                                 {"lat", s.own.reported.lat()},
                                 {"datum", to_string(s.own.datum)}};
    j["location"]["accuracy_m"] = optional_number(s.own.accuracy_m);
  }
  j["assignment"] = assignment_view(p, staff ? &s.staff.leader_phone : nullptr);
  j["nearest_service"] = p.nearest_service
                             ? json{{"id", p.nearest_service->id},
                                    {"name", p.nearest_service->name},
                                    {"walk_m", dispatch::rounded(p.nearest_service->walk_m, 1)},
                                    {"minutes", dispatch::rounded(p.nearest_service->minutes, 1)},
                                    {"within_circle", p.nearest_service->within_circle},
                                    {"straight_line", p.nearest_service->straight_line}}
                             : json(nullptr);
  j["responsible"] = assignee_view(p.responsible);
  j["assignee"] = assignee_view(p.assignee);
  j["due_at"] = when(p.due_at, zone);
  j["overdue"] = p.overdue;
  j["closed_late"] = p.closed_late;
  j["duplicate_of"] = p.duplicate_of.empty() ? json(nullptr) : json(p.duplicate_of);
  j["registered_at"] = when(p.registered_at, zone);
  j["dispatched_at"] = when(p.dispatched_at, zone);
  j["accepted_at"] = when(p.accepted_at, zone);
  j["handled_at"] = when(p.handled_at, zone);
  j["closed_at"] = when(p.closed_at, zone);
  j["evaluated_at"] = when(p.evaluated_at, zone);
  j["rating"] = p.rating ? json(*p.rating) : json(nullptr);
  j["rating_comment"] = exact ? s.own.rating_comment : p.rating_comment;
  j["cancel_reason"] = exact ? s.own.cancel_reason : p.cancel_reason;
  if (staff) add_staff_fields(j, s.staff, zone);
  if (exact) {
    // Answers to the category's questions may say who or where exactly: never public.
    j["attributes"] = s.own.attributes;
    j["reporter"] = {{"name", s.own.reporter.name}, {"phone", s.own.reporter.phone}};
    if (!s.own.reporter.email.empty()) j["reporter"]["email"] = s.own.reporter.email;
  }
  if (!r.whistle.empty()) j["whistle"] = whistle_view(r.whistle, zone, o.now);
  j["version"] = p.version;
  if (o.actor) j["allowed_actions"] = allowed_actions_view(r, ref, *o.actor);
  return j;
}

json event_view(const dispatch::Event& e, const dispatch::ReferenceData& ref,
                const ViewOptions& o) {
  const std::string at = dispatch::format_iso(e.at, ref.calendar.zone());
  if (o.audience == Audience::staff) {
    const auto reply = e.data.find("public_reply");
    return json{{"seq", e.seq},
                {"at", at},
                {"action", e.action},
                {"from", to_string(e.from)},
                {"to", to_string(e.to)},
                {"role", to_string(e.role)},
                {"actor", e.actor_id},
                {"note", e.note},
                {"public_reply", reply == e.data.end() ? "" : reply->second},
                {"media", e.media},
                {"photos", photos(e.media)},
                {"data", e.data}};
  }
  // The reporter and the public: the public projection (no note, no actor, no staff reasons).
  const dispatch::PublicEvent p = dispatch::public_event(e);
  return json{{"seq", p.seq},
              {"at", at},
              {"action", p.action},
              {"from", to_string(p.from)},
              {"to", to_string(p.to)},
              {"state_label", dispatch::label_zh(p.to)},
              {"role", to_string(p.role)},
              {"public_reply", p.public_reply},
              {"media", p.media},
              {"photos", photos(p.media)},
              {"data", p.data}};
}

json stats_view(const std::vector<dispatch::StatsRow>& rows) {
  json out = json::array();
  for (const dispatch::StatsRow& r : rows) {
    out.push_back({{"key", r.key},
                   {"label", r.label},
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

}  // namespace wangge::service
