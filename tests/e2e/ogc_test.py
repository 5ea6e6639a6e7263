#!/usr/bin/env python3
"""OGC API - Features end to end: `wangge serve` on a fresh SQLite store with the sample and its
2,000 reports; GDAL's OAPIF driver (ogrinfo, ogr2ogr) lists the collections and pages through
every item with small pages; bbox, property and datetime filters are counted against a brute
force over the source files; paging links, numberMatched, single items, errors, and no
personal data in the reports collection.

usage: ogc_test.py WANGGE SOURCE_DIR"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import bbox_of, Server, Checks, make_store, request, public_sample_reports  # noqa: E402

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
        reports = public_sample_reports(DATA)  # the public sees no case of a private category

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
            ("/ogc/collections/grids/items?limit=0", 400, "'limit' must be an integer from 1 to 10000"),
            ("/ogc/collections/grids/items?limit=20000", 400, "'limit' must be an integer from 1 to 10000"),
            ("/ogc/collections/grids/items?bbox=1,2,3", 400, "bbox must be"),
            ("/ogc/collections/grids/items?bbox=3,2,1,4", 400, "min <= max"),
            ("/ogc/collections/grids/items?colour=red", 400, "unknown parameter 'colour'"),
            ("/ogc/collections/reports/items?datetime=yesterday", 400, "RFC 3339"),
        ]:
            r = get(path)
            c.check(f"{path}: {status} naming the rule", r.status == status and r.ctype == "application/problem+json"
                    and words in r.json().get("detail", ""), r)
        bounded_items(c, get, reports)
    finally:
        code = server.stop() if server.proc else 0
        c.check("the server stops on SIGTERM with exit 0", code == 0, code)
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


def bounded_items(c, get, reports):
    """offset and limit are checked numbers; reports are paged in the store by cursor."""
    for query in ["offset=1e19&limit=10000", "offset=inf&limit=400", "offset=nan", "offset=-1",
                  "offset=10001", "offset=9223372036854775808", "limit=nan", "limit=1e19"]:
        name = "offset" if query.startswith("offset") else "limit"
        try:
            r = get("/ogc/collections/grids/items?" + query)
        except OSError as e:  # the old server died here (SIGSEGV reading past the vector)
            r = e
        c.check(f"grids?{query}: 400 naming {name} and its range", not isinstance(r, OSError) and r.status == 400
                and r.ctype == "application/problem+json" and f"query parameter '{name}' must be an integer from"
                in r.json().get("detail", ""), r)
        try:
            alive = get("/healthz").status == 200
        except OSError as e:
            alive = e
        c.check("... and the server is still alive", alive is True, alive)
        if alive is not True:
            return
    r = get("/ogc/collections/grids/items?offset=10000&limit=10000")
    c.check("grids?offset=10000 (the cap, past the data): an empty page", r.status == 200
            and r.json()["features"] == [] and r.json()["numberReturned"] == 0, r)
    # Reports oldest first, as a brute force over the source file orders their creation times.
    created = sorted(datetime.datetime.fromisoformat(row["created_at"]) for row in reports)
    t = datetime.datetime.fromisoformat
    deep = len(created) - 10
    r = get(f"/ogc/collections/reports/items?offset={deep}&limit=5")
    got = [t(f["properties"]["created_at"]) for f in r.json()["features"]] if r.status == 200 else []
    c.check(f"reports?offset={deep}&limit=5: the next five oldest", got == created[deep:deep + 5], got)
    seen, times, pages, path = set(), [], 0, "/ogc/collections/reports/items?limit=300"
    while path and pages < 20:
        r = get(path)
        if r.status != 200:
            break
        j = r.json()
        seen |= {f["id"] for f in j["features"]}
        times += [t(f["properties"]["created_at"]) for f in j["features"]]
        nxt = next((l["href"] for l in j["links"] if l["rel"] == "next"), None)
        c.check(f"page {pages + 1}: numberMatched {len(reports)}, a cursor in the next link",
                j["numberMatched"] == len(reports) and (nxt is None or "after=" in nxt), (j["numberMatched"], nxt))
        path = urllib.parse.urlsplit(nxt).path + "?" + urllib.parse.urlsplit(nxt).query if nxt else None
        pages += 1
    c.check(f"following next links: all {len(reports)} reports once, oldest first, in {pages} pages",
            len(seen) == len(reports) == len(times) and times == created
            and pages == (len(reports) + 299) // 300, (len(seen), pages))
    r = get("/ogc/collections/reports/items?offset=10001")
    c.check("reports?offset=10001: 400 beyond the documented cap", r.status == 400
            and "'offset' must be an integer from 0 to 10000" in r.json()["detail"], r)
    r = get("/ogc/collections/reports/items?after=garbage")
    c.check("a malformed cursor: 400", r.status == 400 and "cursor" in r.json()["detail"], r)
    r = get("/ogc/collections/reports/items?state=flying")
    c.check("state=flying: 400 naming it", r.status == 400 and "flying" in r.json()["detail"], r)
    first = get("/ogc/collections/reports/items?limit=1").json()["features"][0]
    for name in ["category", "grid", "state"]:
        value = first["properties"][name]
        r = get(f"/ogc/collections/reports/items?limit=1&{name}={urllib.parse.quote(value)}")
        # Every imported report is received; categories are in the source file.
        expect = sum(1 for row in reports if name != "category" or row["category_code"] == value)
        if name == "grid":  # the source file has no grids: count them from the collection itself
            expect = sum(1 for _ in iterate(get, f"/ogc/collections/reports/items?limit=1000", name, value))
        c.check(f"reports?{name}={value}: numberMatched {expect}, filtered in the store",
                r.status == 200 and r.json()["numberMatched"] == expect and expect > 0, (expect, r))
    r = get(f"/ogc/collections/reports/items/{first['id']}")
    c.check("a single report by id", r.status == 200 and r.json()["id"] == first["id"]
            and r.json()["properties"] == first["properties"], r)
    r = get("/ogc/collections/reports/items/nope")
    c.check("an unknown report: 404", r.status == 404, r)


def iterate(get, path, name, value):
    """Every feature of a listing (following next links) whose property @name is @value."""
    while path:
        j = get(path).json()
        for f in j["features"]:
            if f["properties"][name] == value:
                yield f
        nxt = next((l["href"] for l in j["links"] if l["rel"] == "next"), None)
        path = urllib.parse.urlsplit(nxt).path + "?" + urllib.parse.urlsplit(nxt).query if nxt else None


if __name__ == "__main__":
    sys.exit(main())
