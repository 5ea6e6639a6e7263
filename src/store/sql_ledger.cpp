// The ledger port over SQL (积分银行), the same statements on both dialects: the domain's rules
// read the ledger through a LedgerView over the write transaction, and the entry they plan is
// appended there (see ledger.hpp).
#include <algorithm>
#include <map>

#include "sql_store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

namespace pts = dispatch::points;

constexpr const char* kColumns = "seq, kind, person, amount, source, rule, reason, at, by_actor";

pts::Entry decode_entry(const Row& row) {
  pts::Entry e;
  e.id = "e" + std::to_string(int_at(row, 0));
  const auto kind = pts::parse_kind(text_of(row[1]));
  if (!kind) throw Error(ErrorCode::internal, "a ledger entry of an unknown kind");
  e.kind = *kind;
  e.person = text_of(row[2]);
  e.amount = int_at(row, 3);
  e.source = text_of(row[4]);
  e.rule = text_of(row[5]);
  e.reason = text_of(row[6]);
  e.at = from_millis(int_at(row, 7));
  e.by = text_of(row[8]);
  return e;
}

std::vector<pts::Entry> decode_entries(const std::vector<Row>& rows) {
  std::vector<pts::Entry> out;
  out.reserve(rows.size());
  for (const Row& row : rows) out.push_back(decode_entry(row));
  return out;
}

std::optional<pts::Entry> entry_with_lines(SqlSession& s, const std::string& id) {
  const auto n = pts::entry_number(id);
  if (!n) return std::nullopt;
  auto found =
      s.rows(std::string("SELECT ") + kColumns + " FROM ledger_entries WHERE seq = ?", {*n});
  if (found.empty()) return std::nullopt;
  pts::Entry e = decode_entry(found[0]);
  for (const Row& row :
       s.rows("SELECT account, amount FROM ledger_lines WHERE seq = ? ORDER BY amount DESC", {*n}))
    e.lines.push_back({text_of(row[0]), int_at(row, 1)});
  return e;
}

/// The ledger as one transaction sees it (the write's, with the batch's earlier postings).
class SqlLedgerView final : public pts::LedgerView {
 public:
  /// Reads the ledger's last entry, unless this transaction knows it already (it holds the
  /// lock, so nobody else appended since).
  explicit SqlLedgerView(SqlSession& s) : s_(s) {
    if (!s_.ledger_tail_) {
      auto last = s_.rows("SELECT seq, at FROM ledger_entries ORDER BY seq DESC LIMIT 1", {});
      s_.ledger_tail_.emplace(0, dispatch::Instant{});
      if (!last.empty())
        s_.ledger_tail_.emplace(int_at(last[0], 0), from_millis(int_at(last[0], 1)));
    }
    last_seq_ = s_.ledger_tail_->first;
    if (last_seq_ > 0) last_at_ = s_.ledger_tail_->second;
  }
  std::int64_t balance(const std::string& account) const override {
    // Read once per plan (a redemption's rule and the entry's check both ask).
    if (const auto known = balances_.find(account); known != balances_.end()) return known->second;
    const std::int64_t b = int_at(s_.rows("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM "
                                          "ledger_lines WHERE account = ?",
                                          {account})[0],
                                  0);
    balances_.emplace(account, b);
    return b;
  }
  std::optional<pts::Entry> entry(const std::string& id) const override {
    return entry_with_lines(s_, id);
  }
  std::optional<std::string> reversal_of(const std::string& id) const override {
    auto found =
        s_.rows("SELECT seq FROM ledger_entries WHERE kind = 'reverse' AND source = ?", {id});
    if (found.empty()) return std::nullopt;
    return "e" + std::to_string(int_at(found[0], 0));
  }
  std::optional<pts::Entry> standing_earning(const std::string& key) const override {
    for (const auto& [seq, reversed] : earnings(key))
      if (!reversed) return entry_with_lines(s_, "e" + std::to_string(seq));
    return std::nullopt;
  }
  /// Every earning of @p key, in order, each with whether it was reversed (one query per key).
  const std::vector<std::pair<std::int64_t, bool>>& earnings(const std::string& key) const {
    if (earnings_key_ != key || !earnings_) {
      earnings_.emplace();
      for (const Row& row :
           s_.rows("SELECT seq, CASE WHEN EXISTS (SELECT 1 FROM ledger_entries r WHERE r.kind = "
                   "'reverse' AND r.source = 'e' || e.seq) THEN 1 ELSE 0 END FROM ledger_entries e "
                   "WHERE kind = 'earn' AND source = ? ORDER BY seq",
                   {key}))
        earnings_->emplace_back(int_at(row, 0), int_at(row, 1) != 0);
      earnings_key_ = key;
    }
    return *earnings_;
  }
  std::vector<pts::Entry> person_entries(const std::string& person) const override {
    return decode_entries(s_.rows(
        std::string("SELECT ") + kColumns + " FROM ledger_entries WHERE person = ? ORDER BY seq",
        {person}));
  }
  std::optional<dispatch::Instant> last_at() const override { return last_at_; }
  std::string next_id() const override { return "e" + std::to_string(last_seq_ + 1); }

