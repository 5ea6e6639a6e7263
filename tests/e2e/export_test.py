#!/usr/bin/env python3
"""`wangge export` end to end: every layer to every format, read back by GDAL (ogrinfo) with
the expected feature counts (against the source files) and fields; personal fields only for
an admin who asks; clear errors with exit 2 and no file left behind.

usage: export_test.py WANGGE SOURCE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, make_store, ogr_features, public_sample_reports  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "geodata", "sample")


def summary(path):
    """(feature count, field names, exit status, stderr) of the file's one layer."""
    # A spreadsheet's first row is its header (GDAL guesses otherwise when every cell is text).
    options = ["-oo", "HEADERS=FORCE"] if path.endswith(".xlsx") else []
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", *options, path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    count, fields = None, set()
    for line in out.stdout.splitlines():
        if line.startswith("Feature Count: "):
            count = int(line.split(": ")[1])
        elif ": " in line and "(" in line and not line.startswith(("Layer", "Geometry", "Extent", "Feature")):
            fields.add(line.split(":")[0].strip())
    return count, fields, out.returncode, out.stderr


def stats_tables(c, tmp, env):
    """`wangge stats --out`: the statistics as Excel and CSV, read back by GDAL, sums checked."""
    doc = json.loads(subprocess.run([WANGGE, "stats", "--group-by", "grid", "--level", "1", "--json"], env=env,
                                    stdout=subprocess.PIPE, check=True, text=True).stdout)
    for ext in ["xlsx", "csv"]:
        path = os.path.join(tmp, f"stats.{ext}")
        out = subprocess.run([WANGGE, "stats", "--group-by", "grid", "--level", "1", "--out", path], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        rows = ogr_features(path, ["-oo", "HEADERS=FORCE"] if ext == "xlsx" else [])
        total = [r for r in rows if r.get("分组键") == "total"]
        groups = [r for r in rows if r.get("分组键") != "total"]
        c.check(f"stats --out .{ext}: one row per group and the total, Chinese column names",
                out.returncode == 0 and len(rows) == len(doc["rows"]) and len(total) == 1
                and {"名称", "上报数", "结案率", "满意率"} <= summary(path)[1], (out.stderr, summary(path)[1]))
        c.check(f"... the groups' 上报数 add up to the total's, and to the JSON's",
                total and sum(int(r["上报数"]) for r in groups) == int(total[0]["上报数"])
                == next(r["reported"] for r in doc["rows"] if r["key"] == "total"), total)
        c.check(f"... groups named (湘江片区), not only coded",
                any(r["名称"].endswith("片区") for r in groups), [r.get("名称") for r in groups][:3])
    with open(os.path.join(tmp, "stats.csv"), "rb") as f:
        c.check("stats CSV starts with a UTF-8 byte-order mark", f.read(3) == b"\xef\xbb\xbf")
    out = subprocess.run([WANGGE, "stats", "--out", os.path.join(tmp, "stats.pdf")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    c.check("stats --out .pdf: exit 2 naming the formats", out.returncode == 2 and ".xlsx or .csv" in out.stderr,
            out.stderr)


def main():
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="wangge_export_")
    env = make_store("sqlite", tmp, DATA)
    try:
        subprocess.run([WANGGE, "import", "reports", os.path.join(DATA, "reports.csv")], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        with open(os.path.join(DATA, "grids.geojson"), encoding="utf-8") as f:
            n_grids = len(json.load(f)["features"])
        with open(os.path.join(DATA, "service_points.geojson"), encoding="utf-8") as f:
            n_points = len(json.load(f)["features"])
        n_reports = len(public_sample_reports(DATA))  # without --personal: the public's view
        with open(os.path.join(DATA, "reports.csv"), encoding="utf-8") as f:
            n_all = sum(1 for _ in f) - 1  # every report, for an admin's personal export
        expected = {"grids": n_grids, "reports": n_reports, "service-points": n_points, "isochrones": n_points}
        for what, n in expected.items():
            for ext in ["gpkg", "geojson", "shp", "fgb", "kml", "csv", "xlsx"]:
                path = os.path.join(tmp, f"{what}.{ext}")
                out = subprocess.run([WANGGE, "export", what, "--out", path], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                count, fields, rc, err = summary(path)
                c.check(f"export {what} as .{ext}: {n} features read back by GDAL",
                        out.returncode == 0 and count == n, (out.stderr, count, err))
        with open(os.path.join(tmp, "reports.csv"), "rb") as f:
            head = f.read(3)
        c.check("CSV starts with a UTF-8 byte-order mark (Excel on a Chinese Windows reads 汉字)",
                head == b"\xef\xbb\xbf", head)
        _, xfields, _, _ = summary(os.path.join(tmp, "reports.xlsx"))
        c.check("XLSX: the ledger's fields with lon and lat columns instead of a geometry",
                {"id", "category", "state", "lon", "lat"} <= xfields, xfields)
        count, fields, _, _ = summary(os.path.join(tmp, "reports.gpkg"))
        c.check("reports: public fields only by default",
                {"category", "state", "grid", "overdue"} <= fields and not ({"text", "reporter_name", "reporter_phone"}
                                                                           & fields), fields)
        count, fields, _, _ = summary(os.path.join(tmp, "grids.gpkg"))
        c.check("grids: leaders without phones by default", {"leader_name", "leader_role", "households"} <= fields
                and "leader_phone" not in fields, fields)
        path = os.path.join(tmp, "full.gpkg")
        out = subprocess.run([WANGGE, "export", "reports", "--personal", "--out", path], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        c.check("--personal without an admin: exit 2 naming the rule, no file",
                out.returncode == 2 and "admin only" in out.stderr and not os.path.exists(path), out.stderr)
        out = subprocess.run([WANGGE, "export", "reports", "--personal", "--as", "d01", "--out", path], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        c.check("--personal as a dispatcher: refused too", out.returncode == 2 and not os.path.exists(path),
                out.stderr)
        out = subprocess.run([WANGGE, "export", "reports", "--personal", "--as", "a01", "--out", path], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        count, fields, _, _ = summary(path)
        c.check("--personal as an admin: every report, with reporter fields and text", out.returncode == 0
                and count == n_all > n_reports and {
            "text", "reporter_name", "reporter_phone"} <= fields, (out.stderr, fields))
        for args, words in [(["export", "grids", "--out", os.path.join(tmp, "x.xyz")], "cannot tell the output format"),
                            (["export", "grids", "--out", os.path.join(tmp, "no", "x.gpkg")], "does not exist"),
                            (["export", "roads", "--out", os.path.join(tmp, "r.gpkg")], "roads not in")]:
            out = subprocess.run([WANGGE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            c.check(f"{' '.join(args[:2])} {os.path.basename(args[-1])}: exit 2, '{words}'",
                    out.returncode == 2 and words in out.stderr, out.stderr)
        stats_tables(c, tmp, env)
        leftovers = [p for p in os.listdir(tmp) if p.startswith(".partial-")]
        c.check("no partial output left behind", not leftovers, leftovers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
