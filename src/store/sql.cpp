#include "sql.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::store::sql {
namespace {

std::string select_from_reports() {
  return "SELECT " + column_list(report_columns()) + " FROM reports";
}

}  // namespace

std::string insert_report() {
  const auto& cols = report_columns();
  return "INSERT INTO reports (" + column_list(cols) + ") VALUES (" +
         placeholders(cols.size(), false) + ")";
}

std::string insert_report_key() {
  return "INSERT INTO report_keys (key, report_id, request_hash) VALUES (?, ?, ?)";
}

std::string update_report() {
  std::string set;
  const auto& cols = report_columns();
  for (std::size_t i = 1; i < cols.size(); ++i) set += (set.empty() ? "" : ", ") + cols[i] + " = ?";
  return "UPDATE reports SET " + set + " WHERE id = ?";
}

std::string select_report() {
  return select_from_reports() + " WHERE id = ?";
}

std::string insert_event() {
  return "INSERT INTO events (" + column_list(event_columns()) + ") VALUES (" +
         placeholders(event_columns().size(), false) + ")";
}

std::string select_events() {
  return "SELECT " + column_list(event_columns()) + " FROM events WHERE report_id = ? ORDER BY seq";
}

std::string select_idempotency() {
  return "SELECT key, request_hash, report_id FROM report_keys WHERE key = ?";
}

Query open_reports_near(const std::string& category, const geo::BBox& box, dispatch::Instant since,
                        std::size_t limit) {
  Query q{"SELECT " + column_list(candidate_columns()) + " FROM reports WHERE category = ?",
          {category}};
  const std::vector<std::int64_t> cells = cells_covering(box);
  if (!cells.empty()) {
    q.text += " AND cell IN (" + placeholders(cells.size(), false) + ")";
    q.params.insert(q.params.end(), cells.begin(), cells.end());
  }
  // "+created_at" keeps SQLite's planner on (category, cell) — a few cells — instead of the
  // listings' (category, created_at), which would read every report of the category's age.
  // Nearest to the box's centre first (a local plane: degrees of longitude shrunk by cos(lat)),
  // then oldest, and at most @p limit rows: a spot where hundreds of open reports pile up costs
  // the same memory per submission as a quiet one.
  const double cx = (box.min_x + box.max_x) / 2, cy = (box.min_y + box.max_y) / 2;
  const double kx = std::cos(cy * 3.14159265358979323846 / 180.0);
  q.text +=
      " AND state NOT IN ('cancelled', 'closed', 'evaluated') AND +created_at >= ?"
      " AND lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?"
      " ORDER BY ((lon - ?) * ?) * ((lon - ?) * ?) + (lat - ?) * (lat - ?), +created_at, id"
      " LIMIT ?";
  q.params.insert(q.params.end(), {to_millis(since), box.min_x, box.max_x, box.min_y, box.max_y, cx,
                                   kx, cx, kx, cy, cy, static_cast<std::int64_t>(limit)});
  return q;
}

const std::vector<std::string>& candidate_columns() {
  static const std::vector<std::string> kColumns{"id",  "category", "state",       "created_at",
                                                 "lon", "lat",      "duplicate_of"};
  return kColumns;
}

dispatch::Report decode_candidate(const Row& row) {
  dispatch::Report r;
  auto text = [&](std::size_t i) {
    return std::holds_alternative<std::string>(row[i]) ? std::get<std::string>(row[i]) : "";
  };
  auto real = [&](std::size_t i) {
    return std::holds_alternative<double>(row[i])
               ? std::get<double>(row[i])
               : static_cast<double>(std::get<std::int64_t>(row[i]));
  };
  r.id = text(0);
  r.category = text(1);
  r.state = dispatch::parse_report_state(text(2)).value_or(dispatch::ReportState::received);
  r.created_at = r.updated_at = from_millis(std::get<std::int64_t>(row[3]));
  r.position = geo::LonLat::trusted(real(4), real(5));
  r.duplicate_of = text(6);
  return r;
}