 private:
  SqlSession& s_;
  std::int64_t last_seq_ = 0;
  std::optional<dispatch::Instant> last_at_;
  mutable std::map<std::string, std::int64_t> balances_;
  mutable std::string earnings_key_;
  mutable std::optional<std::vector<std::pair<std::int64_t, bool>>> earnings_;
};

}  // namespace

pts::Posted SqlSession::post_points(const LedgerPlan& plan, const std::string& request_key,
                                    const std::string& request_hash) {
  lock_ledger();
  if (!request_key.empty()) {
    auto found =
        rows("SELECT seq, request_hash FROM ledger_entries WHERE request_key = ?", {request_key});
    if (!found.empty()) {
      if (text_of(found[0][1]) != request_hash)
        throw Error(ErrorCode::idempotency_mismatch,
                    "the Idempotency-Key was used before with another request");
      return {*entry_with_lines(*this, "e" + std::to_string(int_at(found[0], 0))), true};
    }
  }
  const SqlLedgerView view(*this);
  pts::Posted posted = plan(view);
  if (posted.replayed) return posted;
  const pts::Entry& e = posted.entry;
  const auto seq = pts::entry_number(e.id);
  if (!seq || e.id != view.next_id())
    throw Error(ErrorCode::internal, "a ledger entry planned out of order");
  // An earning's round: how many earnings of its event were reversed before it. A standing
  // earning has the round the next one would take, so the unique index on (source, round) is
  // the database's own guarantee that an event never has two standing earnings.
  std::int64_t round = 0;
  if (e.kind == pts::Kind::earn)
    for (const auto& [earlier, reversed] : view.earnings(e.source)) round += reversed ? 1 : 0;
  run("INSERT INTO ledger_entries (seq, kind, person, amount, source, rule, reason, at, "
      "by_actor, round, request_key, request_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {*seq, std::string(pts::to_string(e.kind)), e.person, e.amount, e.source, e.rule, e.reason,
       to_millis(e.at), e.by, round, request_key.empty() ? Value() : Value(request_key),
       request_key.empty() ? Value() : Value(request_hash)});
  // The lines in one statement (one round trip to PostgreSQL).
  std::string lines_sql = "INSERT INTO ledger_lines (seq, account, amount) VALUES ";
  Row params;
  for (const pts::Line& l : e.lines) {
    lines_sql += params.empty() ? "(?, ?, ?)" : ", (?, ?, ?)";
    params.insert(params.end(), {*seq, l.account, l.amount});
  }
  if (!params.empty()) run(lines_sql, params);
  ledger_tail_.emplace(*seq, e.at);  // the next posting of this transaction starts from here
  return posted;
}

pts::Posted SqlStore::post(const LedgerPlan& plan, const std::string& request_key,
                           const std::string& request_hash) {
  std::optional<pts::Posted> out;
  write_sql([&](SqlSession& s) { out = s.post_points(plan, request_key, request_hash); });
  return std::move(*out);
}

std::optional<pts::Entry> SqlStore::ledger_entry(const std::string& id) {
  return read_value([&](SqlSession& s) { return entry_with_lines(s, id); });
}

