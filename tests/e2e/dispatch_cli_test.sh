#!/usr/bin/env bash
# End-to-end tests of the dispatch loop through the `wangge` CLI on a fresh store: the whole
# loop, roles and scope, bad input with exit codes and messages, idempotency, statistics.
# Usage: dispatch_cli_test.sh WANGGE_BINARY SOURCE_DIR [sqlite|postgis]   (postgis: a fresh
# schema in the database of WANGGE_TEST_PG, dropped at the end)
set -uo pipefail
WANGGE="$1"
SRC="$2"
TMP="$(mktemp -d)"
SCHEMA="dispatch_e2e_$$_$RANDOM"
if [[ "${3:-sqlite}" == postgis ]]; then
  : "${WANGGE_TEST_PG:?WANGGE_TEST_PG is not set: run scripts/test}"
  psql "$WANGGE_TEST_PG" -qc "CREATE SCHEMA $SCHEMA" >/dev/null || exit 1
  trap 'psql "$WANGGE_TEST_PG" -qc "DROP SCHEMA $SCHEMA CASCADE" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
  export WANGGE_STORE="$WANGGE_TEST_PG options='-c search_path=$SCHEMA,public'"
else
  trap 'rm -rf "$TMP"' EXIT
  export WANGGE_STORE="$TMP/dispatch.db"
fi
export WANGGE_DATA="$SRC/geodata/sample"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

json_field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d' + sys.argv[1]))" "$1"; }

# ---- the loop -----------------------------------------------------------------------------
expect "submit: an anonymous resident's report is located and stored" 0 '"grid": "43030200901300105"' -- \
  "$WANGGE" report submit --lon 112.926891 --lat 27.8576002 --category 0101 --text "路边垃圾堆放" \
  --reporter-name 张三 --reporter-phone 13800138000 --as resident:u1 --json --at 2026-11-23T09:00
ID="$(json_field '["id"]' <<<"$OUT_TEXT")"
check_nearest() {
  python3 -c 'import json,sys; n=json.load(sys.stdin)["nearest_service"]; assert n["id"] == "SP04" and n["within_circle"] and 700 < n["walk_m"] < 800, n'
}
check "submit: the nearest service point on foot is recorded (SP04, ~754 m)" check_nearest <<<"$OUT_TEXT"
expect "show: the resident sees their own contact details" 0 '"phone": "13800138000"' -- \
  "$WANGGE" report show "$ID" --as resident:u1 --json
expect "show: another resident gets 'does not exist' (no existence leak)" 2 "report $ID does not exist" -- \
  "$WANGGE" report show "$ID" --as resident:u2
expect "register (立案) by the dispatcher" 0 "now registered" -- "$WANGGE" report act "$ID" register --as d01 --at 2026-11-23T09:05
expect "dispatch (派遣) to the responsible grid" 0 '"due_at": "2026-11-23T15:40:00\+08:00"' -- \
  "$WANGGE" report act "$ID" dispatch --as d01 --at 2026-11-23T09:10 --json
expect "accept: a leader of another unit does not even see the case" 2 "report r_[a-z0-9]+ does not exist" -- \
  "$WANGGE" report act "$ID" accept --as w43030200901200205
expect "accept (接单) by the unit's leader" 0 "now accepted" -- "$WANGGE" report act "$ID" accept --as w43030200901300105 --at 2026-11-23T09:30
expect "close before handling: the state and the dispatcher's own actions are named" 2 "it is 'accepted'; allowed now: escalate, reassign\$" -- \
  "$WANGGE" report act "$ID" close --as d01
expect "handle (处置完成) with a note and photo" 0 "now handled" -- \
  "$WANGGE" report act "$ID" handle --as w43030200901300105 --note 已清运 --media https://media.example/after.jpg --at 2026-11-23T11:00
expect "close (核查结案)" 0 "now closed" -- "$WANGGE" report act "$ID" close --as d01 --at 2026-11-23T11:30
expect "evaluate (评价) by the reporter" 0 "now evaluated" -- "$WANGGE" report act "$ID" evaluate --rating 5 --note 很及时 --as resident:u1 --at 2026-11-23T12:00
expect "nothing after the end of the loop" 2 "it is 'evaluated'; allowed now: none for dispatcher" -- "$WANGGE" report act "$ID" rework --reason x --as d01
expect "show: every step is an event, in order" 0 "submit.*register.*dispatch.*accept.*handle.*close.*evaluate" -- \
  bash -c "'$WANGGE' report show '$ID' --as d01 --json | python3 -c 'import json,sys; print(\" \".join(e[\"action\"] for e in json.load(sys.stdin)[\"events\"]))'"

