// wangge simulate — plays a plausible history over the received reports of a store, so the
// sample has a dispatch loop to show (the demo's statistics). Deterministic for a seed.
#include <algorithm>
#include <cstdio>
#include <limits>
#include <mutex>
#include <random>

#include "commands.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/parallel.hpp"
#include "wangge/util/progress.hpp"

namespace wangge::cli {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

struct SimulateArgs {
  StoreOptions store;
  std::uint64_t seed = 1;
  std::string until;
};

class Simulator {
 public:
  /// @throws Error(invalid_data) when the organisation has no dispatcher (调度员) to screen
  /// and dispatch with.
  Simulator(service::Service& service, std::uint64_t seed, dispatch::Instant until)
      : ref_(*service.reference()), seed_(seed), until_(until) {
    for (const dispatch::Actor& a : ref_.staff) {
      if (a.role == dispatch::Role::dispatcher) dispatchers_.push_back(&a);
      if (a.role == dispatch::Role::supervisor) supervisors_.push_back(&a);
    }
    if (dispatchers_.empty())
      throw Error(ErrorCode::invalid_data,
                  "the organisation has no dispatcher (调度员): simulate screens and dispatches "
                  "as one; add a member of staff with the role dispatcher");
    if (supervisors_.empty()) supervisors_ = dispatchers_;  // closures by a dispatcher then
  }

  /// The history of one report, cut at `until`.
  std::vector<service::Service::Step> history(const dispatch::Report& r) const {
    // Seeded by what the report says, not by its random id, so a run is reproducible.
    std::mt19937_64 rng(
        seed_ ^ std::hash<std::string>{}(r.text + r.category +
                                         std::to_string(r.created_at.time_since_epoch().count()) +
                                         std::to_string(r.position.lon())));
    auto uniform = [&](double a, double b) {
      return std::uniform_real_distribution<double>(a, b)(rng);
    };
    auto chance = [&](double p) { return uniform(0, 1) < p; };
    auto later = [&](dispatch::Instant t, double lo_min, double hi_min) {
      // Minutes of the simulation's own ranges (at most days): milliseconds, truncated as
      // duration_cast would.
      return t + dispatch::Milliseconds(
                     number::narrow<std::int64_t>(uniform(lo_min, hi_min) * 60000.0));
    };
    std::vector<service::Service::Step> steps;
    steps.reserve(16);  // `step` hands out pointers into it
    auto pick = [&](const std::vector<const dispatch::Actor*>& from) -> const dispatch::Actor& {
      return *from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
    };
    const dispatch::Actor& dispatcher = pick(dispatchers_);
    const dispatch::Actor& supervisor = pick(supervisors_);
    auto step = [&](dispatch::Action a, const dispatch::Actor& by, dispatch::Instant at,
                    std::string reason = {}) {
      dispatch::ActionRequest req;
      req.action = a;
      req.reason = std::move(reason);
      steps.push_back({req, by, at});
      return &steps.back().request;
    };
    dispatch::Instant t = later(r.created_at, 5, 90);
    if (t > until_) return steps;
    if (!r.duplicate_of.empty() && chance(0.8)) {
      step(dispatch::Action::cancel, dispatcher, t,
           "重复上报 (duplicate of " + r.duplicate_of + ")");
      return steps;
    }
    if (chance(0.03)) {
      step(dispatch::Action::cancel, dispatcher, t, "无效上报: 现场核实无此问题");
      return steps;
    }
    step(dispatch::Action::register_case, dispatcher, t);
    t = later(t, 2, 45);
    if (t > until_) return steps;
    step(dispatch::Action::dispatch, dispatcher, t);
    // The due time the workflow will compute, to make most handling on time.
    const dispatch::Category* category = ref_.categories.find(r.category);
    if (!category) return steps;  // a category the reference data no longer has
    const dispatch::Category& c = *category;
    const dispatch::Instant due = dispatch::Workflow(ref_).due_at(c, t);
    dispatch::Assignee assignee = r.responsible;
    if (assignee.kind == dispatch::Assignee::Kind::none) return steps;
    // Who handles for the assignee: the grid's own worker, or a member of the department.
    auto handler = [&](const dispatch::Assignee& a) -> const dispatch::Actor* {
      for (const dispatch::Actor& s : ref_.staff) {
        if (a.kind == dispatch::Assignee::Kind::grid && s.role == dispatch::Role::grid_worker &&
            std::find(s.grids.begin(), s.grids.end(), a.id) != s.grids.end())
          return &s;
        if (a.kind == dispatch::Assignee::Kind::department &&
            s.role == dispatch::Role::department_staff && s.department == a.id)
          return &s;
      }
      return nullptr;
    };
    const dispatch::Actor* who = handler(assignee);
    if (!who) return steps;
    t = later(t, 5, 120);
    if (t > until_) return steps;
    if (assignee.kind == dispatch::Assignee::Kind::grid && !c.department.empty() && chance(0.06)) {
      dispatch::ActionRequest* e =
          step(dispatch::Action::escalate, *who, t, "网格内无法处置，吹哨报到");
      e->to = dispatch::Assignee{dispatch::Assignee::Kind::department, c.department, ""};
      assignee = *e->to;
      who = handler(assignee);
      if (!who) return steps;
      t = later(t, 10, 240);
      if (t > until_) return steps;
    }
    step(dispatch::Action::accept, *who, t);
    const double budget_min =
        std::max(30.0, std::chrono::duration<double, std::ratio<60>>(due - t).count());
    const double fraction = chance(0.85) ? uniform(0.05, 0.9) : uniform(1.05, 2.0);
    t = later(t, budget_min * fraction * 0.9, budget_min * fraction);
    if (t > until_) return steps;
    step(dispatch::Action::handle, *who, t)->note = "已处置";
    t = later(t, 20, 300);
    if (t > until_) return steps;
    if (chance(0.08)) {
      step(dispatch::Action::rework, dispatcher, t, "核查未通过：现场仍未整改到位");
      t = later(t, 60, 480);
      if (t > until_) return steps;
      step(dispatch::Action::handle, *who, t)->note = "已再次处置";
      t = later(t, 20, 180);
      if (t > until_) return steps;
    }
    step(dispatch::Action::close, chance(0.3) ? supervisor : dispatcher, t);
    t = later(t, 60, 48 * 60);
    if (t > until_ || !chance(0.6)) return steps;
    const double p = uniform(0, 1);
    dispatch::ActionRequest* e = step(dispatch::Action::evaluate, dispatcher, t);
    e->rating = p < 0.55 ? 5 : p < 0.85 ? 4 : p < 0.95 ? 3 : p < 0.99 ? 2 : 1;
    e->note = "电话回访";
    return steps;
  }