Query supervision_candidates(dispatch::Instant now, double remind_fraction,
                             dispatch::Instant list_before, std::size_t limit) {
  // The supervised column is the level: 0 none, 1 催办, 2 督办, 3 挂牌督办.
  return {
      "SELECT id FROM reports WHERE state IN ('dispatched', 'accepted', 'handled')"
      " AND due_at IS NOT NULL AND ("
      "(supervised = 0 AND dispatched_at IS NOT NULL"
      " AND dispatched_at + (due_at - dispatched_at) * ? / 1000 <= ?)"
      " OR (supervised < 2 AND due_at < ?) OR (supervised = 2 AND due_at < ?))"
      " ORDER BY due_at, id LIMIT ?",
      // The fraction in thousandths: an integer in both dialects' arithmetic.
      // remind_fraction is in [0.05, 1] (reference.cpp): 50 to 1000 thousandths.
      {std::int64_t{number::narrow_round(remind_fraction * 1000)}, to_millis(now), to_millis(now),
       to_millis(list_before), static_cast<std::int64_t>(limit)}};
}

Query report_in_candidates(dispatch::Instant now, std::size_t limit) {
  return {
      "SELECT id FROM reports WHERE report_in_due IS NOT NULL AND report_in_due < ?"
      " AND state IN ('dispatched', 'accepted') ORDER BY report_in_due, id LIMIT ?",
      {to_millis(now), static_cast<std::int64_t>(limit)}};
}

std::string cursor_after(const dispatch::Report& r, ListOrder order) {
  const dispatch::Instant t =
      order == ListOrder::updated_oldest_first ? r.updated_at : r.created_at;
  return std::to_string(to_millis(t)) + "_" + r.id;
}

/// @p s with LIKE's wildcards escaped (ESCAPE '\\'): a grid id "a_b" matches only itself.
std::string like_literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

