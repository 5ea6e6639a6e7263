// The dispatch half of the Service facade: intake, the workflow, reads over the reports,
// statistics and the ticker, over the store (composition.cpp builds the service; snapshots.cpp
// keeps its grids, reference data and network).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>

#include "grid_snapshot.hpp"
#include "service_state.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/network/service_points.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::service {
namespace {

/// A stable fingerprint of a submission (FNV-1a 64 over its canonical fields), so a retried
/// request can be told from a different one under the same idempotency key.
std::string request_hash(const dispatch::Submission& s, const dispatch::Actor& by) {
  std::string canon;
  auto add = [&](const std::string& v) {
    canon += v;
    canon += '\x1f';
  };
  auto num = [](const std::optional<double>& v) {
    if (!v) return std::string("-");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *v);
    return std::string(buf);
  };
  add(num(s.lon));
  add(num(s.lat));
  add(s.datum);
  add(num(s.accuracy_m));
  add(s.category);
  add(s.text);
  for (const auto& m : s.media) add(m);
  add(s.channel);
  add(s.reporter.name);
  add(s.reporter.phone);
  add(s.external_id);
  add(by.id);
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : canon) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace

std::size_t Service::notify(store::WriteTx& tx, const dispatch::Report& r, const dispatch::Event& e,
                            const dispatch::ReferenceData& ref, dispatch::Instant now,
                            store::Enqueued& out) const {
  const auto index = grid_index();
  return dispatch_->notifications->enqueue(
      tx, r, e, ref,
      [&index](const std::string& id) {
        if (!index) return std::string();
        const auto i = index->grids().find(id);
        return i ? index->grids()[*i].name : std::string();
      },
      now, out);
}

namespace {

/// The reply remembered under @p options' key, if any; a different request is refused.
std::optional<store::StoredReply> remembered(store::WriteTx& tx, const ReplyOptions* options) {
  if (!options || options->key.empty()) return std::nullopt;
  auto seen = tx.reply(options->key);
  if (seen && seen->request_hash != options->request_hash) {
    throw Error(ErrorCode::idempotency_mismatch,
                "the Idempotency-Key was used before for a different request");
  }
  return seen;
}

/// Renders and remembers the reply to a new change, in its own write.
std::optional<store::StoredReply> remember(store::WriteTx& tx, const ReplyOptions* options,
                                           const dispatch::Report& r, dispatch::Instant now) {
  if (!options || options->key.empty()) return std::nullopt;
  store::StoredReply reply = options->render(r);
  reply.request_hash = options->request_hash;
  tx.save_reply(options->key, reply, now);
  return reply;
}

/// What the event earns its case's reporter (points.hpp: earning_for), posted in the same write
/// as the event: a case registered earns once, however often it is registered again (after a
/// rework or a replay). Dated no earlier than the ledger's last entry.
void earn_points(store::WriteTx& tx, const dispatch::Report& r, const dispatch::Event& e,
                 const dispatch::ReferenceData& ref) {
  if (auto earning = dispatch::points::earning_for(r, e)) earn_in(tx, ref.points, *earning);
}

/// Marks the uploaded photos @p media cites as taken by @p report_id. @throws
/// Error(invalid_argument) for one deleted since it was checked (unused for a day), so that no
/// case cites a photo that is gone (the write rolls back).
void take_media(store::WriteTx& tx, const std::vector<std::string>& media,
                const std::string& report_id) {
  for (const std::string& m : media) {
    if (dispatch::is_media_id(m) && !tx.attach_media(m, report_id))
      throw Error(
          ErrorCode::invalid_argument,
          "media '" + m + "' is gone (an upload no case used within a day): upload it again");
  }
}

/// A resident who reports a problem already reported (a probable duplicate) follows the
/// original case, in the same write: he sees it and may rate it when it is closed. Not an
/// event of the case (its state and version do not change); at most Report::kMaxFollowers.
void follow_original(store::WriteTx& tx, const dispatch::Report& dup, const dispatch::Actor& by) {
  if (dup.duplicate_of.empty() || !dispatch::reports_as_resident(by.role) || by.id.empty()) return;
  auto original = tx.report(dup.duplicate_of);
  if (!original || original->submitted_by == by.id || original->followed_by(by.id) ||
      original->followers.size() >= dispatch::Report::kMaxFollowers) {
    return;
  }
  original->followers.push_back(by.id);
  tx.update_report(*original);
}

}  // namespace

