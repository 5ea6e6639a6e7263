#!/usr/bin/env bash
# End-to-end tests of the `wangge` CLI as a user runs it: exit codes, messages, outputs.
# Usage: cli_test.sh WANGGE_BINARY SOURCE_DIR
set -uo pipefail
WANGGE="$1"
SRC="$2"
SAMPLE="$SRC/geodata/sample"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"



# ---- the committed sample is what the generator makes, and it is clean --------------------
"$WANGGE" sample --seed 1 --out "$TMP/sample" >/dev/null
check "committed sample equals 'wangge sample --seed 1'" diff -r "$TMP/sample" "$SAMPLE"
"$WANGGE" validate "$SAMPLE/grids.geojson" --json >"$TMP/v.json"
check "sample validates clean (exit 0)" test $? -eq 0
check "sample has 1/17/57/295 grids and 8.9 km² ±2%" python3 - "$TMP/v.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
counts = [l["count"] for l in v["levels"]]
areas = [l["area_km2"] for l in v["levels"]]
assert counts == [1, 17, 57, 295], counts
assert all(abs(a - 8.9) <= 0.178 for a in areas), areas
assert v["findings"] == [] and v["valid"] is True
PY
check "sample has 17,834 residents in ~6,000 households, ≥4 service points, ~2,000 reports" python3 - "$SAMPLE" <<'PY'
import json, sys, csv
d = sys.argv[1]
g = json.load(open(d + "/grids.geojson"))["features"]
units = [f["properties"] for f in g if f["properties"]["level"] == 3]
assert sum(u["residents"] for u in units) == 17834
assert 5800 <= sum(u["households"] for u in units) <= 6200
assert all(f["properties"].get("leader_name") and f["properties"].get("leader_role") for f in g)
sp = json.load(open(d + "/service_points.geojson"))["features"]
assert len(sp) >= 4 and all(p["properties"]["services"] for p in sp)
rows = list(csv.DictReader(open(d + "/reports.csv", encoding="utf-8")))
assert 1900 <= len(rows) <= 2100
assert open(d + "/streets.osm").read().count("<way ") > 100
PY

# ---- validate: bad input ------------------------------------------------------------------
expect "validate: missing file exits 2 naming it" 2 "cannot read '.*nope.geojson'" -- "$WANGGE" validate "$TMP/nope.geojson"
echo '{"type":"FeatureCollection","features":[' >"$TMP/broken.geojson"
expect "validate: malformed GeoJSON exits 2" 2 "cannot read" -- "$WANGGE" validate "$TMP/broken.geojson"
echo '{"type":"FeatureCollection","features":[]}' >"$TMP/empty.geojson"
expect "validate: empty layer exits 2" 2 "has no features" -- "$WANGGE" validate "$TMP/empty.geojson"
expect "validate: unknown field mapping exits 2 listing fields" 2 "'parent_code' is not a field.*parent_id" -- \
  "$WANGGE" validate "$SAMPLE/grids.geojson" --parent-field parent_code
expect "validate: URLs are refused" 2 "only local files" -- "$WANGGE" validate "https://example.invalid/x.geojson"
expect "validate: unknown datum exits 2" 2 "datum 'mars'" -- "$WANGGE" validate "$SAMPLE/grids.geojson" --datum mars

