// The points bank's rules (see points.hpp).
#include "wangge/dispatch/points.hpp"

#include <algorithm>
#include <deque>
#include <nlohmann/json.hpp>

#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch::points {
namespace {

void require_text(const std::string& value, std::string_view field, std::size_t max) {
  if (value.empty()) throw Error(ErrorCode::invalid_argument, std::string(field) + " is required");
  if (value.size() > max)
    throw Error(ErrorCode::invalid_argument,
                std::string(field) + " must be at most " + std::to_string(max) + " bytes");
  if (std::any_of(value.begin(), value.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    throw Error(ErrorCode::invalid_argument,
                std::string(field) + " must not hold control characters");
  if (!text::valid_utf8(value))
    throw Error(ErrorCode::invalid_argument, std::string(field) + " must be UTF-8 text");
}

void require_points(std::int64_t amount, std::string_view field) {
  if (amount < 1 || amount > kMaxPoints)
    throw Error(ErrorCode::invalid_argument,
                std::string(field) + " must be a whole number from 1 to " +
                    std::to_string(kMaxPoints) + " (got " + std::to_string(amount) + ")");
}

/// @p at plus @p months calendar months (the 31st of a shorter month: its last day).
Instant plus_months(Instant at, int months) {
  using namespace std::chrono;
  const sys_days day = floor<days>(at);
  const year_month_day ymd(day);
  year_month_day later = ymd + std::chrono::months(months);
  if (!later.ok()) later = year_month_day_last(later.year(), month_day_last(later.month()));
  return sys_days(later) + (at - day);
}

/// The points of one person not used yet, by the entry that brought them, oldest first.
struct Lot {
  std::string entry;
  Instant expires;
  std::int64_t left;
};

/// Takes @p amount from the oldest lots; @returns the slices taken (to give back on a reversal).
std::vector<Lot> consume(std::deque<Lot>& lots, std::int64_t amount) {
  std::vector<Lot> taken;
  for (auto it = lots.begin(); amount > 0 && it != lots.end();) {
    const std::int64_t take = std::min(amount, it->left);
    taken.push_back({it->entry, it->expires, take});
    it->left -= take;
    amount -= take;
    it = it->left == 0 ? lots.erase(it) : it + 1;
  }
  return taken;
}

}  // namespace

std::string_view to_string(Kind k) noexcept {
  switch (k) {
    case Kind::earn:
      return "earn";
    case Kind::award:
      return "award";
    case Kind::redeem:
      return "redeem";
    case Kind::expire:
      return "expire";
    case Kind::reverse:
      return "reverse";
  }
  return "earn";
}

std::optional<Kind> parse_kind(std::string_view s) {
  for (Kind k : {Kind::earn, Kind::award, Kind::redeem, Kind::expire, Kind::reverse})
    if (to_string(k) == s) return k;
  return std::nullopt;
}

std::optional<std::int64_t> entry_number(std::string_view id) {
  if (id.size() < 2 || id.size() > 16 || id[0] != 'e' || id[1] == '0' ||
      !std::all_of(id.begin() + 1, id.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoll(std::string(id.substr(1)));
}

void check_person(const std::string& person) {
  require_text(person, "person", 128);
}

std::string person_account(std::string_view person) {
  return "person:" + std::string(person);
}

const EarningRule* Policy::rule(std::string_view event) const {
  for (const EarningRule& r : rules)
    if (r.event == event) return &r;
  return nullptr;
}

const CatalogueItem* Policy::item(std::string_view id) const {
  for (const CatalogueItem& c : catalogue)
    if (c.id == id) return &c;
  return nullptr;
}

Policy default_policy() {
  return Policy{24,
                {{"report_verified", "上报问题经核实", 5},
                 {"task_completed", "完成圆单任务", 20},
                 {"volunteer_hour", "志愿服务（每小时）", 10},
                 {"visit", "入户走访", 2}},
                {}};
}

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& why) {
  throw Error(ErrorCode::invalid_data, "points.json " + where + ": " + why);
}

std::string text_field(const json& o, const char* key, const std::string& where, std::size_t max) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_string() || it->get<std::string>().empty())
    bad(where, std::string("'") + key + "' must be a non-empty string");
  const std::string v = it->get<std::string>();
  if (v.size() > max) bad(where, std::string("'") + key + "' is longer than its limit");
  return v;
}

std::int64_t points_field(const json& o, const std::string& where) {
  const auto it = o.find("points");
  if (it == o.end() || !it->is_number_integer() || it->get<std::int64_t>() < 1 ||
      it->get<std::int64_t>() > kMaxPoints)
    bad(where, "'points' must be a whole number from 1 to " + std::to_string(kMaxPoints));
  return it->get<std::int64_t>();
}

}  // namespace

