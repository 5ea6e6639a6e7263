// The visit book (入户走访台账; see visit_book.hpp).
#include "wangge/service/visit_book.hpp"

#include <algorithm>

#include "wangge/service/points_bank.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

namespace vs = dispatch::visits;
using dispatch::Role;

[[noreturn]] void no_such(const std::string& id) {
  throw Error(ErrorCode::not_found, "household " + id.substr(0, 64) + " does not exist");
}

void require_signed_in(const dispatch::Actor& by) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "households and visits need a signed-in worker or a key");
}

/// The grids @p by's listings are narrowed to (nobody but the office and grid workers reads
/// households or visits).
std::vector<std::string> scope_of(const dispatch::Actor& by) {
  return dispatch::ledger_scope(by, "households and visits");
}

}  // namespace

VisitBook::VisitBook(store::Store& store, Reference reference, Chain chain, RaiseCase raise,
                     Changed changed)
    : store_(store),
      reference_(std::move(reference)),
      chain_(std::move(chain)),
      raise_(std::move(raise)),
      changed_(std::move(changed)) {}

HouseholdView VisitBook::view_of(store::HouseholdRow row, dispatch::Instant now) const {
  HouseholdView v;
  v.interval_work_days = vs::interval(row.household, policy_);
  v.due = vs::next_due(row.household, row.last_visit, policy_, reference_()->calendar);
  v.overdue = now > v.due;
  v.row = std::move(row);
  return v;
}

HouseholdImport VisitBook::import(const geo::OfficeTable& table, const std::string& file,
                                  const dispatch::Actor& by, dispatch::Instant now) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "households are imported by a signed-in admin");
  if (by.role != Role::admin && by.role != Role::supervisor)
    throw Error(ErrorCode::forbidden, "households are imported by an admin or a supervisor");
  vs::HouseholdTable parsed = vs::parse_households(table, file, now);
  HouseholdImport out;
  out.errors = std::move(parsed.errors);
  std::vector<vs::Household> good;
  for (std::size_t i = 0; i < parsed.households.size(); ++i) {
    vs::Household& h = parsed.households[i];
    h.grid_chain = chain_(h.unit);
    if (h.grid_chain.empty()) {
      out.errors.push_back(file + " row " + std::to_string(parsed.rows[i]) + ": unit " +
                           h.unit.substr(0, 64) + " is not a grid of the active generation");
      continue;
    }
    good.push_back(std::move(h));
  }
  store_.write([&](store::WriteTx& tx) {
    // Imported again, a household keeps when it was first registered (its visits are due
    // from then) and what its visits left on it.
    for (const vs::Household& h : good) tx.put_household(h);
  });
  out.imported = good.size();
  if (changed_ && !good.empty()) changed_({});
  return out;
}

HouseholdView VisitBook::household(const std::string& id, const dispatch::Actor& by,
                                   dispatch::Instant now) {
  require_signed_in(by);
  auto row = store_.visits().household(id);
  if (!row || !vs::may_see(row->household, by)) no_such(id);
  return view_of(std::move(*row), now);
}

HouseholdList VisitBook::households(const HouseholdQuery& q, const dispatch::Actor& by,
                                    dispatch::Instant now) {
  const std::vector<std::string> scope = scope_of(by);
  if (q.limit < 1 || q.limit > 1000)
    throw Error(ErrorCode::invalid_argument, "limit must be from 1 to 1000");
  store::HouseholdFilter f;
  f.flag = q.flag;
  f.after = q.after;
  if (!q.grid.empty()) {
    const std::vector<std::string> chain = chain_(q.grid);
    if (chain.empty())
      throw Error(ErrorCode::invalid_argument,
                  "grid '" + q.grid.substr(0, 64) + "' does not exist");
    if (!scope.empty() && !dispatch::covers(scope, chain))
      throw Error(ErrorCode::forbidden,
                  "grid " + q.grid + " is outside the grids " + by.id + " answers for");
    f.in_grids = {q.grid};
  } else {
    f.in_grids = scope;
  }
  HouseholdList out;
  // Without the overdue filter one page is the answer; with it, pages are read and filtered
  // until the list is full (each household is one row: this stays bounded by the households).
  f.limit = q.overdue_only ? 2000 : q.limit;
  while (true) {
    store::HouseholdPage page = store_.visits().households(f);
    for (store::HouseholdRow& row : page.items) {
      HouseholdView v = view_of(std::move(row), now);
      if (q.overdue_only && !v.overdue) continue;
      out.items.push_back(std::move(v));
      if (out.items.size() == q.limit) break;
    }
    if (out.items.size() == q.limit) {
      out.next = out.items.back().row.household.id;
      return out;
    }
    if (page.next.empty()) return out;
    f.after = page.next;
  }
}

VisitResult VisitBook::record(const VisitRecording& recording, const dispatch::Actor& by,
                              dispatch::Instant now) {
  require_signed_in(by);
  const std::string& id = recording.draft.household;
  auto row = store_.visits().household(id);
  if (!row || !vs::may_see(row->household, by)) no_such(id);
  const vs::Household& h = row->household;
  VisitResult out;
  out.visit = vs::record(h, recording.draft, by, "v" + dispatch::new_report_id(now).substr(1), now);
  if (recording.follow_up) {
    if (!h.lon || !h.lat)
      throw Error(ErrorCode::invalid_argument,
                  "household " + h.id + " has no position: report the case from its place");
    dispatch::Submission s = *recording.follow_up;
    s.lon = h.lon;
    s.lat = h.lat;
    s.datum = "wgs84";
    s.channel = "patrol";
    out.follow_up = raise_(s, by, now);
    out.visit.follow_up = out.follow_up->id;
  }
  const auto ref = reference_();
  store_.write([&](store::WriteTx& tx) {
    tx.insert_visit(out.visit);
    out.earned = false;
    if (auto earning = vs::earning_for(out.visit, ref->calendar.zone()))
      out.earned = earn_in(tx, ref->points, *earning);
  });
  // (A household always has its chain; an empty one would mean every grid.)
  if (changed_ && out.visit.outcome != vs::Outcome::not_home && !h.grid_chain.empty())
    changed_(h.grid_chain);
  return out;
}

vs::Visit VisitBook::visit(const std::string& id, const dispatch::Actor& by) {
  require_signed_in(by);
  auto v = store_.visits().visit(id);
  const bool visible =
      v && !by.anonymous && !by.id.empty() &&
      (dispatch::in_office(by.role) ||
       (by.role == Role::grid_worker && dispatch::covers(by.grids, v->grid_chain)));
  if (!visible) throw Error(ErrorCode::not_found, "visit " + id.substr(0, 64) + " does not exist");
  return *v;
}

store::VisitPage VisitBook::visits(store::VisitFilter filter, const dispatch::Actor& by) {
  const std::vector<std::string> scope = scope_of(by);
  if (!filter.household.empty()) {
    auto row = store_.visits().household(filter.household);
    if (!row || !vs::may_see(row->household, by)) no_such(filter.household);
  }
  for (const std::string& g : filter.in_grids) {
    const std::vector<std::string> chain = chain_(g);
    if (chain.empty())
      throw Error(ErrorCode::invalid_argument, "grid '" + g.substr(0, 64) + "' does not exist");
    if (!scope.empty() && !dispatch::covers(scope, chain))
      throw Error(ErrorCode::forbidden,
                  "grid " + g + " is outside the grids " + by.id + " answers for");
  }
  if (filter.in_grids.empty()) filter.in_grids = scope;
  return store_.visits().visits(filter);
}

}  // namespace wangge::service
