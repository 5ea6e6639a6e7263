// The monthly appraisal (月度考核; see appraisals.hpp).
#include "wangge/service/appraisals.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

namespace ap = dispatch::appraisal;
namespace ps = dispatch::patrols;
using dispatch::Instant;
using dispatch::Role;

/// How far back a household's last visit before the month is looked for: a household not
/// visited in that long is due whatever came before.
constexpr auto kLookBack = std::chrono::days(92);

struct Month {
  std::chrono::local_days first, next;
};

Month parse_month(const std::string& text) {
  int y = 0;
  unsigned m = 0;
  char tail = 0;
  if (text.size() != 7 || std::sscanf(text.c_str(), "%4d-%2u%c", &y, &m, &tail) != 2 || y < 2000 ||
      y > 2100 || m < 1 || m > 12 || text[4] != '-')
    throw Error(ErrorCode::invalid_argument, "month must be YYYY-MM (e.g. 2026-11)");
  const std::chrono::year_month ym{std::chrono::year(y), std::chrono::month(m)};
  return {std::chrono::local_days(ym / 1),
          std::chrono::local_days((ym + std::chrono::months(1)) / 1)};
}

void add(ps::Tally& to, const ps::Tally& t) {
  to.required += t.required;
  to.done += t.done;
  to.missed += t.missed;
  to.outstanding += t.outstanding;
  if (t.last && (!to.last || *t.last > *to.last)) to.last = t.last;
}

bool in_chain(const std::vector<std::string>& chain, const std::string& grid) {
  return std::find(chain.begin(), chain.end(), grid) != chain.end();
}

/// The statistics of the reports whose chain meets @p grids, as one row keyed @p key.
dispatch::StatsRow stats_of(const std::vector<dispatch::Report>& reports,
                            const std::vector<std::string>& grids, const std::string& key,
                            Instant from, Instant to, Instant now, const dispatch::TimeZone& zone) {
  const std::unordered_set<std::string> wanted(grids.begin(), grids.end());
  std::vector<dispatch::Report> mine;
  for (const dispatch::Report& r : reports)
    if (std::any_of(r.grid_chain.begin(), r.grid_chain.end(),
                    [&](const std::string& g) { return wanted.count(g) > 0; }))
      mine.push_back(r);
  dispatch::StatsQuery q;
  q.from = from;
  q.to = to;
  q.now = now;
  dispatch::StatsRow row = dispatch::compute_stats(mine, q, zone).back();  // the total
  row.key = key;
  return row;
}

/// @p grids without those under another of them: each grid's figures already hold the grids
/// below it, so a worker answering for a 小组 and one of its 邻 counts the 邻 once.
std::vector<std::string> outermost(
    const std::vector<std::string>& grids,
    const std::function<std::vector<std::string>(const std::string&)>& chain_of) {
  std::vector<std::string> out;
  for (const std::string& g : grids) {
    const std::vector<std::string> chain = chain_of(g);
    const bool inner = std::any_of(
        chain.begin() + (chain.empty() ? 0 : 1), chain.end(), [&](const std::string& up) {
          return std::find(grids.begin(), grids.end(), up) != grids.end();
        });
    if (!inner && std::find(out.begin(), out.end(), g) == out.end()) out.push_back(g);
  }
  return out;
}

/// Visits over the month [@p from, @p to): each household's tally credited to every grid of
/// its chain, and the visits each visitor made.
struct VisitMonth {
  std::unordered_map<std::string, ap::VisitTally> in_grid;
  std::unordered_map<std::string, std::size_t> by_visitor;
};