cat >"$TMP/bad.geojson" <<'JSON'
{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"bow"},"geometry":{"type":"Polygon","coordinates":[[[112.90,27.80],[112.91,27.81],[112.91,27.80],[112.90,27.81],[112.90,27.80]]]}},
 {"type":"Feature","properties":{"id":"dup"},"geometry":{"type":"Polygon","coordinates":[[[112.92,27.80],[112.93,27.80],[112.93,27.81],[112.92,27.80]]]}},
 {"type":"Feature","properties":{"id":"dup"},"geometry":{"type":"Polygon","coordinates":[[[112.94,27.80],[112.95,27.80],[112.95,27.81],[112.94,27.80]]]}},
 {"type":"Feature","properties":{"id":"north"},"geometry":{"type":"Polygon","coordinates":[[[112.96,89.99],[112.97,95.0],[112.97,89.99],[112.96,89.99]]]}}
]}
JSON
expect "validate: self-intersection reported with place, exit 1" 1 "\[invalid-geometry\] grid 'bow'.*Self-intersection at \(112.905" -- "$WANGGE" validate "$TMP/bad.geojson"
expect "validate: duplicate ids reported" 1 "\[duplicate-id\].*'dup'" -- "$WANGGE" validate "$TMP/bad.geojson"
expect "validate: latitude 95 reported" 1 "\[coordinate-range\].*95.0" -- "$WANGGE" validate "$TMP/bad.geojson"
expect "validate --json lists findings with rule and location" 1 '"rule": "invalid-geometry"' -- "$WANGGE" validate "$TMP/bad.geojson" --json
python3 - "$TMP/bad.geojson" "$TMP/bow.geojson" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["features"] = d["features"][:1]
json.dump(d, open(sys.argv[2], "w"))
PY
expect "validate --fix repairs and says what changed" 0 "repaired .*MakeValid" -- "$WANGGE" validate "$TMP/bow.geojson" --fix --out "$TMP/fixed.gpkg"
expect "the repaired output validates clean" 0 "clean: no findings" -- "$WANGGE" validate "$TMP/fixed.gpkg"

# ---- validate: one level (districts from a GIS export), bare JSON arrays ---------------------
cat >"$TMP/districts.geojson" <<'JSON'
{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"D1","parent":{"id":"city"},"level":"district"},"geometry":{"type":"Polygon","coordinates":[[[112.90,27.80],[112.91,27.80],[112.91,27.81],[112.90,27.81],[112.90,27.80]]]}},
 {"type":"Feature","properties":{"id":"D2","parent":{"id":"city"},"level":"district"},"geometry":{"type":"Polygon","coordinates":[[[112.91,27.80],[112.92,27.80],[112.92,27.81],[112.91,27.81],[112.91,27.80]]]}}
]}
JSON
expect "validate: a 'parent' of objects is not read as ids, and the note says so" 0 \
  "note: field 'parent' holds JSON objects or arrays, not parent ids \(feature 0: .*read as one level" -- \
  "$WANGGE" validate "$TMP/districts.geojson"
check "validate: ... and the flat layer is clean, one level of 2" grep -Eq "^0 +level 0 +2 " <<<"$OUT_TEXT"
expect "validate: a 'level' of text is not misread, and the note says so" 0 \
  "note: field 'level' holds text, not level numbers \(feature 0: 'district'\)" -- \
  "$WANGGE" validate "$TMP/districts.geojson"
expect "validate --flat: one level, clean" 0 "clean: no findings" -- \
  "$WANGGE" validate --flat "$TMP/districts.geojson"
expect "validate --parent-field none: one level, clean" 0 "clean: no findings" -- \
  "$WANGGE" validate "$TMP/districts.geojson" --parent-field none
expect "validate --parent-field '': one level, clean" 0 "clean: no findings" -- \
  "$WANGGE" validate --parent-field '' "$TMP/districts.geojson"
expect "validate: --parent-field naming JSON objects exits 2 naming the field, feature and rule" 2 \
  "--parent-field 'parent' holds JSON objects or arrays, not grid ids \(feature 0" -- \
  "$WANGGE" validate "$TMP/districts.geojson" --parent-field parent
expect "validate: --flat with a --parent-field exits 2" 2 "give one or the other" -- \
  "$WANGGE" validate "$TMP/districts.geojson" --flat --parent-field parent_id
python3 - "$TMP" <<'PY2'
import json, sys
d = sys.argv[1]
f = json.load(open(d + "/districts.geojson"))["features"]
overlapping = json.loads(json.dumps(f[1]))
overlapping["properties"]["id"] = "D3"
json.dump(f + [overlapping], open(d + "/districts-array.geojson", "w"))
json.dump([x["geometry"] for x in f], open(d + "/geometries.json", "w"))
PY2
expect "validate: a bare JSON array of features is read, with a note" 1 \
  "note: '.*districts-array.geojson' holds a bare JSON array of 3 features, not a GeoJSON FeatureCollection" -- \
  "$WANGGE" validate "$TMP/districts-array.geojson" --flat
