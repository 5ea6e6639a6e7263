// The points bank's rules (see points.hpp).
#include "wangge/dispatch/points.hpp"

#include <algorithm>
#include <deque>

#include "wangge/util/error.hpp"

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

std::string person_account(std::string_view person) {
  return "person:" + std::string(person);
}

const EarningRule* Policy::rule(std::string_view event) const {
  for (const EarningRule& r : rules)
    if (r.event == event) return &r;
  return nullptr;
}

const Entry* Ledger::find(const std::string& id) const {
  // Ids are "e" + position: a look-up, not a scan.
  // Canonical ids only ("e02" is not "e2": one entry, one name).
  if (id.size() < 2 || id.size() > 12 || id[0] != 'e' || id[1] == '0' ||
      !std::all_of(id.begin() + 1, id.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return nullptr;
  const std::size_t n = std::stoull(id.substr(1));
  return n >= 1 && n <= entries_.size() ? &entries_[n - 1] : nullptr;
}

std::int64_t Ledger::balance(const std::string& account) const {
  const auto it = balances_.find(account);
  return it == balances_.end() ? 0 : it->second;
}

Entry& Ledger::append(Entry e) {
  std::int64_t sum = 0;
  for (const Line& l : e.lines) sum += l.amount;
  if (sum != 0) throw Error(ErrorCode::internal, "an entry's lines must sum to zero");
  if (!entries_.empty() && e.at < entries_.back().at)
    throw Error(ErrorCode::invalid_argument,
                "entries are posted in time order: this one is dated before the last");
  for (const Line& l : e.lines) {
    if (l.account.rfind("person:", 0) == 0 && balance(l.account) + l.amount < 0)
      throw Error(ErrorCode::conflict,
                  l.account.substr(7) + " has " + std::to_string(balance(l.account)) +
                      " points: " + std::to_string(-l.amount) + " cannot be taken");
  }
  for (const Line& l : e.lines) balances_[l.account] += l.amount;
  if (e.kind == Kind::earn) by_event_[e.source] = entries_.size();
  if (e.kind == Kind::reverse) reversed_by_[e.source] = entries_.size();
  entries_.push_back(std::move(e));
  return entries_.back();
}

Posted Ledger::earn(const EarnRequest& r) {
  require_text(r.person, "person", 128);
  require_text(r.event_key, "event", 200);
  const EarningRule* rule = policy_.rule(r.event_type);
  if (!rule) {
    std::string known;
    for (const EarningRule& x : policy_.rules) known += (known.empty() ? "" : ", ") + x.event;
    throw Error(ErrorCode::invalid_argument,
                "event type '" + r.event_type + "' earns no points (the rules: " + known + ")");
  }
  if (r.units < 1 || r.units > 1000)
    throw Error(ErrorCode::invalid_argument, "units must be a whole number from 1 to 1000");
  if (rule->points < 1 || rule->points > kMaxPoints / r.units)
    throw Error(ErrorCode::invalid_argument,
                "the points earned must be a whole number from 1 to " + std::to_string(kMaxPoints));
  const std::int64_t amount = rule->points * r.units;
  // The same event earns once; after its earning was reversed, it may earn again.
  if (const auto seen = by_event_.find(r.event_key);
      seen != by_event_.end() && !reversed_by_.count(entries_[seen->second].id)) {
    const Entry& before = entries_[seen->second];
    if (before.person == r.person && before.amount == amount && before.rule == rule->event)
      return {before, true};  // the same event, told again: it earned once
    throw Error(ErrorCode::conflict, "event '" + r.event_key + "' already earned " +
                                         std::to_string(before.amount) + " points for " +
                                         before.person);
  }
  Entry e{next_id(),
          Kind::earn,
          r.person,
          amount,
          r.event_key,
          rule->event,
          rule->name,
          r.at,
          {{person_account(r.person), amount}, {"issued:" + rule->event, -amount}}};
  return {append(std::move(e)), false};
}

Entry Ledger::award(const AwardRequest& r) {
  require_text(r.person, "person", 128);
  require_text(r.by, "awarded by", 128);
  require_text(r.reason, "reason", 500);
  require_points(r.amount, "points");
  Entry e{next_id(), Kind::award, r.person,
          r.amount,  r.by,        "",
          r.reason,  r.at,        {{person_account(r.person), r.amount}, {"awarded", -r.amount}}};
  return append(std::move(e));
}

Entry Ledger::redeem(const RedeemRequest& r) {
  require_text(r.person, "person", 128);
  require_text(r.item, "item", 128);
  require_points(r.amount, "points");
  if (r.reason.size() > 500)
    throw Error(ErrorCode::invalid_argument, "reason must be at most 500 bytes");
  const std::int64_t has = person_balance(r.person);
  if (r.amount > has)
    throw Error(ErrorCode::conflict, "redeeming " + std::to_string(r.amount) + " points, but " +
                                         r.person + " has " + std::to_string(has));
  Entry e{next_id(),
          Kind::redeem,
          r.person,
          r.amount,
          r.item,
          "",
          r.reason,
          r.at,
          {{person_account(r.person), -r.amount}, {"redeemed:" + r.item, r.amount}}};
  return append(std::move(e));
}

Entry Ledger::reverse(const ReverseRequest& r) {
  require_text(r.by, "reversed by", 128);
  require_text(r.reason, "reason", 500);
  const Entry* target = find(r.entry_id);
  if (!target)
    throw Error(ErrorCode::not_found, "ledger entry '" + r.entry_id + "' does not exist");
  if (target->kind == Kind::reverse)
    throw Error(ErrorCode::invalid_argument,
                "entry " + r.entry_id + " is a reversal: post the original again instead");
  if (reversed_by_.count(target->id))
    throw Error(ErrorCode::conflict, "entry " + target->id + " was reversed already (by " +
                                         entries_[reversed_by_.at(target->id)].id + ")");
  Entry e{next_id(),      Kind::reverse, target->person,
          target->amount, target->id,    target->rule,
          r.reason,       r.at,          {}};
  for (const Line& l : target->lines) e.lines.push_back({l.account, -l.amount});
  return append(std::move(e));  // refused when the points were spent already
}

std::int64_t Ledger::expirable(const std::string& person, Instant at) const {
  std::deque<Lot> lots;
  std::map<std::string, std::vector<Lot>> taken_by;  // a redemption's or expiry's slices
  for (const Entry& e : entries_) {
    if (e.person != person) continue;
    switch (e.kind) {
      case Kind::earn:
      case Kind::award:
        lots.push_back({e.id, plus_months(e.at, policy_.validity_months), e.amount});
        break;
      case Kind::redeem:
      case Kind::expire:
        taken_by[e.id] = consume(lots, e.amount);
        break;
      case Kind::reverse: {
        const Entry* x = find(e.source);
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

std::optional<Entry> Ledger::expire(const std::string& person, Instant at) {
  require_text(person, "person", 128);
  const std::int64_t due = expirable(person, at);
  if (due == 0) return std::nullopt;
  Entry e{next_id(), Kind::expire, person,
          due,       "",           "",
          "",        at,           {{person_account(person), -due}, {"expired", due}}};
  return append(std::move(e));
}

void Ledger::replay(const Entry& e) {
  switch (e.kind) {
    case Kind::earn:
      if (const auto seen = by_event_.find(e.source);
          seen != by_event_.end() && !reversed_by_.count(entries_[seen->second].id))
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
