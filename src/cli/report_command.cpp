// wangge report submit|show|list|act|tick — the dispatch loop from the command line.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "wangge/notify/channels.hpp"
#include "wangge/service/notifications.hpp"
#include "wangge/service/views.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

using nlohmann::json;

struct Common {
  StoreOptions store;
  std::string as;
  std::string at;
  bool json = false;
  std::string notify_config, base_url;
  dispatch::Instant when(const service::Service& s) const {
    return at.empty() ? dispatch::now_utc()
                      : parse_time_option(at, "--at", s.reference()->calendar.zone());
  }
  /// The service for a change: its messages go to the configured channels' outbox too, for
  /// the server's runner to send (this command sends nothing itself).
  std::unique_ptr<service::Service> open_for_changes() const {
    notify::NotifyConfig config;
    if (!notify_config.empty())
      config = notify::parse_notify_config(text::read_file(notify_config), notify_config);
    auto service = store.open();
    service->notifications().configure(std::move(config), base_url);
    return service;
  }
};

void add_common(CLI::App& cmd, Common& c, const char* as_help) {
  add_store_options(cmd, c.store);
  cmd.add_option("--notify-config", c.notify_config,
                 "The server's notification channels (env WANGGE_NOTIFY_CONFIG): a change's\n"
                 "messages wait in the outbox for the server to send them")
      ->envname("WANGGE_NOTIFY_CONFIG")
      ->check(CLI::ExistingFile);
  cmd.add_option("--base-url", c.base_url,
                 "The server's public base URL, for links in messages (env WANGGE_BASE_URL)")
      ->envname("WANGGE_BASE_URL");
  cmd.add_option("--as", c.as, as_help);
  cmd.add_option("--at", c.at,
                 "Act at this time (ISO 8601) instead of now: for replaying a history");
  cmd.add_flag("--json", c.json, "Print JSON");
}

service::ViewOptions view_for(const dispatch::Actor& a, const dispatch::Report& r,
                              dispatch::Instant now) {
  service::ViewOptions v;
  v.now = now;
  const bool owner = !a.id.empty() && a.id == r.submitted_by;
  v.audience = dispatch::reports_as_resident(a.role)
                   ? (owner ? service::Audience::owner : service::Audience::public_view)
                   : service::Audience::staff;
  return v;
}

std::string short_time(const std::optional<dispatch::Instant>& t, const dispatch::TimeZone& z) {
  return t ? dispatch::format_iso(*t, z).substr(0, 16) : std::string("-");
}

void print_report(const dispatch::Report& r, const dispatch::ReferenceData& ref,
                  dispatch::Instant now) {
  const dispatch::TimeZone& z = ref.calendar.zone();
  const dispatch::Category* c = ref.categories.find(r.category);
  std::printf("report    %s  [%s]%s\n", r.id.c_str(), std::string(to_string(r.state)).c_str(),
              r.overdue(now) ? "  OVERDUE" : "");
  std::printf("category  %s %s\n", r.category.c_str(), c ? c->name.c_str() : "");
  std::printf("text      %s\n", r.text.c_str());
  for (const auto& [code, answer] : r.attributes) {
    const dispatch::CategoryAttribute* q = nullptr;
    if (c)
      for (const dispatch::CategoryAttribute& a : *c->attributes)
        if (a.code == code) q = &a;
    std::printf("  %s  %s\n", q ? q->description.c_str() : code.c_str(), answer.c_str());
  }
  std::printf("at        %.7f, %.7f (wgs84)", r.position.lon(), r.position.lat());
  if (r.datum != geo::Datum::wgs84)
    std::printf("  reported as %.7f, %.7f (%s)", r.input.lon(), r.input.lat(),
                std::string(to_string(r.datum)).c_str());
  std::printf("\n");
  if (r.grid_chain.empty())
    std::printf("grid      not covered: in the unassigned queue\n");
  else
    std::printf("grid      %s  %s %s\n", r.grid_id().c_str(), r.leader.role.c_str(),
                r.leader.name.c_str());
  if (!r.duplicate_of.empty()) std::printf("duplicate probably of %s\n", r.duplicate_of.c_str());
  std::printf("responsible %s %s\n", std::string(to_string(r.responsible.kind)).c_str(),
              r.responsible.name.c_str());
  if (r.assignee.kind != dispatch::Assignee::Kind::none) {
    std::printf("assignee  %s %s, due %s\n", std::string(to_string(r.assignee.kind)).c_str(),
                r.assignee.name.c_str(), short_time(r.due_at, z).c_str());
  }
  std::printf("created   %s\n", dispatch::format_iso(r.created_at, z).c_str());
}

