#!/usr/bin/env python3
"""OGC API - Features end to end: `wangge serve` on a fresh SQLite store with the sample and its
2,000 reports; GDAL's OAPIF driver (ogrinfo, ogr2ogr) lists the collections and pages through
every item with small pages; bbox, property and datetime filters are counted against a brute
force over the source files; paging links, numberMatched, single items, errors, and no
personal data in the reports collection.

usage: ogc_test.py WANGGE SOURCE_DIR"""
import csv
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import bbox_of, Server, Checks, make_store, request  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "geodata", "sample")
UNIT = "43030200901300105"


def ogr2ogr_features(url, layer, page_size, out):
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", out, url, layer, "-oo", f"PAGE_SIZE={page_size}"], check=True,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with open(out, encoding="utf-8") as f:
        return json.load(f)["features"]


def main():
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="wangge_ogc_")
    env = make_store("sqlite", tmp, DATA)
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), ["--rate-per-address", "10000"])
    try:
        subprocess.run([WANGGE, "import", "reports", os.path.join(DATA, "reports.csv")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        server.start()
        port = server.port
        base = f"http://127.0.0.1:{port}/ogc"

        def get(path, **kw):
            return request(port, "GET", path, **kw)

        with open(os.path.join(DATA, "grids.geojson"), encoding="utf-8") as f:
            grids = json.load(f)["features"]
        with open(os.path.join(DATA, "reports.csv"), encoding="utf-8") as f:
            reports = list(csv.DictReader(f))

        # ---- documents ----------------------------------------------------------------------
        r = get("/ogc")
        rels = {l["rel"] for l in r.json().get("links", [])} if r.status == 200 else set()
        c.check("landing page links self, service-desc, conformance and data",
                {"self", "service-desc", "conformance", "data"} <= rels, r)
        r = get("/ogc/conformance")
        c.check("conformance declares Core and GeoJSON", r.status == 200 and {
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"} <= set(r.json()["conformsTo"]), r)
        r = get("/ogc/collections")
        ids = [x["id"] for x in r.json()["collections"]] if r.status == 200 else []
        c.check("four collections", ids == ["grids", "service_points", "isochrones", "reports"], ids)
        bbox = r.json()["collections"][0]["extent"]["spatial"]["bbox"]
        c.check("extents are arrays of 4-number arrays", len(bbox) == 1 and len(bbox[0]) == 4, bbox)

        # ---- GDAL's OAPIF driver ------------------------------------------------------------------
        out = subprocess.run(["ogrinfo", "-ro", "OAPIF:" + base], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        c.check("ogrinfo OAPIF: lists the collections", out.returncode == 0 and all(
            f": {n} " in out.stdout for n in ids), out.stdout + out.stderr)
        got = ogr2ogr_features("OAPIF:" + base, "grids", 50, os.path.join(tmp, "grids.json"))
        c.check(f"ogr2ogr pages through all {len(grids)} grids 50 at a time",
                sorted(f["properties"]["id"] for f in got) == sorted(str(g["properties"]["id"]) for g in grids),
                len(got))
        unit = next((f["properties"] for f in got if f["properties"]["id"] == UNIT), {})
        c.check("a grid's attributes survive GDAL", unit.get("leader_name") == "许秀英" and unit.get("level") == 3, unit)
        c.check("no leader phone in the grids collection", all("phone" not in k for f in got for k in f["properties"]))
        got = ogr2ogr_features("OAPIF:" + base, "reports", 500, os.path.join(tmp, "reports.json"))
        c.check(f"ogr2ogr pages through all {len(reports)} reports 500 at a time", len(got) == len(reports) and len(
            {f["properties"]["id"] for f in got}) == len(reports), len(got))
        keys = set().union(*(f["properties"].keys() for f in got)) if got else set()
        c.check("reports carry public fields only", not ({"reporter", "text", "phone", "reporter_name"} & keys), keys)
        c.check("report positions are rounded to 4 decimals", all(
            abs(v * 1e4 - round(v * 1e4)) < 1e-6 for f in got for v in f["geometry"]["coordinates"]))

        # ---- filters against brute force -----------------------------------------------------
        box = (112.90, 27.85, 112.92, 27.865)
        expect = sum(1 for g in grids if (lambda b: b[2] >= box[0] and b[0] <= box[2] and b[3] >= box[1]
                                          and b[1] <= box[3])(bbox_of(g["geometry"])))
        r = get("/ogc/collections/grids/items?limit=1000&bbox=" + ",".join(map(str, box)))
        c.check(f"bbox: {expect} grids, as a brute force over the source file counts",
                r.status == 200 and r.json()["numberMatched"] == expect == r.json()["numberReturned"] and expect > 10,
                (expect, r))
        expect = sum(1 for g in grids if g["properties"]["level"] == 3)
        r = get("/ogc/collections/grids/items?level=3&limit=5")
        j = r.json()
        c.check(f"property filter level=3: numberMatched {expect}, 5 returned, a next link",
                j["numberMatched"] == expect and j["numberReturned"] == 5 and any(
                    l["rel"] == "next" for l in j["links"]) and 'rel="next"' in r.headers.get("link", ""), j["links"])
        c.check("items are application/geo+json with OGC-NumberMatched", r.ctype == "application/geo+json"
                and r.headers.get("ogc-numbermatched") == str(expect), r.headers)
        nxt = next(l["href"] for l in j["links"] if l["rel"] == "next")
        r2 = get(urllib.parse.urlsplit(nxt).path + "?" + urllib.parse.urlsplit(nxt).query)
        c.check("the next page continues where the first stopped", r2.status == 200 and not (
            {f["id"] for f in r2.json()["features"]} & {f["id"] for f in j["features"]}) and r2.json()[
            "numberReturned"] == 5, r2)
        lo, hi = "2026-10-01T00:00:00+08:00", "2026-10-15T00:00:00+08:00"
        t = datetime.datetime.fromisoformat
        expect = sum(1 for row in reports if t(lo) <= t(row["created_at"]) <= t(hi))
        r = get("/ogc/collections/reports/items?limit=1&datetime=" + urllib.parse.quote(lo + "/" + hi))
        c.check(f"datetime interval: {expect} reports, as counted in reports.csv",
                r.status == 200 and r.json()["numberMatched"] == expect and expect > 50, (expect, r))
        expect = sum(1 for row in reports if t(row["created_at"]) >= t(lo))
        r = get("/ogc/collections/reports/items?limit=1&datetime=" + urllib.parse.quote(lo + "/.."))
        c.check("an open interval", r.status == 200 and r.json()["numberMatched"] == expect, (expect, r))

        # ---- single items and errors ----------------------------------------------------------
        r = get(f"/ogc/collections/grids/items/{UNIT}")
        c.check("a single grid", r.status == 200 and r.json()["id"] == UNIT and r.ctype == "application/geo+json", r)
        for path, status, words in [
            ("/ogc/collections/grids/items/nope", 404, "does not exist"),
            ("/ogc/collections/nope/items", 404, "collection 'nope'"),
            ("/ogc/collections/grids/items?limit=0", 400, "limit must be"),
            ("/ogc/collections/grids/items?limit=20000", 400, "limit must be"),
            ("/ogc/collections/grids/items?bbox=1,2,3", 400, "bbox must be"),
            ("/ogc/collections/grids/items?bbox=3,2,1,4", 400, "min <= max"),
            ("/ogc/collections/grids/items?colour=red", 400, "unknown parameter 'colour'"),
            ("/ogc/collections/reports/items?datetime=yesterday", 400, "RFC 3339"),
        ]:
            r = get(path)
            c.check(f"{path}: {status} naming the rule", r.status == status and r.ctype == "application/problem+json"
                    and words in r.json().get("detail", ""), r)
    finally:
        code = server.stop() if server.proc else 0
        c.check("the server stops on SIGTERM with exit 0", code == 0, code)
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
