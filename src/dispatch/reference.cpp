#include "wangge/dispatch/reference.hpp"

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>

#include "wangge/dispatch/notification.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

using nlohmann::json;

json parse(const std::string& text, const char* what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                std::string(what) + " is not valid JSON: error at byte " + std::to_string(e.byte));
  }
}

[[noreturn]] void bad(const std::string& where, const std::string& why) {
  throw Error(ErrorCode::invalid_data, where + ": " + why);
}

std::string str(const json& j, const char* key, const std::string& where, bool required = true) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) bad(where, std::string("'") + key + "' is missing");
    return {};
  }
  if (!it->is_string()) bad(where, std::string("'") + key + "' must be a string");
  return it->get<std::string>();
}

/// One entry of organisation.json's volunteers (the list's own rules are the caller's).
tasks::Volunteer parse_volunteer(const json& v) {
  tasks::Volunteer vol;
  vol.id = str(v, "id", "organisation.json volunteers");
  const std::string where = "organisation.json volunteer '" + vol.id + "'";
  if (vol.id.rfind("resident:", 0) != 0 || vol.id.size() <= 9 || vol.id.size() > 128)
    bad(where, "a volunteer's id is a resident's: resident:<id>");
  vol.name = str(v, "name", where);
  for (const json& g : v.value("grids", json::array())) {
    if (!g.is_string()) bad(where, "'grids' must be a list of grid ids");
    vol.grids.push_back(g.get<std::string>());
  }
  if (vol.grids.empty()) bad(where, "a volunteer needs 'grids' (where they serve)");
  const auto verified = v.find("verified");
  if (verified != v.end() && !verified->is_boolean())
    bad(where, "'verified' must be true or false");
  vol.verified = verified != v.end() && verified->get<bool>();
  return vol;
}

/// A list of strings under @p key of @p j (absent: empty), each one @p valid.
std::vector<std::string> names(const json& j, const char* key, const std::string& where,
                               const std::function<bool(const std::string&)>& valid,
                               const std::string& which) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const json& list = j[key];
  if (!list.is_array() || list.size() > 64)
    bad(where, std::string("'") + key + "' must be a list of at most 64 names");
  for (const json& v : list) {
    if (!v.is_string() || !valid(v.get<std::string>()))
      bad(where, std::string("'") + key + "' holds " +
                     (v.is_string() ? "'" + v.get<std::string>().substr(0, 64) + "'"
                                    : v.dump().substr(0, 64)) +
                     ", which is not one of " + which);
    out.push_back(v.get<std::string>());
  }
  return out;
}

/// "notify": {"urgent": true, "mute": [{"kinds": ["handled"], "roles": ["resident"]}]}
CategoryNotices notices_from(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "notify must be an object {urgent, mute}");
  for (const auto& [key, value] : j.items())
    if (key != "urgent" && key != "mute")
      bad(where, "notify has an unknown field '" + key.substr(0, 64) + "' (urgent, mute)");
  CategoryNotices out;
  if (j.contains("urgent")) {
    if (!j["urgent"].is_boolean()) bad(where, "notify.urgent must be true or false");
    out.urgent = j["urgent"].get<bool>();
  }
  if (j.contains("mute")) {
    const json& mute = j["mute"];
    if (!mute.is_array() || mute.size() > 100)
      bad(where, "notify.mute must be a list of at most 100 {kinds, roles}");
    for (std::size_t i = 0; i < mute.size(); ++i) {
      const std::string at = where + " notify.mute[" + std::to_string(i) + "]";
      if (!mute[i].is_object()) bad(at, "must be an object {kinds, roles}");
      for (const auto& [key, value] : mute[i].items())
        if (key != "kinds" && key != "roles")
          bad(at, "has an unknown field '" + key.substr(0, 64) + "' (kinds, roles)");
      NoticeMute m;
      m.kinds = names(
          mute[i], "kinds", at,
          [](const std::string& k) { return parse_notice_kind(k).has_value(); },
          notice_kind_names());
      m.roles = names(
          mute[i], "roles", at, [](const std::string& r) { return r == "group" || parse_role(r); },
          role_names() + ", group");
      out.mute.push_back(std::move(m));
    }
  }
  return out;
}