VisitMonth visit_month(store::Store& store, Instant from, Instant to, Instant now,
                       const dispatch::WorkCalendar& calendar) {
  VisitMonth out;
  auto& visits_in = out.in_grid;
  auto& visits_by = out.by_visitor;
  std::unordered_map<std::string, Instant> last_before;
  std::set<std::string> visited;
  store::VisitFilter vf;
  vf.from = from - kLookBack;
  vf.to = to;
  vf.limit = 1000;
  while (true) {
    const store::VisitPage page = store.visits().visits(vf);
    for (const dispatch::visits::Visit& v : page.items) {
      if (v.at >= from) {
        ++visits_by[v.visitor];
        for (const std::string& g : v.grid_chain) ++visits_in[g].visits;
      }
      if (v.outcome == dispatch::visits::Outcome::not_home) continue;
      if (v.at >= from) {
        visited.insert(v.household);
      } else {
        auto [it, fresh] = last_before.emplace(v.household, v.at);
        if (!fresh) it->second = std::max(it->second, v.at);
      }
    }
    if (page.next.empty()) break;
    vf.after = page.next;
  }
  store::HouseholdFilter hf;
  hf.limit = 20000;
  while (true) {
    const store::HouseholdPage page = store.visits().households(hf);
    for (const store::HouseholdRow& row : page.items) {
      const dispatch::visits::Household& h = row.household;
      std::optional<Instant> before;
      if (auto it = last_before.find(h.id); it != last_before.end())
        before = it->second;
      else if (row.last_visit && *row.last_visit < from - kLookBack)
        before = row.last_visit;
      const ap::VisitTally t = ap::tally_household(h, before, visited.count(h.id) > 0, from, to,
                                                   now, dispatch::visits::Policy{}, calendar);
      for (const std::string& g : h.grid_chain) {
        ap::VisitTally& sum = visits_in[g];
        const std::size_t made = sum.visits;
        sum += t;
        sum.visits = made;  // visits are counted from the visits themselves
      }
    }
    if (page.next.empty()) break;
    hf.after = page.next;
  }
  return out;
}

/// The 红黑榜: departments by the cases assigned to them, property companies by the cases in
/// their grids; ranked.
std::vector<ap::BoardRow> board_of(const std::vector<dispatch::Report>& reports,
                                   dispatch::StatsQuery q, const dispatch::ReferenceData& ref,
                                   const ap::Policy& policy, const dispatch::TimeZone& zone) {
  std::vector<ap::BoardRow> board;
  q.group = dispatch::StatsGroup::department;
  std::unordered_map<std::string, dispatch::StatsRow> by_department;
  for (dispatch::StatsRow& r : dispatch::compute_stats(reports, q, zone))
    by_department.emplace(r.key, std::move(r));
  for (const dispatch::Department& d : ref.departments) {
    ap::BoardRow b;
    b.kind = "department";
    b.id = d.id;
    b.name = d.name;
    auto it = by_department.find(d.id);
    b.cases = it != by_department.end() ? it->second : dispatch::StatsRow{};
    b.cases.key = d.id;
    b.score = ap::score(b.cases, policy.weights);
    board.push_back(std::move(b));
  }
  for (const ap::PropertyCompany& c : policy.property_companies) {
    ap::BoardRow b;
    b.kind = "property";
    b.id = c.id;
    b.name = c.name;
    b.cases = stats_of(reports, c.grids, c.id, q.from, q.to, q.now, zone);
    b.score = ap::score(b.cases, policy.weights);
    board.push_back(std::move(b));
  }
  ap::rank(board, policy);
  return board;
}

/// The blocks' rows: the grids one below the root, each with the figures of its grid and the
/// points of the workers with a grid in it.
std::vector<AppraisalRow> block_rows(
    const grid::GridSet& set, const std::unordered_map<std::string, dispatch::StatsRow>& by_grid,
    const std::unordered_map<std::string, ap::VisitTally>& visits_in,
    const std::unordered_map<std::string, ps::Tally>& patrols_in,
    const std::vector<AppraisalRow>& workers,
    const std::function<std::vector<std::string>(const std::string&)>& chain_of) {
  std::vector<AppraisalRow> blocks;
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (set.depth(i) != 1) continue;
    const grid::Grid& g = set[i];
    AppraisalRow row;
    row.id = g.id;
    row.name = g.name;
    row.grids = {g.id};
    auto it = by_grid.find(g.id);
    row.cases = it != by_grid.end() ? it->second : dispatch::StatsRow{};
    row.cases.key = g.id;
    if (auto v = visits_in.find(g.id); v != visits_in.end()) row.visits = v->second;
    if (auto p = patrols_in.find(g.id); p != patrols_in.end()) row.patrols = p->second;
    // A worker's points count for every block he has a grid in (once each).
    for (const AppraisalRow& w : workers)
      if (std::any_of(w.grids.begin(), w.grids.end(),
                      [&](const std::string& wg) { return in_chain(chain_of(wg), g.id); }))
        row.points += w.points;
    blocks.push_back(std::move(row));
  }
  std::sort(blocks.begin(), blocks.end(),
            [](const AppraisalRow& a, const AppraisalRow& b) { return a.id < b.id; });

  return blocks;
}

}  // namespace

Appraisals::Appraisals(store::Store& store, Reference reference, Grids grids, Reports reports,
                       PatrolBook& patrols)
    : store_(store),
      reference_(std::move(reference)),
      grids_(std::move(grids)),
      reports_(std::move(reports)),
      patrols_(patrols) {}

