// wangge points balance|entries|policy|earn|award|redeem|reverse|expire — the points bank
// (积分银行) from the command line, under the same rules as the API (service::PointsBank).
#include <cstdio>

#include "commands.hpp"
#include "wangge/service/points_bank.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {
namespace {

namespace pts = dispatch::points;

void print_entry(const pts::Entry& e, const dispatch::TimeZone& zone, bool replayed = false) {
  std::printf("%-8s %-8s %-28s %7lld  %-28s %s%s\n", e.id.c_str(),
              std::string(to_string(e.kind)).c_str(), e.person.c_str(),
              static_cast<long long>(e.amount), dispatch::format_iso(e.at, zone).c_str(),
              e.kind == pts::Kind::redeem || e.kind == pts::Kind::reverse || e.source == e.by
                  ? (e.source + " " + e.reason).c_str()
                  : e.source.c_str(),
              replayed ? "  (posted before: replayed)" : "");
}

int print_balance(service::PointsBank& bank, const std::string& person,
                  const dispatch::Actor& admin, dispatch::Instant now,
                  const dispatch::TimeZone& zone) {
  const service::PointsAccount acc = bank.account(person, admin, now);
  std::printf("%s: %lld points (earned %lld, redeemed %lld, expired %lld; %zu entries)\n",
              acc.person.c_str(), static_cast<long long>(acc.summary.balance),
              static_cast<long long>(acc.summary.earned),
              static_cast<long long>(acc.summary.redeemed),
              static_cast<long long>(acc.summary.expired), acc.summary.entries);
  if (acc.expiring > 0)
    std::printf("%lld expire by %s unless used\n", static_cast<long long>(acc.expiring),
                dispatch::format_iso(acc.expiring_by, zone).c_str());
  return 0;
}

int print_entries(service::PointsBank& bank, const std::string& person, const std::string& kind,
                  std::size_t limit, const dispatch::Actor& admin, const dispatch::TimeZone& zone) {
  store::LedgerQuery q;
  if (!person.empty()) q.person = person;
  if (!kind.empty()) {
    q.kind = pts::parse_kind(kind);
    if (!q.kind)
      throw Error(ErrorCode::invalid_argument,
                  "--kind must be earn, award, redeem, expire or reverse");
  }
  q.limit = limit;
  for (const pts::Entry& e : bank.entries(q, admin)) print_entry(e, zone);
  return 0;
}

int print_policy(const pts::Policy& p) {
  std::printf("points last %d months\nrules:\n", p.validity_months);
  for (const pts::EarningRule& r : p.rules)
    std::printf("  %-20s %6lld  %s\n", r.event.c_str(), static_cast<long long>(r.points),
                r.name.c_str());
  std::printf("catalogue:\n");
  for (const pts::CatalogueItem& c : p.catalogue)
    std::printf("  %-20s %6lld  %s (%s)\n", c.id.c_str(), static_cast<long long>(c.points),
                c.name.c_str(), c.provider.c_str());
  return 0;
}

}  // namespace

