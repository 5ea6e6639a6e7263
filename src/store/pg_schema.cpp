// The PostgreSQL schema's history: the first three migrations, PostgreSQL's own 22nd, 25th and 26th
// and the shared ones between and after (sql::migrations_from_fourth), run in order under an
// advisory lock and recorded in schema_migrations.
#include "pg_schema.hpp"

#include <algorithm>
#include <pqxx/pqxx>
#include <vector>

#include "pg_connection.hpp"
#include "pg_partitions.hpp"
#include "sql.hpp"
#include "sql_store.hpp"
#include "wangge/dispatch/time.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

// 22: reports and events partitioned by month, on the report id (ids begin "r_YYYYMM", see
// dispatch::new_report_id): a case's row and its events sit in its month's partition, a
// lookup by id reads one partition, and a month that is old can be archived and vacuumed on
// its own. The key is the id, so every query of the store stays as it was. The id sorts in
// byte order ("C"), as in SQLite. Ids of the earlier scheme ("r" and 15 base32 characters)
// sort before "r_" (r0…r9) or after "r`" (ra…rz) and keep two partitions of their own; a month
// without its partition yet (made three ahead, PostgisStore::maintain) goes to the default
// one. The indexes are the ones the table had, made again on the partitioned table (each
// partition gets its own): the primary key, every listing's (…, created_at, id), the
// ticker's, the GiST one on geom.
constexpr char kPartitionByMonth[] = R"sql(
ALTER TABLE events DROP CONSTRAINT events_report_id_fkey;
ALTER TABLE reports DROP COLUMN idempotency_key, DROP COLUMN request_hash;
ALTER TABLE reports ALTER COLUMN id TYPE TEXT COLLATE "C";
ALTER TABLE events ALTER COLUMN report_id TYPE TEXT COLLATE "C";
CREATE TEMPORARY TABLE report_indexes ON COMMIT DROP AS
  SELECT indexdef FROM pg_indexes
  WHERE schemaname = current_schema() AND tablename = 'reports' AND indexname <> 'reports_pkey';
ALTER TABLE reports RENAME TO reports_unpartitioned;
ALTER TABLE events RENAME TO events_unpartitioned;
CREATE TABLE reports (LIKE reports_unpartitioned INCLUDING DEFAULTS INCLUDING GENERATED)
  PARTITION BY RANGE (id);
CREATE TABLE events (LIKE events_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (report_id);
CREATE TABLE reports_first_digits PARTITION OF reports FOR VALUES FROM (MINVALUE) TO ('r_');
CREATE TABLE reports_first_letters PARTITION OF reports FOR VALUES FROM ('r`') TO (MAXVALUE);
CREATE TABLE reports_default PARTITION OF reports DEFAULT;
CREATE TABLE events_first_digits PARTITION OF events FOR VALUES FROM (MINVALUE) TO ('r_');
CREATE TABLE events_first_letters PARTITION OF events FOR VALUES FROM ('r`') TO (MAXVALUE);
CREATE TABLE events_default PARTITION OF events DEFAULT;
DO $$
DECLARE
  t TEXT;
  cols TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['reports', 'events'] LOOP
    SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO cols
      FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = t || '_unpartitioned'
        AND is_generated = 'NEVER';
    EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I', t, cols, cols, t || '_unpartitioned');
  END LOOP;
END $$;
DROP TABLE events_unpartitioned;
DROP TABLE reports_unpartitioned;
ALTER TABLE reports ADD PRIMARY KEY (id);
ALTER TABLE events ADD PRIMARY KEY (report_id, seq);
DO $$
DECLARE
  d TEXT;
BEGIN
  FOR d IN SELECT indexdef FROM report_indexes LOOP
    EXECUTE d;
  END LOOP;
END $$;
ALTER TABLE events ADD FOREIGN KEY (report_id) REFERENCES reports (id);
)sql";

// 25: the number of reports in each state, kept as they change (what /metrics reports; a
// COUNT over every case took 1.2 s at 10 M). A trigger appends +1/-1 rows to
// report_state_deltas, which no two writers contend for; the ticker's node folds them into
// report_state_totals now and then (kFoldStateCounts); a count is the totals plus the deltas
// not folded yet, in one snapshot.
constexpr char kStateCounts[] = R"sql(
CREATE TABLE report_state_totals (state TEXT PRIMARY KEY, n BIGINT NOT NULL);
CREATE TABLE report_state_deltas (state TEXT NOT NULL, n BIGINT NOT NULL);
INSERT INTO report_state_totals (state, n) SELECT state, COUNT(*) FROM reports GROUP BY state;
CREATE FUNCTION report_state_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO report_state_deltas (state, n) VALUES (OLD.state, -1);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO report_state_deltas (state, n) VALUES (NEW.state, 1);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER reports_state_added AFTER INSERT ON reports
  FOR EACH ROW EXECUTE FUNCTION report_state_delta();
CREATE TRIGGER reports_state_removed AFTER DELETE ON reports
  FOR EACH ROW EXECUTE FUNCTION report_state_delta();
CREATE TRIGGER reports_state_changed AFTER UPDATE OF state ON reports
  FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION report_state_delta();
)sql";

// 26: each fold leaves its deltas dead: autovacuum clears the table after 2,000 of them, whatever
// its size (the default waits for a fifth of the table).
constexpr char kDeltasVacuum[] = R"sql(
ALTER TABLE report_state_deltas
  SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000);
)sql";

