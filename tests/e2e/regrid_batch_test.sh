#!/usr/bin/env bash
# End-to-end test of scripts/regrid-batch on the sample subdistrict: every block re-gridded into
# grids of 100-200 households one parent per worker, merged and validated; resumed after lost
# parts, a failed parent and an interruption; bad invocations.
# Usage: regrid_batch_test.sh WANGGE_BINARY SOURCE_DIR
set -uo pipefail
export WANGGE="$1"
SRC="$(cd "$2" && pwd)"
SAMPLE="$SRC/geodata/sample"
BATCH="$SRC/scripts/regrid-batch"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The system python starts faster than a pyenv shim.
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3

ARGS=(--parents "$SAMPLE/grids.geojson" --parent-level 1 --units "$SAMPLE/buildings.geojson"
      --roads "$SAMPLE/streets.osm" --min 100 --max 200)
W="$TMP/work"
OUT="$TMP/merged.gpkg"

# counts FILE: "level:count ..." of a grid file.
counts() {
  ogr2ogr -f CSV /vsistdout/ "$1" grids -select level 2>/dev/null |
    "$PY" -c 'import csv, sys, collections
c = collections.Counter(r["level"] for r in csv.DictReader(sys.stdin))
print(" ".join(f"{k}:{c[k]}" for k in sorted(c)))'
}
# parts_grids DIR: the sum of the parts' grid counts.
parts_grids() {
  "$PY" -c 'import glob, json, sys
print(sum(json.load(open(f))["totals"]["grids"] for f in glob.glob(sys.argv[1] + "/parts/*.json")))' "$1"
}
# done_parts DIR: the parents whose part is complete (.gpkg and .json), sorted.
done_parts() {
  local f
  for f in "$1"/parts/*.json; do
    [[ -f "$f" && -f "${f%.json}.gpkg" ]] && basename "${f%.json}"
  done | sort
}

# ---- a full run ------------------------------------------------------------------------------
expect "a full run re-grids the 17 blocks and writes the merged file" 0 \
  "17 parents \(17 re-gridded now, 0 done earlier\).*merged: .*validated" -- \
  "$BATCH" "${ARGS[@]}" --work "$W" --out "$OUT"
check "17 complete parts (.gpkg + .json)" test "$(done_parts "$W" | wc -l)" -eq 17
expect "the merged GeoPackage validates" 0 "clean: no findings" -- "$WANGGE" validate "$OUT"
NEW="$(parts_grids "$W")"
COUNTS="$(counts "$OUT")"
check "merged: 1 subdistrict + 17 blocks + the parts' $NEW new grids (got $COUNTS)" \
  test "$COUNTS" = "0:1 1:17 2:$NEW" -a "$NEW" -gt 17
check "every new grid holds 100-200 households; they sum to 6000" bash -c '
  ogr2ogr -f CSV /vsistdout/ "$1" grids -select id,level,households 2>/dev/null | "$2" -c "
import csv, sys
new = [int(r[\"households\"]) for r in csv.DictReader(sys.stdin) if r[\"level\"] == \"2\"]
assert new and all(100 <= h <= 200 for h in new), sorted(new)
assert sum(new) == 6000, sum(new)
"' _ "$OUT" "$PY"
check "summary.json: 17 parents, the grids, none skipped or infeasible, all in band" \
  "$PY" - "$W/summary.json" "$NEW" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); t = s["totals"]
assert len(s["parents"]) == 17 and t["parents"] == 17, t
assert t["grids"] == int(sys.argv[2]) and t["households"] == 6000, t
assert t["parents_skipped"] == 0 and t["infeasible_parents"] == 0, t
assert 100 <= t["households_min"] <= t["households_mean"] <= t["households_max"] <= 200, t
assert t["share_in_band"] == 1.0 and s["merged_grids"] == 18 + t["grids"], s["merged_grids"]
PY

# ---- resumable: only the lost parts are re-gridded ----------------------------------------------
LOST=(430302009002 430302009009 430302009016)
for id in "${LOST[@]}"; do rm -f "$W/parts/$id.gpkg" "$W/parts/$id.json"; done
stat -c '%n %y' "$W"/parts/*.gpkg "$W"/parts/*.json >"$TMP/mtimes.before"
touch "$TMP/marker"
expect "a re-run re-grids only the 3 lost parents" 0 \
  "14 done earlier, 3 to re-grid.*17 parents \(3 re-gridded now, 14 done earlier\)" -- \
  "$BATCH" "${ARGS[@]}" --work "$W" --out "$OUT"
check "the re-run names exactly the 3 lost parents" test \
  "$(grep -o '^\[[0-9]*/3\] [0-9]*' <<<"$OUT_TEXT" | cut -d' ' -f2 | sort | paste -sd' ')" = "${LOST[*]}"
check "exactly the 3 lost parts are new" test \
  "$(find "$W/parts" -newer "$TMP/marker" \( -name '*.gpkg' -o -name '*.json' \) -printf '%f\n' | sort | paste -sd' ')" = \
  "$(for id in "${LOST[@]}"; do printf '%s.gpkg %s.json\n' "$id" "$id"; done | sort | paste -sd' ')"
check "the other 14 parts are untouched (same mtimes)" bash -c \
  'diff "$1" <(stat -c "%n %y" $(sed "s/ .*//" "$1"))' _ "$TMP/mtimes.before"
check "summary.json: 14 parents skipped as done, 3 re-gridded" "$PY" - "$W/summary.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
assert t["parents_skipped"] == 14 and t["parents_regridded"] == 3, t
PY
check "the merged result has the same grids ($COUNTS)" test -n "$COUNTS" -a "$(counts "$OUT")" = "$COUNTS"
expect "the re-merged file validates" 0 "clean: no findings" -- "$WANGGE" validate "$OUT"

