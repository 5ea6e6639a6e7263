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

std::string cursor_after(const dispatch::Report& r) {
  return std::to_string(to_millis(r.created_at)) + "_" + r.id;
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
    const bool newest = f.order == ListOrder::newest_first;
    add(newest ? "(created_at < ? OR (created_at = ? AND id < ?))"
               : "(created_at > ? OR (created_at = ? AND id > ?))",
        {std::int64_t{*ms}, std::int64_t{*ms}, f.after.substr(sep + 1)});
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
  q.text += f.order == ListOrder::newest_first ? " ORDER BY created_at DESC, id DESC"
                                               : " ORDER BY created_at, id";
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

// Migrations 5 onwards: the same text on both dialects, one named constant each.
namespace {

// 5: the supervised column holds the supervision level (0 none, 1 催办, 2 督办, 3 挂牌督办);
// a case supervised before is at 督办.
constexpr char kMigration05[] = R"sql(
UPDATE reports SET supervised = 2 WHERE supervised = 1;
)sql";

// 6: the channel's ticket number (12345 工单号), searchable.
constexpr char kMigration06[] = R"sql(
ALTER TABLE reports ADD COLUMN external_id TEXT;
CREATE INDEX reports_external ON reports (external_id);
)sql";

// 7: people who sign in, their browser sessions, and the one-time codes sent to phones.
constexpr char kMigration07[] = R"sql(
CREATE TABLE accounts (
  login TEXT PRIMARY KEY, actor TEXT NOT NULL, password_hash TEXT NOT NULL, failures BIGINT NOT NULL,
  locked_until BIGINT NOT NULL, disabled BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
  sessions_after BIGINT NOT NULL);
CREATE INDEX accounts_actor ON accounts (actor);
CREATE TABLE sessions (
  hash TEXT PRIMARY KEY, login TEXT NOT NULL, csrf TEXT NOT NULL, created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL, revoked BIGINT NOT NULL);
CREATE INDEX sessions_login ON sessions (login, expires_at);
CREATE TABLE login_codes (
  phone TEXT PRIMARY KEY, code_hash TEXT NOT NULL, sent_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,
  attempts BIGINT NOT NULL, window_start BIGINT NOT NULL, sends BIGINT NOT NULL);
)sql";

// 8: where the reporter said it is, and their e-mail (private contact).
constexpr char kMigration08[] = R"sql(
ALTER TABLE reports ADD COLUMN address TEXT;
ALTER TABLE reports ADD COLUMN reporter_email TEXT;
)sql";

// 9: residents following a case (the reporters of its duplicates), a JSON array.
constexpr char kMigration09[] = R"sql(
ALTER TABLE reports ADD COLUMN followers TEXT;
)sql";

// 10: the departments of the last whistle (吹哨报到: lead and 协办), a JSON array.
constexpr char kMigration10[] = R"sql(
ALTER TABLE reports ADD COLUMN whistle TEXT;
)sql";

// 11: uploaded photos, their display copy and thumbnail in the database itself. BYTEA is
// PostgreSQL's bytes type; SQLite gives the name NUMERIC affinity, which stores a BLOB as
// it is.
constexpr char kMigration11[] = R"sql(
CREATE TABLE media (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, report_id TEXT, created_at BIGINT NOT NULL,
  width BIGINT NOT NULL, height BIGINT NOT NULL, thumbnail_width BIGINT NOT NULL,
  thumbnail_height BIGINT NOT NULL, bytes BIGINT NOT NULL, etag TEXT NOT NULL,
  thumbnail_etag TEXT NOT NULL, display BYTEA NOT NULL, thumbnail BYTEA NOT NULL);
CREATE INDEX media_owner ON media (owner, created_at);
CREATE INDEX media_unattached ON media (created_at) WHERE report_id IS NULL;
)sql";

// 12: answers to the category's questions (Open311 attributes), a JSON object.
constexpr char kMigration12[] = R"sql(
ALTER TABLE reports ADD COLUMN attributes TEXT;
)sql";

// 13: the outbox: messages (each a recipient's inbox entry) and their deliveries per
// channel, written in the transaction of the change they tell of; people's areas
// (grids) they follow.
constexpr char kMigration13[] = R"sql(
CREATE TABLE notifications (
  id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, report_id TEXT NOT NULL, event_seq BIGINT NOT NULL,
  kind TEXT NOT NULL, recipient TEXT NOT NULL, recipient_name TEXT NOT NULL, department TEXT NOT NULL,
  grids TEXT NOT NULL, category TEXT NOT NULL, urgent BIGINT NOT NULL, title TEXT NOT NULL,
  body TEXT NOT NULL, link TEXT NOT NULL, read_at BIGINT);