namespace {

/// The WHERE clause of @p f (without its cursor) appended to @p q.
void add_filters(Query& q, const ReportFilter& f) {
  std::string where;
  auto add = [&](const std::string& clause, std::initializer_list<Value> values) {
    where += (where.empty() ? " WHERE " : " AND ") + clause;
    q.params.insert(q.params.end(), values);
  };
  auto in_list = [&](const char* column, const std::vector<std::string>& values, bool in) {
    std::string list;
    for (const std::string& v : values) {
      list += list.empty() ? "?" : ", ?";
      q.params.emplace_back(v);
    }
    where += (where.empty() ? " WHERE " : " AND ") + std::string(column) +
             (in ? " IN (" : " NOT IN (") + list + ")";
  };
  auto any_of = [&](const char* column, const std::vector<std::string>& values) {
    in_list(column, values, true);
  };
  if (!f.states.empty()) {
    std::vector<std::string> names;
    for (dispatch::ReportState s : f.states) names.emplace_back(to_string(s));
    any_of("state", names);
  }
  if (!f.categories.empty()) any_of("category", f.categories);
  if (!f.exclude_categories.empty()) in_list("category", f.exclude_categories, false);
  if (f.grid) add("grid_path LIKE ? ESCAPE '\\'", {"%/" + like_literal(*f.grid) + "/%"});
  if (f.finest_grid && f.finest_grid->empty())  // not covered by any grid
    add("(grid_id IS NULL OR grid_id = '')", {});
  else if (f.finest_grid)
    add("grid_id = ?", {*f.finest_grid});
  if (f.leader) add("leader_name = ?", {*f.leader});
  if (f.department) {
    add("((assignee_kind = 'department' AND assignee_id = ?) OR (assignee_kind = 'none' AND "
        "responsible_kind = "
        "'department' AND responsible_id = ?))",
        {*f.department, *f.department});
  }
  if (f.submitted_by) add("submitted_by = ?", {*f.submitted_by});
  if (f.external_id) add("external_id = ?", {*f.external_id});
  if (f.bbox) {
    // A small box reads its few cells through their index; a large one is a range filter.
    const std::vector<std::int64_t> cells = cells_covering(*f.bbox);
    if (!cells.empty()) {
      where += (where.empty() ? " WHERE " : " AND ") + std::string("cell IN (") +
               placeholders(cells.size(), false) + ")";
      q.params.insert(q.params.end(), cells.begin(), cells.end());
    }
    add("lon BETWEEN ? AND ? AND lat BETWEEN ? AND ?",
        {f.bbox->min_x, f.bbox->max_x, f.bbox->min_y, f.bbox->max_y});
  }
  if (f.created_from) add("created_at >= ?", {to_millis(*f.created_from)});
  if (f.created_to) add("created_at < ?", {to_millis(*f.created_to)});
  if (f.updated_from) add("updated_at >= ?", {to_millis(*f.updated_from)});
  if (f.updated_to) add("updated_at < ?", {to_millis(*f.updated_to)});
  if (f.overdue_only)
    add("state IN ('dispatched', 'accepted', 'handled') AND due_at < ?", {to_millis(f.now)});
  if (!f.after.empty()) {
    const auto sep = f.after.find('_');
    const auto ms =
        sep == std::string::npos ? std::nullopt : text::parse_integer(f.after.substr(0, sep));
    if (!ms)
      throw Error(ErrorCode::invalid_argument,
                  "the page cursor '" + f.after.substr(0, 60) + "' is malformed");
    const char* clause =
        f.order == ListOrder::newest_first   ? "(created_at < ? OR (created_at = ? AND id < ?))"
        : f.order == ListOrder::oldest_first ? "(created_at > ? OR (created_at = ? AND id > ?))"
                                             : "(updated_at > ? OR (updated_at = ? AND id > ?))";
    add(clause, {std::int64_t{*ms}, std::int64_t{*ms}, f.after.substr(sep + 1)});
  }
  q.text += where;
}

}  // namespace

Query list(const ReportFilter& f) {
  if (f.limit < 1 || f.limit > kMaxListLimit)
    throw Error(ErrorCode::invalid_argument, "a page holds 1 to " + std::to_string(kMaxListLimit) +
                                                 " reports, not " + std::to_string(f.limit));
  if (f.offset > kMaxListOffset)
    throw Error(ErrorCode::invalid_argument, "a listing skips at most " +
                                                 std::to_string(kMaxListOffset) +
                                                 " reports; page further with the cursor");
  Query q{select_from_reports(), {}};
  add_filters(q, f);
  q.text += f.order == ListOrder::newest_first   ? " ORDER BY created_at DESC, id DESC"
            : f.order == ListOrder::oldest_first ? " ORDER BY created_at, id"
                                                 : " ORDER BY updated_at, id";
  q.text += " LIMIT ? OFFSET ?";
  q.params.emplace_back(static_cast<std::int64_t>(f.limit + 1));
  q.params.emplace_back(static_cast<std::int64_t>(f.offset));
  return q;
}

Query count(const ReportFilter& f, std::size_t at_most) {
  ReportFilter whole = f;
  whole.after.clear();
  Query q{"SELECT COUNT(*) FROM (SELECT 1 FROM reports", {}};
  add_filters(q, whole);
  q.text += " LIMIT ?) AS matched";
  q.params.emplace_back(static_cast<std::int64_t>(
      std::min<std::size_t>(at_most, std::numeric_limits<std::int64_t>::max())));
  return q;
}

Query reports_created(dispatch::Instant from, dispatch::Instant to, std::size_t max_rows) {
  return {select_from_reports() +
              " WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id LIMIT ?",
          {to_millis(from), to_millis(to),
           static_cast<std::int64_t>(
               std::min<std::size_t>(max_rows, std::numeric_limits<std::int64_t>::max()))}};
}