Runner add_points_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string as, person, item, entry, reason, event_type, event_key, kind, at;
    long long points = 0, units = 1, quantity = 1, limit = 50;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "points",
      "The points bank (积分银行): balances, the ledger, earnings, awards, redemptions against\n"
      "the catalogue (points.json), reversals (冲正) and the expiry run. Postings follow the\n"
      "same rules as the API, acting as --as.\n"
      "Example: wangge points balance resident:u1\n"
      "         wangge points award resident:u1 20 --reason 疫情防控志愿服务 --as s01\n"
      "         wangge points redeem resident:u1 haircut --as d01\n"
      "         wangge points reverse e12 --reason 录入有误 --as s01\n"
      "         wangge points expire                 # what came due, for every holder");
  cmd->require_subcommand(1);
  const auto with_store = [&](CLI::App* c) {
    add_store_options(*c, a->store);
    return c;
  };
  CLI::App* balance = with_store(cmd->add_subcommand("balance", "A person's points"));
  balance->add_option("person", a->person, "resident:<id> or a staff id")->required();
  CLI::App* entries = with_store(cmd->add_subcommand("entries", "Ledger entries, newest first"));
  entries->add_option("--person", a->person, "One person's");
  entries->add_option("--kind", a->kind, "earn, award, redeem, expire or reverse");
  entries->add_option("--limit", a->limit, "At most this many")->check(integer_in(1, 1000));
  CLI::App* policy = with_store(cmd->add_subcommand("policy", "Earning rules and the catalogue"));
  CLI::App* earn = with_store(cmd->add_subcommand("earn", "Record points an event earned"));
  earn->add_option("person", a->person, "Who earned them")->required();
  earn->add_option("event_type", a->event_type, "A rule of points.json (volunteer_hour …)")
      ->required();
  earn->add_option("event_key", a->event_key, "Names the event: it earns once")->required();
  earn->add_option("--units", a->units, "Units (hours …)")->check(integer_in(1, 1000));
  CLI::App* award = with_store(cmd->add_subcommand("award", "Award points with a reason (表彰)"));
  award->add_option("person", a->person, "To whom")->required();
  award->add_option("points", a->points, "Whole points")
      ->required()
      ->check(integer_in(1, pts::kMaxPoints));
  award->add_option("--reason", a->reason, "Why")->required();
  CLI::App* redeem = with_store(cmd->add_subcommand("redeem", "Redeem points for an item"));
  redeem->add_option("person", a->person, "Whose points")->required();
  redeem->add_option("item", a->item, "A catalogue item's id (wangge points policy)")->required();
  redeem->add_option("--quantity", a->quantity, "How many")->check(integer_in(1, 100));
  CLI::App* reverse = with_store(cmd->add_subcommand("reverse", "Reverse an entry (冲正)"));
  reverse->add_option("entry", a->entry, "Its id (e12)")->required();
  reverse->add_option("--reason", a->reason, "Why")->required();
  CLI::App* expire = with_store(cmd->add_subcommand("expire", "Expire what came due"));
  expire->add_option("--at", a->at, "As of this time (ISO 8601; default now)");
  for (CLI::App* c : {earn, award, redeem, reverse})
    c->add_option("--as", a->as, "Who posts it: a staff id of organisation.json")->required();

  return [=]() -> int {
    auto service = a->store.open();
    service::PointsBank& bank = service->points();
    const auto ref = service->reference();
    const auto& zone = ref->calendar.zone();
    const dispatch::Instant now = dispatch::now_utc();
    const dispatch::Actor admin = dispatch::Actor::system();  // the operator: an admin
    if (balance->parsed()) return print_balance(bank, a->person, admin, now, zone);
    if (entries->parsed()) {
      return print_entries(bank, a->person, a->kind, static_cast<std::size_t>(a->limit), admin,
                           zone);
    }
    if (policy->parsed()) return print_policy(bank.policy());
    if (expire->parsed()) {
      const dispatch::Instant at = a->at.empty() ? now : parse_time_option(a->at, "--at", zone);
      const service::ExpiryRun run = bank.expire_due(admin, at);
      std::printf("%zu holders looked at: %zu expiry entries, %lld points expired\n", run.people,
                  run.entries, static_cast<long long>(run.points));
      return 0;
    }
    const dispatch::Actor by = service->actor(a->as);
    pts::Posted p;
    if (earn->parsed()) {
      pts::EarnRequest r;
      r.person = a->person;
      r.event_type = a->event_type;
      r.event_key = a->event_key;
      r.units = a->units;
      r.at = now;
      p = bank.earn(r, by, "");
    } else if (award->parsed()) {
      p = bank.award(a->person, a->points, a->reason, by, now, "");
    } else if (redeem->parsed()) {
      p = bank.redeem(a->person, a->item, a->quantity, by, now, "");
    } else {
      p = bank.reverse(a->entry, a->reason, by, now, "");
    }
    print_entry(p.entry, zone, p.replayed);
    return 0;
  };
}

}  // namespace wangge::cli
