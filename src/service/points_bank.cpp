// The points bank as people use it (see points_bank.hpp).
#include "wangge/service/points_bank.hpp"

#include <algorithm>
#include <initializer_list>

#include "wangge/util/error.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::service {
namespace {

namespace pts = dispatch::points;
using dispatch::Role;

bool one_of(Role r, std::initializer_list<Role> roles) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

void require_role(const dispatch::Actor& by, std::initializer_list<Role> roles, const char* what) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, std::string(what) + " needs a signed-in person or a key");
  if (!one_of(by.role, roles))
    throw Error(ErrorCode::forbidden,
                std::string(what) + " is not for the role " + std::string(to_string(by.role)));
}

void not_for_oneself(const std::string& person, const dispatch::Actor& by, const char* what) {
  if (person == by.id)
    throw Error(ErrorCode::forbidden,
                std::string(what) + " is not for oneself: another member of staff posts it");
}

/// The client's key scoped to who sent it, and what the request was (a retry must repeat it).
std::string scoped(const std::string& key, const dispatch::Actor& by) {
  if (key.empty()) return {};
  if (key.size() > 255)
    throw Error(ErrorCode::invalid_argument, "Idempotency-Key must be 1 to 255 characters");
  return by.id + "\x1f" + key;
}

std::string hash_of(std::initializer_list<std::string> fields) {
  std::string canon;
  for (const std::string& f : fields) canon += f + '\x1f';
  return sha256_hex(canon);
}

/// The time of a posting: now, or the last entry's when the clock is behind it (another node).
dispatch::Instant posting_time(const pts::LedgerView& view, dispatch::Instant now) {
  return std::max(now, view.last_at().value_or(now));
}

}  // namespace

PointsBank::PointsBank(store::Store& store, Reference reference)
    : store_(store), reference_(std::move(reference)) {}

pts::Policy PointsBank::policy() const {
  return reference_()->points;
}

bool PointsBank::may_view(const std::string& person, const dispatch::Actor& viewer) {
  if (viewer.anonymous || viewer.id.empty()) return false;
  return person == viewer.id ||
         one_of(viewer.role, {Role::admin, Role::supervisor, Role::dispatcher});
}

PointsAccount PointsBank::account(const std::string& person_in, const dispatch::Actor& viewer,
                                  dispatch::Instant now) {
  if (viewer.anonymous || viewer.id.empty())
    throw Error(ErrorCode::unauthorized, "a points account needs a signed-in person or a key");
  const std::string person = person_in == "me" ? viewer.id : person_in;
  pts::check_person(person);
  if (!may_view(person, viewer))
    throw Error(ErrorCode::forbidden, "a person's points are theirs and the office's to see");
  store::LedgerStore& ledger = store_.ledger();
  PointsAccount out;
  out.person = person;
  out.summary = ledger.points_summary(person);
  out.expiring_by = now + std::chrono::days(30);
  // A person's whole history decides which of their points are oldest (bounded: a person
  // posts a few entries a week; 100,000 is centuries of them).
  out.expiring = pts::expirable(policy(), ledger.person_entries(person, 100000), out.expiring_by);
  store::LedgerQuery q;
  q.person = person;
  q.limit = 20;
  out.recent = ledger.ledger_entries(q);
  return out;
}

std::vector<pts::Entry> PointsBank::entries(store::LedgerQuery query,
                                            const dispatch::Actor& viewer) {
  if (viewer.anonymous || viewer.id.empty())
    throw Error(ErrorCode::unauthorized, "the ledger needs a signed-in person or a key");
  if (query.person && *query.person == "me") query.person = viewer.id;
  if (!query.person && !one_of(viewer.role, {Role::admin, Role::supervisor}))
    query.person = viewer.id;  // everyone else reads their own
  if (query.person) pts::check_person(*query.person);
  if (query.person && !may_view(*query.person, viewer))
    throw Error(ErrorCode::forbidden, "a person's points are theirs and the office's to see");
  return store_.ledger().ledger_entries(query);
}

pts::Entry PointsBank::entry(const std::string& id, const dispatch::Actor& viewer) {
  auto e = store_.ledger().ledger_entry(id);
  if (!e || !may_view(e->person, viewer))
    throw Error(ErrorCode::not_found, "ledger entry " + id.substr(0, 32) + " does not exist");
  return *e;
}

pts::Posted PointsBank::post(const store::LedgerPlan& plan, const std::string& request_key,
                             const std::string& request_hash) {
  return store_.ledger().post(plan, request_key, request_hash);
}

