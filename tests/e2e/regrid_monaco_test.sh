#!/usr/bin/env bash
# `wangge regrid` on real data: Monaco's quartiers (OSM admin boundaries) re-gridded along its
# streets, with households from its building footprints (monaco_regrid_inputs.sh), at two
# bands; every run must write valid grids for every quartier, which `wangge validate` and
# GDAL/OGR (SpatiaLite, i.e. GEOS) check independently: validity, areas and households per
# quartier against the inputs.
# Before snap-rounding, this failed at every band below 400-600 with "the new generation fails
# validation ... nothing was written" and exit 70: grids with "Self-intersection" and "Too few
# points in geometry component" along streets (at 100-200: Fontvieille and La Rousse).
# Usage: regrid_monaco_test.sh WANGGE_BINARY SOURCE_DIR   (exit 77: skipped, no Monaco extract)
set -uo pipefail
WANGGE="$1"
SRC="$(cd "$2" && pwd)"
PBF="$SRC/../shared/data/osm/monaco.osm.pbf"
if [[ ! -f "$PBF" ]]; then
  echo "SKIP: $PBF is not on this machine"
  exit 77
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
PY=python3
[[ -x /usr/bin/python3 ]] && PY=/usr/bin/python3
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"



"$SRC/tests/e2e/monaco_regrid_inputs.sh" "$PBF" "$TMP" || { echo "FAIL building the inputs"; exit 1; }
P="$TMP/parents.geojson"
U="$TMP/units.geojson"
expect "the quartiers validate as one level" 0 "clean: no findings" -- "$WANGGE" validate "$P"
# Households per quartier, counted by SpatiaLite: units whose point on surface lies in it (a
# footprint GEOS cannot read has no such point: -1, "unknown", is not a match).
ogr2ogr -f CSV "$TMP/expected.csv" "$U" -dialect SQLite -sql \
  "SELECT p.id AS parent, sum(u.households) AS households, count(*) AS units
   FROM units u, '$P'.parents p
   WHERE ST_Intersects(p.geometry, ST_PointOnSurface(u.geometry)) = 1 GROUP BY p.id" 2>/dev/null
check "9 quartiers, 900-1,200 buildings, 6,000-10,000 households in them" "$PY" - "$TMP/expected.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
units = sum(int(r["units"]) for r in rows); hh = sum(int(r["households"]) for r in rows)
print(f"     {len(rows)} quartiers, {units} buildings, {hh} households")
assert len(rows) == 9 and 900 <= units <= 1200 and 6000 <= hh <= 10000, (len(rows), units, hh)
PY

for band in "100 200" "30 60"; do
  read -r lo hi <<<"$band"
  OUT="$TMP/q-$lo.gpkg"
  REPORT="$TMP/q-$lo.json"
  start=$SECONDS
  expect "regrid $lo-$hi: every quartier re-gridded and written (exit 0)" 0 \
    "parents failed \(old grids kept\) +0" -- \
    "$WANGGE" regrid --parents "$P" --parent-level 0 --units "$U" --roads "$PBF" \
    --min "$lo" --max "$hi" --out "$OUT" --report "$REPORT"
  grep -E 're-gridded|grids in band|gaps /' <<<"$OUT_TEXT" | sed "s/^/     /"
  echo "     ($((SECONDS - start)) s with start-up)"
  expect "regrid $lo-$hi: the output validates" 0 "clean: no findings" -- "$WANGGE" validate "$OUT"
  check "regrid $lo-$hi: report: no failed parent, every quartier has grids, households as counted" \
    "$PY" - "$REPORT" "$TMP/expected.csv" <<'PY'
import csv, json, sys
r = json.load(open(sys.argv[1]))
want = {row["parent"]: int(row["households"]) for row in csv.DictReader(open(sys.argv[2]))}
t = r["totals"]
assert t["failed_parents"] == 0 and r["failed_parents"] == [], r["failed_parents"]
assert t["validated"] == "whole generation", t
got = {p["parent"]: sum(g["households"] for g in p["new_grids"]) for p in r["parents"]}
assert got == want, {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
assert all(p["grids"] >= 1 and p["failed"] is None for p in r["parents"])
assert t["gap_m2"] < 1 and t["overlap_m2"] < 1 and t["escape_m2"] < 1, t
PY
  # GEOS through SpatiaLite, on the file as written: every grid valid, and per quartier the
  # grids' areas add up to it and their union is it: gap = its area - the union's part in it,
  # outside = the union's area - that part (m², UTM 32N, where areas measured through the
  # projection differ by ~0.1 m² for the same region drawn with other vertices).
  ogrinfo -ro -q "$OUT" -dialect SQLite -sql \
    "SELECT p.id AS parent, ST_IsValid(p.geom) AS parent_valid,
       (SELECT count(*) FROM grids g WHERE g.parent_id = p.id) AS grids,
       (SELECT count(*) FROM grids g WHERE g.parent_id = p.id AND ST_IsValid(g.geom) = 1) AS valid,
       ST_Area(ST_Transform(p.geom, 32632)) -
         (SELECT sum(ST_Area(ST_Transform(g.geom, 32632))) FROM grids g WHERE g.parent_id = p.id)
         AS area_diff,
       (SELECT ST_Area(ST_Transform(p.geom, 32632)) -
               ST_Area(ST_Transform(ST_Intersection(p.geom, ST_Union(g.geom)), 32632))
          FROM grids g WHERE g.parent_id = p.id) AS gap,
       (SELECT ST_Area(ST_Transform(ST_Union(g.geom), 32632)) -
               ST_Area(ST_Transform(ST_Intersection(p.geom, ST_Union(g.geom)), 32632))
          FROM grids g WHERE g.parent_id = p.id) AS outside
     FROM grids p WHERE p.level = 0" >"$TMP/geos-$lo.txt" 2>&1
  check "regrid $lo-$hi: GEOS (SpatiaLite): grids valid, areas and union equal each quartier's" \
    "$PY" - "$TMP/geos-$lo.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rows = re.findall(r"parent \(String\) = (\S+).*?parent_valid \(Integer\) = (\d).*?grids \(Integer\) = (\d+)"
                  r".*?valid \(Integer\) = (\d+).*?area_diff \(Real\) = (\S+)"
                  r".*?gap \(Real\) = (\S+).*?outside \(Real\) = (\S+)", text, re.S)
assert len(rows) == 9, text[:2000]
for parent, pv, grids, valid, diff, gap, outside in rows:
    assert pv == "1" and int(grids) >= 1 and valid == grids, (parent, grids, valid)
    assert abs(float(diff)) < 1 and abs(float(gap)) < 1 and abs(float(outside)) < 1, (parent, diff, gap, outside)
PY
done

# GeoJSON is written with 9 decimals: the grids must stay valid once rounded so.
expect "regrid 30-60 to GeoJSON: written" 0 "parents failed \(old grids kept\) +0" -- \
  "$WANGGE" regrid --parents "$P" --parent-level 0 --units "$U" --roads "$PBF" --min 30 --max 60 \
  --out "$TMP/q.geojson"
expect "the GeoJSON output validates" 0 "clean: no findings" -- "$WANGGE" validate "$TMP/q.geojson"

finish