check "validate: ... and its siblings are checked (D2 and D3 overlap)" \
  grep -Eq "\[sibling-overlap\] grid 'D2'.*'D3'" <<<"$OUT_TEXT"
expect "validate: a bare JSON array of geometries exits 2 naming the element" 2 \
  "element 0 is a Polygon, not a Feature" -- "$WANGGE" validate "$TMP/geometries.json"
expect "locate: a bare JSON array of grids is read, with the same note as validate's" 1 \
  "note: '.*districts-array.geojson' holds a bare JSON array of 3 features" -- \
  "$WANGGE" locate --grids "$TMP/districts-array.geojson" --flat 0 0
expect "validate: options before the source" 0 '"valid": true' -- \
  "$WANGGE" validate --flat --json "$TMP/districts.geojson"

# ---- locate -------------------------------------------------------------------------------
expect "locate: a sample point gives the 4-level chain" 0 "邻 .*43030200901300105" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.926891 27.8576002
expect "locate --json has the chain with leaders" 0 '"leader_role"|"role": "邻长"' -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.926891 27.8576002 --json
expect "locate: GCJ-02 input lands elsewhere (datum matters)" 0 "43030200901200205" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.926891 27.8576002 --datum gcj02
expect "locate: latitude 95 exits 2 naming the rule" 2 "latitude 95.* outside \[-90, 90\]" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.9 95
expect "locate: NaN exits 2" 2 "not a finite number" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" nan 27.86
expect "locate: text exits 2" 2 "longitude 'east' is not a number" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" east 27.86
expect "locate: far away is not covered, exit 1" 1 "not covered" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 113.5 27.86
expect "locate: a negative longitude parses" 1 "not covered" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" -73.98 40.75
expect "locate: unknown datum exits 2" 2 "--datum 'mars'" -- "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.92 27.86 --datum mars
expect "locate: grids that cannot be indexed exit 2" 2 "cannot be indexed.*duplicate id 'dup'" -- "$WANGGE" locate --grids "$TMP/bad.geojson" 112.92 27.86

