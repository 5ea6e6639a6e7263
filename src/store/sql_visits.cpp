// The households and visits port over SQL (入户走访), the same statements on both dialects.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "sql_store.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::store {
namespace {

namespace vs = dispatch::visits;
using nlohmann::json;

constexpr const char* kHouseholdColumns =
    "id, unit, grid_path, grid_chain, address, size, flags, contact_name, contact_phone, lon, "
    "lat, registered_at, last_visit_at, last_attempt_at";
constexpr const char* kVisitColumns =
    "id, household, grid_path, grid_chain, visitor, at, recorded_at, outcome, notes, follow_up";

Value optional_real(const std::optional<double>& v) {
  return v ? Value(*v) : Value();
}
std::optional<dispatch::Instant> time_at(const Row& row, std::size_t i) {
  if (std::holds_alternative<std::monostate>(row[i])) return std::nullopt;
  return from_millis(int_at(row, i));
}

std::string flags_text(const std::vector<vs::Flag>& flags) {
  std::string out;
  for (const vs::Flag f : flags) (out += out.empty() ? "" : ",") += to_string(f);
  return out;
}

HouseholdRow decode_household(const Row& row) {
  HouseholdRow out;
  vs::Household& h = out.household;
  h.id = text_of(row[0]);
  h.unit = text_of(row[1]);
  h.grid_chain = grid_chain_of(row[3]);
  h.address = text_of(row[4]);
  h.size = static_cast<int>(std::clamp<std::int64_t>(int_at(row, 5), 1, vs::kMaxHouseholdSize));
  for (const std::string& name : text::split(text_of(row[6]), ','))
    if (auto f = vs::parse_flag(name)) h.flags.push_back(*f);
  h.contact_name = text_of(row[7]);
  h.contact_phone = text_of(row[8]);
  h.lon = real_at(row, 9);
  h.lat = real_at(row, 10);
  h.registered_at = from_millis(int_at(row, 11));
  out.last_visit = time_at(row, 12);
  out.last_attempt = time_at(row, 13);
  return out;
}

vs::Visit decode_visit(const Row& row) {
  vs::Visit v;
  v.id = text_of(row[0]);
  v.household = text_of(row[1]);
  v.grid_chain = grid_chain_of(row[3]);
  v.visitor = text_of(row[4]);
  v.at = from_millis(int_at(row, 5));
  v.recorded_at = from_millis(int_at(row, 6));
  const auto outcome = vs::parse_outcome(text_of(row[7]));
  if (!outcome) throw Error(ErrorCode::internal, "a visit of an unknown outcome");
  v.outcome = *outcome;
  v.notes = text_of(row[8]);
  v.follow_up = text_of(row[9]);
  return v;
}

std::optional<HouseholdRow> find_household(SqlSession& s, const std::string& id) {
  auto found =
      s.rows(std::string("SELECT ") + kHouseholdColumns + " FROM households WHERE id = ?", {id});
  if (found.empty()) return std::nullopt;
  return decode_household(found[0]);
}

}  // namespace

void SqlSession::put_household(const vs::Household& h) {
  // Imported again: the record is replaced; when it was registered and what its visits left on
  // it stay. One statement a household (an upsert both dialects read alike).
  run("INSERT INTO households (id, unit, grid_path, grid_chain, address, size, flags, "
      "contact_name, contact_phone, lon, lat, registered_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET unit = excluded.unit, grid_path = excluded.grid_path, "
      "grid_chain = excluded.grid_chain, address = excluded.address, size = excluded.size, "
      "flags = excluded.flags, contact_name = excluded.contact_name, "
      "contact_phone = excluded.contact_phone, lon = excluded.lon, lat = excluded.lat, "
      "updated_at = excluded.updated_at",
      {h.id, h.unit, grid_path(h.grid_chain), json(h.grid_chain).dump(), h.address,
       static_cast<std::int64_t>(h.size), flags_text(h.flags), h.contact_name, h.contact_phone,
       optional_real(h.lon), optional_real(h.lat), to_millis(h.registered_at),
       to_millis(dispatch::now_utc())});
}