// ---- submit ----------------------------------------------------------------------------------

struct SubmitArgs {
  Common common;
  dispatch::Submission s;
  double lon = 0, lat = 0, accuracy = -1;
  std::string key;
  std::vector<std::string> attributes;  ///< CODE=VALUE, repeatable
};

int submit(SubmitArgs& a) {
  auto service = a.common.open_for_changes();
  a.s.lon = a.lon;
  a.s.lat = a.lat;
  if (a.accuracy >= 0) a.s.accuracy_m = a.accuracy;
  for (const std::string& pair : a.attributes) {
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(ErrorCode::invalid_argument,
                  "--attribute '" + pair.substr(0, 80) + "' is not CODE=VALUE");
    a.s.attributes[pair.substr(0, eq)].push_back(pair.substr(eq + 1));
  }
  const dispatch::Actor by = service->actor(a.common.as);
  const dispatch::Instant now = a.common.when(*service);
  const service::SubmitResult result = service->submit(a.s, by, a.key, now);
  if (a.common.json) {
    json j = service::report_view(result.report, *service->reference(),
                                  view_for(by, result.report, now));
    j["replayed"] = result.replayed;
    std::cout << j.dump(2) << "\n";
  } else {
    if (result.replayed)
      std::printf("(idempotency key seen before: this is the original report)\n");
    print_report(result.report, *service->reference(), now);
  }
  return 0;
}

// ---- show ------------------------------------------------------------------------------------

struct ShowArgs {
  Common common;
  std::string id;
};

