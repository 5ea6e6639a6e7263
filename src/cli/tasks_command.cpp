// wangge tasks list|show|publish|act — the task board (圆单 help requests, 揭榜挂帅 posts) from
// the command line, under the same rules as the API (service::TaskBoard), acting as --as.
#include <cstdio>

#include "commands.hpp"
#include "wangge/service/task_board.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {
namespace {

namespace tk = dispatch::tasks;

void print_task(const tk::Task& t, const dispatch::TimeZone& zone) {
  std::printf("%-18s %-12s %-9s %5lld  %-20s %-24s %s\n", t.id.c_str(),
              std::string(to_string(t.kind)).c_str(), std::string(to_string(t.state)).c_str(),
              static_cast<long long>(t.points), t.grid().c_str(),
              dispatch::format_iso(t.created_at, zone).c_str(), t.title.c_str());
}

int print_view(const service::TaskView& v, const dispatch::TimeZone& zone) {
  print_task(v.task, zone);
  if (!v.task.text.empty()) std::printf("  %s\n", v.task.text.c_str());
  std::printf("  asked by %s%s%s\n", v.task.requester.c_str(),
              v.task.claimant.empty() ? "" : ", claimed by ", v.task.claimant.c_str());
  for (const tk::TaskEvent& e : v.events)
    std::printf("  %3d %s %-10s %-28s %s → %s %s\n", e.seq,
                dispatch::format_iso(e.at, zone).c_str(), e.action.c_str(), e.actor.c_str(),
                std::string(to_string(e.from)).c_str(), std::string(to_string(e.to)).c_str(),
                e.note.c_str());
  std::string allowed;
  for (const tk::Action a : v.allowed) (allowed += allowed.empty() ? "" : ", ") += to_string(a);
  std::printf("  may now: %s\n", allowed.empty() ? "nothing" : allowed.c_str());
  return 0;
}

template <class T>
T parsed_or_throw(std::optional<T> v, const std::string& option, const char* choices) {
  if (!v) throw Error(ErrorCode::invalid_argument, option + " must be one of " + choices);
  return *v;
}

}  // namespace

Runner add_tasks_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string as, id, kind, state, title, text, grid, due, action, note, datum = "wgs84";
    double lon = 0, lat = 0;
    long long points = 0, rating = 0, limit = 50;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "tasks",
      "The task board: 圆单 help requests residents ask for and verified volunteers claim, and\n"
      "揭榜挂帅 posts staff publish with a bounty of points. The same rules as the API, acting\n"
      "as --as (a staff id or resident:<id>).\n"
      "Example: wangge tasks publish --as resident:u1 --title 帮独居老人买药 --lon 112.9269 "
      "--lat 27.8576\n"
      "         wangge tasks act t0123 claim --as resident:v01\n"
      "         wangge tasks list --as d01 --state open");
  cmd->require_subcommand(1);
  const auto with_store = [&](CLI::App* c) {
    add_store_options(*c, a->store);
    c->add_option("--as", a->as, "Who acts: a staff id or resident:<id>")->required();
    return c;
  };
  CLI::App* list = with_store(cmd->add_subcommand("list", "The tasks one may see, newest first"));
  list->add_option("--state", a->state, "open, claimed, done, confirmed, rated or cancelled");
  list->add_option("--kind", a->kind, "help_request or challenge");
  list->add_option("--limit", a->limit, "At most this many")->check(integer_in(1, 500));
  CLI::App* show = with_store(cmd->add_subcommand("show", "One task with its history"));
  show->add_option("id", a->id, "The task's id")->required();
  CLI::App* publish = with_store(cmd->add_subcommand("publish", "Publish a task"));
  publish->add_option("--kind", a->kind, "help_request (default) or challenge (staff)");
  publish->add_option("--title", a->title, "What is needed")->required();
  publish->add_option("--text", a->text, "More about it");
  CLI::Option* lon =
      publish->add_option("--lon", a->lon, "Where: longitude")->check(finite_number());
  CLI::Option* lat =
      publish->add_option("--lat", a->lat, "Where: latitude")->check(finite_number());
  publish->add_option("--datum", a->datum, "wgs84, gcj02 or bd09");
  publish->add_option("--grid", a->grid, "Or in this grid (staff)");
  publish->add_option("--points", a->points, "A bounty (staff)")
      ->check(integer_in(1, tk::kMaxTaskPoints));
  publish->add_option("--due", a->due, "Wanted by (ISO 8601)");
  CLI::App* act = with_store(cmd->add_subcommand("act", "Act on a task"));
  act->add_option("id", a->id, "The task's id")->required();
  act->add_option("action", a->action, "claim, release, complete, reject, confirm, rate, cancel")
      ->required();
  act->add_option("--note", a->note, "Why (reject needs one)");
  act->add_option("--rating", a->rating, "rate: 1 to 5")->check(integer_in(1, 5));

  return [=]() -> int {
    auto service = a->store.open();
    service::TaskBoard& board = service->tasks();
    const auto& zone = service->reference()->calendar.zone();
    const dispatch::Instant now = dispatch::now_utc();
    const dispatch::Actor by = service->actor(a->as);
    if (list->parsed()) {
      store::TaskFilter f;
      if (!a->state.empty())
        f.states.push_back(parsed_or_throw(tk::parse_state(a->state), "--state",
                                           "open, claimed, done, confirmed, rated, cancelled"));
      if (!a->kind.empty())
        f.kind = parsed_or_throw(tk::parse_kind(a->kind), "--kind", "help_request, challenge");
      f.limit = static_cast<std::size_t>(a->limit);
      const store::TaskPage page = board.list(f, by);
      for (const tk::Task& t : page.items) print_task(t, zone);
      std::printf("%zu tasks%s\n", page.items.size(), page.next.empty() ? "" : " (more)");
      return 0;
    }
    if (show->parsed()) return print_view(board.view(a->id, by), zone);
    if (publish->parsed()) {
      service::TaskDraft d;
      if (!a->kind.empty())
        d.kind = parsed_or_throw(tk::parse_kind(a->kind), "--kind", "help_request, challenge");
      d.title = a->title;
      d.text = a->text;
      d.grid = a->grid;
      if (lon->count() != lat->count())
        throw Error(ErrorCode::invalid_argument, "--lon and --lat go together");
      if (lon->count()) {
        d.position = geo::LonLat::checked(geo::Longitude(a->lon), geo::Latitude(a->lat));
        d.datum = parsed_or_throw(geo::parse_datum(a->datum), "--datum", "wgs84, gcj02, bd09");
      }
      if (a->points) d.points = a->points;
      if (!a->due.empty()) d.due_at = parse_time_option(a->due, "--due", zone);
      const tk::Task t = board.publish(d, by, now);
      print_task(t, zone);
      return 0;
    }
    tk::Request r;
    r.action = parsed_or_throw(tk::parse_action(a->action), "action",
                               "claim, release, complete, reject, confirm, rate, cancel");
    r.note = a->note;
    r.rating = static_cast<int>(a->rating);
    return print_view(board.act(a->id, r, by, now), zone);
  };
}

}  // namespace wangge::cli