Policy parse_policy(const std::string& json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                "points.json is not valid JSON: error at byte " + std::to_string(e.byte));
  } catch (const json::exception&) {  // a number beyond a double's range (1e400)
    throw Error(ErrorCode::invalid_data, "points.json holds a number out of range");
  }
  if (!doc.is_object()) bad("", "expected an object");
  Policy p;
  p.rules.clear();
  if (const auto v = doc.find("validity_months"); v != doc.end()) {
    if (!v->is_number_integer() || v->get<std::int64_t>() < 1 || v->get<std::int64_t>() > 120)
      bad("validity_months", "must be a whole number of months from 1 to 120");
    p.validity_months = static_cast<int>(v->get<std::int64_t>());
  }
  const auto rules = doc.find("rules");
  if (rules == doc.end() || !rules->is_array() || rules->empty())
    bad("rules", "must be a non-empty array of {event, name, points}");
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const json& r = (*rules)[i];
    const std::string where = "rules[" + std::to_string(i) + "]";
    if (!r.is_object()) bad(where, "expected an object");
    EarningRule rule{text_field(r, "event", where, 64), text_field(r, "name", where, 200),
                     points_field(r, where)};
    if (p.rule(rule.event)) bad(where, "event '" + rule.event + "' has a rule already");
    p.rules.push_back(std::move(rule));
  }
  if (const auto cat = doc.find("catalogue"); cat != doc.end()) {
    if (!cat->is_array()) bad("catalogue", "must be an array of {id, name, provider, points}");
    for (std::size_t i = 0; i < cat->size(); ++i) {
      const json& c = (*cat)[i];
      const std::string where = "catalogue[" + std::to_string(i) + "]";
      if (!c.is_object()) bad(where, "expected an object");
      CatalogueItem item{text_field(c, "id", where, 64), text_field(c, "name", where, 200),
                         text_field(c, "provider", where, 200), points_field(c, where)};
      if (p.item(item.id)) bad(where, "item '" + item.id + "' is listed already");
      p.catalogue.push_back(std::move(item));
    }
  }
  return p;
}

RedeemRequest redemption(const Policy& policy, const std::string& person,
                         const std::string& item_id, std::int64_t quantity, Instant at) {
  const CatalogueItem* item = policy.item(item_id);
  if (!item)
    throw Error(ErrorCode::invalid_argument,
                "item '" + item_id.substr(0, 64) + "' is not in the catalogue (兑换目录)");
  if (quantity < 1 || quantity > 100)
    throw Error(ErrorCode::invalid_argument, "quantity must be a whole number from 1 to 100");
  if (item->points > kMaxPoints / quantity)
    throw Error(ErrorCode::invalid_argument,
                "a redemption may take at most " + std::to_string(kMaxPoints) + " points");
  return {person, item->id, item->name + " × " + std::to_string(quantity), item->points * quantity,
          at};
}

std::optional<EarnRequest> earning_for(const Report& report, const Event& event) {
  if (event.action != "register") return std::nullopt;
  const std::string& who = report.submitted_by;
  if (who.empty() || who.size() > 128 || who.rfind("app:", 0) == 0 || who == "system")
    return std::nullopt;
  return EarnRequest{who, "report_verified", "report:" + report.id + ":verified",
                     1,   event.at,          event.actor_id.empty() ? "system" : event.actor_id};
}

void check_entry(const LedgerView& view, const Entry& e) {
  std::int64_t sum = 0;
  for (const Line& l : e.lines) sum += l.amount;
  if (sum != 0) throw Error(ErrorCode::internal, "an entry's lines must sum to zero");
  if (const auto last = view.last_at(); last && e.at < *last)
    throw Error(ErrorCode::invalid_argument,
                "entries are posted in time order: this one is dated before the last");
  for (const Line& l : e.lines) {
    // Only a line that takes points can take a person below zero.
    if (l.amount >= 0 || l.account.rfind("person:", 0) != 0) continue;
    const std::int64_t has = view.balance(l.account);
    if (has + l.amount < 0)
      throw Error(ErrorCode::conflict, l.account.substr(7) + " has " + std::to_string(has) +
                                           " points: " + std::to_string(-l.amount) +
                                           " cannot be taken");
  }
}