Query ended_before(dispatch::Instant before, std::size_t limit) {
  return {
      select_from_reports() +
          " WHERE state IN ('closed', 'evaluated', 'cancelled') AND created_at < ?"
          " AND COALESCE(evaluated_at, closed_at, updated_at) < ? ORDER BY created_at, id LIMIT ?",
      {to_millis(before), to_millis(before),
       static_cast<std::int64_t>(
           std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()))}};
}

std::string select_reply() {
  return "SELECT request_hash, status, body FROM replies WHERE key = ?";
}
std::string insert_reply() {
  return "INSERT INTO replies (key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?)";
}
std::string insert_api_key() {
  return "INSERT INTO api_keys (id, hash, actor, role, label, created_at, revoked) VALUES (?, ?, "
         "?, ?, ?, ?, 0)";
}
std::string select_api_key_by_hash() {
  return "SELECT id, hash, actor, role, label, created_at, revoked FROM api_keys WHERE hash = ?";
}
std::string select_api_keys() {
  return "SELECT id, hash, actor, role, label, created_at, revoked FROM api_keys ORDER BY "
         "created_at, id";
}
std::string revoke_api_key() {
  return "UPDATE api_keys SET revoked = 1 WHERE id = ?";
}
Query open_counts_by_path(dispatch::Instant now) {
  Query q{"", {to_millis(now)}};
  std::string open, running;
  for (dispatch::ReportState st : dispatch::open_states()) {
    open += (open.empty() ? "'" : ", '") + std::string(to_string(st)) + "'";
    if (dispatch::is_running(st))
      running += (running.empty() ? "'" : ", '") + std::string(to_string(st)) + "'";
  }
  // The states are ours (no outside text); the time is a parameter. Report::overdue's rule.
  q.text =
      "SELECT grid_path, COUNT(*), SUM(CASE WHEN state IN (" + running +
      ") AND due_at IS NOT NULL AND due_at < ? THEN 1 ELSE 0 END) FROM reports WHERE state IN (" +
      open + ") GROUP BY grid_path";
  return q;
}

GridPathCount decode_path_count(const Row& row) {
  auto whole = [&](std::size_t i) {
    return std::holds_alternative<std::int64_t>(row[i])
               ? static_cast<std::size_t>(std::max<std::int64_t>(0, std::get<std::int64_t>(row[i])))
               : std::size_t{0};
  };
  return GridPathCount{
      std::holds_alternative<std::string>(row[0]) ? std::get<std::string>(row[0]) : "", whole(1),
      whole(2)};
}

std::string count_by_state() {
  return "SELECT state, COUNT(*) FROM reports GROUP BY state ORDER BY state";
}

ApiKey decode_api_key(const Row& row) {
  auto text = [&](std::size_t i) {
    return std::holds_alternative<std::string>(row[i]) ? std::get<std::string>(row[i]) : "";
  };
  return ApiKey{text(0),
                text(1),
                text(2),
                text(3),
                text(4),
                from_millis(std::get<std::int64_t>(row[5])),
                std::get<std::int64_t>(row[6]) != 0};
}

namespace {
std::string text_at(const Row& row, std::size_t i) {
  return std::holds_alternative<std::string>(row[i]) ? std::get<std::string>(row[i]) : "";
}
std::int64_t int_at(const Row& row, std::size_t i) {
  return std::holds_alternative<std::int64_t>(row[i]) ? std::get<std::int64_t>(row[i]) : 0;
}
int small_at(const Row& row, std::size_t i) {
  return static_cast<int>(std::clamp<std::int64_t>(int_at(row, i), 0, 1000000));
}
}  // namespace