# ---- a failed parent: named, the others go on, no output -------------------------------------
cp -r "$W" "$TMP/work-fail"
rm -f "$TMP"/work-fail/parts/43030200900[56].{gpkg,json}
cat >"$TMP/failing-wangge" <<EOF
#!/usr/bin/env bash
for a in "\$@"; do
  [[ "\$a" == 430302009005 ]] && { echo "wangge: error: simulated failure" >&2; exit 1; }
done
exec "$WANGGE" "\$@"
EOF
chmod +x "$TMP/failing-wangge"
expect "a failing parent is named and the run exits non-zero" 1 \
  "1 of 17 parents failed: 430302009005 \(see .*430302009005.log\)" -- \
  env WANGGE="$TMP/failing-wangge" "$BATCH" "${ARGS[@]}" --work "$TMP/work-fail" --out "$TMP/fail.gpkg"
check "the other parents were done, and no output was written" \
  test -f "$TMP/work-fail/parts/430302009006.json" -a ! -e "$TMP/fail.gpkg"

# ---- a parent wangge reports failed (exit 1, its part written without it): not kept as done -----
cp -r "$W" "$TMP/work-reported"
rm -f "$TMP"/work-reported/parts/430302009007.{gpkg,json}
cat >"$TMP/reporting-wangge" <<EOF
#!/usr/bin/env bash
"$WANGGE" "\$@" || exit
for a in "\$@"; do
  [[ "\$a" == 430302009007 ]] && { echo "wangge: error: 1 of 1 parents failed and keep their old grids (the others are written): 430302009007: simulated" >&2; exit 1; }
done
exit 0
EOF
chmod +x "$TMP/reporting-wangge"
expect "a parent wangge reports failed is named with its reason" 1 \
  "430302009007: FAILED \(exit 1\): .*430302009007: simulated.*1 of 17 parents failed: 430302009007" -- \
  env WANGGE="$TMP/reporting-wangge" "$BATCH" "${ARGS[@]}" --work "$TMP/work-reported" --out "$TMP/reported.gpkg"
check "its part is set aside (not done), its report kept as .failed.json, no output" test \
  ! -e "$TMP/work-reported/parts/430302009007.gpkg" -a ! -e "$TMP/work-reported/parts/430302009007.json" \
  -a -f "$TMP/work-reported/parts/430302009007.failed.json" -a ! -e "$TMP/reported.gpkg"
expect "the re-run re-grids only that parent, and merges" 0 \
  "16 done earlier, 1 to re-grid.*merged: " -- \
  "$BATCH" "${ARGS[@]}" --work "$TMP/work-reported" --out "$TMP/reported.gpkg"

# ---- interrupted: SIGINT to the process group, no output, then resumed --------------------------
W2="$TMP/work2"
OUT2="$TMP/merged2.gpkg"
set -m  # its own process group, with SIGINT not ignored (as a run in a terminal)
"$BATCH" "${ARGS[@]}" --jobs 1 --work "$W2" --out "$OUT2" >"$TMP/interrupted.out" 2>&1 &
PID=$!
set +m
for _ in $(seq 300); do compgen -G "$W2/parts/*.json" >/dev/null && break; sleep 0.1; done
kill -INT -- "-$PID"
wait "$PID"
STATUS=$?
check "Ctrl-C: the run stops with status 130 (got $STATUS) and says so" bash -c \
  '[[ $1 -eq 130 ]] && grep -q "interrupted (SIGINT).*was not written" "$2"' _ "$STATUS" "$TMP/interrupted.out"
check "Ctrl-C: --out does not exist (nor a temporary of it)" \
  test -z "$(find "$TMP" -maxdepth 1 -name '*merged2*')"
DONE2="$(done_parts "$W2" | wc -l)"
check "Ctrl-C: stopped part-way ($DONE2 of 17 parts done)" test "$DONE2" -ge 1 -a "$DONE2" -lt 17
check "Ctrl-C: no worker is left running" bash -c '! pgrep -f -- "--out $1/parts/" >/dev/null' _ "$W2"
expect "the re-run after Ctrl-C finishes the missing parents" 0 \
  "$DONE2 done earlier, $((17 - DONE2)) to re-grid.*merged: " -- \
  "$BATCH" "${ARGS[@]}" --work "$W2" --out "$OUT2"
expect "the resumed result validates" 0 "clean: no findings" -- "$WANGGE" validate "$OUT2"
check "the resumed result has the same grids ($COUNTS)" test -n "$COUNTS" -a "$(counts "$OUT2")" = "$COUNTS"

# ---- bad invocations ---------------------------------------------------------------------------
NO_UNITS=(--parents "$SAMPLE/grids.geojson" --parent-level 1 --min 100 --max 200 --work "$TMP/w3" --out "$TMP/o3.gpkg")
expect "missing --units exits non-zero naming the option" 1 "error: missing option: --units" -- \
  "$BATCH" "${NO_UNITS[@]}"
check "missing --units: nothing was made" test ! -e "$TMP/w3" -a ! -e "$TMP/o3.gpkg"
expect "an unknown parent level exits non-zero listing the levels" 1 \
  "no grid at --parent-level 7 \(its levels: 0, 1, 2, 3\)" -- \
  "$BATCH" "${ARGS[@]}" --parent-level 7 --work "$TMP/w4" --out "$TMP/o4.gpkg"
expect "a work dir made with another band is refused" 1 "holds parts made with other options" -- \
  "$BATCH" "${ARGS[@]}" --target 120 --work "$W" --out "$TMP/o5.gpkg"

finish