int show(const ShowArgs& a) {
  auto service = a.common.store.open();
  const dispatch::Actor viewer = service->actor(a.common.as);
  const dispatch::Instant now = a.common.when(*service);
  const auto r = service->report(a.id, viewer);
  if (!r) throw Error(ErrorCode::not_found, "report " + a.id + " does not exist");
  const auto events = service->events(a.id, viewer);
  const dispatch::ReferenceData& ref = *service->reference();
  const service::ViewOptions v = view_for(viewer, *r, now);
  if (a.common.json) {
    json j = service::report_view(*r, ref, v);
    j["events"] = json::array();
    for (const dispatch::Event& e : events) j["events"].push_back(service::event_view(e, ref, v));
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  print_report(*r, ref, now);
  std::printf("\nevents\n");
  for (const dispatch::Event& e : events) {
    std::printf("  %2d  %s  %-17s %-10s → %-10s %s %s\n", e.seq,
                short_time(e.at, ref.calendar.zone()).c_str(), e.action.c_str(),
                std::string(to_string(e.from)).c_str(), std::string(to_string(e.to)).c_str(),
                e.actor_id.c_str(), e.note.c_str());
  }
  return 0;
}

// ---- list ------------------------------------------------------------------------------------

struct ListArgs {
  Common common;
  std::vector<std::string> states;
  std::string category, grid, leader, department, from, to, after, bbox;
  bool overdue = false;
  std::size_t limit = 20;
};

int list(const ListArgs& a) {
  auto service = a.common.store.open();
  const dispatch::Actor viewer = service->actor(a.common.as);
  const dispatch::Instant now = a.common.when(*service);
  const dispatch::TimeZone& zone = service->reference()->calendar.zone();
  store::ReportFilter f;
  for (const auto& s : a.states) {
    auto st = dispatch::parse_report_state(s);
    if (!st) throw Error(ErrorCode::invalid_argument, "--state '" + s + "' is not a report state");
    f.states.push_back(*st);
  }
  auto opt = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional(v); };
  if (!a.category.empty()) f.categories = {a.category};
  f.grid = opt(a.grid);
  f.leader = opt(a.leader);
  f.department = opt(a.department);
  if (!a.from.empty()) f.created_from = parse_time_option(a.from, "--from", zone);
  if (!a.to.empty()) f.created_to = parse_time_option(a.to, "--to", zone);
  if (!a.bbox.empty()) {
    std::vector<double> v;
    std::string rest = a.bbox;
    for (std::size_t pos; (pos = rest.find(',')) != std::string::npos || !rest.empty();) {
      const std::string part = rest.substr(0, pos);
      auto d = text::parse_double(part);
      if (!d)
        throw Error(ErrorCode::invalid_argument, "--bbox must be minlon,minlat,maxlon,maxlat");
      v.push_back(*d);
      rest = pos == std::string::npos ? "" : rest.substr(pos + 1);
    }
    if (v.size() != 4)
      throw Error(ErrorCode::invalid_argument, "--bbox must be minlon,minlat,maxlon,maxlat");
    f.bbox = geo::BBox{v[0], v[1], v[2], v[3]};
  }
  f.overdue_only = a.overdue;
  f.now = now;
  f.limit = std::clamp<std::size_t>(a.limit, 1, 1000);
  f.after = a.after;
  const store::ReportPage page = service->list(f, viewer);
  const dispatch::ReferenceData& ref = *service->reference();
  if (a.common.json) {
    json j;
    j["reports"] = json::array();
    for (const dispatch::Report& r : page.items)
      j["reports"].push_back(service::report_view(r, ref, view_for(viewer, r, now)));
    j["next"] = page.next.empty() ? json(nullptr) : json(page.next);
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  for (const dispatch::Report& r : page.items) {
    const dispatch::Category* c = ref.categories.find(r.category);
    std::printf(
        "%s  %s  %s %s %s  %s  due %s\n", r.id.c_str(), short_time(r.created_at, zone).c_str(),
        text::pad_right(to_string(r.state), 10).c_str(), r.overdue(now) ? "!" : " ",
        text::pad_right(c ? c->name : r.category, 12).c_str(),
        text::pad_right(r.assignee.kind != dispatch::Assignee::Kind::none ? r.assignee.name
                                                                          : r.responsible.name,
                        28)
            .c_str(),
        short_time(r.due_at, zone).c_str());
  }
  std::printf("%zu report(s)%s\n", page.items.size(),
              page.next.empty() ? "" : ("; more with --after " + page.next).c_str());
  return 0;
}

// ---- act -------------------------------------------------------------------------------------

struct ActArgs {
  Common common;
  std::string id, action, note, reason, to;
  std::vector<std::string> media, co;
  int rating = 0, hours = 0;
};

int act(const ActArgs& a) {
  auto service = a.common.open_for_changes();
  auto action = dispatch::parse_action(a.action);
  if (!action) {
    throw Error(ErrorCode::invalid_argument,
                "action '" + a.action + "' is not one of " + dispatch::action_names());
  }
  dispatch::ActionRequest req;
  req.action = *action;
  req.note = a.note;
  req.reason = a.reason;
  req.media = a.media;
  req.co_departments = a.co;
  if (a.rating) req.rating = a.rating;
  if (a.hours) req.extension_work_hours = a.hours;
  if (!a.to.empty()) {
    const auto colon = a.to.find(':');
    const std::string kind = a.to.substr(0, colon);
    if (colon == std::string::npos || (kind != "grid" && kind != "department")) {
      throw Error(ErrorCode::invalid_argument,
                  "--to must be grid:<grid id> or department:<department id>");
    }
    req.to = dispatch::Assignee{
        kind == "grid" ? dispatch::Assignee::Kind::grid : dispatch::Assignee::Kind::department,
        a.to.substr(colon + 1), ""};
  }
  const dispatch::Actor by = service->actor(a.common.as);
  const dispatch::Instant now = a.common.when(*service);
  const dispatch::Report r = service->act(a.id, req, by, now);
  if (a.common.json)
    std::cout << service::report_view(r, *service->reference(), view_for(by, r, now)).dump(2)
              << "\n";
  else
    std::printf("%s %s: now %s\n", r.id.c_str(), a.action.c_str(),
                std::string(to_string(r.state)).c_str());
  return 0;
}

}  // namespace