# ---- assign -------------------------------------------------------------------------------
cat >"$TMP/points.csv" <<'CSV'
id,note,longitude,latitude
1,ok,112.926891,27.8576002
2,"quoted, with comma",112.8983689,27.8584489
3,lat 95,112.92,95
4,nan,nan,27.86
5,text,east,27.86
6,short row,112.92
7,far away,113.5,27.86
8,"never closed,112.92,27.86
CSV
expect "assign: a CSV with bad rows finishes, listing each bad line" 0 "rejected line 4: latitude 95.*outside" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/points.csv" --out "$TMP/points-out.csv"
check "assign: every input row is in the output, bad ones flagged" python3 - "$TMP/points-out.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5", "6", "7", "8"], [r["id"] for r in rows]
status = [r["grid_status"] for r in rows]
assert status == ["inside", "inside", "rejected", "rejected", "rejected", "rejected", "not_covered", "rejected"], status
assert rows[0]["grid_code"] == "43030200901300105" and rows[0]["leader_role"] == "邻长"
assert rows[1]["note"] == "quoted, with comma"
assert "latitude 95" in rows[2]["error"] and "fields" in rows[5]["error"]
PY
expect "assign --json summary counts" 0 '"rejected": 5' -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/points.csv" --out "$TMP/points-out2.csv" --json
expect "assign --columns picks and orders the appended columns" 0 "assigned +2" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/points.csv" --out "$TMP/points-cols.csv" --columns leader_name,grid_code,grid_status
check "assign --columns: header and values in the chosen order" python3 - "$TMP/points-cols.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
assert rows[0] == ["id", "note", "longitude", "latitude", "leader_name", "grid_code", "grid_status"], rows[0]
assert rows[1][5:] == ["43030200901300105", "inside"] and rows[1][4], rows[1]
assert rows[3][4:] == ["", "", "rejected"], rows[3]
PY
expect "assign: an unknown column exits 2 listing the columns" 2 "column 'grid_colour' is not an assignment column; the columns are: grid_status" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/points.csv" --out "$TMP/x.csv" --columns grid_id,grid_colour
printf 'id,x_coord,y_coord\n1,112.92,27.86\n' >"$TMP/nolon.csv"
expect "assign: no lon column exits 2 listing columns" 2 "no lon column.*x_coord" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/nolon.csv" --out "$TMP/x.csv"
expect "assign: --lon-field/--lat-field choose columns" 0 "assigned +1" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/nolon.csv" --out "$TMP/x.csv" --lon-field x_coord --lat-field y_coord
check "assign: no partial output is left behind" test ! -e "$TMP/x.csv.partial"
cat >"$TMP/points.geojson" <<'JSON'
{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"id":"a"},"geometry":{"type":"Point","coordinates":[112.926891,27.8576002]}},
 {"type":"Feature","properties":{"id":"b"},"geometry":{"type":"LineString","coordinates":[[112.9,27.8],[112.91,27.81]]}},
 {"type":"Feature","properties":{"id":"c"},"geometry":{"type":"Point","coordinates":[112.9,-95]}}
]}
JSON
expect "assign: GeoJSON points, bad features flagged" 0 "rejected feature 2 has a LineString geometry" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/points.geojson" --out "$TMP/points-out.geojson"
check "assign: GeoJSON output keeps every feature with properties" python3 - "$TMP/points-out.geojson" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["features"]
assert [x["properties"]["id"] for x in f] == ["a", "b", "c"]
assert f[0]["properties"]["grid_code"] == "43030200901300105"
assert f[1]["properties"]["grid_status"] == "rejected" and f[2]["properties"]["grid_status"] == "rejected"
PY
printf '{"type":"FeatureCollection","features":[{' >"$TMP/trunc.geojson"
expect "assign: malformed GeoJSON exits 2 with the byte position" 2 "not valid JSON: error at byte" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/trunc.geojson" --out "$TMP/t.geojson"
expect "assign: mismatched output format exits 2" 2 "must have the input's format" -- \
  "$WANGGE" assign --grids "$SAMPLE/grids.geojson" --in "$TMP/points.csv" --out "$TMP/p.geojson"
# ---- the walking network --------------------------------------------------------------------
expect "import network: the sample's streets" 0 "nodes \(intersections\) +588" -- \
  "$WANGGE" import network "$SAMPLE/streets.osm" --out "$TMP/network.bin"
check "the saved network loads" test -s "$TMP/network.bin"
expect "locate --network: the nearest service point on foot" 0 "service +SP04 梅园党群服务站, 754 m, 11.3 min" -- \
  "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.926891 27.8576002 --network "$TMP/network.bin" --service-points "$SAMPLE/service_points.geojson"
expect "locate --network: none within 15 minutes, with the nearest beyond" 0 "养老托幼 +SP01 .*none within 15 minutes" -- \
  "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.926891 27.8576002 --network "$TMP/network.bin" --service-points "$SAMPLE/service_points.geojson" --service 养老托幼
expect "locate: --service before LON LAT takes one value; options in any order" 0 "养老托幼 +SP01 " -- \
  "$WANGGE" locate --service 养老托幼 --grids "$SAMPLE/grids.geojson" --network "$TMP/network.bin" --service 医疗 \
  112.926891 27.8576002 --service-points "$SAMPLE/service_points.geojson"
check "locate: ... and answers for both services asked" grep -q "^医疗 " <<<"$OUT_TEXT"
expect "locate: LON LAT before the options" 0 '"code": "43030200901300105"' -- \
  "$WANGGE" locate 112.926891 27.8576002 --json --grids "$SAMPLE/grids.geojson"
expect "locate --network --json" 0 '"within_circle": true' -- \
  "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.926891 27.8576002 --network "$SAMPLE/streets.osm" --service-points "$SAMPLE/service_points.geojson" --json
