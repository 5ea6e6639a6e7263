# Starts the Debian PostgreSQL 15 cluster and prepares the wangge_test database with PostGIS.
# Sets WANGGE_TEST_PG to a libpq connection string for it. Idempotent.

start_postgres() {
  local port
  if ! pg_lsclusters -h 2>/dev/null | awk '$1=="15" && $2=="main"' | grep -q .; then
    log "creating PostgreSQL 15 cluster 'main'"
    pg_createcluster 15 main >/dev/null
  fi
  if ! pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $4}' | grep -q online; then
    log "starting PostgreSQL 15"
    pg_ctlcluster 15 main start
  fi
  port="$(pg_lsclusters -h | awk '$1=="15" && $2=="main" {print $3}')"
  local psql=(su postgres -c)
  "${psql[@]}" "psql -p $port -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='wangge'\"" | grep -q 1 ||
    "${psql[@]}" "psql -p $port -qc \"CREATE ROLE wangge LOGIN PASSWORD 'wangge'\""
  "${psql[@]}" "psql -p $port -qtAc \"SELECT 1 FROM pg_database WHERE datname='wangge_test'\"" | grep -q 1 ||
    "${psql[@]}" "psql -p $port -qc 'CREATE DATABASE wangge_test OWNER wangge'"
  "${psql[@]}" "psql -p $port -d wangge_test -qc 'CREATE EXTENSION IF NOT EXISTS postgis'"
  "${psql[@]}" "psql -p $port -d wangge_test -qc 'CREATE EXTENSION IF NOT EXISTS pgrouting'"
  WANGGE_TEST_PG="host=127.0.0.1 port=$port dbname=wangge_test user=wangge password=wangge"
}