std::chrono::minutes clock_time(const json& j, const std::string& where) {
  if (!j.is_string()) bad(where, "a time must be a string \"HH:MM\"");
  const std::string s = j.get<std::string>();
  const bool shaped = s.size() == 5 && s[2] == ':';
  const long long h = shaped ? text::parse_integer(s.substr(0, 2)).value_or(-1) : -1;
  const long long m = shaped ? text::parse_integer(s.substr(3, 2)).value_or(-1) : -1;
  if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
    bad(where, "'" + s + "' is not a time HH:MM");
  return std::chrono::minutes(h * 60 + m);
}

std::vector<WorkWindow> windows(const json& j, const std::string& where) {
  if (!j.is_array()) bad(where, "working hours must be a list of [\"HH:MM\", \"HH:MM\"] pairs");
  std::vector<WorkWindow> out;
  for (const json& w : j) {
    if (!w.is_array() || w.size() != 2)
      bad(where, "each window must be a pair [\"HH:MM\", \"HH:MM\"]");
    out.push_back({clock_time(w[0], where), clock_time(w[1], where)});
  }
  return out;
}

std::set<WorkCalendar::Day> days_of(const json& j, const std::string& where, const TimeZone& zone) {
  std::set<WorkCalendar::Day> out;
  if (j.is_null()) return out;
  if (!j.is_array()) bad(where, "must be a list of dates or {\"from\", \"to\"} ranges");
  auto day = [&](const json& d) {
    if (!d.is_string()) bad(where, "a date must be a string YYYY-MM-DD");
    auto t = parse_iso(d.get<std::string>(), zone);
    if (!t || d.get<std::string>().size() != 10)
      bad(where, "'" + d.get<std::string>() + "' is not a date YYYY-MM-DD");
    return std::chrono::floor<std::chrono::days>(zone.to_local(*t));
  };
  for (const json& e : j) {
    if (e.is_object()) {
      const auto from = day(e.value("from", json()));
      const auto to = day(e.value("to", json()));
      if (to < from) bad(where, "a range ends before it starts");
      for (auto d = from; d <= to; d += std::chrono::days(1)) out.insert(d);
    } else {
      out.insert(day(e));
    }
  }
  return out;
}

/// The number j[key] within [min, max] (whole when @p whole): 5.0 counts as 5; 1e19, 2.5 for a
/// whole number, NaN or text do not.
double number_in(const json& j, const char* key, const std::string& where, double min, double max,
                 bool whole) {
  const json& v = j[key];
  // An integer past 2^53 becomes the nearest double: still past every range used here.
  const double d = v.is_number() ? v.get<double>() : std::nan("");
  const std::string subject = std::string("'") + key + "' must be ";
  if (whole) {
    const auto n = number::to_integer<long long>(d);
    if (!n || static_cast<double>(*n) != d || d < min || d > max)
      bad(where, subject + number::integer_rule(number::narrow<long long>(min),
                                                number::narrow<long long>(max)));
  } else if (!(std::isfinite(d) && d >= min && d <= max)) {
    bad(where, subject + number::decimal_rule(min, max));
  }
  return d;
}

