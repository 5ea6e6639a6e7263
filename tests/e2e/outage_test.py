#!/usr/bin/env python3
"""PostgreSQL stopped for 30 s under load (issue 12, item 9): writes answer 503 with
Retry-After, locating and cached tiles keep answering, the server recovers by itself when the
database returns, and no acknowledged report is lost or stored twice.

The database is a PostgreSQL + PostGIS cluster of the test's own (initdb in a temporary
directory, its own port), so stopping it disturbs no other test. Writers retry with the same
Idempotency-Key until they get a 201, as a client should; every 201 is an acknowledged report.
Prints the timeline.

Usage: outage_test.py WANGGE SOURCE_DIR [LOADGEN]
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Checks, Load, create_key, request, until, tile_of  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
LOADGEN = sys.argv[3] if len(sys.argv) > 3 else None
DATA = os.path.join(SRC, "geodata", "sample")
PG_BIN = "/usr/lib/postgresql/15/bin"
OUTAGE_S = 30
LON0, LAT0, DLON, DLAT = 112.8916, 27.8480, 0.0456, 0.0276


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*cmd):
    return subprocess.run(["su", "postgres", "-c", " ".join(cmd)], capture_output=True, text=True)


class Cluster:
    """A throw-away PostgreSQL 15 cluster with PostGIS on a free port."""

    def __init__(self, root):
        self.dir = os.path.join(root, "pg")
        self.port = free_port()
        os.makedirs(self.dir)
        shutil.chown(root, "postgres")
        shutil.chown(self.dir, "postgres")
        r = as_postgres(f"{PG_BIN}/initdb", "-D", self.dir, "--auth=trust", "-U", "postgres", "-E", "UTF8")
        if r.returncode:
            raise SystemExit("initdb failed: " + r.stderr)

    def start(self):
        r = as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.dir, "-w", "-l", f"{self.dir}/log", "start", "-o",
                        f"\"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1\"")
        return r.returncode == 0

    def stop(self):
        return as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.dir, "-m", "immediate", "-w", "stop").returncode == 0

    def psql(self, sql, db="outage"):
        return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                               "-qtAc", sql], capture_output=True, text=True)


def main():
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="wangge_outage_")
    pg = Cluster(tmp)
    server = None
    try:
        c.check("a cluster of the test's own starts", pg.start())
        pg.psql("CREATE DATABASE outage", db="postgres")
        pg.psql("CREATE EXTENSION postgis")
        env = dict(os.environ, WANGGE_DATA=DATA,
                   WANGGE_STORE=f"host=127.0.0.1 port={pg.port} dbname=outage user=postgres connect_timeout=2")
        key = create_key(WANGGE, env, "resident:outage")
        server = Server(WANGGE, env, os.path.join(tmp, "wangge.log"),
                        ["--rate-per-key", "0", "--rate-per-address", "0", "--rate-per-address-keyed", "0"])
        server.start()
        drill(c, pg, server, key)
    finally:
        if server and server.proc.poll() is None:
            code = server.stop()
            c.check("SIGTERM after the drill: exit 0", code == 0, code)
        pg.stop()
        if c.failed:
            print(f"kept for a look: {tmp} (wangge.log, pg/log)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


def drill(c, pg, server, key):
    port = server.port
    tiles = []
    for z in (13, 14, 15):
        x, y = tile_of(LON0 + DLON / 2, LAT0 + DLAT / 2, z)
        tiles.append(f"/tiles/grids/{z}/{x}/{y}.mvt")
    for t in tiles:
        r = request(port, "GET", t)  # now cached
        c.check(f"{t} has grids (200) before the drill", r.status == 200, r)
    load = Load(port, key, writers=3, readers=2, tiles=tiles, label="停库演练").start()
    events, acked, t0 = load.events, load.acked, load.t0
    lock = load.lock
    time.sleep(5)
    t_stop = time.time() - t0
    c.check("PostgreSQL stopped (immediate) under load", pg.stop())
    time.sleep(OUTAGE_S / 2)
    r = request(port, "GET", "/readyz", timeout=10)
    c.check("while it is down, /readyz answers 503 with Retry-After (the store does not answer)",
            r.status == 503 and r.headers.get("retry-after"), r)
    time.sleep(OUTAGE_S / 2)
    t_start = time.time() - t0
    c.check("PostgreSQL started again", pg.start())

    def first_ack_after_start():
        with lock:
            return next((e[0] for e in events if e[1] == "write" and e[0] > t_start and e[2] == 201), None)

    # The load goes on until the server has written again, then 4 s more (whose writes must all
    # succeed): read from the answers as they come, no fixed wait.
    back = until(first_ack_after_start, lambda t: t is not None, seconds=20)
    until(lambda: time.time() - t0, lambda now: back is None or now > back + 4, seconds=10)
    load.stop()
    r = request(port, "GET", "/readyz", timeout=10)
    c.check("after recovery /readyz answers 200", r.status == 200, r)

    during = [e for e in events if t_stop + 2 < e[0] < t_start]
    writes = [e for e in during if e[1] == "write"]
    reads = [e for e in during if e[1] in ("locate", "tile", "read")]
    c.check(f"while it was down, every write was answered 503 with Retry-After ({len(writes)} writes)",
            writes and all(e[2] == 503 and e[3] for e in writes), sorted({(e[2], e[3]) for e in writes}, key=str))
    c.check(f"while it was down, locating and cached tiles kept answering 200 ({len(reads)} reads)",
            reads and all(e[2] == 200 for e in reads), sorted({(e[1], e[2]) for e in reads}, key=str))
    after = [e for e in events if e[1] == "write" and e[0] > t_start and e[2] == 201]
    recovered = after[0][0] - t_start if after else None
    c.check(f"the server recovered by itself: first 201 {recovered if recovered is None else round(recovered, 1)} s "
            f"after the database returned", recovered is not None and recovered < 15, recovered)
    late = [e for e in events if e[0] > t_start + (recovered or 0) + 2 and e[1] == "write" and e[2] != 201]
    c.check("after recovery every write succeeds", not late, late[:5])
    if os.environ.get("OUTAGE_VERBOSE"):
        for e in events:
            if t_start - 1 < e[0] < t_start + (recovered or 15) + 0.5 and e[1] == "write":
                print(f"  t={e[0]:.2f} {e[1]} {e[2]}")
    first_503 = next((e[0] for e in events if e[2] == 503), None)
    other_5xx = [e for e in events if e[2] is not None and e[2] >= 500 and e[2] != 503]
    c.check("no 5xx other than 503 at any time, and no dropped connection",
            not other_5xx and not [e for e in events if e[2] is None], (other_5xx[:5], [e for e in events if e[2] is None][:5]))
    ids = list(acked.values())
    in_db = set(pg.psql("SELECT id FROM reports").stdout.split())
    missing = [i for i in ids if i not in in_db]
    c.check(f"every acknowledged report is in the database ({len(ids)} acknowledged)", ids and not missing,
            f"{len(missing)} missing, e.g. {missing[:5]}")
    dup = pg.psql("SELECT COUNT(*) FROM (SELECT text FROM reports WHERE text LIKE '停库演练 %' "
                  "GROUP BY text HAVING COUNT(*) > 1) d").stdout.strip()
    c.check("no report was stored twice (retries with the same Idempotency-Key)", dup == "0", dup)
    print(f"timeline: t=0 load starts; t={t_stop:.1f}s PostgreSQL stopped; "
          f"first 503 at t={first_503 if first_503 is None else round(first_503, 1)}s; t={t_start:.1f}s started; "
          f"first 201 after at t={after[0][0] if after else float('nan'):.1f}s; "
          f"{len(events)} requests, {sum(1 for e in events if e[2] == 503)} answered 503, {len(ids)} reports acknowledged")


if __name__ == "__main__":
    sys.exit(main())
