#!/usr/bin/env bash
# Durability under SIGKILL: a writer submits reports from several threads and prints each
# acknowledgement; it is killed with SIGKILL at a random moment, ROUNDS times; after every
# kill the checker reopens the store and requires every acknowledged report present exactly
# once with its events, and the store's integrity check clean.
# Usage: durability_test.sh WRITER DATA_DIR sqlite|postgis [ROUNDS]
set -uo pipefail
WRITER="$1"
DATA="$2"
KIND="$3"
ROUNDS="${4:-20}"
TMP="$(mktemp -d)"
SCHEMA="durability_$$_$RANDOM"
cleanup() {
  [[ -n "${pid:-}" ]] && kill -9 "$pid" 2>/dev/null
  if [[ "$KIND" == postgis ]]; then psql "$WANGGE_TEST_PG" -qc "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

if [[ "$KIND" == sqlite ]]; then
  STORE="$TMP/durability.db"
else
  : "${WANGGE_TEST_PG:?WANGGE_TEST_PG is not set: run scripts/test}"
  psql "$WANGGE_TEST_PG" -qc "CREATE SCHEMA $SCHEMA" >/dev/null || exit 1
  STORE="$WANGGE_TEST_PG options='-c search_path=$SCHEMA,public'"
fi

for round in $(seq "$ROUNDS"); do
  "$WRITER" write "$STORE" "$DATA" "round$round" 6 >>"$TMP/acks" 2>>"$TMP/writer.err" &
  pid=$!
  # Wait until it has opened the store (a sanitized build on a busy machine may take seconds),
  # then let it write for a random 0.3–1.5 s and kill it mid-flight.
  for _ in $(seq 1200); do
    grep -q "^READY round$round\$" "$TMP/acks" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if ! grep -q "^READY round$round\$" "$TMP/acks"; then
    echo "round $round: the writer did not open the store within 60 s"
    tail -5 "$TMP/writer.err"
    exit 1
  fi
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + (r % 120) / 100 }')"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=""
  if ! "$WRITER" verify "$STORE" "$DATA" "$TMP/acks" >"$TMP/verify.out" 2>&1; then
    echo "round $round: FAILED"
    cat "$TMP/verify.out"
    tail -5 "$TMP/writer.err"
    exit 1
  fi
  echo "round $round: $(cat "$TMP/verify.out")"
done
acked=$(grep -c '^ACK ' "$TMP/acks")
errors=$(grep -c '^ERR ' "$TMP/acks")
echo "$KIND: $ROUNDS kills, $acked acknowledged submissions, all present exactly once; $errors refused writes"
[[ "$acked" -gt 100 ]] || { echo "too few acknowledged writes ($acked) for the test to mean anything"; exit 1; }