void SqlSession::insert_visit(const vs::Visit& v) {
  if (!rows("SELECT id FROM visits WHERE id = ?", {v.id}).empty())
    throw Error(ErrorCode::conflict, "visit " + v.id + " exists already");
  if (!find_household(*this, v.household))
    throw Error(ErrorCode::not_found, "household " + v.household + " does not exist");
  run(std::string("INSERT INTO visits (") + kVisitColumns +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {v.id, v.household, grid_path(v.grid_chain), json(v.grid_chain).dump(), v.visitor,
       to_millis(v.at), to_millis(v.recorded_at), std::string(to_string(v.outcome)), v.notes,
       v.follow_up});
  const std::int64_t at = to_millis(v.at);
  run("UPDATE households SET last_attempt_at = ? WHERE id = ? AND "
      "(last_attempt_at IS NULL OR last_attempt_at < ?)",
      {at, v.household, at});
  if (v.outcome != vs::Outcome::not_home)
    run("UPDATE households SET last_visit_at = ? WHERE id = ? AND "
        "(last_visit_at IS NULL OR last_visit_at < ?)",
        {at, v.household, at});
}

std::optional<HouseholdRow> SqlStore::household(const std::string& id) {
  return read_value([&](SqlSession& s) { return find_household(s, id); });
}

HouseholdPage SqlStore::households(const HouseholdFilter& f) {
  if (f.limit < 1 || f.limit > 20000)
    throw Error(ErrorCode::invalid_argument, "limit must be from 1 to 20000");
  std::string where = " WHERE 1 = 1";
  Row params;
  add_under(f.in_grids, where, params);
  if (f.flag) {
    // Flags are a comma list of names: match one whole name.
    where += " AND (',' || flags || ',') LIKE ?";
    params.emplace_back("%," + std::string(to_string(*f.flag)) + ",%");
  }
  if (!f.after.empty()) {
    where += " AND id > ?";
    params.emplace_back(f.after);
  }
  params.emplace_back(static_cast<std::int64_t>(f.limit));
  return read_value([&](SqlSession& s) {
    HouseholdPage page;
    for (const Row& row : s.rows(std::string("SELECT ") + kHouseholdColumns + " FROM households" +
                                     where + " ORDER BY id LIMIT ?",
                                 params))
      page.items.push_back(decode_household(row));
    if (page.items.size() == f.limit) page.next = page.items.back().household.id;
    return page;
  });
}

std::size_t SqlStore::household_count() {
  // Read when the service opens (is the store seeded yet?): outside the requests' budget.
  return read_value_unbounded([&](SqlSession& s) {
    const auto rows = s.rows("SELECT COUNT(*) FROM households", {});
    return static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(rows.at(0), 0)));
  });
}

std::vector<GridPathVisits> SqlStore::visit_coverage(dispatch::Instant since) {
  return read_value([&](SqlSession& s) {
    std::vector<GridPathVisits> out;
    for (const Row& row : s.rows(
             "SELECT grid_path, COUNT(*), CAST(SUM(CASE WHEN last_visit_at IS NULL OR "
             "last_visit_at < ? THEN 1 ELSE 0 END) AS BIGINT) FROM households GROUP BY grid_path",
             {to_millis(since)})) {
      GridPathVisits v;
      v.grid_path = text_of(row[0]);
      v.households = static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(row, 1)));
      v.not_visited = static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(row, 2)));
      out.push_back(std::move(v));
    }
    return out;
  });
}

std::optional<vs::Visit> SqlStore::visit(const std::string& id) {
  return read_value([&](SqlSession& s) -> std::optional<vs::Visit> {
    auto found = s.rows(std::string("SELECT ") + kVisitColumns + " FROM visits WHERE id = ?", {id});
    if (found.empty()) return std::nullopt;
    return decode_visit(found[0]);
  });
}

VisitPage SqlStore::visits(const VisitFilter& f) {
  if (f.limit < 1 || f.limit > 1000)
    throw Error(ErrorCode::invalid_argument, "limit must be from 1 to 1000");
  std::string where = " WHERE 1 = 1";
  Row params;
  add_equal("household", f.household, where, params);
  add_equal("visitor", f.visitor, where, params);
  add_under(f.in_grids, where, params);
  const std::string tail = newest_first({"at", f.from, f.to, f.after, f.limit}, where, params);
  return read_value([&](SqlSession& s) {
    VisitPage page;
    for (const Row& row :
         s.rows(std::string("SELECT ") + kVisitColumns + " FROM visits" + tail, params))
      page.items.push_back(decode_visit(row));
    if (page.items.size() == f.limit)
      page.next = time_cursor(page.items.back().at, page.items.back().id);
    return page;
  });
}

}  // namespace wangge::store
