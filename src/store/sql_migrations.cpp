// The migrations from the fourth on, whose text both dialects run as it is (sql.hpp:
// migrations_from_fourth); each adapter lists its own first three, its 22nd, 25th and 26th.
#include "sql.hpp"

namespace wangge::store::sql {

// Migrations 4 onwards: the same text on both dialects, one named constant each.
namespace {

// 4: every filter of a listing has an index that also gives the order (creation time, then
// id), so a page reads its rows and stops: category, state, finest grid, a small box's cells,
// the submitter (a resident's own reports), update times.
constexpr char kMigration04[] = R"sql(
CREATE INDEX reports_category_created ON reports (category, created_at, id);
CREATE INDEX reports_state_created ON reports (state, created_at, id);
CREATE INDEX reports_grid_created ON reports (grid_id, created_at, id);
CREATE INDEX reports_cell_created ON reports (cell, created_at, id);
CREATE INDEX reports_submitter_created ON reports (submitted_by, created_at, id);
CREATE INDEX reports_updated ON reports (updated_at, id);
)sql";

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

std::vector<std::string> migrations_from_fourth(const OwnMigrations& own) {
  return {kMigration04, kMigration05,     kMigration06,     kMigration07,           kMigration08,
          kMigration09, kMigration10,     kMigration11,     kMigration12,           kMigration13,
          kMigration14, kMigration15,     kMigration16,     kMigration17,           kMigration18,
          kMigration19, kMigration20,     kMigration21,     own.partition_by_month, kMigration23,
          kMigration24, own.state_counts, own.deltas_vacuum};
}

}  // namespace wangge::store::sql