# ---- bad input ----------------------------------------------------------------------------
expect "unknown category exits 2" 2 "category '9999' does not exist" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --category 9999 --text x
expect "wrong datum name exits 2" 2 "datum 'wgs72' is not one of wgs84, gcj02, bd09" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --datum wgs72 --category 0101 --text x
expect "empty text exits 2" 2 "text is empty" -- "$WANGGE" report submit --lon 112.92 --lat 27.86 --category 0101 --text "  "
expect "oversize text exits 2 with the limit" 2 "the limit is 4000" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --category 0101 --text "$(head -c 5000 /dev/zero | tr '\0' x)"
expect "--attribute: the answer to the category's question, shown with the question" 0 "井盖是什么情况？  loose" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --category B0101 --text 井盖 --attribute cover=loose
expect "--attribute with a value the question does not offer exits 2 naming the choices" 2 \
  "attribute 'cover' \\(井盖是什么情况？\\) must be one of missing \\(缺失\\), broken \\(破损\\), loose" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --category B0101 --text 井盖 --attribute cover=gone
expect "--attribute without '=' exits 2" 2 "--attribute 'cover' is not CODE=VALUE" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --category B0101 --text 井盖 --attribute cover
expect "an odd phone is kept as given, not a lost report" 0 "received" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --category 0101 --text x --reporter-phone 110
expect "an overlong phone exits 2 naming the limit" 2 "reporter phone is 40 bytes; the limit is 32" -- \
  "$WANGGE" report submit --lon 112.92 --lat 27.86 --category 0101 --text x --reporter-phone "$(head -c 40 /dev/zero | tr '\0' 1)"
expect "latitude 95 exits 2" 2 "latitude 95" -- "$WANGGE" report submit --lon 112.92 --lat 95 --category 0101 --text x
expect "a point outside every grid is accepted into the unassigned queue" 0 "not covered: in the unassigned queue" -- \
  "$WANGGE" report submit --lon 113.5 --lat 27.86 --category 0101 --text "辖区外"
expect "an unknown actor is refused" 2 "'nobody' is not a member of staff" -- "$WANGGE" report list --as nobody
expect "an unknown action is refused with the list" 2 "action 'fly' is not one of register, cancel" -- "$WANGGE" report act "$ID" fly --as d01

# ---- idempotency --------------------------------------------------------------------------
expect "first submission with a key" 0 '"replayed": false' -- \
  "$WANGGE" report submit --lon 112.926891 --lat 27.8576002 --category B0102 --text 路灯不亮 --idempotency-key k-42 --json
FIRST="$(json_field '["id"]' <<<"$OUT_TEXT")"
expect "the same request again returns the original" 0 "\"replayed\": true" -- \
  "$WANGGE" report submit --lon 112.926891 --lat 27.8576002 --category B0102 --text 路灯不亮 --idempotency-key k-42 --json
check "the replay returns the first report's id" test "$(json_field '["id"]' <<<"$OUT_TEXT")" == "$FIRST"
expect "the same key with another request is refused" 2 "idempotency key 'k-42' was used before for a different request" -- \
  "$WANGGE" report submit --lon 112.926891 --lat 27.8576002 --category B0102 --text 路灯坏了 --idempotency-key k-42

# ---- components go to their owner; duplicates are suggested, not lost ---------------------
expect "a component report is the owning department's" 0 '"id": "ld"' -- \
  bash -c "'$WANGGE' report show '$FIRST' --as d01 --json"
expect "a second report nearby is linked as a probable duplicate" 0 "\"duplicate_of\": \"$FIRST\"" -- \
  "$WANGGE" report submit --lon 112.92690 --lat 27.85761 --category B0102 --text 这里的路灯也不亮 --json