 private:
  const dispatch::ReferenceData& ref_;
  std::vector<const dispatch::Actor*> dispatchers_, supervisors_;
  std::uint64_t seed_;
  dispatch::Instant until_;
};

int run(const SimulateArgs& a) {
  auto service = a.store.open();
  const dispatch::TimeZone& zone = service->reference()->calendar.zone();
  const dispatch::Instant until =
      a.until.empty() ? dispatch::now_utc() : parse_time_option(a.until, "--until", zone);
  const dispatch::Actor admin{"a-simulator", "simulator", dispatch::Role::admin, {}, {}};
  std::vector<dispatch::Report> received;
  store::ReportFilter f;
  f.states = {dispatch::ReportState::received};
  f.limit = 1000;
  service->each_report(f, admin, std::numeric_limits<std::size_t>::max(),
                       [&](const dispatch::Report& r) { received.push_back(r); });

  const Simulator sim(*service, a.seed, until);
  std::size_t actions = 0;
  std::mutex mutex;
  ProgressBar bar("reports", received.size());
  // Several reports at once: their writes share group-commit transactions.
  parallel_for(received.size(), 16, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const auto steps = sim.history(received[i]);
      if (!steps.empty()) service->replay(received[i].id, steps);
      std::lock_guard lock(mutex);
      actions += steps.size();
    }
    bar.advance(end - begin);
  });
  bar.finish();
  const std::size_t supervised = service->tick(until);
  std::printf(
      "simulated %zu actions on %zu received reports up to %s; %zu overdue case(s) supervised\n",
      actions, received.size(), dispatch::format_iso(until, zone).c_str(), supervised);
  return 0;
}

}  // namespace

Runner add_simulate_command(CLI::App& app) {
  auto args = std::make_shared<SimulateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Play a plausible dispatch history (screening, dispatch, handling, rework, closure, "
      "callbacks)\n"
      "over the received reports, up to --until. For demonstrations; deterministic for a seed.\n"
      "Example: wangge simulate --until 2026-11-16T12:00+08:00");
  add_store_options(*cmd, args->store);
  cmd->add_option("--seed", args->seed, "Random seed (default 1)")
      ->check(integer_in(0, std::numeric_limits<long long>::max()));
  cmd->add_option("--until", args->until, "Play events up to this time (ISO 8601; default now)");
  return [args] { return run(*args); };
}

}  // namespace wangge::cli
