#!/usr/bin/env python3
"""The soak behind scripts/soak: mixed traffic at half the measured capacity for a while, on
each store, watching the server's resident memory, open descriptors, 5xx and p99.

Usage: soak.py WANGGE LOADGEN SOURCE_DIR MINUTES STORES [WORK_DIR]
  STORES: sqlite, postgis or sqlite,postgis (postgis needs WANGGE_TEST_PG).
Exit 0 when every store held: no 5xx, no connection failure, RSS and descriptors flat, p99
stable; 1 otherwise. Prints a table of the figures.
"""
import datetime
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "e2e"))
from harness import Server, make_store, drop_store, create_key, request  # noqa: E402

LON0, LAT0, DLON, DLAT = 112.8916, 27.8480, 0.0456, 0.0276


def proc_figures(pid):
    """Resident memory (MB): all of it, and the anonymous part (heap, stacks: where a leak
    shows; the file-backed rest is the mapped binary and SQLite's memory-mapped database), and
    the open descriptors."""
    rss = anon = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("RssAnon:"):
                anon = int(line.split()[1])
    return rss // 1024, anon // 1024, len(os.listdir(f"/proc/{pid}/fd"))


def store_cache_mb(port):
    """SQLite's own heap (page caches up to 64 MiB per connection, statements), from /metrics:
    a bounded cache that fills as the store grows, not a leak."""
    r = request(port, "GET", "/metrics", timeout=10)
    for line in r.body.decode().splitlines():
        if line.startswith("wangge_store_memory_bytes "):
            return int(float(line.split()[1])) // (1024 * 1024)
    raise RuntimeError("/metrics has no wangge_store_memory_bytes")


def figures_now(pid, port):
    rss, anon, fds = proc_figures(pid)
    cache = store_cache_mb(port)
    return {"rss_mb": rss, "anon_mb": anon, "cache_mb": cache, "own_mb": anon - cache, "fds": fds}