SubmitResult Service::submit(const dispatch::Submission& s, const dispatch::Actor& by,
                             const std::string& key_in, dispatch::Instant now,
                             const ReplyOptions* reply_options) {
  const auto grids = dispatch_ ? grid_snapshot() : nullptr;
  const auto ref = reference();
  if (!grids) throw Error(ErrorCode::unavailable, "no grid generation is active");
  const auto nearest = dispatch_->nearest_service();
  const dispatch::Intake intake(*ref, *grids->index, grids->generation, nearest.get());
  dispatch::Report report = intake.build(s, by, now, dispatch::new_report_id(now));
  dispatch_->media->check_citations(report.media, by);
  // A channel's ticket (12345 工单号) names one case: submitted again, it is a replay, or an
  // idempotency mismatch when its content differs.
  const std::string key =
      !key_in.empty() || report.external_id.empty()
          ? key_in
          : "ext:" + std::string(to_string(report.channel)) + ":" + report.external_id;
  const std::string hash = key.empty() ? std::string() : request_hash(s, by);
  if (key.size() > 255 || key.find('\0') != std::string::npos) {
    throw Error(ErrorCode::invalid_argument,
                "an idempotency key is at most 255 characters without NUL bytes");
  }
  const dispatch::Category& category = *ref->categories.find(report.category);
  const double radius = *category.duplicate_radius_m;
  const double dlat = radius / 111000.0 * 1.1;
  const double dlon =
      dlat / std::max(0.01, std::cos(report.position.lat() * 3.14159265358979 / 180.0));
  const geo::BBox near{report.position.lon() - dlon, report.position.lat() - dlat,
                       report.position.lon() + dlon, report.position.lat() + dlat};

  SubmitResult result;
  store::Enqueued enqueued;
  for (int attempt = 0;; ++attempt) {
    try {
      store().write([&](store::WriteTx& tx) {
        enqueued = {};
        if (auto seen = remembered(tx, reply_options)) {
          result.reply = seen;
          result.replayed = true;
          return;
        }
        if (!key.empty()) {
          if (auto seen = tx.idempotency(key)) {
            if (seen->request_hash != hash) {
              throw Error(ErrorCode::idempotency_mismatch,
                          "idempotency key '" + key + "' was used before for a different request");
            }
            result.report = tx.report(seen->report_id).value();
            result.replayed = true;
            return;
          }
        }
        dispatch::Report r = report;
        // The nearest few are enough to find the nearest one; bounded, so that a spot where
        // open reports pile up costs no more per submission than a quiet one.
        constexpr std::size_t kCandidates = 64;
        const auto candidates = tx.open_reports_near(
            r.category, near, r.created_at - *category.duplicate_age, kCandidates);
        if (auto dup = intake.find_duplicate(r, candidates)) r.duplicate_of = *dup;
        dispatch::Event e;
        e.report_id = r.id;
        e.seq = 1;
        e.at = now;
        e.actor_id = by.id;
        e.role = by.role;
        e.action = "submit";
        e.from = e.to = dispatch::ReportState::received;
        e.data["channel"] = std::string(to_string(r.channel));
        e.data["grid"] = r.grid_chain.empty() ? "(not covered)" : r.grid_id();
        if (!r.duplicate_of.empty()) e.data["duplicate_of"] = r.duplicate_of;
        r.version = 1;
        tx.insert_report(r, key, hash);
        take_media(tx, r.media, r.id);
        follow_original(tx, r, by);
        tx.append_event(e);
        notify(tx, r, e, *ref, now, enqueued);
        result.reply = remember(tx, reply_options, r, now);
        result.report = std::move(r);
        result.replayed = false;
      });
      if (!result.replayed) report_changed(result.report);
      if (!result.replayed) dispatch_->notifications->hand_off(std::move(enqueued));
      return result;
    } catch (const Error& e) {
      // A report id collision (60 random bits within its month) is astronomically rare; a new id
      // settles it.
      if (e.code() != ErrorCode::conflict || attempt > 0) throw;
      report.id = dispatch::new_report_id(now);
    }
  }
}

dispatch::Report Service::act(const std::string& id, const dispatch::ActionRequest& request,
                              const dispatch::Actor& by, dispatch::Instant now) {
  return act(id, request, by, now, ReplyOptions{}).report;
}