expect "locate: --network without --service-points exits 2" 2 "go together" -- \
  "$WANGGE" locate --grids "$SAMPLE/grids.geojson" 112.92 27.86 --network "$TMP/network.bin"
expect "isochrones of every service point" 0 "SP06 .* km² within 15 min" -- \
  "$WANGGE" isochrone --network "$TMP/network.bin" --service-points "$SAMPLE/service_points.geojson" --out "$TMP/iso.geojson"
check "isochrones: six valid polygons that the grid validator reads" python3 - "$TMP/iso.geojson" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))["features"]
assert [x["properties"]["id"] for x in f] == ["SP01", "SP02", "SP03", "SP04", "SP05", "SP06"]
assert all(1.0 < x["properties"]["area_km2"] < 3.2 for x in f), [x["properties"]["area_km2"] for x in f]
assert all(x["geometry"]["type"] == "MultiPolygon" for x in f)
PY
# Numeric options go through one checked parser: NaN, infinities, wrapped negatives, hex and
# values past the range exit 2 naming the option and the range, before any work.
expect "isochrone --cell nan exits 2 (CLI::Range let NaN through)" 2 "--cell: must be a number from 1 to 100" -- \
  "$WANGGE" isochrone --network "$TMP/network.bin" --service-points "$SAMPLE/service_points.geojson" --cell nan --out "$TMP/x.geojson"
expect "report list --limit -1 exits 2 (it wrapped to a huge size)" 2 "--limit: must be an integer from 1 to 1000" -- \
  "$WANGGE" report list --store "$TMP/none.db" --limit -1
expect "serve --port 1e19 exits 2" 2 "--port: must be an integer from 0 to 65535" -- "$WANGGE" serve --port 1e19
expect "serve --rate-per-key nan exits 2" 2 "--rate-per-key: must be a number from 0 to 1000000" -- "$WANGGE" serve --rate-per-key nan
expect "export --public-decimals 0x3 exits 2" 2 "--public-decimals: must be an integer from 0 to 9" -- \
  "$WANGGE" export grids --out "$TMP/x.gpkg" --public-decimals 0x3
expect "regrid --time-budget inf exits 2" 2 "--time-budget: must be a number from 0 to 86400" -- \
  "$WANGGE" regrid --parents x --units y --min 300 --max 500 --time-budget inf --out "$TMP/x.gpkg"
check "none of them wrote anything" test ! -e "$TMP/x.gpkg" -a ! -e "$TMP/none.db"
expect "isochrone: an unknown service point exits 2" 2 "service point 'SP99' is not in" -- \
  "$WANGGE" isochrone --network "$TMP/network.bin" --service-points "$SAMPLE/service_points.geojson" --id SP99 --out "$TMP/x.geojson"
expect "coverage of any service point, per block" 0 "83.4% of households" -- \
  "$WANGGE" coverage --grids "$SAMPLE/grids.geojson" --network "$TMP/network.bin" --service-points "$SAMPLE/service_points.geojson" --type "" --gaps-out "$TMP/gaps.geojson"
expect "coverage: an unknown service type exits 2 listing the types" 2 "service type '夜市' is offered by no service point" -- \
  "$WANGGE" coverage --grids "$SAMPLE/grids.geojson" --network "$TMP/network.bin" --service-points "$SAMPLE/service_points.geojson" --type 夜市
expect "import network: a missing file exits 2" 2 "cannot read the OpenStreetMap file" -- "$WANGGE" import network "$TMP/none.osm.pbf" --out "$TMP/n.bin"
printf 'this is not xml' >"$TMP/junk.osm"
expect "import network: a file that is not OSM exits 2" 2 "cannot read the OpenStreetMap file" -- "$WANGGE" import network "$TMP/junk.osm" --out "$TMP/n.bin"
printf 'not a graph' >"$TMP/junk.bin"
expect "a foreign .bin is refused" 2 "is not a wangge network file" -- \
  "$WANGGE" isochrone --network "$TMP/junk.bin" --service-points "$SAMPLE/service_points.geojson" --out "$TMP/x.geojson"

expect "every command has --help with an example" 0 "Example: wangge assign" -- "$WANGGE" assign --help

