// wangge visits import|households|list|record — the visit book (入户走访台账) from the command
// line, under the same rules as the API (service::VisitBook), acting as --as.
#include <cstdio>

#include "commands.hpp"
#include "wangge/geo/office_table.hpp"
#include "wangge/service/visit_book.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {
namespace {

namespace vs = dispatch::visits;

void print_household(const service::HouseholdView& v, const dispatch::TimeZone& zone) {
  const vs::Household& h = v.row.household;
  std::string flags;
  for (const vs::Flag f : h.flags) (flags += flags.empty() ? "" : "、") += label(f);
  std::printf("%-26s %-18s %-14s %2d人 %-24s %s%s\n", h.id.c_str(), h.unit.c_str(),
              h.address.c_str(), h.size,
              ("due " + dispatch::format_iso(v.due, zone).substr(0, 10)).c_str(),
              v.overdue ? "OVERDUE " : "", flags.c_str());
}

void print_visit(const vs::Visit& v, const dispatch::TimeZone& zone) {
  std::printf("%-18s %-26s %-20s %s %-8s %s%s%s\n", v.id.c_str(), v.household.c_str(),
              v.visitor.c_str(), dispatch::format_iso(v.at, zone).c_str(),
              std::string(to_string(v.outcome)).c_str(), v.notes.c_str(),
              v.follow_up.empty() ? "" : "  → case ", v.follow_up.c_str());
}

}  // namespace

Runner add_visits_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string as, file, grid, flag, household, outcome = "ok", notes, at, category, text;
    bool overdue = false;
    long long limit = 50;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "visits",
      "The visit book (入户走访台账): households under their 邻, when each is due a visit on the\n"
      "work calendar, and the visits grid workers record (with a follow-up case at once).\n"
      "Example: wangge visits import households.csv\n"
      "         wangge visits households --as w43030200901300105 --overdue\n"
      "         wangge visits record 43030200901300105-01-001 --outcome concern --notes 楼道堆物 "
      "--case-category 1001 --case-text 楼道堆放杂物 --as w43030200901300105");
  cmd->require_subcommand(1);
  const auto with_store = [&](CLI::App* c) {
    add_store_options(*c, a->store);
    return c;
  };
  CLI::App* import = with_store(cmd->add_subcommand("import", "Import households (.xlsx, .csv)"));
  import->add_option("file", a->file, "The roster of 户: id, unit, address, size, flags, …")
      ->required();
  CLI::App* households = with_store(cmd->add_subcommand("households", "Households and their due"));
  households->add_option("--grid", a->grid, "Only under this grid");
  households->add_option("--flag", a->flag, "Only with this flag (elderly_alone, 独居老人 …)");
  households->add_flag("--overdue", a->overdue, "Only those past due");
  households->add_option("--limit", a->limit, "At most this many")->check(integer_in(1, 1000));
  CLI::App* list = with_store(cmd->add_subcommand("list", "Visits, newest first"));
  list->add_option("--household", a->household, "One household's");
  list->add_option("--grid", a->grid, "Under this grid");
  list->add_option("--limit", a->limit, "At most this many")->check(integer_in(1, 1000));
  CLI::App* record = with_store(cmd->add_subcommand("record", "Record a visit"));
  record->add_option("household", a->household, "The household's id")->required();
  record->add_option("--outcome", a->outcome, "ok, concern or not_home");
  record->add_option("--notes", a->notes, "What was found (required for a concern)");
  record->add_option("--at", a->at, "When it took place (ISO 8601; default now)");
  record->add_option("--case-category", a->category, "Raise a follow-up case of this category");
  record->add_option("--case-text", a->text, "… saying this");
  for (CLI::App* c : {households, list, record})
    c->add_option("--as", a->as, "Who: a grid worker's or the office's staff id")->required();

  return [=]() -> int {
    auto service = a->store.open();
    service::VisitBook& book = service->visits();
    const auto& zone = service->reference()->calendar.zone();
    const dispatch::Instant now = dispatch::now_utc();
    if (import->parsed()) {
      const std::string name = a->file.substr(a->file.find_last_of('/') + 1);
      const service::HouseholdImport r =
          book.import(geo::read_office_table(a->file), name, dispatch::Actor::system(), now);
      for (const std::string& e : r.errors) std::fprintf(stderr, "%s\n", e.c_str());
      std::printf("%zu households imported, %zu rows refused\n", r.imported, r.errors.size());
      return r.errors.empty() ? 0 : 2;
    }
    const dispatch::Actor by = service->actor(a->as);
    if (households->parsed()) {
      service::HouseholdQuery q;
      q.grid = a->grid;
      if (!a->flag.empty()) {
        q.flag = vs::parse_flag(a->flag);
        if (!q.flag)
          throw Error(ErrorCode::invalid_argument, "--flag '" + a->flag + "' is not a flag");
      }
      q.overdue_only = a->overdue;
      q.limit = static_cast<std::size_t>(a->limit);
      const service::HouseholdList l = book.households(q, by, now);
      for (const service::HouseholdView& v : l.items) print_household(v, zone);
      std::printf("%zu households%s\n", l.items.size(), l.next.empty() ? "" : " (more)");
      return 0;
    }
    if (list->parsed()) {
      store::VisitFilter f;
      f.household = a->household;
      if (!a->grid.empty()) f.in_grids = {a->grid};
      f.limit = static_cast<std::size_t>(a->limit);
      const store::VisitPage page = book.visits(f, by);
      for (const vs::Visit& v : page.items) print_visit(v, zone);
      std::printf("%zu visits%s\n", page.items.size(), page.next.empty() ? "" : " (more)");
      return 0;
    }
    service::VisitRecording r;
    r.draft.household = a->household;
    const auto outcome = vs::parse_outcome(a->outcome);
    if (!outcome)
      throw Error(ErrorCode::invalid_argument, "--outcome must be ok, concern or not_home");
    r.draft.outcome = *outcome;
    r.draft.notes = a->notes;
    if (!a->at.empty()) r.draft.at = parse_time_option(a->at, "--at", zone);
    if (!a->category.empty() || !a->text.empty()) {
      dispatch::Submission s;
      s.category = a->category;
      s.text = a->text;
      s.reporter.name = by.name;
      r.follow_up = s;
    }
    const service::VisitResult done = book.record(r, by, now);
    print_visit(done.visit, zone);
    if (done.earned) std::printf("earned %s the points of a visit\n", by.id.c_str());
    return 0;
  };
}

}  // namespace wangge::cli