# ---- import, simulate, statistics ----------------------------------------------------------
expect "import the sample reports" 0 "stored +2000" -- "$WANGGE" import reports "$SRC/geodata/sample/reports.csv"
expect "importing again stores nothing twice" 0 "already stored +2000" -- "$WANGGE" import reports "$SRC/geodata/sample/reports.csv"
expect "simulate a history" 0 "simulated [0-9]+ actions" -- "$WANGGE" simulate --until 2026-11-16T12:00+08:00
expect "stats by block, JSON with rates" 0 '"closure_rate"' -- "$WANGGE" stats --group-by grid --level 1 --json --at 2026-11-16T12:00+08:00
check_stats() {
  python3 - "$1" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
total = d["rows"][-1]
assert total["key"] == "total"
assert total["reported"] >= 2000, total
assert 0 < total["closure_rate"] <= 1 and total["closure_rate"] == total["closed"] / total["due_to_close"], total
assert abs(total["on_time_rate"] - total["closed_on_time"] / total["due_to_close"]) < 1e-12
blocks = [r for r in d["rows"] if r["key"] not in ("total", "(unassigned)")]
assert len(blocks) == 17, len(blocks)
assert sum(b["reported"] for b in blocks) + sum(r["reported"] for r in d["rows"] if r["key"] == "(unassigned)") == total["reported"]
PY
}
check "stats: rates follow their formulas; the 17 blocks add up to the total" check_stats "$OUT_TEXT"
expect "stats --level 99: exit 2 naming the levels of the active generation" 2 \
  "--level must be an integer from 0 to 3" -- "$WANGGE" stats --group-by grid --level 99
expect "stats --level nan: exit 2 naming the range" 2 "--level: must be an integer from 0 to 99" -- \
  "$WANGGE" stats --group-by grid --level nan
expect "report list --limit 1e19: exit 2" 2 "--limit: must be an integer from 1 to 1000" -- \
  "$WANGGE" report list --as d01 --limit 1e19
expect "a grid worker lists only their grid's reports" 0 "report\(s\)" -- "$WANGGE" report list --as w430302009013 --limit 5
expect "stats: an unknown grouping is refused" 2 "--group-by 'colour' is not one of" -- "$WANGGE" stats --group-by colour

# ---- tasks (圆单 / 揭榜挂帅) from the command line, under the API's rules --------------------------
expect "tasks: a resident asks for help at a place: open, 20 points, in its 邻" 0 \
  "help_request open +20 +43030200901300105 .*帮独居老人买药" -- \
  "$WANGGE" tasks publish --as resident:old --title 帮独居老人买药 --lon 112.926891 --lat 27.8576002
TASK="$(awk '{print $1; exit}' <<<"$OUT_TEXT")"
expect "tasks: --lon nan is refused naming the option, nothing published" 2 "--lon: must be a finite number" -- \
  "$WANGGE" tasks publish --as resident:old --title x --lon nan --lat 27.8
expect "tasks: a resident may not set a bounty" 2 "points" -- \
  "$WANGGE" tasks publish --as resident:old --title x --lon 112.926891 --lat 27.8576002 --points 50
expect "tasks: the office sees exactly the one task" 0 "^1 tasks" -- "$WANGGE" tasks list --as d01
expect "tasks: an unverified volunteer may not claim, and is told why" 2 "verified" -- \
  "$WANGGE" tasks act "$TASK" claim --as resident:v02
expect "tasks: the verified volunteer claims it" 0 "open → claimed" -- "$WANGGE" tasks act "$TASK" claim --as resident:v01
expect "tasks: claiming twice is refused" 2 "claim" -- "$WANGGE" tasks act "$TASK" claim --as resident:v01
expect "tasks: he completes it, the asker confirms it" 0 "done → confirmed" -- \
  bash -c '"$0" tasks act "$1" complete --as resident:v01 >/dev/null && "$0" tasks act "$1" confirm --as resident:old' "$WANGGE" "$TASK"
expect "tasks: the volunteer earned the task's 20 points, once" 0 "resident:v01: 20 points" -- \
  "$WANGGE" points balance resident:v01
expect "tasks: an unrelated resident cannot see it" 2 "does not exist" -- "$WANGGE" tasks show "$TASK" --as resident:x

