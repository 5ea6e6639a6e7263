#!/usr/bin/env python3
"""Vector tiles end to end: `wangge serve` on a fresh SQLite store with the sample, every
grids tile of the sample at z12-z16 fetched over HTTP and decoded by GDAL's MVT driver
(ogrinfo, an independent decoder), its feature count checked against PostGIS (ST_Intersects
with ST_TileEnvelope and the same buffer) on the same grids loaded with ogr2ogr, attributes
read back, TileJSON, 204/304/gzip/CORS, composite tiles, no personal data in the reports
layer, and precise invalidation: a new report changes the tiles that contain it and leaves a
far tile's ETag alone.

usage: tiles_test.py WANGGE SOURCE_DIR   (needs WANGGE_TEST_PG for the PostGIS cross-check)"""
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ogr_features, Server, Checks, make_store, create_key, request, tile_of  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002  # in unit 43030200901300105, leader 许秀英
UNIT = "43030200901300105"


def ogr_layers(path):
    """{layer: feature count} as GDAL's MVT driver reads the tile file."""
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-so", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    if out.returncode != 0:
        raise RuntimeError(f"ogrinfo failed on {path}: {out.stderr}")
    counts, layer = {}, None
    for line in out.stdout.splitlines():
        if line.startswith("Layer name: "):
            layer = line.split(": ", 1)[1]
        elif line.startswith("Feature Count: "):
            counts[layer] = int(line.split(": ", 1)[1])
    return counts