/// The questions of a category: [{"code", "description", "datatype", "required",
/// "datatype_description", "values": [{"key", "name"}]}].
std::vector<CategoryAttribute> attributes_from(const json& list, const std::string& where) {
  if (!list.is_array()) bad(where, "attributes must be a list of {\"code\", \"description\", ...}");
  std::vector<CategoryAttribute> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& j = list[i];
    const std::string at = where + " attribute " + std::to_string(i + 1);
    if (!j.is_object()) bad(at, "must be an object");
    CategoryAttribute a;
    a.code = str(j, "code", at);
    a.description = str(j, "description", at);
    a.datatype_description = str(j, "datatype_description", at, false);
    const std::string type = str(j, "datatype", at, false);
    const auto parsed = parse_attribute_type(type.empty() ? "string" : type);
    if (!parsed)
      bad(at, "datatype '" + type +
                  "' is not string, number, datetime, text, singlevaluelist or multivaluelist");
    a.datatype = *parsed;
    if (j.contains("required")) {
      if (!j["required"].is_boolean()) bad(at, "required must be true or false");
      a.required = j["required"].get<bool>();
    }
    if (j.contains("values")) {
      if (!j["values"].is_array()) bad(at, "values must be a list of {\"key\", \"name\"}");
      for (const json& v : j["values"]) {
        if (!v.is_object()) bad(at, "each value must be {\"key\", \"name\"}");
        a.values.push_back({str(v, "key", at + " value"), str(v, "name", at + " value")});
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

CategoryTree categories_from(const json& doc) {
  const json& list = doc.is_object() ? doc.value("categories", json()) : doc;
  if (!list.is_array()) bad("categories.json", "expected {\"categories\": [...]}");
  std::vector<Category> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& j = list[i];
    const std::string where = "categories.json entry " + std::to_string(i + 1);
    if (!j.is_object()) bad(where, "must be an object");
    Category c;
    c.code = str(j, "code", where);
    c.parent = str(j, "parent", where, false);
    c.name = str(j, "name", where);
    c.description = str(j, "description", where, false);
    c.department = str(j, "department", where, false);
    const std::string kind = str(j, "kind", where, false);
    if (kind == "component" || kind == "部件")
      c.kind = CategoryKind::component;
    else if (kind == "event" || kind == "事件" || kind.empty())
      c.kind = CategoryKind::event;
    else
      bad(where + " ('" + c.code + "')",
          "kind '" + kind + "' is not component (部件) or event (事件)");
    if (j.contains("deadline") && !j["deadline"].is_null()) {
      const json& d = j["deadline"];
      if (!d.is_object() || !d.contains("value")) {
        bad(where + " ('" + c.code + "')",
            "deadline must be {\"value\": N, \"unit\": \"work_hours|work_days|calendar_hours\"}");
      }
      auto unit = parse_deadline_unit(d.value("unit", std::string("work_hours")));
      if (!unit)
        bad(where + " ('" + c.code + "')",
            "deadline unit must be work_hours, work_days or calendar_hours");
      // At most ten years of hours.
      c.deadline =
          Deadline{number::narrow<int>(number_in(d, "value", where, 1, 87600, true)), *unit};
    }
    const std::string rule = str(j, "responsibility", where, false);
    if (rule == "owner_first")
      c.rule = ResponsibilityRule::owner_first;
    else if (rule == "locality_first")
      c.rule = ResponsibilityRule::locality_first;
    else if (!rule.empty())
      bad(where + " ('" + c.code + "')", "responsibility must be owner_first or locality_first");
    if (j.contains("duplicate_radius_m"))
      c.duplicate_radius_m = number_in(j, "duplicate_radius_m", where, 0, 10000, false);
    if (j.contains("duplicate_age_hours"))
      c.duplicate_age = std::chrono::hours(
          number::narrow<int>(number_in(j, "duplicate_age_hours", where, 0, 87600, true)));
    if (j.contains("public")) {
      if (!j["public"].is_boolean())
        bad(where + " ('" + c.code + "')", "public must be true or false");
      c.is_public = j["public"].get<bool>();
    }
    if (j.contains("attributes") && !j["attributes"].is_null())
      c.attributes = attributes_from(j["attributes"], where + " ('" + c.code + "')");
    if (j.contains("notify") && !j["notify"].is_null())
      c.notices = notices_from(j["notify"], where + " ('" + c.code + "')");
    out.push_back(std::move(c));
  }
  return CategoryTree::build(std::move(out));
}

}  // namespace

const Department* ReferenceData::department(const std::string& id) const {
  for (const Department& d : departments)
    if (d.id == id) return &d;
  return nullptr;
}

const Actor* ReferenceData::staff_member(const std::string& id) const {
  for (const Actor& a : staff)
    if (a.id == id) return &a;
  return nullptr;
}

const tasks::Volunteer* ReferenceData::volunteer(const std::string& id) const {
  for (const tasks::Volunteer& v : volunteers)
    if (v.id == id) return &v;
  return nullptr;
}

ReferenceData parse_reference(const std::string& categories_json,
                              const std::string& organisation_json,
                              const std::string& calendar_json) {
  ReferenceData ref;
  try {
    const json categories_doc = parse(categories_json, "categories.json");
    ref.categories = categories_from(categories_doc);
    if (categories_doc.is_object() && categories_doc.contains("rules")) {
      const json& rules = categories_doc["rules"];
      if (!rules.is_object()) bad("categories.json rules", "expected an object");
      if (rules.contains("reopen_rating"))
        ref.rules.reopen_rating = number::narrow<int>(
            number_in(rules, "reopen_rating", "categories.json rules", 0, 5, true));
      if (rules.contains("remind_fraction"))
        ref.rules.remind_fraction =
            number_in(rules, "remind_fraction", "categories.json rules", 0.05, 1, false);
      if (rules.contains("list_after_work_days"))
        ref.rules.list_after_work_days = number::narrow<int>(
            number_in(rules, "list_after_work_days", "categories.json rules", 1, 365, true));
      if (rules.contains("report_in_work_hours"))
        ref.rules.report_in_work_hours = number::narrow<int>(
            number_in(rules, "report_in_work_hours", "categories.json rules", 1, 200, true));
    }

    const json org = parse(organisation_json, "organisation.json");
    if (!org.is_object())
      bad("organisation.json", "expected {\"departments\": [...], \"staff\": [...]}");
    for (const json& d : org.value("departments", json::array())) {
      const std::string where = "organisation.json department";
      ref.departments.push_back({str(d, "id", where), str(d, "name", where)});
    }
    for (const Category& c : ref.categories.all()) {
      if (!c.department.empty() && !ref.department(c.department)) {
        bad("categories.json ('" + c.code + "')",
            "department '" + c.department + "' is not in organisation.json");
      }
    }
    for (const json& s : org.value("staff", json::array())) {
      Actor a;
      a.id = str(s, "id", "organisation.json staff");
      const std::string where = "organisation.json staff '" + a.id + "'";
      a.name = str(s, "name", where);
      const std::string role = str(s, "role", where);
      auto r = parse_role(role);
      if (!r) bad(where, "role '" + role + "' is not one of " + role_names());
      a.role = *r;
      for (const json& g : s.value("grids", json::array())) a.grids.push_back(g.get<std::string>());
      a.department = str(s, "department", where, false);
      if (a.role == Role::grid_worker && a.grids.empty()) bad(where, "a grid_worker needs 'grids'");
      if (a.role == Role::department_staff && !ref.department(a.department)) {
        bad(where, "department_staff needs a 'department' listed in departments");
      }
      if (ref.staff_member(a.id)) bad(where, "the id is listed twice");
      ref.staff.push_back(std::move(a));
    }
    for (const json& v : org.value("volunteers", json::array())) {
      tasks::Volunteer vol = parse_volunteer(v);
      if (ref.volunteer(vol.id))
        bad("organisation.json volunteer '" + vol.id + "'", "the id is listed twice");
      ref.volunteers.push_back(std::move(vol));
    }

    const json cal = parse(calendar_json, "calendar.json");
    if (!cal.is_object()) bad("calendar.json", "expected an object");
    const std::string zone_name = cal.value("time_zone", std::string("Asia/Shanghai"));
    auto zone = TimeZone::named(zone_name);
    if (!zone) {
      bad("calendar.json",
          "time_zone '" + zone_name +
              "' is not a fixed-offset zone wangge knows (Asia/Shanghai, Asia/Urumqi, UTC, "
              "+08:00, …)");
    }
    std::array<std::vector<WorkWindow>, 7> week;
    static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    const json hours = cal.value("working_hours", json::object());
    for (std::size_t d = 0; d < 7; ++d) {
      if (hours.contains(kDays[d]))
        week[d] = windows(hours[kDays[d]], std::string("calendar.json working_hours.") + kDays[d]);
    }
    std::vector<WorkWindow> make_up_hours = week[1];
    if (cal.contains("make_up_hours"))
      make_up_hours = windows(cal["make_up_hours"], "calendar.json make_up_hours");
    ref.calendar = WorkCalendar(
        *zone, week, days_of(cal.value("holidays", json()), "calendar.json holidays", *zone),
        days_of(cal.value("make_up_days", json()), "calendar.json make_up_days", *zone),
        make_up_hours);
  } catch (const json::exception& e) {
    // A value of the wrong JSON type deep inside (e.g. a number where a string belongs).
    throw Error(ErrorCode::invalid_data,
                std::string("reference data has a value of the wrong type (") + e.what() + ")");
  }
  return ref;
}

ReferenceData load_reference(const std::string& dir) {
  return parse_reference(text::read_file(dir + "/categories.json"),
                         text::read_file(dir + "/organisation.json"),
                         text::read_file(dir + "/calendar.json"));
}

}  // namespace wangge::dispatch
