// The patrol check-ins port over SQL (巡查打卡), the same statements on both dialects.
#include <nlohmann/json.hpp>

#include "sql_store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

namespace ps = dispatch::patrols;

constexpr const char* kColumns =
    "id, route, point, grid_path, grid_chain, worker, at, recorded_at, lon, lat, accuracy_m, "
    "distance_m, notes";

ps::CheckIn decode(const Row& row) {
  ps::CheckIn c;
  c.id = text_of(row[0]);
  c.route = text_of(row[1]);
  c.point = text_of(row[2]);
  c.grid_chain = grid_chain_of(row[4]);
  c.worker = text_of(row[5]);
  c.at = from_millis(int_at(row, 6));
  c.recorded_at = from_millis(int_at(row, 7));
  c.lon = real_at(row, 8).value_or(0);
  c.lat = real_at(row, 9).value_or(0);
  c.accuracy_m = real_at(row, 10).value_or(0);
  c.distance_m = real_at(row, 11).value_or(0);
  c.notes = text_of(row[12]);
  return c;
}

}  // namespace

void SqlSession::insert_checkin(const ps::CheckIn& c) {
  if (!rows("SELECT id FROM patrol_checkins WHERE id = ?", {c.id}).empty())
    throw Error(ErrorCode::conflict, "check-in " + c.id + " exists already");
  run(std::string("INSERT INTO patrol_checkins (") + kColumns +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {c.id, c.route, c.point, grid_path(c.grid_chain), nlohmann::json(c.grid_chain).dump(),
       c.worker, to_millis(c.at), to_millis(c.recorded_at), c.lon, c.lat, c.accuracy_m,
       c.distance_m, c.notes});
}

std::optional<ps::CheckIn> SqlStore::checkin(const std::string& id) {
  return read_value([&](SqlSession& s) -> std::optional<ps::CheckIn> {
    auto found =
        s.rows(std::string("SELECT ") + kColumns + " FROM patrol_checkins WHERE id = ?", {id});
    if (found.empty()) return std::nullopt;
    return decode(found[0]);
  });
}

CheckInPage SqlStore::checkins(const CheckInFilter& f) {
  if (f.limit < 1 || f.limit > 5000)
    throw Error(ErrorCode::invalid_argument, "limit must be from 1 to 5000");
  std::string where = " WHERE 1 = 1";
  Row params;
  add_equal("route", f.route, where, params);
  add_equal("worker", f.worker, where, params);
  add_under(f.in_grids, where, params);
  const std::string tail = newest_first({"at", f.from, f.to, f.after, f.limit}, where, params);
  return read_value([&](SqlSession& s) {
    CheckInPage page;
    for (const Row& row :
         s.rows(std::string("SELECT ") + kColumns + " FROM patrol_checkins" + tail, params))
      page.items.push_back(decode(row));
    if (page.items.size() == f.limit)
      page.next = time_cursor(page.items.back().at, page.items.back().id);
    return page;
  });
}

}  // namespace wangge::store