std::vector<pts::Entry> SqlStore::ledger_entries(const LedgerQuery& q) {
  std::string text = std::string("SELECT ") + kColumns + " FROM ledger_entries WHERE 1 = 1";
  Row params;
  if (q.person) {
    text += " AND person = ?";
    params.emplace_back(*q.person);
  }
  if (q.kind) {
    text += " AND kind = ?";
    params.emplace_back(std::string(pts::to_string(*q.kind)));
  }
  if (q.from) {
    text += " AND at >= ?";
    params.emplace_back(to_millis(*q.from));
  }
  if (q.to) {
    text += " AND at < ?";
    params.emplace_back(to_millis(*q.to));
  }
  if (q.before) {
    text += " AND seq < ?";
    params.emplace_back(*q.before);
  }
  text += " ORDER BY seq DESC LIMIT ?";
  params.emplace_back(static_cast<std::int64_t>(std::clamp<std::size_t>(q.limit, 1, 1000)));
  return read_value([&](SqlSession& s) { return decode_entries(s.rows(text, params)); });
}

std::vector<pts::Entry> SqlStore::person_entries(const std::string& person, std::size_t at_most) {
  return read_value([&](SqlSession& s) {
    return decode_entries(s.rows(std::string("SELECT ") + kColumns +
                                     " FROM ledger_entries WHERE person = ? ORDER BY seq LIMIT ?",
                                 {person, static_cast<std::int64_t>(at_most)}));
  });
}

PointsSummary SqlStore::points_summary(const std::string& person) {
  return read_value([&](SqlSession& s) {
    PointsSummary out;
    out.balance = int_at(s.rows("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM "
                                "ledger_lines WHERE account = ?",
                                {pts::person_account(person)})[0],
                         0);
    // By the other side of each line: a reversal's mirrored lines net out of their kind.
    for (const Row& row : s.rows(
             "SELECT CASE WHEN l.account LIKE 'issued:%' OR l.account = 'awarded' THEN 'earned' "
             "WHEN l.account LIKE 'redeemed:%' THEN 'redeemed' ELSE 'expired' END AS side, "
             "CAST(SUM(l.amount) AS BIGINT) FROM ledger_entries e JOIN ledger_lines l ON l.seq = "
             "e.seq WHERE e.person = ? AND l.account NOT LIKE 'person:%' GROUP BY side",
             {person})) {
      const std::string side = text_of(row[0]);
      const std::int64_t sum = int_at(row, 1);
      if (side == "earned") out.earned = -sum;
      if (side == "redeemed") out.redeemed = sum;
      if (side == "expired") out.expired = sum;
    }
    out.entries = static_cast<std::size_t>(std::max<std::int64_t>(
        0, int_at(s.rows("SELECT COUNT(*) FROM ledger_entries WHERE person = ?", {person})[0], 0)));
    return out;
  });
}

std::vector<std::pair<std::string, std::int64_t>> SqlStore::holders(const std::string& after,
                                                                    std::size_t limit) {
  return read_value([&](SqlSession& s) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const Row& row :
         s.rows("SELECT account, CAST(SUM(amount) AS BIGINT) FROM ledger_lines WHERE account > ? "
                "AND account LIKE 'person:%' GROUP BY account HAVING SUM(amount) > 0 ORDER BY "
                "account LIMIT ?",
                {pts::person_account(after), static_cast<std::int64_t>(limit)}))
      out.emplace_back(text_of(row[0]).substr(7), int_at(row, 1));
    return out;
  });
}

std::vector<std::pair<std::string, std::int64_t>> SqlStore::earned_between(dispatch::Instant from,
                                                                           dispatch::Instant to) {
  // One row a person: bounded by the people who earned in the period (the workers and the
  // residents of a subdistrict), whatever the entries number. An earning reversed since (冲正)
  // earned nothing.
  return read_value_unbounded([&](SqlSession& s) {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const Row& row :
         s.rows("SELECT e.person, CAST(SUM(e.amount) AS BIGINT) FROM ledger_entries e "
                "WHERE e.at >= ? AND e.at < ? AND e.kind IN ('earn', 'award') AND NOT EXISTS "
                "(SELECT 1 FROM ledger_entries r WHERE r.kind = 'reverse' AND "
                "r.source = 'e' || e.seq) GROUP BY e.person ORDER BY e.person",
                {to_millis(from), to_millis(to)}))
      out.emplace_back(text_of(row[0]), int_at(row, 1));
    return out;
  });
}

std::pair<std::int64_t, std::size_t> SqlStore::ledger_totals() {
  return read_value_unbounded([&](SqlSession& s) {
    const auto sum =
        s.rows("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger_lines", {});
    const auto n = s.rows("SELECT COUNT(*) FROM ledger_entries", {});
    return std::pair<std::int64_t, std::size_t>(
        int_at(sum[0], 0), static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(n[0], 0))));
  });
}

}  // namespace wangge::store