def main():
    pg = os.environ.get("WANGGE_TEST_PG")
    if not pg:
        raise SystemExit("WANGGE_TEST_PG is not set: run scripts/test")
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="wangge_tiles_")
    schema = f"tiles_e2e_{os.getpid()}_{random.randrange(1 << 30)}"
    env = make_store("sqlite", tmp, DATA)
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), ["--rate-per-key", "1000", "--rate-per-address", "1000"])
    try:
        resident = create_key(WANGGE, env, "resident:u1")
        subprocess.run([WANGGE, "import", "reports", os.path.join(DATA, "reports.csv")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        server.start()
        port = server.port

        def get(path, **kw):
            return request(port, "GET", path, **kw)

        # ---- TileJSON -----------------------------------------------------------------------
        r = get("/tiles/grids.json")
        tj = r.json() if r.status == 200 else {}
        c.check("TileJSON 3.0.0 for grids", r.status == 200 and tj.get("tilejson") == "3.0.0", r)
        c.check("its tile URL carries the grid generation", tj.get("tiles", [""])[0].endswith(
            "/tiles/grids/{z}/{x}/{y}.mvt?v=g1"), tj.get("tiles"))
        fields = tj.get("vector_layers", [{}])[0].get("fields", {})
        c.check("vector_layers lists the grid fields", {"code", "name", "level", "leader_name", "leader_role",
                                                         "households", "open_reports", "overdue_reports"} <= set(fields),
                fields)
        minx, miny, maxx, maxy = tj["bounds"]
        r = get("/tiles/grids,reports,service_points.json")
        c.check("a composite TileJSON lists the three layers",
                r.status == 200 and [v["id"] for v in r.json()["vector_layers"]] == ["grids", "reports", "service_points"], r)
        c.check("an unknown layer: 404 problem", get("/tiles/nope.json").status == 404)

        # ---- PostGIS: the same grids, for the independent count --------------------------------
        subprocess.run(["psql", pg, "-qc", f"CREATE SCHEMA {schema}"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["ogr2ogr", "-f", "PostgreSQL", "PG:" + pg, os.path.join(DATA, "grids.geojson"),
                        "-nln", f"{schema}.grids", "-lco", "GEOMETRY_NAME=geom", "-nlt", "MULTIPOLYGON"], check=True)

        # ---- every grids tile z12-z16, decoded by GDAL ------------------------------------------
        tiles_dir = os.path.join(tmp, "tiles")
        expected_rows, ours = [], {}
        fetched = nonempty = 0
        bad = []
        for z in range(12, 17):
            x0, y0 = tile_of(minx, maxy, z)
            x1, y1 = tile_of(maxx, miny, z)
            for x in range(x0 - 1, x1 + 2):
                for y in range(y0 - 1, y1 + 2):
                    r = get(f"/tiles/grids/{z}/{x}/{y}.pbf")
                    fetched += 1
                    if r.status == 204:
                        ours[(z, x, y)] = 0
                        continue
                    if r.status != 200 or r.ctype != "application/vnd.mapbox-vector-tile":
                        bad.append((f"{z}/{x}/{y}", r))
                        continue
                    path = os.path.join(tiles_dir, str(z), str(x), f"{y}.pbf")
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "wb") as f:
                        f.write(r.body)
                    ours[(z, x, y)] = ogr_layers(path).get("grids", -1)
                    nonempty += 1
                    expected_rows.append(f"({z},{x},{y})")
        c.check("every tile is 200 with the MVT type or 204", not bad, bad[:3])
        sql = (f"SELECT t.z, t.x, t.y, count(g.*) FROM (VALUES {','.join(f'({z},{x},{y})' for z, x, y in ours)}) "
               f"AS t(z, x, y) LEFT JOIN {schema}.grids g ON ST_Intersects(ST_Transform(g.geom, 3857), "
               f"ST_TileEnvelope(t.z, t.x, t.y, margin => 64.0 / 4096)) GROUP BY 1, 2, 3")
        out = subprocess.run(["psql", pg, "-AtF,", "-c", sql], stdout=subprocess.PIPE, text=True, check=True).stdout
        theirs = {}
        for line in out.split():
            z, x, y, n = map(int, line.split(","))
            theirs[(z, x, y)] = n
        differ = {k: (ours[k], theirs.get(k)) for k in ours if ours[k] != theirs.get(k)}
        c.check(f"{fetched} tiles fetched, {nonempty} with features, every count as GDAL reads it equals PostGIS's "
                f"ST_Intersects count", not differ and nonempty > 50 and len(theirs) == len(ours), differ)

        # ---- grid_labels: each grid once per zoom, inside it, in its widest part ----------------
        labels_dir = os.path.join(tmp, "labels")
        seen = {}  # (z, grid id) -> [(x, y) in EPSG:3857]
        for (z, x, y) in sorted(ours):
            r = get(f"/tiles/grid_labels/{z}/{x}/{y}.pbf")
            if r.status == 204:
                continue
            path = os.path.join(labels_dir, str(z), str(x), f"{y}.pbf")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(r.body)
            out = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", path, "grid_labels"],
                                 stdout=subprocess.PIPE, text=True, check=True).stdout
            for feat in json.loads(out)["features"]:
                seen.setdefault((z, feat["properties"]["id"]), []).append(feat["geometry"]["coordinates"])
        with open(os.path.join(DATA, "grids.geojson"), encoding="utf-8") as f:
            all_grids = {g["properties"]["id"] for g in json.load(f)["features"]}
        twice = {k: v for k, v in seen.items() if len(v) != 1}
        missing = {(z, g) for z in range(12, 17) for g in all_grids if (z, g) not in seen}
        c.check(f"grid_labels: every one of the {len(all_grids)} grids labelled exactly once at each zoom 12-16, "
                f"as GDAL reads the tiles", not twice and not missing, (list(twice.items())[:3], sorted(missing)[:3]))
        z16 = [(g, pts[0][0], pts[0][1]) for (z, g), pts in seen.items() if z == 16]
        values = ",".join(f"('{g}', ST_SetSRID(ST_MakePoint({x}, {y}), 3857))" for g, x, y in z16)
        # PostGIS's own largest inscribed circle of each grid, in the same projection.
        sql = (f"WITH l(id, p) AS (VALUES {values}), m AS (SELECT l.id, l.p, ST_Transform(g.geom, 3857) AS geom "
               f"FROM l JOIN {schema}.grids g ON g.id = l.id) "
               f"SELECT id, ST_Intersects(geom, p), ST_Distance(p, ST_Boundary(geom)), "
               f"(ST_MaximumInscribedCircle(geom)).radius FROM m")
        rows = subprocess.run(["psql", pg, "-AtF,", "-c", sql], stdout=subprocess.PIPE, text=True,
                              check=True).stdout.split()
        outside = [r for r in rows if r.split(",")[1] != "t"]
        narrow = [r for r in rows if float(r.split(",")[2]) < 0.9 * float(r.split(",")[3])]
        c.check(f"... each z16 label inside its grid (PostGIS ST_Intersects), {len(rows)} of them",
                len(rows) == len(all_grids) and not outside, outside[:3])
        c.check("... at least 90% as far from the grid's edge as the centre of PostGIS's largest inscribed "
                "circle (labels sit in the widest part)", rows and not narrow, narrow[:3])

        # ---- the same tiles through @mapbox/vector-tile (what web maps decode with) ------------
        js_dir = os.path.abspath(os.path.join(SRC, "tests", "js"))
        if not os.path.isdir(os.path.join(js_dir, "node_modules", "@mapbox", "vector-tile")):
            c.check("@mapbox/vector-tile is installed (scripts/test runs npm ci in tests/js)", False, js_dir)
        else:
            files = [os.path.join(tiles_dir, str(z), str(x), f"{y}.pbf") for (z, x, y), n in sorted(ours.items()) if n]
            out = subprocess.run(["node", os.path.join(js_dir, "decode_tiles.mjs"), *files], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=js_dir)
            decoded = json.loads(out.stdout) if out.returncode == 0 else {}
            js_counts = {f: len(layers.get("grids", {}).get("features", [])) for f, layers in decoded.items()}
            gdal_counts = {os.path.join(tiles_dir, str(z), str(x), f"{y}.pbf"): n for (z, x, y), n in ours.items() if n}
            c.check(f"@mapbox/vector-tile decodes all {len(files)} tiles with GDAL's feature counts",
                    out.returncode == 0 and js_counts == gdal_counts, out.stderr[-500:])
            feats = [f for layers in decoded.values() for f in layers.get("grids", {}).get("features", [])]
            c.check("... every feature a polygon with version-2 layers and extent 4096",
                    feats and all(f["type"] == 3 and f["rings"] >= 1 for f in feats) and all(
                        l["grids"]["version"] == 2 and l["grids"]["extent"] == 4096 for l in decoded.values()))
            c.check("... every feature id exact in JavaScript (below 2^53) and unique in its tile",
                    feats and all(f["safe_id"] for f in feats) and all(
                        len({f["id"] for f in l["grids"]["features"]}) == len(l["grids"]["features"])
                        for l in decoded.values()))
            unit_js = [f["properties"] for f in feats if f["properties"].get("id") == UNIT]
            c.check("... with the unit's attributes", unit_js and unit_js[0]["leader_name"] == "许秀英"
                    and unit_js[0]["level"] == 3, unit_js[:1])

        # ---- the same tiles seeded offline into MBTiles ------------------------------------------
        mb = os.path.join(tmp, "sample.mbtiles")
        out = subprocess.run([WANGGE, "export", "tiles", "--layer", "grids", "--minzoom", "12", "--maxzoom", "16",
                              "--out", mb], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        c.check("export tiles writes an MBTiles file", out.returncode == 0 and os.path.exists(mb), out.stderr)
        for zz in (12, 14, 16):
            got = subprocess.run(["ogrinfo", "-ro", "-so", "-oo", f"ZOOM_LEVEL={zz}", mb, "grids"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True).stdout
            m = re.search(r"Feature Count: (\d+)", got)
            want = sum(n for (z, _, _), n in ours.items() if z == zz)
            c.check(f"GDAL's MBTiles driver reads z{zz}: {want} grid features, as served over HTTP",
                    m is not None and int(m.group(1)) == want, got[-300:])

        # ---- attributes --------------------------------------------------------------------------
        z = 16
        x, y = tile_of(LON, LAT, z)
        path = os.path.join(tiles_dir, str(z), str(x), f"{y}.pbf")
        feats = {f.get("id"): f for f in ogr_features(path)}
        unit = feats.get(UNIT, {})
        c.check("the unit's feature carries its leader, role, level and households",
                unit.get("leader_name") == "许秀英" and unit.get("leader_role") == "邻长" and unit.get("level") == "3"
                and int(unit.get("households", "0")) > 0, unit)
        c.check("grid features carry no phone number", all("phone" not in k for f in feats.values() for k in f), feats)

        # ---- HTTP behaviour ----------------------------------------------------------------------
        path_t = f"/tiles/grids/{z}/{x}/{y}.mvt"
        plain = get(path_t)
        etag = plain.headers.get("etag", "")
        c.check("a strong ETag and Cache-Control", etag.startswith('"') and "max-age" in plain.headers.get(
            "cache-control", ""), plain.headers)
        r = get(path_t, headers={"If-None-Match": etag})
        c.check("If-None-Match with it: 304 without a body", r.status == 304 and r.body == b"", r)
        r = get(path_t, headers={"Accept-Encoding": "gzip"})
        c.check("gzip when accepted, the same tile inside, its own ETag",
                r.status == 200 and r.headers.get("content-encoding") == "gzip" and gzip.decompress(r.body) == plain.body
                and r.headers.get("etag") != etag and "Accept-Encoding" in r.headers.get("vary", ""), r.headers)
        r = get("/tiles/grids/16/0/0.mvt")
        c.check("a tile far from the data: 204 without a body", r.status == 204 and r.body == b"", r)
        r = get("/tiles/grids/23/0/0.mvt")
        c.check("z 23: 400 naming the rule", r.status == 400 and "tile zoom z must be an integer from 0 to 22" in r.json()["detail"], r)
        r = get("/tiles/grids/3/8/0.mvt")
        c.check("x beyond 2^z: 400", r.status == 400, r)
        r = get("/tiles/grids,grids/3/0/0.mvt")
        c.check("a layer twice: 400", r.status == 400, r)
        r = request(port, "OPTIONS", path_t, headers={"Origin": "https://map.example",
                                                    "Access-Control-Request-Method": "GET"})
        c.check("CORS preflight: 204 allowing GET", r.status == 204 and "GET" in r.headers.get(
            "access-control-allow-methods", ""), r.headers)
        c.check("CORS on the tile", plain.headers.get("access-control-allow-origin") == "*", plain.headers)
        r = get(f"/tiles/grids,service_points,isochrones/{z}/{x}/{y}.pbf")
        comp = os.path.join(tmp, "composite.pbf")
        with open(comp, "wb") as f:
            f.write(r.body)
        layers = ogr_layers(comp)
        c.check("a composite tile decodes into its layers", r.status == 200 and layers.get("grids") == ours[(z, x, y)]
                and layers.get("isochrones", 0) >= 1, layers)

        # ---- reports and precise invalidation -------------------------------------------------
        rz = 16
        rx, ry = tile_of(LON, LAT, rz)
        near, far = f"/tiles/reports/{rz}/{rx}/{ry}.mvt", None
        before = get(near)
        # A far tile that shows reports: the first non-empty one of the sample's other z16 tiles.
        for (tz, tx, ty) in sorted(ours):
            if tz == rz and (tx, ty) != (rx, ry) and abs(tx - rx) + abs(ty - ry) > 3:
                r = get(f"/tiles/reports/{tz}/{tx}/{ty}.mvt")
                if r.status == 200:
                    far, far_etag = f"/tiles/reports/{tz}/{tx}/{ty}.mvt", r.headers["etag"]
                    break
        def count(resp, name):
            if resp.status == 204:
                return 0
            p = os.path.join(tmp, "probe.pbf")
            with open(p, "wb") as f:
                f.write(resp.body)
            return ogr_layers(p).get(name, 0)
        n_before = count(before, "reports")
        grids_before = {f.get("id"): f for f in ogr_features(path)}
        open_before = int(grids_before[UNIT]["open_reports"])
        r = request(port, "POST", "/api/v1/reports", key=resident,
                    json_body={"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "路灯不亮",
                               "reporter": {"name": "张三", "phone": "13800138000"}})
        c.check("a new report", r.status == 201, r)
        after = get(near)
        c.check("the reports tile that contains it shows one more", count(after, "reports") == n_before + 1,
                (n_before, count(after, "reports")))
        c.check("... and no personal data", b"13800138000" not in after.body and "张三".encode() not in after.body)
        g_after = get(path_t)
        p2 = os.path.join(tmp, "grids_after.pbf")
        with open(p2, "wb") as f:
            f.write(g_after.body)
        open_after = int({f.get("id"): f for f in ogr_features(p2)}[UNIT]["open_reports"])
        c.check("the grids tile counts it for its unit", open_after == open_before + 1, (open_before, open_after))
        if c.check("a far tile with reports exists in the sample", far is not None):
            r = get(far, headers={"If-None-Match": far_etag})
            c.check("the far reports tile is untouched: 304 on its old ETag", r.status == 304, r)
        r = get("/metrics")
        c.check("/metrics answers", r.status == 200, r)
    finally:
        try:
            code = server.stop() if server.proc else 0
            c.check("the server stops on SIGTERM with exit 0", code == 0, code)
        finally:
            subprocess.run(["psql", pg, "-qc", f"DROP SCHEMA IF EXISTS {schema} CASCADE"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