CREATE INDEX notifications_recipient ON notifications (recipient, created_at, id);
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY, notification_id TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL,
  state TEXT NOT NULL, attempts BIGINT NOT NULL, next_at BIGINT NOT NULL, created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL, delivered_at BIGINT, last_error TEXT NOT NULL);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE state = 'pending';
CREATE INDEX deliveries_changed ON deliveries (state, updated_at);
CREATE TABLE subscriptions (
  actor TEXT NOT NULL, grid TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (actor, grid));
CREATE INDEX subscriptions_grid ON subscriptions (grid);
)sql";

// 14: digests (汇总): a delivery held for its window's digest names it; a digest counts
// what one address got on one channel since the window began. A channel's own text.
constexpr char kMigration14[] = R"sql(
ALTER TABLE deliveries ADD COLUMN digest TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN text TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_digest ON deliveries (digest) WHERE digest <> '';
CREATE INDEX deliveries_address ON deliveries (channel, address, created_at);
)sql";

// 15: fewer index writes per delivery, and the runner's read in index order. The partial
// index on next_at lost to (state, updated_at) in SQLite's planner, which then visited
// and sorted every pending row on each pass (23 ms a pass with 50,000 waiting, 1.4 ms
// now); (state, updated_at) now leaves pending rows out, so the two never compete and a
// delivery is indexed once while pending and once when done. A digest counts its window
// by an index kept only for channels with a digest (every delivery paid for the
// (channel, address, created_at) one).
constexpr char kMigration15[] = R"sql(
DROP INDEX deliveries_due;
DROP INDEX deliveries_changed;
DROP INDEX deliveries_address;
ALTER TABLE deliveries ADD COLUMN digest_window TEXT NOT NULL DEFAULT '';
CREATE INDEX deliveries_due ON deliveries (next_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_done ON deliveries (state, updated_at, id) WHERE state <> 'pending';
CREATE INDEX deliveries_window ON deliveries (digest_window) WHERE digest_window <> '';
)sql";

// 16: 报到超时 (a missed report-in deadline): the earliest 报到 deadline of a whistle still
// waiting (a department neither reported in nor told of its miss), for the ticker's read.
// Cases whistled before this migration have none and are not told of a miss.
constexpr char kMigration16[] = R"sql(
ALTER TABLE reports ADD COLUMN report_in_due BIGINT;
CREATE INDEX reports_report_in_due ON reports (report_in_due) WHERE report_in_due IS NOT NULL;
)sql";

// 17: the points bank (积分银行): ledger entries and their lines, append-only. An entry's id is
// "e" + seq. The unique indexes are the database's own guarantee of the ledger's rules: an
// event has one standing earning (round counts the earlier, reversed ones), an entry is
// reversed once, a request key posts once. Balances are sums of lines by account.
constexpr char kMigration17[] = R"sql(
CREATE TABLE ledger_entries (
  seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, person TEXT NOT NULL, amount BIGINT NOT NULL,
  source TEXT NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL, at BIGINT NOT NULL,
  by_actor TEXT NOT NULL, round BIGINT NOT NULL, request_key TEXT, request_hash TEXT);
CREATE INDEX ledger_person ON ledger_entries (person, seq);
CREATE INDEX ledger_at ON ledger_entries (at);
CREATE UNIQUE INDEX ledger_earned_once ON ledger_entries (source, round) WHERE kind = 'earn';
CREATE UNIQUE INDEX ledger_reversed_once ON ledger_entries (source) WHERE kind = 'reverse';
CREATE UNIQUE INDEX ledger_request ON ledger_entries (request_key) WHERE request_key IS NOT NULL;
CREATE TABLE ledger_lines (
  seq BIGINT NOT NULL, account TEXT NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY (seq, account));
CREATE INDEX ledger_lines_account ON ledger_lines (account, amount);
)sql";

// 18: tasks residents and volunteers take on (圆单, 揭榜挂帅) and their events. grid_path is
// "/root/…/leaf/" (a grid or below: LIKE '%/<id>/%'); grid_chain the ids, finest first.
constexpr char kMigration18[] = R"sql(
CREATE TABLE tasks (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL,
  grid_path TEXT NOT NULL, grid_chain TEXT NOT NULL, points BIGINT NOT NULL, requester TEXT NOT NULL,
  claimant TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, due_at BIGINT,
  claimed_at BIGINT, done_at BIGINT, confirmed_at BIGINT, rating BIGINT NOT NULL, version BIGINT NOT NULL);
CREATE INDEX tasks_created ON tasks (created_at, id);
CREATE INDEX tasks_requester ON tasks (requester);
CREATE INDEX tasks_claimant ON tasks (claimant);
CREATE TABLE task_events (
  task_id TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
  from_state TEXT NOT NULL, to_state TEXT NOT NULL, note TEXT NOT NULL, PRIMARY KEY (task_id, seq));
)sql";