ActResult Service::act(const std::string& id, const dispatch::ActionRequest& request,
                       const dispatch::Actor& by, dispatch::Instant now,
                       const ReplyOptions& reply) {
  const auto ref = reference();
  const dispatch::Workflow workflow(*ref);
  // A grid assignee is shown by its name and leader ("xx邻 邻长 张三"), as intake does.
  dispatch::ActionRequest req = request;
  if (req.to && req.to->kind == dispatch::Assignee::Kind::grid && req.to->name.empty()) {
    const auto index = grid_index();
    if (const auto i = index->grids().find(req.to->id)) {
      const grid::Grid& g = index->grids()[*i];
      req.to->name =
          g.name + (g.leader.name.empty() ? "" : " " + g.leader.role + " " + g.leader.name);
    }
  }
  dispatch_->media->check_citations(req.media, by);
  ActResult result;
  store::Enqueued enqueued;
  store().write([&](store::WriteTx& tx) {
    enqueued = {};
    auto r = tx.report(id);
    if (!r || !dispatch::Workflow::can_see(*r, by))
      throw Error(ErrorCode::not_found, "report " + id + " does not exist");
    if (auto seen = remembered(tx, &reply)) {
      result = ActResult{std::move(*r), true, seen, 0};
      return;
    }
    // Dispatching to the responsible grid keeps its recorded name (from the generation of intake).
    if (req.to && req.to->kind == r->responsible.kind && req.to->id == r->responsible.id)
      req.to->name = r->responsible.name;
    const dispatch::Event e = workflow.apply(*r, req, by, now);
    tx.update_report(*r);
    tx.append_event(e);
    earn_points(tx, *r, e, *ref);
    result.notified = notify(tx, *r, e, *ref, now, enqueued);
    take_media(tx, e.media, r->id);
    result.reply = remember(tx, &reply, *r, now);
    result.report = std::move(*r);
    result.replayed = false;
  });
  if (!result.replayed) report_changed(result.report);
  if (!result.replayed) dispatch_->notifications->hand_off(std::move(enqueued));
  return result;
}

dispatch::Report Service::replay(const std::string& id, const std::vector<Step>& steps) {
  const auto ref = reference();
  const dispatch::Workflow workflow(*ref);
  dispatch::Report result;
  store::Enqueued enqueued;
  store().write([&](store::WriteTx& tx) {
    enqueued = {};
    auto r = tx.report(id);
    if (!r) throw Error(ErrorCode::not_found, "report " + id + " does not exist");
    std::vector<dispatch::Event> events;
    for (const Step& step : steps) {
      if (!dispatch::Workflow::can_see(*r, step.by))
        throw Error(ErrorCode::not_found, "report " + id + " does not exist");
      events.push_back(workflow.apply(*r, step.request, step.by, step.at));
      notify(tx, *r, events.back(), *ref, step.at, enqueued);
    }
    tx.update_report(*r);
    for (const dispatch::Event& e : events) {
      tx.append_event(e);
      earn_points(tx, *r, e, *ref);
    }
    result = std::move(*r);
  });
  report_changed(result);
  dispatch_->notifications->hand_off(std::move(enqueued));
  return result;
}

bool Service::visible(const dispatch::Report& r, const dispatch::Actor& viewer) const {
  if (!dispatch::Workflow::can_see(r, viewer)) return false;
  return !viewer.anonymous || reference()->categories.is_public(r.category);
}

std::optional<dispatch::Report> Service::report(const std::string& id,
                                                const dispatch::Actor& viewer) {
  auto r = store().report(id);
  if (!r || !visible(*r, viewer)) return std::nullopt;
  return r;
}

std::vector<dispatch::Event> Service::events(const std::string& id, const dispatch::Actor& viewer) {
  if (!report(id, viewer)) throw Error(ErrorCode::not_found, "report " + id + " does not exist");
  return store().events(id);
}

namespace {

/// @p filter narrowed to what @p viewer may list (residents: their own; grid workers: their
/// grids; department staff: their department's), or std::nullopt when nothing can match.
/// @p grids: the active grids (needed for grid workers only).
std::optional<store::ReportFilter> scoped(store::ReportFilter filter, const dispatch::Actor& viewer,
                                          const grid::GridSet* grids,
                                          const dispatch::CategoryTree& categories) {
  // The public never sees a case of a category that is not public, not even counted.
  if (viewer.anonymous) filter.exclude_categories = categories.private_codes();
  switch (viewer.role) {
    case dispatch::Role::resident:
    case dispatch::Role::party_member:
      if (viewer.id.empty()) return std::nullopt;
      filter.submitted_by = viewer.id;
      break;
    case dispatch::Role::grid_worker:
      if (viewer.grids.size() == 1) {
        const grid::GridSet& set = *grids;
        if (filter.grid) {
          // Only the worker's grid or one below it.
          bool inside = false;
          for (auto g = set.find(*filter.grid); g && !inside; g = set.parent(*g))
            inside = set[*g].id == viewer.grids[0];
          if (!inside) return std::nullopt;
        } else {
          filter.grid = viewer.grids[0];
        }
      }
      break;
    case dispatch::Role::department_staff:
      if (filter.department && *filter.department != viewer.department) return std::nullopt;
      filter.department = viewer.department;
      break;
    default:
      break;
  }
  return filter;
}

}  // namespace

store::ReportPage Service::list(store::ReportFilter filter, const dispatch::Actor& viewer) {
  store();  // throws when not opened on one
  const auto grids = viewer.role == dispatch::Role::grid_worker ? grid_snapshot() : nullptr;
  const auto mine = scoped(std::move(filter), viewer, grids ? &grids->index->grids() : nullptr,
                           reference()->categories);
  if (!mine) return {};
  store::ReportPage page = store().list(*mine);
  std::erase_if(page.items, [&](const dispatch::Report& r) { return !visible(r, viewer); });
  return page;
}