Posted plan_earn(const LedgerView& view, const Policy& policy, const EarnRequest& r) {
  require_text(r.person, "person", 128);
  require_text(r.event_key, "event", 200);
  const EarningRule* rule = policy.rule(r.event_type);
  if (!rule) {
    std::string known;
    for (const EarningRule& x : policy.rules) known += (known.empty() ? "" : ", ") + x.event;
    throw Error(ErrorCode::invalid_argument, "event type '" + r.event_type.substr(0, 64) +
                                                 "' earns no points (the rules: " + known + ")");
  }
  if (r.units < 1 || r.units > 1000)
    throw Error(ErrorCode::invalid_argument, "units must be a whole number from 1 to 1000");
  if (r.amount) {
    require_points(*r.amount, "points");
  } else if (rule->points < 1 || rule->points > kMaxPoints / r.units) {
    throw Error(ErrorCode::invalid_argument,
                "the points earned must be a whole number from 1 to " + std::to_string(kMaxPoints));
  }
  const std::int64_t amount = r.amount ? *r.amount : rule->points * r.units;
  // The same event earns once; after its earning was reversed, it may earn again.
  if (const auto before = view.standing_earning(r.event_key)) {
    if (before->person == r.person && before->amount == amount && before->rule == rule->event)
      return {*before, true};  // the same event, told again: it earned once
    throw Error(ErrorCode::conflict, "event '" + r.event_key + "' already earned " +
                                         std::to_string(before->amount) + " points for " +
                                         before->person);
  }
  Entry e{view.next_id(),
          Kind::earn,
          r.person,
          amount,
          r.event_key,
          rule->event,
          rule->name,
          r.at,
          {{person_account(r.person), amount}, {"issued:" + rule->event, -amount}},
          r.by};
  check_entry(view, e);
  return {std::move(e), false};
}

Entry plan_award(const LedgerView& view, const AwardRequest& r) {
  require_text(r.person, "person", 128);
  require_text(r.by, "awarded by", 128);
  require_text(r.reason, "reason", 500);
  require_points(r.amount, "points");
  Entry e{view.next_id(),
          Kind::award,
          r.person,
          r.amount,
          r.by,
          "",
          r.reason,
          r.at,
          {{person_account(r.person), r.amount}, {"awarded", -r.amount}},
          r.by};
  check_entry(view, e);
  return e;
}

Entry plan_redeem(const LedgerView& view, const RedeemRequest& r) {
  require_text(r.person, "person", 128);
  require_text(r.item, "item", 128);
  require_points(r.amount, "points");
  if (r.reason.size() > 500)
    throw Error(ErrorCode::invalid_argument, "reason must be at most 500 bytes");
  const std::int64_t has = view.balance(person_account(r.person));
  if (r.amount > has)
    throw Error(ErrorCode::conflict, "redeeming " + std::to_string(r.amount) + " points, but " +
                                         r.person + " has " + std::to_string(has));
  Entry e{view.next_id(),
          Kind::redeem,
          r.person,
          r.amount,
          r.item,
          "",
          r.reason,
          r.at,
          {{person_account(r.person), -r.amount}, {"redeemed:" + r.item, r.amount}},
          r.by.empty() ? r.person : r.by};
  check_entry(view, e);
  return e;
}

Entry plan_reverse(const LedgerView& view, const ReverseRequest& r) {
  require_text(r.by, "reversed by", 128);
  require_text(r.reason, "reason", 500);
  const auto target = entry_number(r.entry_id) ? view.entry(r.entry_id) : std::nullopt;
  if (!target)
    throw Error(ErrorCode::not_found,
                "ledger entry '" + r.entry_id.substr(0, 64) + "' does not exist");
  if (target->kind == Kind::reverse)
    throw Error(ErrorCode::invalid_argument,
                "entry " + r.entry_id + " is a reversal: post the original again instead");
  if (const auto by = view.reversal_of(target->id))
    throw Error(ErrorCode::conflict,
                "entry " + target->id + " was reversed already (by " + *by + ")");
  Entry e{view.next_id(),
          Kind::reverse,
          target->person,
          target->amount,
          target->id,
          target->rule,
          r.reason,
          r.at,
          {},
          r.by};
  for (const Line& l : target->lines) e.lines.push_back({l.account, -l.amount});
  check_entry(view, e);  // refused when the points were spent already
  return e;
}

std::int64_t expirable(const Policy& policy, const std::vector<Entry>& entries, Instant at) {
  std::deque<Lot> lots;
  std::map<std::string, std::vector<Lot>> taken_by;  // a redemption's or expiry's slices
  std::map<std::string, const Entry*> by_id;
  for (const Entry& e : entries) {
    by_id[e.id] = &e;
    switch (e.kind) {
      case Kind::earn:
      case Kind::award:
        lots.push_back({e.id, plus_months(e.at, policy.validity_months), e.amount});
        break;
      case Kind::redeem:
      case Kind::expire:
        taken_by[e.id] = consume(lots, e.amount);
        break;
      case Kind::reverse: {
        const auto found = by_id.find(e.source);
        if (found == by_id.end()) break;  // not this person's: nothing of theirs moved
        const Entry* x = found->second;
        if (x->kind == Kind::earn || x->kind == Kind::award) {
          // Its own lot first, then the oldest.
          std::int64_t left = e.amount;
          for (auto it = lots.begin(); it != lots.end(); ++it) {
            if (it->entry != x->id) continue;
            const std::int64_t take = std::min(left, it->left);
            it->left -= take;
            left -= take;
            if (it->left == 0) lots.erase(it);
            break;
          }
          consume(lots, left);
        } else {  // a redemption or expiry undone: its points come back with their own dates
          for (const Lot& slice : taken_by[x->id]) lots.push_back(slice);
          std::stable_sort(lots.begin(), lots.end(),
                           [](const Lot& a, const Lot& b) { return a.expires < b.expires; });
        }
        break;
      }
    }
  }
  std::int64_t due = 0;
  for (const Lot& l : lots)
    if (l.expires <= at) due += l.left;
  return due;
}