AppraisalReport Appraisals::month(const std::string& month_text, const dispatch::Actor& by,
                                  Instant now) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "the appraisal needs a signed-in member of the office");
  if (by.role != Role::dispatcher && by.role != Role::supervisor && by.role != Role::admin)
    throw Error(ErrorCode::forbidden,
                "the appraisal is read by the office (dispatchers, supervisors, admins)");
  const Month m = parse_month(month_text);
  const auto ref = reference_();
  const auto index = grids_();
  if (!index) throw Error(ErrorCode::unavailable, "no grid generation is active");
  const dispatch::WorkCalendar& calendar = ref->calendar;
  const dispatch::TimeZone& zone = calendar.zone();
  const auto instant = [&](std::chrono::local_days d) {
    return zone.to_instant(std::chrono::local_time<dispatch::Milliseconds>(d.time_since_epoch()));
  };
  AppraisalReport out;
  out.month = month_text;
  out.from = instant(m.first);
  out.to = instant(m.next);
  if (out.from > now)
    throw Error(ErrorCode::invalid_argument, "month " + month_text + " has not begun");
  out.policy = ref->appraisal;
  out.formula = ap::formula(out.policy.weights);
  const grid::GridSet& set = index->grids();
  const auto chain_of = [&](const std::string& id) {
    std::vector<std::string> chain;
    for (auto i = set.find(id); i && chain.size() < 64; i = set.find(set[*i].parent_id))
      chain.push_back(set[*i].id);
    return chain;
  };

  // Cases: every grid's row, rolled up (a report counts for its grid and each above it).
  const std::vector<dispatch::Report> reports = reports_(out.from, out.to);
  dispatch::StatsQuery q;
  q.group = dispatch::StatsGroup::grid;
  q.from = out.from;
  q.to = out.to;
  q.now = now;
  std::unordered_map<std::string, dispatch::StatsRow> by_grid;
  for (dispatch::StatsRow& r : dispatch::compute_stats(reports, q, zone))
    by_grid.emplace(r.key, std::move(r));

  // Visits: each household's month, credited to every grid of its chain.
  const VisitMonth vm = visit_month(store_, out.from, out.to, now, calendar);
  const auto& visits_in = vm.in_grid;
  const auto& visits_by = vm.by_visitor;

  // Patrols: each route's month, credited to every grid of its chain.
  std::unordered_map<std::string, ps::Tally> patrols_in;
  const PatrolPeriod period{m.first, m.next - std::chrono::days(1)};
  for (const RouteStatus& s : patrols_.routes("", period, by, now))
    for (const std::string& g : s.chain) add(patrols_in[g], s.tally.tally);

  // Points earned in the month.
  std::unordered_map<std::string, std::int64_t> points;
  for (const auto& [person, earned] : store_.ledger().earned_between(out.from, out.to))
    points[person] = earned;

  // Workers.
  for (const dispatch::Actor& a : ref->staff) {
    if (a.role != Role::grid_worker || a.grids.empty()) continue;
    AppraisalRow row;
    row.id = a.id;
    row.name = a.name;
    if (auto i = set.find(a.grids[0])) {
      // The grid's leader's title (片长, 网格员, 邻长) when the worker leads it; else its level.
      const grid::Grid& g = set[*i];
      row.title = g.leader.name == a.name && !g.leader.role.empty() ? g.leader.role : g.level_name;
    }
    row.grids = a.grids;
    if (a.grids.size() == 1) {
      auto it = by_grid.find(a.grids[0]);
      row.cases = it != by_grid.end() ? it->second : dispatch::StatsRow{};
      row.cases.key = a.id;
    } else {
      row.cases = stats_of(reports, a.grids, a.id, out.from, out.to, now, zone);
    }
    for (const std::string& g : outermost(a.grids, chain_of)) {
      if (auto it = visits_in.find(g); it != visits_in.end()) row.visits += it->second;
      if (auto it = patrols_in.find(g); it != patrols_in.end()) add(row.patrols, it->second);
    }
    if (auto it = visits_by.find(a.id); it != visits_by.end())
      row.visits.visits = it->second;
    else
      row.visits.visits = 0;
    row.points = points.count(a.id) ? points[a.id] : 0;
    out.workers.push_back(std::move(row));
  }
  std::sort(out.workers.begin(), out.workers.end(),
            [](const AppraisalRow& a, const AppraisalRow& b) { return a.id < b.id; });

  out.blocks = block_rows(set, by_grid, visits_in, patrols_in, out.workers, chain_of);

  out.board = board_of(reports, q, *ref, out.policy, zone);
  return out;
}

}  // namespace wangge::service