# ---- regrid ---------------------------------------------------------------------------------
RG=(--parents "$SAMPLE/grids.geojson" --units "$SAMPLE/buildings.geojson" --roads "$SAMPLE/streets.osm")
expect "regrid: the subdistrict into 300-500 households, all in band, streets followed" 0 \
  "grids in band +15 of 15 \(100.0%\).*" -- "$WANGGE" regrid "${RG[@]}" --parent-level 0 --min 300 --max 500 --out "$TMP/rg0.gpkg" --report "$TMP/rg0.json"
expect "regrid: the new generation validates" 0 "clean: no findings" -- "$WANGGE" validate "$TMP/rg0.gpkg"
check "regrid: no gap, no overlap, 100% of borders on streets" python3 -c "
import json,sys; t=json.load(open('$TMP/rg0.json'))['totals']
sys.exit(0 if t['gap_m2'] < 0.01 and t['overlap_m2'] < 0.01 and t['street_share'] == 1 and t['noncontiguous'] == 0 and t['households'] == 6000 else 1)"
expect "regrid: the 17 blocks at 300-500 say which blocks cannot be in band" 0 \
  "430302009003: the parent has 243 households, fewer than the band's minimum 300" -- \
  "$WANGGE" regrid "${RG[@]}" --parent-level 1 --min 300 --max 500 --out "$TMP/rg1.gpkg"
expect "regrid: a households field that does not exist exits 2 naming the fields" 2 "has no field 'hh'.*its fields: id, unit, households" -- \
  "$WANGGE" regrid "${RG[@]}" --households-field hh --min 300 --max 500 --out "$TMP/bad.gpkg"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"households":-3},"geometry":{"type":"Point","coordinates":[112.92,27.86]}}]}' >"$TMP/neg.geojson"
expect "regrid: negative households exit 2 naming the feature" 2 "feature 0 has households '-3', which is not a whole number >= 0" -- \
  "$WANGGE" regrid --parents "$SAMPLE/grids.geojson" --units "$TMP/neg.geojson" --min 300 --max 500 --out "$TMP/bad.gpkg"
expect "regrid: an upside-down band exits 2" 2 "0 <= --min <= --max" -- \
  "$WANGGE" regrid "${RG[@]}" --min 500 --max 300 --out "$TMP/bad.gpkg"
expect "regrid: an unknown parent exits 2" 2 "no grid 'nope' at level 1" -- \
  "$WANGGE" regrid "${RG[@]}" --parent nope --min 300 --max 500 --out "$TMP/bad.gpkg"
printf 'id,x\n1,2\n' >"$TMP/noposition.csv"
expect "regrid: a reports CSV without lon/lat exits 2 naming the columns" 2 \
  "reports: .*noposition.csv needs the columns id, lon, lat" -- \
  "$WANGGE" regrid "${RG[@]}" --reports "$TMP/noposition.csv" --min 300 --max 500 --out "$TMP/bad.gpkg"
expect "regrid: a negative time budget exits 2" 2 "--time-budget: must be a number from 0 to 86400" -- \
  "$WANGGE" regrid "${RG[@]}" --time-budget -1 --min 300 --max 500 --out "$TMP/bad.gpkg"
printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"p","level":1},"geometry":{"type":"Point","coordinates":[112.92,27.86]}}]}' >"$TMP/pointparent.geojson"
expect "regrid: a parent that is not a polygon exits 2 naming it" 2 \
  "parents: grid 'p' \(feature 0\) has a Point geometry; grids must be polygons" -- \
  "$WANGGE" regrid --parents "$TMP/pointparent.geojson" --units "$SAMPLE/buildings.geojson" --min 300 --max 500 --out "$TMP/bad.gpkg"
check "regrid: failed runs wrote nothing" test ! -e "$TMP/bad.gpkg"
expect "regrid --help documents every exit status" 0 \
  "Exit status: 0 every parent.*1 some parents failed.*2 bad input.*130 interrupted.*70 an internal error" -- \
  bash -c '"$1" regrid --help | tr "\n" " "' _ "$WANGGE"
