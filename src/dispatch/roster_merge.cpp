// Merging a roster into organisation.json as JSON, so that what the roster does not own (the
// departments, a staff member's title, any field added by hand) survives the import unchanged.
#include <map>
#include <nlohmann/json.hpp>

#include "wangge/dispatch/roster.hpp"
#include "wangge/util/error.hpp"

namespace wangge::dispatch {
namespace {

using nlohmann::ordered_json;

ordered_json parse_organisation(const std::string& text) {
  ordered_json doc;
  try {
    doc = ordered_json::parse(text);
  } catch (const ordered_json::parse_error& e) {
    throw Error(
        ErrorCode::invalid_data,
        "the stored organisation.json is not valid JSON: error at byte " + std::to_string(e.byte));
  }
  if (!doc.is_object() || (doc.contains("staff") && !doc["staff"].is_array()))
    throw Error(ErrorCode::invalid_data, "the stored organisation.json has no staff list");
  return doc;
}

/// @p staff (an organisation.json staff object) with the fields a roster row owns set from
/// @p e; a field the row leaves empty is removed.
ordered_json apply(ordered_json staff, const RosterEntry& e) {
  staff["id"] = e.staff.id;
  staff["name"] = e.staff.name;
  staff["role"] = std::string(to_string(e.staff.role));
  if (!e.title.empty())
    staff["title"] = e.title;
  else if (e.staff.role != Role::grid_worker)
    staff.erase("title");
  if (e.staff.grids.empty())
    staff.erase("grids");
  else
    staff["grids"] = e.staff.grids;
  if (e.staff.department.empty())
    staff.erase("department");
  else
    staff["department"] = e.staff.department;
  return staff;
}

std::string id_of(const ordered_json& staff) {
  const auto it = staff.find("id");
  return it != staff.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

RosterMerge merge_roster(const std::string& organisation_json,
                         const std::vector<RosterEntry>& entries, bool replace) {
  ordered_json doc = parse_organisation(organisation_json);
  std::map<std::string, const RosterEntry*> by_id;
  for (const RosterEntry& e : entries) by_id.emplace(e.staff.id, &e);
  RosterMerge out;
  ordered_json staff = ordered_json::array();
  for (const ordered_json& old : doc.value("staff", ordered_json::array())) {
    const std::string id = id_of(old);
    const auto it = by_id.find(id);
    if (it == by_id.end()) {
      if (replace)
        out.removed.push_back(id);
      else
        staff.push_back(old);
      continue;
    }
    ordered_json now = apply(old, *it->second);
    (now == old ? out.unchanged : out.updated).push_back(id);
    staff.push_back(std::move(now));
    by_id.erase(it);
  }
  for (const RosterEntry& e : entries) {
    if (!by_id.contains(e.staff.id)) continue;  // merged above
    staff.push_back(apply(ordered_json::object(), e));
    out.added.push_back(e.staff.id);
  }
  doc["staff"] = std::move(staff);
  out.organisation_json = doc.dump(1) + "\n";
  return out;
}

}  // namespace wangge::dispatch