std::optional<Entry> plan_expire(const LedgerView& view, const Policy& policy,
                                 const std::string& person, Instant at) {
  require_text(person, "person", 128);
  const std::int64_t due = expirable(policy, view.person_entries(person), at);
  if (due == 0) return std::nullopt;
  Entry e{view.next_id(),
          Kind::expire,
          person,
          due,
          "",
          "",
          "",
          at,
          {{person_account(person), -due}, {"expired", due}},
          "system"};
  check_entry(view, e);
  return e;
}

// ---- the ledger in memory ----------------------------------------------------------------

const Entry* Ledger::find(const std::string& id) const {
  // Ids are "e" + position: a look-up, not a scan.
  const auto n = entry_number(id);
  return n && *n >= 1 && static_cast<std::size_t>(*n) <= entries_.size()
             ? &entries_[static_cast<std::size_t>(*n) - 1]
             : nullptr;
}

std::int64_t Ledger::balance(const std::string& account) const {
  const auto it = balances_.find(account);
  return it == balances_.end() ? 0 : it->second;
}

std::optional<Entry> Ledger::entry(const std::string& id) const {
  const Entry* e = find(id);
  return e ? std::optional<Entry>(*e) : std::nullopt;
}

std::optional<std::string> Ledger::reversal_of(const std::string& id) const {
  const auto it = reversed_by_.find(id);
  return it == reversed_by_.end() ? std::nullopt : std::optional(entries_[it->second].id);
}

std::optional<Entry> Ledger::standing_earning(const std::string& event_key) const {
  const auto seen = by_event_.find(event_key);
  if (seen == by_event_.end() || reversed_by_.count(entries_[seen->second].id)) return std::nullopt;
  return entries_[seen->second];
}

std::vector<Entry> Ledger::person_entries(const std::string& person) const {
  std::vector<Entry> out;
  for (const Entry& e : entries_)
    if (e.person == person) out.push_back(e);
  return out;
}

std::optional<Instant> Ledger::last_at() const {
  return entries_.empty() ? std::nullopt : std::optional(entries_.back().at);
}

Entry& Ledger::append(Entry e) {
  check_entry(*this, e);
  for (const Line& l : e.lines) balances_[l.account] += l.amount;
  if (e.kind == Kind::earn) by_event_[e.source] = entries_.size();
  if (e.kind == Kind::reverse) reversed_by_[e.source] = entries_.size();
  entries_.push_back(std::move(e));
  return entries_.back();
}

Posted Ledger::earn(const EarnRequest& r) {
  Posted p = plan_earn(*this, policy_, r);
  if (!p.replayed) append(p.entry);
  return p;
}

Entry Ledger::award(const AwardRequest& r) {
  return append(plan_award(*this, r));
}
Entry Ledger::redeem(const RedeemRequest& r) {
  return append(plan_redeem(*this, r));
}
Entry Ledger::reverse(const ReverseRequest& r) {
  return append(plan_reverse(*this, r));
}

std::int64_t Ledger::expirable(const std::string& person, Instant at) const {
  return points::expirable(policy_, person_entries(person), at);
}

std::optional<Entry> Ledger::expire(const std::string& person, Instant at) {
  auto e = plan_expire(*this, policy_, person, at);
  if (e) append(*e);
  return e;
}

void Ledger::replay(const Entry& e) {
  switch (e.kind) {
    case Kind::earn:
      if (standing_earning(e.source))
        throw Error(ErrorCode::conflict, "event '" + e.source + "' earned twice in the ledger");
      break;
    case Kind::reverse:
      if (!find(e.source) || reversed_by_.count(e.source))
        throw Error(ErrorCode::conflict, "reversal " + e.id + " mirrors no entry, or one twice");
      break;
    default:
      break;
  }
  if (e.id != next_id())
    throw Error(ErrorCode::conflict, "entry " + e.id + " is out of order (" + next_id() + " next)");
  append(e);
}

}  // namespace wangge::dispatch::points