expect "regrid: options in any order, --parent repeated" 0 "re-gridded 2 parents into" -- \
  "$WANGGE" regrid --min 100 --out "$TMP/two.gpkg" --parent 430302009001 --max 200 "${RG[@]}" \
  --parent 430302009002 --only-new

# A parent whose new grids cannot be written (here: its first new grid's id, A001, is taken by
# a grid carried over from C) fails alone: named with the rule, the others written, exit 1.
#  +--------+--------+--------+   R holds A, B, C (200 m × 220 m each; A and B 320 households,
#  |   A    |   B    |   C    |   C 80); C's one child is "A001". A and B are re-gridded.
#  +--------+--------+--------+
python3 - "$TMP" <<'PY2'
import json, sys
d = sys.argv[1]
def rect(x0, x1):
    return {"type": "Polygon", "coordinates": [[[x0, 27.80], [x1, 27.80], [x1, 27.802], [x0, 27.802], [x0, 27.80]]]}
f = lambda props, geom: {"type": "Feature", "properties": props, "geometry": geom}
grids = [f({"id": "R", "level": 0}, rect(112.90, 112.906)),
         f({"id": "A", "parent_id": "R", "level": 1}, rect(112.90, 112.902)),
         f({"id": "B", "parent_id": "R", "level": 1}, rect(112.902, 112.904)),
         f({"id": "C", "parent_id": "R", "level": 1}, rect(112.904, 112.906)),
         f({"id": "A001", "parent_id": "C", "level": 2}, rect(112.904, 112.906))]
json.dump({"type": "FeatureCollection", "features": grids}, open(d + "/abc.geojson", "w"))
units = [f({"households": 10}, {"type": "Point", "coordinates": [112.90 + 0.0001 + i * 0.00025, 27.8002 + j * 0.0004]})
         for i in range(24) for j in range(4)]
json.dump({"type": "FeatureCollection", "features": units[:72]}, open(d + "/abc-units.geojson", "w"))
json.dump(units[:72], open(d + "/abc-units-array.geojson", "w"))
PY2
expect "regrid: a parent that fails is named with its reason, the others written, exit 1" 1 \
  "1 of 2 parents failed and keep their old grids \(the others are written\): A: the new generation fails validation: \[duplicate-id\] grid 'A001'" -- \
  "$WANGGE" regrid --parents "$TMP/abc.geojson" --units "$TMP/abc-units.geojson" --min 100 --max 200 \
  --parent A --parent B --out "$TMP/abc-out.gpkg" --report "$TMP/abc-out.json"
check "regrid: the table marks it FAILED and counts it" grep -Eq -- "parents failed \(old grids kept\) +1" <<<"$OUT_TEXT"
check "regrid: the table names it with its reason" grep -Eq -- "! A: FAILED: .*duplicate-id" <<<"$OUT_TEXT"
check "regrid: the report lists the failed parent and its reason; the others have grids" python3 - "$TMP/abc-out.json" <<'PY2'
import json, sys
r = json.load(open(sys.argv[1]))
assert [p["parent"] for p in r["failed_parents"]] == ["A"], r["failed_parents"]
assert "duplicate-id" in r["failed_parents"][0]["reason"]
assert r["totals"]["failed_parents"] == 1
by = {p["parent"]: p for p in r["parents"]}
assert by["A"]["failed"] and by["A"]["grids"] == 0
assert by["B"]["failed"] is None and by["B"]["grids"] >= 1
assert r["totals"]["households"] == 320, r["totals"]  # B's, written
PY2
expect "regrid: the written generation (A with its old grids) validates" 0 "clean: no findings" -- \
  "$WANGGE" validate "$TMP/abc-out.gpkg"
expect "regrid: units as a bare JSON array are read, with a note" 1 \
  "note: .*abc-units-array.geojson' holds a bare JSON array of 72 features" -- \
  "$WANGGE" regrid --parents "$TMP/abc.geojson" --units "$TMP/abc-units-array.geojson" --min 100 --max 200 \
  --parent A --parent B --out "$TMP/abc-out2.gpkg"

finish