# ---- archive (归档): ended cases before a date leave the store for a GeoPackage ----------------
reported() {  # the store's report count, from the statistics
  "$WANGGE" stats --json --at 2026-11-16T12:00+08:00 |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][-1]["reported"])'
}
BEFORE_ARCHIVE="$(reported)"
for bad in "--years nan|--years: must be an integer from 1 to 100" \
           "--years 1e19|--years: must be an integer from 1 to 100" \
           "--before yesterday|--before" "--limit 0 --years 3|--limit: must be an integer from 1 to 100000"; do
  # shellcheck disable=SC2086
  expect "archive ${bad%%|*}: exit 2 naming the option, nothing written" 2 "${bad#*|}" -- \
    "$WANGGE" archive ${bad%%|*} --out "$TMP/bad.gpkg"
done
expect "archive without --before or --years: exit 2" 2 "give one of --before and --years" -- \
  "$WANGGE" archive --out "$TMP/bad.gpkg"
expect "archive to a .geojson: exit 2 naming the format" 2 "GeoPackage" -- \
  "$WANGGE" archive --before 2026-11-08 --out "$TMP/bad.geojson"
check "archive: the refused runs wrote no file" test ! -e "$TMP/bad.gpkg"
ARCHIVE="$TMP/archive.gpkg"
expect "archive: the cases ended before 2026-11-08 leave the store" 0 \
  "archived [0-9]+ cases \([0-9]+ events, 0 photos\).*deleted [0-9]+ cases from the store" -- \
  "$WANGGE" archive --before 2026-11-08 --out "$ARCHIVE"
ARCHIVED="$(sed -nE 's/^archived ([0-9]+) cases \(([0-9]+) events.*/\1 \2/p' <<<"$OUT_TEXT")"
check_archive() {  # GDAL's own reader counts the rows; the store lost exactly those cases
  local n e
  read -r n e <<<"$ARCHIVED"
  [[ -n "$n" && "$n" -gt 0 ]] &&
    ogrinfo -ro -q -sql "SELECT COUNT(*) AS n FROM reports WHERE state IN ('closed', 'evaluated', 'cancelled') AND created_at < '2026-11-08'" "$ARCHIVE" | grep -q "n (Integer) = $n\$" &&
    ogrinfo -ro -q -sql "SELECT COUNT(*) AS n FROM events" "$ARCHIVE" | grep -q "n (Integer) = $e\$" &&
    [[ "$(reported)" -eq $((BEFORE_ARCHIVE - n)) ]]
}
check "archive: ogrinfo reads every case (all ended, all before the date) and event; the store lost those" check_archive
expect "archive: an existing file is never replaced" 2 "exists: an archive is never replaced" -- \
  "$WANGGE" archive --before 2026-11-08 --out "$ARCHIVE"
expect "archive: run again, nothing more is due" 0 "nothing written" -- \
  "$WANGGE" archive --before 2026-11-08 --out "$TMP/again.gpkg"

# ---- check: the store's integrity, read whole -----------------------------------------------
expect "check: after the loop, the history and the archive, the store is consistent" 0 \
  "the store \((sqlite|postgis)\) is consistent" -- "$WANGGE" check
# Damage made outside wangge: a key naming a case that is not there, and on PostgreSQL a kept
# count that drifted.
STORE_KIND="${3:-sqlite}"
store_sql() {  # SQL on the test's store, outside wangge
  if [[ "$STORE_KIND" == postgis ]]; then
    psql "$WANGGE_TEST_PG" -qc "SET search_path = $SCHEMA, public; $1" >/dev/null
  else
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$WANGGE_STORE" "$1"
  fi
}
store_sql "INSERT INTO report_keys (key, report_id, request_hash) VALUES ('lost-key', 'r_202611zzzzzzzzzzzz', 'h')"
expect "check: a key naming a missing case exits 1 naming both" 1 \
  "idempotency key lost-key names report r_202611zzzzzzzzzzzz, which does not exist" -- "$WANGGE" check
expect "check: a store that cannot be opened exits 75 naming it" 75 \
  "cannot open the SQLite database '$TMP/none/x.db'" -- "$WANGGE" check --store "$TMP/none/x.db"
if [[ "$STORE_KIND" == postgis ]]; then
  store_sql "INSERT INTO report_state_deltas (state, n) VALUES ('closed', 3)"
  expect "check: a kept count that drifted is named with both numbers" 1 \
    "reports in state closed: kept count [0-9]+, rows [0-9]+" -- "$WANGGE" check
fi

finish
