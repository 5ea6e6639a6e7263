#pragma once
// The points bank (积分银行, issue 17): the rules of an append-only, double-entry ledger of whole
// points per person (a resident, a volunteer, a grid worker). Every entry is a set of lines that
// sum to zero: earning moves points from the bank's issuance account of its rule to the person,
// a redemption from the person to the catalogue item, an expiry from the person to "expired". A
// mistake is never edited: a reversal entry mirrors it. Balances are derived from the lines,
// never stored alone; a person's balance never goes below zero; every earning names the event
// that earned it (a verified report, a completed task, a visit), and the same event never earns
// twice (unless that earning was reversed). Entries are posted in time order. Points expire a
// fixed number of months after they were earned, oldest first; points a reversal gives back
// keep the dates they had.
//
// The rules read the ledger through LedgerView and plan the entry a request makes (plan_*),
// which the caller appends: the in-memory Ledger below (the reference model the stores are
// checked against) and each store (store/ledger.hpp), inside its write transaction.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/report.hpp"
#include "wangge/dispatch/time.hpp"

namespace wangge::dispatch::points {

/// The most points one entry may move: a typo of a few zeros is refused, not posted.
inline constexpr std::int64_t kMaxPoints = 100000;

enum class Kind { earn, award, redeem, expire, reverse };
std::string_view to_string(Kind k) noexcept;
std::optional<Kind> parse_kind(std::string_view s);

/// One side of an entry: @p amount points into @p account (negative: out of it).
struct Line {
  std::string account;
  std::int64_t amount = 0;
  friend bool operator==(const Line&, const Line&) = default;
};

/// The position of a canonical entry id ("e12" → 12); std::nullopt for anything else ("e012",
/// "12", "e0"): one entry, one name.
std::optional<std::int64_t> entry_number(std::string_view id);

/// A person's id as the ledger takes it: 1 to 128 bytes of UTF-8 without control characters.
/// @throws Error(invalid_argument) naming the rule otherwise.
void check_person(const std::string& person);

/// The account of a person ("person:" + id): the only kind that may not go below zero.
std::string person_account(std::string_view person);

struct Entry {
  std::string id;  ///< "e1", "e2" … in posting order
  Kind kind = Kind::earn;
  std::string person;     ///< whose points move
  std::int64_t amount{};  ///< points moved, > 0 (a reversal: those of the entry it mirrors)
  /// earn: the event that earned it ("report:R…:verified"), unique; award: who awarded;
  /// redeem: the catalogue item; expire: ""; reverse: the id of the entry it mirrors.
  std::string source;
  std::string rule;    ///< earn: the earning rule's event type
  std::string reason;  ///< award, reverse: why (required); others optional
  Instant at;
  std::vector<Line> lines;  ///< sum to zero
  std::string by;           ///< who posted it (a staff id, the person, "system")
};

/// An earning rule of the reference data: what an event of a type earns.
struct EarningRule {
  std::string event;  ///< report_verified, task_completed, volunteer_hour, visit …
  std::string name;   ///< 上报问题经核实 …
  std::int64_t points = 0;
};

/// What points buy (兑换目录): goods or services a 共建单位 (partner organisation) offers.
struct CatalogueItem {
  std::string id;        ///< "haircut"
  std::string name;      ///< 理发一次
  std::string provider;  ///< 共建单位: who honours it
  std::int64_t points = 0;
};

/// The points document of the reference data (points.json).
struct Policy {
  int validity_months = 24;  ///< points expire this long after they were earned
  std::vector<EarningRule> rules;
  std::vector<CatalogueItem> catalogue;
  const EarningRule* rule(std::string_view event) const;
  const CatalogueItem* item(std::string_view id) const;
};

/// The policy used when the reference data has no points document: the earning rules of the
/// seed articles' 积分银行 and an empty catalogue.
Policy default_policy();
/// Parses points.json ({validity_months, rules: [{event, name, points}], catalogue: [{id,
/// name, provider, points}]}). @throws Error(invalid_data) naming the entry and the rule.
Policy parse_policy(const std::string& json_text);

/// The entries a caller asks for; the ledger checks them against the rules and the balances.
struct EarnRequest {
  std::string person, event_type, event_key;
  std::int64_t units = 1;  ///< e.g. volunteer hours: points = rule.points × units
  Instant at;
  std::string by = "system";
  /// Points fixed in advance instead of the rule's × units (a task's bounty, 揭榜挂帅).
  std::optional<std::int64_t> amount = std::nullopt;
};
struct AwardRequest {
  std::string person, by, reason;
  std::int64_t amount{};
  Instant at;
};
struct RedeemRequest {
  std::string person, item, reason;
  std::int64_t amount{};
  Instant at;
  std::string by = {};  ///< "": the person themself
};
/// A redemption of @p quantity of the catalogue's item @p item_id at its price.
/// @throws Error(invalid_argument) for an item not in the catalogue or a quantity outside 1–100.
RedeemRequest redemption(const Policy& policy, const std::string& person,
                         const std::string& item_id, std::int64_t quantity, Instant at);
struct ReverseRequest {
  std::string entry_id, by, reason;
  Instant at;
};

/// What posting an earning did: a new entry, or the one the same event earned before.
struct Posted {
  Entry entry;
  bool replayed = false;
};

/// What the rules read of a ledger: the in-memory one, or a store's inside its transaction.
class LedgerView {
 public:
  virtual ~LedgerView() = default;
  virtual std::int64_t balance(const std::string& account) const = 0;
  virtual std::optional<Entry> entry(const std::string& id) const = 0;
  /// The id of the entry that reversed @p id, if any.
  virtual std::optional<std::string> reversal_of(const std::string& id) const = 0;
  /// The earning of @p event_key that stands (was not reversed), if any.
  virtual std::optional<Entry> standing_earning(const std::string& event_key) const = 0;
  /// Every entry of @p person, in posting order (for the expiry).
  virtual std::vector<Entry> person_entries(const std::string& person) const = 0;
  /// When the last entry was posted (std::nullopt: none yet).
  virtual std::optional<Instant> last_at() const = 0;
  /// The id the next entry takes ("e" + its position).
  virtual std::string next_id() const = 0;
};

// The entry each request makes, checked against the rules and the ledger as @p view shows it
// (check_entry included). They throw Error (invalid_argument for a malformed request,
// not_found for an unknown entry, conflict when the balances or the history do not allow it).
Posted plan_earn(const LedgerView& view, const Policy& policy, const EarnRequest& r);
Entry plan_award(const LedgerView& view, const AwardRequest& r);
Entry plan_redeem(const LedgerView& view, const RedeemRequest& r);
Entry plan_reverse(const LedgerView& view, const ReverseRequest& r);
/// Expires @p person's points earned more than validity_months before @p at and not used yet
/// (oldest first); std::nullopt when none is due.
std::optional<Entry> plan_expire(const LedgerView& view, const Policy& policy,
                                 const std::string& person, Instant at);
/// What appending @p e requires: lines that sum to zero, no earlier than the last entry, no
/// person below zero. @throws Error otherwise.
void check_entry(const LedgerView& view, const Entry& e);
/// The points of one person (@p entries: all theirs, in order) due to expire at @p at.
std::int64_t expirable(const Policy& policy, const std::vector<Entry>& entries, Instant at);

/// What an event of a case earns (the rule's event type, the person, a key that names the
/// event): a case registered (受理立案: its report verified) earns its reporter
/// "report_verified" under "report:<id>:verified". A case without a reporter who is a person
/// (anonymous, an app, the system) earns nothing.
std::optional<EarnRequest> earning_for(const Report& report, const Event& event);

/// The ledger in memory: entries in order, balances derived from their lines. A refused
/// request throws Error (invalid_argument for a malformed one, conflict when the balances or
/// the ledger's history do not allow it) and changes nothing.
class Ledger final : public LedgerView {
 public:
  explicit Ledger(Policy policy) : policy_(std::move(policy)) {}