// 19: households under their 邻 and the visits paid them (入户走访). A household keeps its last
// visit (someone at home) and last attempt, moved in the visit's own write; grid_path is the
// chain root first ("/root/…/unit/") for listings by grid, as for tasks and reports.
constexpr char kMigration19[] = R"sql(
CREATE TABLE households (
  id TEXT PRIMARY KEY, unit TEXT NOT NULL, grid_path TEXT NOT NULL, grid_chain TEXT NOT NULL,
  address TEXT NOT NULL, size BIGINT NOT NULL, flags TEXT NOT NULL, contact_name TEXT NOT NULL,
  contact_phone TEXT NOT NULL, lon DOUBLE PRECISION, lat DOUBLE PRECISION, registered_at BIGINT NOT NULL,
  last_visit_at BIGINT, last_attempt_at BIGINT, updated_at BIGINT NOT NULL);
CREATE INDEX households_path ON households (grid_path, id);
CREATE TABLE visits (
  id TEXT PRIMARY KEY, household TEXT NOT NULL, grid_path TEXT NOT NULL, grid_chain TEXT NOT NULL,
  visitor TEXT NOT NULL, at BIGINT NOT NULL, recorded_at BIGINT NOT NULL, outcome TEXT NOT NULL,
  notes TEXT NOT NULL, follow_up TEXT NOT NULL);
CREATE INDEX visits_household ON visits (household, at);
CREATE INDEX visits_at ON visits (at, id);
CREATE INDEX visits_visitor ON visits (visitor, at);
)sql";

// 20: patrol check-ins (巡查打卡); the routes are reference data (patrols.json).
constexpr char kMigration20[] = R"sql(
CREATE TABLE patrol_checkins (
  id TEXT PRIMARY KEY, route TEXT NOT NULL, point TEXT NOT NULL, grid_path TEXT NOT NULL,
  grid_chain TEXT NOT NULL, worker TEXT NOT NULL, at BIGINT NOT NULL, recorded_at BIGINT NOT NULL,
  lon DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL, accuracy_m DOUBLE PRECISION NOT NULL,
  distance_m DOUBLE PRECISION NOT NULL, notes TEXT NOT NULL);
CREATE INDEX patrol_checkins_route ON patrol_checkins (route, at);
CREATE INDEX patrol_checkins_at ON patrol_checkins (at, id);
CREATE INDEX patrol_checkins_worker ON patrol_checkins (worker, at);
)sql";

// 21: idempotency keys in a table of their own. A unique column of reports could not stay
// unique once PostgreSQL partitions the table by id (migration 22): a partitioned table's
// unique constraints must hold its partition key. SQLite keeps the old column, now unused.
constexpr char kMigration21[] = R"sql(
CREATE TABLE report_keys (key TEXT PRIMARY KEY, report_id TEXT NOT NULL, request_hash TEXT NOT NULL);
INSERT INTO report_keys (key, report_id, request_hash)
  SELECT idempotency_key, id, COALESCE(request_hash, '') FROM reports WHERE idempotency_key IS NOT NULL;
CREATE INDEX report_keys_report ON report_keys (report_id);
)sql";

// 23: what archiving a case deletes, found by the case: its photos, its inbox messages and
// their deliveries (each was a scan of the table before).
constexpr char kMigration23[] = R"sql(
CREATE INDEX media_report ON media (report_id) WHERE report_id IS NOT NULL;
CREATE INDEX notifications_report ON notifications (report_id);
CREATE INDEX deliveries_notification ON deliveries (notification_id);
)sql";

// 24: the heartbeat of read replicas (PostgreSQL): each node with a replica writes the primary's
// time here once a second and reads it back on the replica to know how far behind it is.
// Unused on SQLite.
constexpr char kMigration24[] = R"sql(
CREATE TABLE replica_heartbeat (id BIGINT PRIMARY KEY, at BIGINT NOT NULL);
)sql";

}  // namespace

const std::vector<std::string>& later_shared_migrations() {
  static const std::vector<std::string> kMigrations{kMigration23, kMigration24};
  return kMigrations;
}

// Each dialect then appends its own 22nd (PostgreSQL: monthly partitions; SQLite: nothing);
// a migration both run after that starts at 23, appended on both sides.
const std::vector<std::string>& shared_migrations() {
  static const std::vector<std::string> kMigrations{
      kMigration05, kMigration06, kMigration07, kMigration08, kMigration09, kMigration10,
      kMigration11, kMigration12, kMigration13, kMigration14, kMigration15, kMigration16,
      kMigration17, kMigration18, kMigration19, kMigration20, kMigration21};
  return kMigrations;
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
std::string select_accounts() {
  return "SELECT login, actor, password_hash, failures, locked_until, disabled, created_at, "
         "updated_at, sessions_after FROM accounts ORDER BY login";
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