pts::Posted PointsBank::earn(pts::EarnRequest r, const dispatch::Actor& by,
                             const std::string& key) {
  require_role(by, {Role::admin, Role::supervisor, Role::dispatcher, Role::grid_worker},
               "recording points earned");
  not_for_oneself(r.person, by, "recording points earned");
  r.by = by.id;
  const auto ref = reference_();
  const std::string hash =
      hash_of({"earn", r.person, r.event_type, r.event_key, std::to_string(r.units)});
  return post(
      [&](const pts::LedgerView& v) {
        r.at = posting_time(v, r.at);
        return pts::plan_earn(v, ref->points, r);
      },
      scoped(key, by), hash);
}

pts::Posted PointsBank::award(const std::string& person, std::int64_t amount,
                              const std::string& reason, const dispatch::Actor& by,
                              dispatch::Instant now, const std::string& key) {
  require_role(by, {Role::admin, Role::supervisor}, "an award (表彰)");
  not_for_oneself(person, by, "an award");
  const std::string hash = hash_of({"award", person, std::to_string(amount), reason});
  return post(
      [&](const pts::LedgerView& v) {
        return pts::Posted{
            pts::plan_award(v, {person, by.id, reason, amount, posting_time(v, now)}), false};
      },
      scoped(key, by), hash);
}

pts::Posted PointsBank::redeem(const std::string& person_in, const std::string& item,
                               std::int64_t quantity, const dispatch::Actor& by,
                               dispatch::Instant now, const std::string& key) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, "a redemption needs a signed-in person or a key");
  const std::string person = person_in.empty() || person_in == "me" ? by.id : person_in;
  if (person != by.id && !one_of(by.role, {Role::admin, Role::dispatcher}))
    throw Error(ErrorCode::forbidden, "only the person, or the office at the counter, redeems");
  const auto ref = reference_();
  pts::RedeemRequest r = pts::redemption(ref->points, person, item, quantity, now);
  r.by = by.id;
  const std::string hash = hash_of({"redeem", person, item, std::to_string(quantity)});
  return post(
      [&](const pts::LedgerView& v) {
        r.at = posting_time(v, now);
        return pts::Posted{pts::plan_redeem(v, r), false};
      },
      scoped(key, by), hash);
}

pts::Posted PointsBank::reverse(const std::string& entry_id, const std::string& reason,
                                const dispatch::Actor& by, dispatch::Instant now,
                                const std::string& key) {
  require_role(by, {Role::admin, Role::supervisor}, "a reversal (冲正)");
  const std::string hash = hash_of({"reverse", entry_id, reason});
  return post(
      [&](const pts::LedgerView& v) {
        if (const auto target = v.entry(entry_id))
          not_for_oneself(target->person, by, "a reversal");
        return pts::Posted{pts::plan_reverse(v, {entry_id, by.id, reason, posting_time(v, now)}),
                           false};
      },
      scoped(key, by), hash);
}

ExpiryRun PointsBank::expire_due(const dispatch::Actor& by, dispatch::Instant now,
                                 std::size_t max_people) {
  if (by.id != dispatch::Actor::system().id) require_role(by, {Role::admin}, "the expiry run");
  const auto ref = reference_();
  ExpiryRun run;
  std::string after;
  while (run.people < max_people) {
    const auto page = store_.ledger().holders(after, std::min<std::size_t>(500, max_people));
    for (const auto& holder : page) {
      const std::string& person = holder.first;  // (a lambda may not capture a binding: clang 14)
      ++run.people;
      // Read first: most holders have nothing due, and a read costs no write.
      if (pts::expirable(ref->points, store_.ledger().person_entries(person, 100000), now) == 0)
        continue;
      const pts::Posted p = post(
          [&](const pts::LedgerView& v) {
            auto e = pts::plan_expire(v, ref->points, person, posting_time(v, now));
            // Nothing due: a replay of nothing (the store appends nothing for a replay).
            return e ? pts::Posted{*e, false} : pts::Posted{{}, true};
          },
          "", "");
      if (!p.replayed) {
        ++run.entries;
        run.points += p.entry.amount;
      }
    }
    if (page.size() < 500) break;
    after = page.back().first;
  }
  return run;
}

bool earn_in(store::WriteTx& tx, const pts::Policy& policy, pts::EarnRequest earning) {
  if (!policy.rule(earning.event_type)) return false;
  const pts::Posted posted = tx.post_points(
      [&](const pts::LedgerView& view) {
        if (auto standing = view.standing_earning(earning.event_key))
          return pts::Posted{*standing, true};
        earning.at = std::max(earning.at, view.last_at().value_or(earning.at));
        return pts::plan_earn(view, policy, earning);
      },
      "", "");
  return !posted.replayed;
}

}  // namespace wangge::service