  Posted earn(const EarnRequest& r);
  Entry award(const AwardRequest& r);
  Entry redeem(const RedeemRequest& r);
  Entry reverse(const ReverseRequest& r);
  /// Expires @p person's points earned more than validity_months before @p at and not used yet
  /// (oldest first). @returns the entry, or nothing when none is due.
  std::optional<Entry> expire(const std::string& person, Instant at);

  /// Appends an entry as it was stored (replay): in order, lines summing to zero, no person
  /// below zero, no event earning twice, no entry reversed twice.
  void replay(const Entry& e);

  std::int64_t balance(const std::string& account) const override;
  std::optional<Entry> entry(const std::string& id) const override;
  std::optional<std::string> reversal_of(const std::string& id) const override;
  std::optional<Entry> standing_earning(const std::string& event_key) const override;
  std::vector<Entry> person_entries(const std::string& person) const override;
  std::optional<Instant> last_at() const override;
  std::string next_id() const override { return "e" + std::to_string(entries_.size() + 1); }

  std::int64_t person_balance(const std::string& person) const {
    return balance(person_account(person));
  }
  /// Points of @p person due to expire at @p at (see expire).
  std::int64_t expirable(const std::string& person, Instant at) const;
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  const std::map<std::string, std::int64_t>& balances() const noexcept { return balances_; }

 private:
  const Entry* find(const std::string& id) const;
  Entry& append(Entry e);

  Policy policy_;
  std::vector<Entry> entries_;
  std::map<std::string, std::int64_t> balances_;
  std::map<std::string, std::size_t> by_event_;     // earn source → entry index
  std::map<std::string, std::size_t> reversed_by_;  // entry id → its reversal's index
};

}  // namespace wangge::dispatch::points