std::size_t Service::each_report(store::ReportFilter filter, const dispatch::Actor& viewer,
                                 std::size_t at_most,
                                 const std::function<void(const dispatch::Report&)>& fn) {
  std::size_t seen = 0;
  filter.offset = 0;
  while (seen < at_most) {
    filter.limit =
        std::clamp<std::size_t>(std::min(filter.limit, at_most - seen), 1, store::kMaxListLimit);
    const store::ReportPage page = list(filter, viewer);
    for (const dispatch::Report& r : page.items) fn(r), ++seen;
    if (page.next.empty()) break;
    filter.after = page.next;
  }
  return seen;
}

std::size_t Service::count(store::ReportFilter filter, const dispatch::Actor& viewer,
                           std::size_t at_most) {
  store();
  const auto grids = viewer.role == dispatch::Role::grid_worker ? grid_snapshot() : nullptr;
  const auto mine = scoped(std::move(filter), viewer, grids ? &grids->index->grids() : nullptr,
                           reference()->categories);
  return mine ? store().count(*mine, at_most) : 0;
}

std::vector<dispatch::StatsRow> Service::stats(const dispatch::StatsQuery& query) {
  // Statistics group reports in memory (medians need every value): the period is bounded by
  // the rows it may hold, read oldest first in one query with a LIMIT.
  const std::size_t one_more = std::max(query.max_reports, query.max_reports + 1);  // no wrap
  std::vector<dispatch::Report> reports = store().reports_created(query.from, query.to, one_more);
  if (reports.size() > query.max_reports) {
    throw Error(ErrorCode::invalid_argument,
                "the period holds more than " + std::to_string(query.max_reports) +
                    " reports, the most one statistics query reads: narrow it with from and to");
  }
  const auto ref = reference();
  dispatch::StatsQuery q = query;
  if (q.group == dispatch::StatsGroup::leader) {
    // A grid's leader is the grid worker who answers for exactly that grid.
    for (const dispatch::Actor& a : ref->staff)
      if (a.role == dispatch::Role::grid_worker && a.grids.size() == 1)
        q.staff_of_grid.emplace(a.grids[0], a.id);
  }
  return dispatch::compute_stats(reports, q, ref->calendar.zone());
}

std::vector<std::string> Service::maintain(dispatch::Instant now) {
  return store().maintain(now);
}

std::size_t Service::tick(dispatch::Instant now) {
  const auto ref = reference();
  const dispatch::Workflow workflow(*ref);
  std::size_t raised = 0;
  std::vector<dispatch::Report> changed;
  store::Enqueued enqueued;
  store().write([&](store::WriteTx& tx) {
    raised = 0;
    changed.clear();
    enqueued = {};
    std::set<std::string> supervised;
    // N working days are at least N calendar days: a bound the store can use.
    const dispatch::Instant list_before =
        now - std::chrono::hours(24) * ref->rules.list_after_work_days;
    for (const std::string& id :
         tx.supervision_candidates(now, ref->rules.remind_fraction, list_before, 10000)) {
      auto r = tx.report(id);
      if (!r) continue;
      std::vector<dispatch::Event> events;
      while (auto e = workflow.supervise(*r, now)) {
        notify(tx, *r, *e, *ref, now, enqueued);  // the report as this level left it
        events.push_back(std::move(*e));
      }
      if (events.empty()) continue;
      tx.update_report(*r);
      for (const dispatch::Event& e : events) tx.append_event(e);
      raised += events.size();
      supervised.insert(r->id);
      changed.push_back(std::move(*r));
    }
    // 报到超时: a whistled department let its deadline pass; told once, to it and the centre.
    for (const std::string& id : tx.report_in_candidates(now, 10000)) {
      auto r = tx.report(id);
      if (!r) continue;
      auto e = workflow.report_in_missed(*r, now);
      if (!e) continue;
      notify(tx, *r, *e, *ref, now, enqueued);
      tx.update_report(*r);
      tx.append_event(*e);
      ++raised;
      // Supervised in this tick too: published once, as it stands now.
      if (supervised.count(r->id) > 0)
        std::erase_if(changed, [&](const dispatch::Report& c) { return c.id == r->id; });
      changed.push_back(std::move(*r));
    }
  });
  if (raised > 0) {
    reports_changed();
    for (const dispatch::Report& r : changed) dispatch_->feed->publish(r);
    dispatch_->notifications->hand_off(std::move(enqueued));
  }
  // Photos uploaded but never cited by a case are not kept.
  (void)dispatch_->media->purge(now);
  return raised;
}

}  // namespace wangge::service