Runner add_report_command(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("report",
                         "Submit, show, list and act on reports (the dispatch loop).\n"
                         "Example: wangge report list --store wangge.db --as d01 --overdue");
  cmd->require_subcommand(1);

  auto sa = std::make_shared<SubmitArgs>();
  CLI::App* s =
      cmd->add_subcommand("submit",
                          "Submit a report.\nExample: wangge report submit --data geodata/sample "
                          "--lon 112.9269 --lat 27.8576 --category 0101 --text '垃圾堆放'");
  add_common(*s, sa->common, "Submitter: a staff id, resident:<id>, or anonymous (default)");
  s->add_option("--lon", sa->lon, "Longitude")->required()->check(finite_number());
  s->add_option("--lat", sa->lat, "Latitude")->required()->check(finite_number());
  s->add_option("--datum", sa->s.datum, "wgs84 (default), gcj02 or bd09");
  s->add_option("--accuracy", sa->accuracy, "Position accuracy in metres")->check(finite_number());
  s->add_option("--category", sa->s.category, "Category code (see geodata/sample/categories.json)")
      ->required();
  s->add_option("--text", sa->s.text, "What is wrong")->required();
  s->add_option("--media", sa->s.media, "Photo URL (repeatable)");
  s->add_option("--channel", sa->s.channel, "app (default), mini_program, patrol, hotline");
  s->add_option("--reporter-name", sa->s.reporter.name, "Reporter's name (personal data)");
  s->add_option("--reporter-phone", sa->s.reporter.phone, "Reporter's phone (personal data)");
  s->add_option("--attribute", sa->attributes,
                "An answer to the category's question, CODE=VALUE (repeatable; repeat a code "
                "for a multivaluelist; see GET /api/v1/categories)");
  s->add_option("--external-id", sa->s.external_id,
                "The channel's ticket number (a 12345 hotline 工单号): unique per channel");
  s->add_option("--idempotency-key", sa->key,
                "A retry with the same key returns the original report");

  auto sh = std::make_shared<ShowArgs>();
  CLI::App* show_cmd = cmd->add_subcommand(
      "show", "Show a report and its events.\nExample: wangge report show r0123... --as d01");
  add_common(*show_cmd, sh->common, "Viewer: a staff id or resident:<id>");
  show_cmd->add_option("id", sh->id, "Report id")->required();

  auto la = std::make_shared<ListArgs>();
  CLI::App* l = cmd->add_subcommand("list",
                                    "List reports, newest first.\nExample: wangge report list --as "
                                    "d01 --state dispatched --grid 430302009013");
  add_common(*l, la->common, "Viewer: a staff id or resident:<id>");
  l->add_option("--state", la->states, "Only these states (repeatable)");
  l->add_option("--category", la->category, "Category code");
  l->add_option("--grid", la->grid, "A grid id: reports in it or any grid below it");
  l->add_option("--leader", la->leader, "Leader's name");
  l->add_option("--department", la->department, "Department id");
  l->add_option("--bbox", la->bbox, "minlon,minlat,maxlon,maxlat");
  l->add_option("--from", la->from, "Created at or after (ISO 8601)");
  l->add_option("--to", la->to, "Created before (ISO 8601)");
  l->add_flag("--overdue", la->overdue, "Only running cases past their due time");
  l->add_option("--limit", la->limit, "Page size (default 20, at most 1000)")
      ->check(integer_in(1, 1000));
  l->add_option("--after", la->after, "The cursor printed by the previous page");

  auto aa = std::make_shared<ActArgs>();
  CLI::App* a = cmd->add_subcommand(
      "act",
      "Take a workflow action.\nExample: wangge report act r0123... register --as d01\n"
      "Actions: " +
          dispatch::action_names());
  add_common(*a, aa->common, "Who acts: a staff id (organisation.json) or resident:<id>");
  a->add_option("id", aa->id, "Report id")->required();
  a->add_option("action", aa->action, "The action")->required();
  a->add_option("--note", aa->note, "A note (e.g. what was done)");
  a->add_option("--reason", aa->reason,
                "Why (cancel, rework, escalate, suspend, request/reject_extension)");
  a->add_option("--to", aa->to, "grid:<id> or department:<id> (dispatch, reassign, escalate)");
  a->add_option("--rating", aa->rating, "1–5 (evaluate)")->check(integer_in(1, 5));
  a->add_option("--hours", aa->hours, "Extra working hours (request_extension)")
      ->check(integer_in(1, 2000));
  a->add_option("--media", aa->media, "Photo URL (repeatable)");
  a->add_option("--co", aa->co,
                "A co-handling department (协办) of a whistle (escalate; repeatable)");

  auto tick_common = std::make_shared<Common>();
  CLI::App* t = cmd->add_subcommand(
      "tick", "Raise supervision (督办) events on overdue cases.\nExample: wangge report tick");
  add_common(*t, *tick_common, "(unused)");

  return [=]() -> int {
    if (s->parsed()) return submit(*sa);
    if (show_cmd->parsed()) return show(*sh);
    if (l->parsed()) return list(*la);
    if (a->parsed()) return act(*aa);
    auto service = tick_common->open_for_changes();
    const std::size_t raised = service->tick(tick_common->when(*service));
    if (tick_common->json)
      std::cout << json{{"supervised", raised}}.dump() << "\n";
    else
      std::printf("%zu supervision event(s) raised (催办 / 督办 / 挂牌督办)\n", raised);
    return 0;
  };
}

}  // namespace wangge::cli