def tile(lon, lat, z):
    import math
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def requests_file(path, staff_key, resident_key, grids):
    """A mix a subdistrict's day looks like: mostly reads (phones locating, map tiles, lists),
    one request in a thousand a new report. Even so the soak writes several reports a second, a
    subdistrict's month in ten minutes; the Dispatcher thread cancels them as they age, so the
    open cases stay steady (their growth — tiles and grid counts that read every open case — is
    for scripts/bench, not a leak test)."""
    rng = random.Random(7)
    lines = []
    tiles = []
    for z in (13, 14, 15):
        for _ in range(12):
            x, y = tile(LON0 + rng.random() * DLON, LAT0 + rng.random() * DLAT, z)
            tiles.append(f"/tiles/grids/{z}/{x}/{y}.mvt")

    def point():
        return LON0 + rng.random() * DLON, LAT0 + rng.random() * DLAT

    for _ in range(2000):
        r = rng.random()
        if r < 0.35:
            lon, lat = point()
            lines.append(f"GET\t/api/v1/locate?lon={lon:.6f}&lat={lat:.6f}\t-")
        elif r < 0.55:
            lines.append(f"GET\t{rng.choice(tiles)}\t-")
        elif r < 0.65:
            lines.append(f"GET\t/api/v1/reports?limit=20\t{staff_key}")
        elif r < 0.70:
            lines.append("GET\t/ogc/collections/reports/items?limit=20\t-")
        elif r < 0.75:
            lines.append("GET\t/open311/v2/requests.json?page_size=20\t-")
        elif r < 0.80:
            lines.append(f"GET\t/api/v1/grids/{rng.choice(grids)}\t-")
        elif r < 0.949:
            lines.append("GET\t/healthz\t-")
        elif r < 0.999:
            lines.append(f"GET\t/tiles/reports/14/{tile(LON0 + DLON / 2, LAT0 + DLAT / 2, 14)[0]}/"
                         f"{tile(LON0 + DLON / 2, LAT0 + DLAT / 2, 14)[1]}.mvt\t-")
        else:
            lon, lat = point()
            body = json.dumps({"location": {"lon": round(lon, 6), "lat": round(lat, 6)}, "category": "0101",
                               "text": "巡查发现：楼道堆放杂物"}, ensure_ascii=False)
            lines.append(f"POST\t/api/v1/reports\t{resident_key}\t{body}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


class Dispatcher(threading.Thread):
    """The grid centre's side of a steady day: every second it cancels (as duplicates) the
    reports the load made more than `keep` seconds ago, so the open cases — what the map tiles,
    the grid counts and the duplicate search read — stay about constant, as in a subdistrict
    where cases are closed as fast as they arrive. Without it the soak would measure a store
    whose open cases grow twenty-fold, not a leak. Counts what it did and any failure."""

    def __init__(self, port, staff_key, keep=30):
        super().__init__(daemon=True)
        self.port, self.key, self.keep = port, staff_key, keep
        self.stop_event = threading.Event()
        self.cancelled = 0
        self.errors = []

    def run(self):
        zone = datetime.timezone(datetime.timedelta(hours=8))
        while not self.stop_event.wait(1.0):
            before = (datetime.datetime.now(zone) - datetime.timedelta(seconds=self.keep)).isoformat(timespec="seconds")
            try:
                r = request(self.port, "GET", "/api/v1/reports?state=received&limit=200&created_to="
                            + urllib.parse.quote(before), key=self.key)
                if r.status != 200:
                    self.errors.append(f"list: {r.status}")
                    continue
                for x in r.json()["reports"]:
                    a = request(self.port, "POST", f"/api/v1/reports/{x['id']}/actions", key=self.key,
                                json_body={"action": "cancel", "reason": "重复上报"})
                    if a.status == 200:
                        self.cancelled += 1
                    elif a.status != 409:  # a race with the load's own requests is no error
                        self.errors.append(f"cancel: {a.status}")
            except OSError as e:
                self.errors.append(str(e))

    def stop(self):
        self.stop_event.set()
        self.join(timeout=30)


def run_load(loadgen, port, reqs, seconds, rate, threads, interval, on_interval=None):
    p = subprocess.Popen([loadgen, str(port), reqs, str(seconds), str(rate), str(threads), str(interval)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rows = []
    for line in p.stdout:
        row = json.loads(line)
        if on_interval:
            row.update(on_interval())
        rows.append(row)
    p.wait()
    return rows


def soak_store(kind, wangge, loadgen, src, minutes, work):
    data = os.path.join(src, "geodata", "sample")
    env = make_store(kind, work, data)
    staff = create_key(wangge, env, "d01")
    resident = create_key(wangge, env, "resident:soak")
    with open(os.path.join(data, "grids.geojson"), encoding="utf-8") as f:
        grids = [g["properties"]["id"] for g in json.load(f)["features"]][:50]
    reqs = os.path.join(work, f"requests-{kind}.txt")
    requests_file(reqs, staff, resident, grids)
    server = Server(wangge, env, os.path.join(work, f"soak-{kind}.log"),
                    ["--rate-per-key", "0", "--rate-per-address", "0", "--rate-per-address-keyed", "0"])
    server.start()
    try:
        cap_rows = run_load(loadgen, server.port, reqs, 15, 0, 8, 15)
        capacity = cap_rows[-1]["rps"]
        rate = max(1.0, capacity / 2)
        print(f"{kind}: capacity {capacity:.0f} req/s (closed loop, 8 connections); soak at {rate:.0f} req/s "
              f"for {minutes} min", flush=True)
        start = figures_now(server.proc.pid, server.port)
        interval = max(5, min(30, int(minutes * 60 / 20)))
        dispatcher = Dispatcher(server.port, staff)
        dispatcher.start()
        try:
            rows = run_load(loadgen, server.port, reqs, int(minutes * 60), rate, 8, interval,
                            on_interval=lambda: figures_now(server.proc.pid, server.port))
        finally:
            dispatcher.stop()
        print(f"  the dispatcher cancelled {dispatcher.cancelled} reports older than {dispatcher.keep} s "
              f"(open cases steady); {len(dispatcher.errors)} errors {dispatcher.errors[:3]}", flush=True)
        for r in rows:
            print(f"  t={r['t']:>4.0f}s {r['rps']:>7.0f} req/s  2xx {r['2xx']:>7}  4xx {r['4xx']:>4}  5xx {r['5xx']:>3}"
                  f"  fail {r['failures']:>3}  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:7.2f} ms"
                  f"  RSS {r['rss_mb']:>4} MB (anon {r['anon_mb']:>4}, store cache {r['cache_mb']:>3})"
                  f"  fds {r['fds']:>4}", flush=True)
        alive = server.proc.poll() is None
    finally:
        code = server.stop()
        drop_store(kind, env)
    quarter = max(1, len(rows) // 4)
    first_p99 = sorted(r["p99_ms"] for r in rows[:quarter])[quarter // 2]
    last_p99 = sorted(r["p99_ms"] for r in rows[-quarter:])[quarter // 2]
    warm = rows[min(1, len(rows) - 1)]
    end = rows[-1]
    # The last row is read as the load closes its connections: descriptors are compared up to
    # the row before it, where the load still holds them.
    loaded = rows[:-1] if len(rows) > 1 else rows
    most_fds = max(r["fds"] for r in loaded)
    figures = {
        "store": kind, "capacity": round(capacity), "rate": round(rate),
        "requests": sum(r["requests"] for r in rows), "5xx": sum(r["5xx"] for r in rows),
        "failures": sum(r["failures"] for r in rows), "4xx": sum(r["4xx"] for r in rows),
        "rss_start": start["rss_mb"], "rss_warm": warm["rss_mb"], "rss_end": end["rss_mb"],
        "own_warm": warm["own_mb"], "own_end": end["own_mb"], "cache_end": end["cache_mb"],
        "fds_start": rows[0]["fds"], "fds_most": most_fds, "p99_first": first_p99, "p99_last": last_p99,
        "exit": code,
    }
    problems = []
    if figures["5xx"]:
        problems.append(f"{figures['5xx']} answers were 5xx")
    if figures["failures"]:
        problems.append(f"{figures['failures']} connection failures")
    if figures["4xx"]:
        problems.append(f"{figures['4xx']} answers were 4xx (the mix is all valid requests)")
    # Memory: the anonymous resident memory without SQLite's bounded page caches (reported
    # beside it) must not grow after warm-up.
    if end["own_mb"] > warm["own_mb"] * 1.10 + 16:
        problems.append(f"resident memory outside the store's cache grew {warm['own_mb']} → "
                        f"{end['own_mb']} MB after warm-up (RSS {warm['rss_mb']} → {end['rss_mb']} MB)")
    # Descriptors under the same load (the load's own connections hold two each).
    if most_fds - rows[0]["fds"] > 6:
        problems.append(f"open descriptors grew {rows[0]['fds']} → {most_fds} under the same load")
    if last_p99 > 2 * first_p99 + 5:
        problems.append(f"p99 rose {first_p99:.1f} → {last_p99:.1f} ms")
    if not alive or code != 0:
        problems.append(f"the server {'died' if not alive else f'exited {code}'}")
    if dispatcher.errors:
        problems.append(f"the dispatcher's requests failed: {dispatcher.errors[:3]}")
    return figures, problems


def main():
    wangge, loadgen, src, minutes, stores = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
    work = sys.argv[6] if len(sys.argv) > 6 else tempfile.mkdtemp(prefix="wangge_soak_")
    os.makedirs(work, exist_ok=True)
    results, failed = [], False
    for kind in stores.split(","):
        figures, problems = soak_store(kind, wangge, loadgen, src, minutes, work)
        results.append(figures)
        for p in problems:
            print(f"FAIL {kind}: {p}")
        failed |= bool(problems)
        if not problems:
            print(f"ok   {kind}: no 5xx, no failure, memory outside the store's cache and descriptors "
                  f"flat, p99 stable")
    print("\nstore    capacity  rate  requests  5xx  RSS start/warm/end MB  own warm/end MB  "
          "store cache MB  fds start/most  p99 first/last ms")
    for f in results:
        print(f"{f['store']:8} {f['capacity']:>8} {f['rate']:>5} {f['requests']:>9} {f['5xx']:>4}  "
              f"{f['rss_start']:>6}/{f['rss_warm']}/{f['rss_end']:<10}  {f['own_warm']:>5}/{f['own_end']:<9}  "
              f"{f['cache_end']:>14}  {f['fds_start']:>5}/{f['fds_most']:<6}  "
              f"{f['p99_first']:.1f}/{f['p99_last']:.1f}")
    if len(sys.argv) <= 6:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