std::string select_account() {
  return "SELECT login, actor, password_hash, failures, locked_until, disabled, created_at, "
         "updated_at, sessions_after FROM accounts WHERE login = ?";
}
std::string select_accounts(AccountKind kind) {
  const char* where = kind == AccountKind::staff      ? " WHERE password_hash <> ''"
                      : kind == AccountKind::resident ? " WHERE password_hash = ''"
                                                      : "";
  return std::string(
             "SELECT login, actor, password_hash, failures, locked_until, disabled, created_at, "
             "updated_at, sessions_after FROM accounts") +
         where + " ORDER BY login";
}
std::string insert_account() {
  return "INSERT INTO accounts (login, actor, password_hash, failures, locked_until, disabled, "
         "created_at, updated_at, sessions_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
}
std::string update_account() {
  return "UPDATE accounts SET actor = ?, password_hash = ?, failures = ?, locked_until = ?, "
         "disabled = ?, created_at = ?, updated_at = ?, sessions_after = ? WHERE login = ?";
}
Account decode_account(const Row& row) {
  return Account{text_at(row, 0),
                 text_at(row, 1),
                 text_at(row, 2),
                 small_at(row, 3),
                 from_millis(int_at(row, 4)),
                 int_at(row, 5) != 0,
                 from_millis(int_at(row, 6)),
                 from_millis(int_at(row, 7)),
                 from_millis(int_at(row, 8))};
}
std::string insert_session() {
  return "INSERT INTO sessions (hash, login, csrf, created_at, expires_at, revoked) VALUES (?, ?, "
         "?, ?, ?, ?)";
}
std::string select_session() {
  return "SELECT hash, login, csrf, created_at, expires_at, revoked FROM sessions WHERE hash = ?";
}
SessionRecord decode_session(const Row& row) {
  return SessionRecord{text_at(row, 0),
                       text_at(row, 1),
                       text_at(row, 2),
                       from_millis(int_at(row, 3)),
                       from_millis(int_at(row, 4)),
                       int_at(row, 5) != 0};
}
std::string select_login_code() {
  return "SELECT phone, code_hash, sent_at, expires_at, attempts, window_start, sends FROM "
         "login_codes WHERE phone = ?";
}
std::string upsert_login_code() {
  return "INSERT INTO login_codes (phone, code_hash, sent_at, expires_at, attempts, window_start, "
         "sends) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (phone) DO UPDATE SET code_hash = "
         "excluded.code_hash, sent_at = excluded.sent_at, expires_at = excluded.expires_at, "
         "attempts = excluded.attempts, window_start = excluded.window_start, sends = "
         "excluded.sends";
}
LoginCode decode_login_code(const Row& row) {
  return LoginCode{text_at(row, 0),
                   text_at(row, 1),
                   from_millis(int_at(row, 2)),
                   from_millis(int_at(row, 3)),
                   small_at(row, 4),
                   from_millis(int_at(row, 5)),
                   small_at(row, 6)};
}

const std::vector<std::string>& integrity_checks() {
  static const std::vector<std::string> kChecks{
      "SELECT 'event ' || e.report_id || '#' || e.seq || ' has no report' FROM events e"
      " LEFT JOIN reports r ON r.id = e.report_id WHERE r.id IS NULL",
      "SELECT 'report ' || r.id || ' has version ' || r.version || ' but ' || COUNT(e.seq) ||"
      " ' events numbered up to ' || COALESCE(MAX(e.seq), 0) FROM reports r"
      " LEFT JOIN events e ON e.report_id = r.id GROUP BY r.id, r.version"
      " HAVING COUNT(e.seq) <> r.version OR COALESCE(MAX(e.seq), 0) <> r.version",
      "SELECT 'idempotency key ' || k.key || ' names report ' || k.report_id || ', which does not"
      " exist' FROM report_keys k LEFT JOIN reports r ON r.id = k.report_id WHERE r.id IS NULL",
  };
  return kChecks;
}

std::string dollar_placeholders(const std::string& text) {
  std::string out;
  int n = 0;
  for (char c : text) {
    if (c == '?')
      out += "$" + std::to_string(++n);
    else
      out += c;
  }
  return out;
}

}  // namespace wangge::store::sql
