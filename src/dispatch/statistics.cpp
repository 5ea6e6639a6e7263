#include "wangge/dispatch/statistics.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

namespace wangge::dispatch {
namespace {

using namespace std::chrono;

constexpr std::array<std::string_view, 9> kGroups{
    "total", "grid", "leader", "department", "category", "day", "week", "month", "channel"};

struct Accumulator {
  StatsRow row;
  std::vector<double> to_dispatch, to_close;
};

std::optional<double> ratio(std::size_t a, std::size_t b) {
  if (b == 0) return std::nullopt;
  return static_cast<double>(a) / static_cast<double>(b);
}

std::optional<double> median(std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string day_key(local_days d) {
  const year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

void count(Accumulator& acc, const Report& r, Instant horizon, const TimeZone& zone) {
  StatsRow& s = acc.row;
  ++s.reported;
  if (r.state == ReportState::cancelled) ++s.cancelled;
  if (r.registered_at) ++s.registered;
  if (r.dispatched_at) {
    ++s.dispatched;
    acc.to_dispatch.push_back(
        duration<double, std::ratio<60>>(*r.dispatched_at - r.created_at).count());
  }
  if (r.handled_at) ++s.handled;
  if (r.rework_count > 0) ++s.reworked;
  const bool closed = r.closed_at.has_value() && r.state != ReportState::cancelled;
  if (closed) {
    ++s.closed;
    if (!r.closed_late()) ++s.closed_on_time;
    if (floor<days>(zone.to_local(*r.closed_at)) == floor<days>(zone.to_local(r.created_at)))
      ++s.same_day;
    acc.to_close.push_back(duration<double, std::ratio<60>>(*r.closed_at - r.created_at).count());
  }
  if (r.registered_at && r.state != ReportState::cancelled &&
      (closed || (r.due_at && *r.due_at <= horizon))) {
    ++s.due_to_close;
  }
  if (is_running(r.state) && r.due_at && *r.due_at < horizon) ++s.overdue_open;
  if (r.rating) {
    ++s.evaluated;
    if (*r.rating >= 4) ++s.satisfied;
  }
}

void finish(Accumulator& acc) {
  StatsRow& s = acc.row;
  s.closure_rate = ratio(s.closed, s.due_to_close);
  s.on_time_rate = ratio(s.closed_on_time, s.due_to_close);
  s.rework_rate = ratio(s.reworked, s.handled);
  s.same_day_rate = ratio(s.same_day, s.closed);
  s.satisfaction_rate = ratio(s.satisfied, s.evaluated);
  s.median_minutes_to_dispatch = median(acc.to_dispatch);
  s.median_minutes_to_close = median(acc.to_close);
}

bool in_scope(const Report& r, const StatsQuery& q) {
  if (!q.grids.empty()) {
    bool inside = false;
    for (const std::string& g : q.grids)
      inside =
          inside || std::find(r.grid_chain.begin(), r.grid_chain.end(), g) != r.grid_chain.end();
    if (!inside) return false;
  }
  if (q.department) {
    const Assignee& a = r.assignee.kind != Assignee::Kind::none ? r.assignee : r.responsible;
    if (a.kind != Assignee::Kind::department || a.id != *q.department) return false;
  }
  return true;
}

std::vector<std::string> keys_of(const Report& r, const StatsQuery& q, const TimeZone& zone) {
  switch (q.group) {
    case StatsGroup::total:
      return {};
    case StatsGroup::grid: {
      if (r.grid_chain.empty()) return {"(unassigned)"};
      if (!q.grid_depth) return r.grid_chain;
      const int leaf_depth = static_cast<int>(r.grid_chain.size()) - 1;
      if (*q.grid_depth > leaf_depth || *q.grid_depth < 0) return {};
      return {r.grid_chain[static_cast<std::size_t>(leaf_depth - *q.grid_depth)]};
    }
    case StatsGroup::leader: {
      if (r.grid_chain.empty()) return {"(no leader)"};
      const auto staff = q.staff_of_grid.find(r.grid_id());
      return {staff != q.staff_of_grid.end() ? staff->second : "grid:" + r.grid_id()};
    }
    case StatsGroup::channel:
      return {std::string(to_string(r.channel))};
    case StatsGroup::department: {
      const Assignee& a = r.assignee.kind != Assignee::Kind::none ? r.assignee : r.responsible;
      return {a.kind == Assignee::Kind::department ? a.id : "(locality)"};
    }
    case StatsGroup::category:
      return {r.category};
    case StatsGroup::day:
      return {day_key(floor<days>(zone.to_local(r.created_at)))};
    case StatsGroup::week: {
      // ISO-like weeks starting on Monday, named by their Monday.
      const local_days d = floor<days>(zone.to_local(r.created_at));
      const unsigned wd = weekday(d).iso_encoding();  // Monday = 1
      return {day_key(d - days(wd - 1))};
    }
    case StatsGroup::month:
      return {day_key(floor<days>(zone.to_local(r.created_at))).substr(0, 7)};
  }
  return {};
}

}  // namespace

std::optional<StatsGroup> parse_stats_group(std::string_view s) {
  for (std::size_t i = 0; i < kGroups.size(); ++i)
    if (kGroups[i] == s) return static_cast<StatsGroup>(i);
  return std::nullopt;
}

std::string_view to_string(StatsGroup g) noexcept {
  return kGroups[static_cast<std::size_t>(g)];
}

std::vector<StatsRow> compute_stats(const std::vector<Report>& reports, const StatsQuery& q,
                                    const TimeZone& zone) {
  const Instant horizon = std::min(q.to, q.now);
  std::map<std::string, Accumulator> groups;
  Accumulator total;
  total.row.key = "total";
  for (const Report& r : reports) {
    if (r.created_at < q.from || r.created_at >= q.to || !in_scope(r, q)) continue;
    count(total, r, horizon, zone);
    for (const std::string& k : keys_of(r, q, zone)) {
      Accumulator& acc = groups[k];
      acc.row.key = k;
      if (q.group == StatsGroup::leader && !r.leader.name.empty())
        acc.row.label = r.leader.role + " " + r.leader.name;
      count(acc, r, horizon, zone);
    }
  }
  std::vector<StatsRow> rows;
  for (auto& [k, acc] : groups) {
    finish(acc);
    rows.push_back(std::move(acc.row));
  }
  finish(total);
  rows.push_back(std::move(total.row));
  return rows;
}

}  // namespace wangge::dispatch