const std::vector<std::string>& migrations() {
  static const std::vector<std::string> kMigrations{
      R"sql(
CREATE TABLE reports (
  id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, state TEXT NOT NULL,
  category TEXT NOT NULL, channel TEXT NOT NULL, text TEXT NOT NULL, media TEXT NOT NULL,
  submitted_by TEXT, reporter_name TEXT, reporter_phone TEXT,
  lon DOUBLE PRECISION NOT NULL, lat DOUBLE PRECISION NOT NULL, input_lon DOUBLE PRECISION NOT NULL,
  input_lat DOUBLE PRECISION NOT NULL, datum TEXT NOT NULL, accuracy_m DOUBLE PRECISION,
  generation TEXT NOT NULL, grid_status TEXT NOT NULL, grid_id TEXT, grid_path TEXT NOT NULL,
  grid_chain TEXT NOT NULL, leader_name TEXT, leader_role TEXT, leader_phone TEXT, on_boundary BIGINT NOT NULL,
  boundary_distance_m DOUBLE PRECISION NOT NULL, duplicate_of TEXT, responsible_kind TEXT NOT NULL,
  responsible_id TEXT, responsible_name TEXT, assignee_kind TEXT NOT NULL, assignee_id TEXT, assignee_name TEXT,
  registered_at BIGINT, dispatched_at BIGINT, accepted_at BIGINT, handled_at BIGINT, closed_at BIGINT,
  evaluated_at BIGINT, due_at BIGINT, supervised BIGINT NOT NULL, rework_count BIGINT NOT NULL,
  rating BIGINT, rating_comment TEXT, pending_extension TEXT, suspended_at BIGINT,
  remaining_work_minutes BIGINT, resume_state TEXT NOT NULL, cancel_reason TEXT, version BIGINT NOT NULL,
  cell BIGINT NOT NULL,
  idempotency_key TEXT UNIQUE, request_hash TEXT,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED);
CREATE INDEX reports_created ON reports (created_at, id);
CREATE INDEX reports_nearby ON reports (category, cell);
CREATE INDEX reports_due ON reports (state, due_at);
CREATE INDEX reports_geom ON reports USING gist (geom);
CREATE TABLE events (
  report_id TEXT NOT NULL REFERENCES reports (id), seq BIGINT NOT NULL, at BIGINT NOT NULL, actor_id TEXT,
  role TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, note TEXT,
  media TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (report_id, seq));
CREATE TABLE generations (
  id TEXT PRIMARY KEY, created_at BIGINT NOT NULL, source TEXT NOT NULL, grid_count BIGINT NOT NULL,
  active BOOLEAN NOT NULL DEFAULT false);
CREATE TABLE grids (
  generation TEXT NOT NULL REFERENCES generations (id), id TEXT NOT NULL, parent_id TEXT, level BIGINT,
  level_name TEXT, code TEXT, name TEXT, leader_name TEXT, leader_role TEXT, leader_phone TEXT,
  households BIGINT, residents BIGINT, geom geometry(MultiPolygon, 4326) NOT NULL, seq BIGSERIAL,
  PRIMARY KEY (generation, id));
CREATE INDEX grids_geom ON grids USING gist (geom);
CREATE TABLE reference (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at BIGINT NOT NULL);
)sql",
      // 2: the nearest service point by walking, found at intake.
      R"sql(
ALTER TABLE reports ADD COLUMN service_point_id TEXT;
ALTER TABLE reports ADD COLUMN service_point_name TEXT;
ALTER TABLE reports ADD COLUMN service_walk_m DOUBLE PRECISION;
ALTER TABLE reports ADD COLUMN service_minutes DOUBLE PRECISION;
ALTER TABLE reports ADD COLUMN service_within_circle BIGINT;
ALTER TABLE reports ADD COLUMN service_straight_line BIGINT;
)sql",
      // 3: API keys (hashed) and replies remembered under idempotency keys.
      R"sql(
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, actor TEXT NOT NULL, role TEXT NOT NULL, label TEXT,
  created_at BIGINT NOT NULL, revoked BIGINT NOT NULL);
CREATE TABLE replies (
  key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status BIGINT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL);
)sql"};
  // Later ones are the same text on both dialects (sql::migrations_from_fourth) but for the
  // 22nd, the 25th and the 26th.
  static const std::vector<std::string> kAll = [] {
    std::vector<std::string> all = kMigrations;
    for (std::string& m :
         sql::migrations_from_fourth({kPartitionByMonth, kStateCounts, kDeltasVacuum}))
      all.push_back(std::move(m));
    return all;
  }();
  return kAll;
}

}  // namespace

void migrate(const std::string& conninfo, std::size_t up_to) {
  auto conn = connect_raw(conninfo);
  try {
    pqxx::work tx(*conn);
    tx.exec("SELECT pg_advisory_xact_lock(7204301)");  // one process migrates at a time
    if (tx.exec("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").empty()) {
      throw Error(
          ErrorCode::unavailable,
          "the database has no PostGIS extension: run CREATE EXTENSION postgis as its owner first");
    }
    tx.exec0(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at "
        "BIGINT NOT NULL)");
    const auto have =
        tx.exec1("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0].as<long long>();
    const auto& all = migrations();
    const std::size_t last = up_to == 0 ? all.size() : std::min(up_to, all.size());
    for (std::size_t v = static_cast<std::size_t>(have); v < last; ++v) {
      tx.exec0(all[v]);
      tx.exec_params0("INSERT INTO schema_migrations VALUES ($1, $2)",
                      static_cast<long long>(v + 1),
                      static_cast<long long>(to_millis(dispatch::now_utc())));
    }
    // A month not made here is named by the first maintain() (the ticker's node).
    if (std::max(static_cast<std::size_t>(have), last) >= 22)  // partitioned
      (void)make_month_partitions(tx, dispatch::now_utc());
    tx.commit();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    translate(e);
  }
}

}  // namespace wangge::store
