#!/usr/bin/env python3
"""A whole cluster on loopback (scripts/cluster: etcd, two PostgreSQL 15 under Patroni with a
synchronous replica, three wangge nodes, nginx in front) under mixed load through nginx, then
losing its parts (issue 18):

0. coherence, with the load running: a generation activated by the command line (node A's
   machine) assigns the next report on node C; a report posted on node B rebuilds the grids
   tile node C serves (new ETag); a key revoked by the command line is refused by every node
   within a second (five under the sanitizers);
1. a wangge node killed with SIGKILL (the one running the ticker and the outbox), just as the
   sample's cases fall overdue: nginx routes around it (every read answered 200; a write in
   flight to it may get 502 and is retried by the client with its Idempotency-Key), another
   node takes the runners over and raises the supervision levels (督办) due, none twice on one
   case, and no acknowledged report is lost;
2. the PostgreSQL primary killed with SIGKILL, TRIALS times, each after the cluster is whole
   again (a primary and a synchronous replica): Patroni promotes the replica, the nodes follow
   it through their multi-host connection string (target_session_attrs=read-write); while there
   is no primary, writes answer 503 with Retry-After, and locating and grids tiles answer 200;
   the time without writes (from the kill to the first acknowledged write) is measured and
   printed, and must be under 15 s; every acknowledged report is in the database afterwards,
   none twice.

Usage: failover_test.py WANGGE SOURCE_DIR [TRIALS]
"""
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Load, Server, create_key, request, tile_of, until, timed_until  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
TRIALS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
BASE = 27100  # scripts/cluster's ports: below the ephemeral range other tests' servers bind in
DIR = f"/tmp/wangge_failover_{os.getpid()}"  # not under a 0700 temporary directory: PostgreSQL runs as postgres
GAP_LIMIT_S = 15.0
SOON = 5.0 if os.environ.get("ASAN_OPTIONS") else 1.0  # a sanitized build runs several times slower
LON, LAT = 112.926891, 27.8576002  # in unit 43030200901300105


def cluster(command, env, timeout=900):
    return subprocess.run([os.path.join(SRC, "scripts", "cluster"), command], env=env, capture_output=True,
                          text=True, timeout=timeout)


def read_env(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, v = line.rstrip("\n").split("=", 1)
            out[k] = shlex.split(v)[0] if v else ""
    return out


def main():
    c = Checks()
    env = dict(os.environ, WANGGE=WANGGE, WANGGE_CLUSTER_DIR=DIR, WANGGE_CLUSTER_PORT=str(BASE),
               WANGGE_TICK_SECONDS="1",
               WANGGE_SERVE_ARGS="--rate-per-key 0 --rate-per-address 0 --rate-per-address-keyed 0")
    t = time.time()
    r = cluster("start", env)
    c.check(f"scripts/cluster start: etcd, two PostgreSQL under Patroni, three nodes, nginx "
            f"({time.time() - t:.1f} s)", r.returncode == 0, r.stderr[-3000:])
    try:
        if r.returncode == 0:
            conf = read_env(os.path.join(DIR, "cluster.env"))
            run(c, conf)
    finally:
        r = cluster("stop", env, timeout=300)
        left = [f for f in os.listdir(DIR) if f.endswith(".pid")] if os.path.isdir(DIR) else []
        c.check("scripts/cluster stop: exit 0, no process left", r.returncode == 0 and not left, (r.stderr[-1000:], left))
        if c.failed:
            print(f"kept for a look: {DIR} (log/)")
        else:
            shutil.rmtree(DIR, ignore_errors=True)
    return c.finish()


def run(c, conf):
    store_env = dict(os.environ, WANGGE_STORE=conf["WANGGE_STORE"], WANGGE_DATA=conf["WANGGE_DATA"])
    key = create_key(WANGGE, store_env, "resident:failover")
    front = int(conf["NGINX_PORT"])
    nodes = [int(p) for p in conf["NODE_PORTS"].split()]
    apis = [int(p) for p in conf["PATRONI_APIS"].split()]

    def psql(sql):
        return subprocess.run(["psql", conf["WANGGE_STORE"], "-qtAXc", sql], capture_output=True, text=True)

    # Readers locate, and read grids tiles of the subdistrict's middle (each read once before:
    # cached on the node that served it, built again after the reports the writers add).
    lon0, lat0, dlon, dlat = Load.AREA
    tiles = [f"/tiles/grids/{z}/{x}/{y}.mvt" for z in (13, 14, 15)
             for x, y in [tile_of(lon0 + dlon / 2, lat0 + dlat / 2, z)]]
    for t in tiles:
        for port in nodes:
            request(port, "GET", t)
    load = Load(front, key, writers=3, readers=2, tiles=tiles, label="切换演练").start()
    try:
        coherence(c, store_env, nodes, key)
        kill_a_node(c, load, nodes, store_env, psql)
        kill_the_primary(c, load, apis)
    finally:
        load.stop()
    ids = set(load.acked.values())
    c.check("the cluster is whole again at the end (a primary and a synchronous replica)",
            until(lambda: whole(apis), lambda p: p is not None, seconds=90) is not None)
    stored = until(lambda: psql("SELECT id FROM reports WHERE text LIKE '切换演练 %'"),
                   lambda r: r.returncode == 0, seconds=30)
    in_db = set(stored.stdout.split())
    missing = sorted(ids - in_db)
    c.check(f"every acknowledged report is in the database after it all ({len(ids)} acknowledged, "
            f"{len(in_db)} stored)", stored.returncode == 0 and ids and not missing,
            (stored.stderr, f"{len(missing)} missing, e.g. {missing[:5]}"))
    dup = psql("SELECT COUNT(*) FROM (SELECT text FROM reports WHERE text LIKE '切换演练 %' "
               "GROUP BY text HAVING COUNT(*) > 1) d").stdout.strip()
    c.check("no report was stored twice (retries carry the same Idempotency-Key)", dup == "0", dup)
    replica_reads(c, conf, store_env, key, apis)


STALENESS = 2  # --read-staleness of the node that reads from the replica


def replica_reads(c, conf, env, key, apis):
    """A fourth node reads listings from the synchronous replica while it keeps up, and from
    the primary once the replica is more than --read-staleness behind (its replay paused)."""
    ports = dict(zip(apis, conf["PG_PORTS"].split()))
    replica = until(lambda: [ports[a] for a in apis if request_ok(a, "/replica")], lambda r: len(r) == 1,
                    seconds=60)
    if not c.check("the cluster has one replica to read from", len(replica) == 1, replica):
        return
    node = Server(WANGGE, env, os.path.join(conf["WANGGE_CLUSTER_DIR"], "log", "replica-node.log"),
                  args=["--read-replica", f"host=127.0.0.1 port={replica[0]} dbname=wangge user=wangge "
                        "password=wangge connect_timeout=2", "--read-staleness", str(STALENESS),
                        "--rate-per-key", "0", "--rate-per-address", "0", "--rate-per-address-keyed", "0"])
    node.start()
    staff = create_key(WANGGE, env, "d01")
    startup = []

    def post(text):
        r = request(node.port, "POST", "/api/v1/reports", key=key,
                    json_body={"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": text})
        return r.json()["id"] if r.status == 201 else None

    def listed():
        r = request(node.port, "GET", "/api/v1/reports?limit=20", key=staff)
        return {x["id"] for x in r.json()["reports"]} if r.status == 200 else set()

    def replica_gauges():
        """(wangge_read_replica_in_use, wangge_read_replica_lag_seconds) from the node's /metrics."""
        r = request(node.port, "GET", "/metrics")
        text = r.body.decode() if r.status == 200 else ""
        in_use = re.search(r"^wangge_read_replica_in_use (\d)$", text, re.M)
        lag = re.search(r"^wangge_read_replica_lag_seconds ([0-9.]+)$", text, re.M)
        return (int(in_use.group(1)) if in_use else None, float(lag.group(1)) if lag else None)

    try:
        first = post("只读副本 1")
        seen, took = timed_until(listed, lambda ids: first in ids, seconds=10)
        c.check(f"with the replica keeping up, a new report is listed by the replica's node ({took:.2f} s)",
                first in seen, seen)
        gauges = replica_gauges()
        c.check(f"its /metrics say the replica is in use, {gauges[1]} s behind",
                gauges[0] == 1 and gauges[1] is not None and gauges[1] < STALENESS, gauges)
        # Replay frozen: the replica's startup process (the only one of the cluster: the primary
        # has none) stopped. Patroni would undo pg_wal_replay_pause() within its loop; WAL is
        # still received and flushed, so synchronous commits go on.
        startup = processes_titled(f"postgres: wangge{BASE}: startup")
        if not c.check("the replica's replay (its startup process) is frozen with SIGSTOP", len(startup) == 1,
                       startup):
            return
        os.kill(int(startup[0]), signal.SIGSTOP)
        t0 = time.time()
        second = post("只读副本 2")
        early = listed()
        c.check("the report posted just after is not listed yet: the listing came from the replica",
                second and second not in early, (second, early))
        seen, _ = timed_until(listed, lambda ids: second in ids, seconds=STALENESS + 10)
        took = time.time() - t0
        c.check(f"once the replica is more than {STALENESS} s behind, the primary serves the listing: the "
                f"report is listed {took:.2f} s after replay stopped (no sooner than the staleness less "
                f"the heartbeat's period of 1 s, no later than the staleness + 1 s)",
                second in seen and STALENESS - 1 <= took <= STALENESS + 1 + SOON, (took, seen))
        gauges = replica_gauges()
        c.check(f"its /metrics then say the replica is not in use, {gauges[1]} s behind (more than "
                f"{STALENESS} s)", gauges[0] == 0 and gauges[1] is not None and gauges[1] > STALENESS, gauges)
    finally:
        for pid in startup:
            os.kill(int(pid), signal.SIGCONT)
        c.check("the replica's node stops on SIGTERM with exit 0", node.stop() == 0)


def processes_titled(prefix):
    """The pids whose process title (/proc/PID/cmdline, as PostgreSQL sets it) begins with prefix."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                title = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith(prefix):
            out.append(pid)
    return out


def within(read, holds):
    """(the value read, the seconds it took) once `holds`, or the last value after SOON."""
    return timed_until(read, holds, SOON)


def coherence(c, env, nodes, key):
    a, b, cc = nodes
    out = subprocess.run([WANGGE, "import", "grids", os.path.join(env["WANGGE_DATA"], "grids.geojson"), "--activate"],
                         env=env, capture_output=True, text=True)
    gen = re.search(r"\b(g\d+)\b", out.stdout + out.stderr)
    gen = gen.group(1) if gen else None
    c.check(f"under load, a generation imported and activated by the command line ({gen})",
            out.returncode == 0 and gen not in (None, "g1"), out.stdout + out.stderr)
    for name, port in zip("ABC", nodes):
        got, took = within(lambda: request(port, "GET", "/readyz").json().get("generation"), lambda g: g == gen)
        c.check(f"node {name} serves {gen} within {SOON:g} s ({took:.2f} s)", got == gen, got)
    r = request(cc, "POST", "/api/v1/reports", key=key,
                json_body={"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "节点 C 的上报"})
    c.check("the next report posted on node C is assigned in it",
            r.status == 201 and r.json()["assignment"]["generation"] == gen, r)

    x, y = tile_of(LON, LAT, 16)
    path = f"/tiles/grids/16/{x}/{y}.mvt"
    before = request(cc, "GET", path).headers.get("etag")
    r = request(b, "POST", "/api/v1/reports", key=key,
                json_body={"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "节点 B 的上报"})
    etag, took = within(lambda: request(cc, "GET", path).headers.get("etag"), lambda e: e != before)
    c.check(f"a report posted on node B: node C's grids tile of its place has a new ETag within {SOON:g} s "
            f"({took:.2f} s)", r.status == 201 and before and etag and etag != before, (r, before, etag))

    staff = create_key(WANGGE, env, "d02")
    seen = [request(p, "GET", "/api/v1/reports?limit=1", key=staff).status for p in nodes]
    c.check("a new key is verified by every node (and cached there)", seen == [200, 200, 200], seen)
    listed = subprocess.run([WANGGE, "keys", "list"], env=env, capture_output=True, text=True).stdout
    kid = next((line.split()[0] for line in listed.splitlines() if line.split()[1:2] == ["d02"]), "none")
    revoke = subprocess.run([WANGGE, "keys", "revoke", kid], env=env, capture_output=True, text=True)
    c.check("revoked by the command line", revoke.returncode == 0, revoke.stderr)
    for name, port in zip("ABC", nodes):
        status, took = within(lambda: request(port, "GET", "/api/v1/reports?limit=1", key=staff).status,
                              lambda st: st == 401)
        c.check(f"node {name} refuses it within {SOON:g} s ({took:.2f} s)", status == 401, status)


def leader_of(nodes):
    """The node ports whose /metrics say they run the ticker and the outbox."""
    out = []
    for p in nodes:
        try:
            r = request(p, "GET", "/metrics", timeout=5)
        except OSError:
            continue
        if r.status == 200 and "\nwangge_cluster_leader 1\n" in "\n" + r.body.decode():
            out.append(p)
    return out


HISTORY_UNTIL = "2026-11-16T12:00+08:00"
HISTORY_UNTIL_MS = 1794801600000  # the same instant, in the store's milliseconds
# Levels the runners raised: the simulated history's own are dated before its end.
RAISED = f"SELECT count(*) FROM events WHERE action = 'supervise' AND at > {HISTORY_UNTIL_MS}"
# The same level raised twice on one case: what two tickers at once would leave.
TWICE = ("SELECT count(*) FROM (SELECT report_id, CAST(data AS json)->>'level' FROM events WHERE action = 'supervise' "
         "GROUP BY 1, 2 HAVING count(*) > 1) d")


def kill_a_node(c, load, nodes, env, psql):
    until(lambda: len(load.acked), lambda n: n >= 20, seconds=30)
    leaders = until(lambda: leader_of(nodes), lambda ls: len(ls) == 1, seconds=10)
    c.check("exactly one node runs the ticker and the outbox", len(leaders) == 1, leaders)
    if len(leaders) != 1:
        return
    # Cases falling overdue while the leader dies: the sample's 2,000 reports, their history
    # played up to 16 November by `wangge simulate` beside the nodes. As the history dispatches
    # cases, those past their deadline now are raised by the leader's ticker (every second).
    imported = subprocess.run([WANGGE, "import", "reports", os.path.join(env["WANGGE_DATA"], "reports.csv")],
                              env=env, capture_output=True, text=True)
    c.check("the sample's 2,000 reports imported", imported.returncode == 0, imported.stderr[-500:])
    # `wangge simulate` and the ticker may change one case at once: the store refuses the second
    # write (a duplicate event number) and simulate stops there. Run again, it plays the cases
    # still untouched; any other failure ends the loop.
    attempts = []

    def play():
        while len(attempts) < 10:
            r = subprocess.run([WANGGE, "simulate", "--until", HISTORY_UNTIL], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            attempts.append(r)
            if r.returncode == 0 or "refused a duplicate" not in r.stderr:
                return

    history = threading.Thread(target=play)
    history.start()

    def raised():
        return int(psql(RAISED).stdout.strip() or 0)

    first = until(raised, lambda n: n > 0, seconds=60)
    victim = nodes.index(leaders[0])
    with open(os.path.join(DIR, f"node{victim}.pid")) as f:
        pid = int(f.read())
    t_kill = load.now()
    os.kill(pid, signal.SIGKILL)  # while it raises levels
    before_kill = raised()
    survivors = [p for p in nodes if p != leaders[0]]
    t = time.time()
    after = until(lambda: leader_of(survivors), lambda ls: len(ls) == 1, seconds=15)
    c.check(f"node {victim} killed (SIGKILL) while raising supervision levels: node "
            f"{nodes.index(after[0]) if after else '?'} took the runners over in {time.time() - t:.2f} s",
            first > 0 and len(after) == 1, (first, after))
    history.join(timeout=600)
    c.check(f"the history played to its end beside them ({len(attempts)} run(s) of simulate; any before the "
            f"last stopped at a case the ticker had just changed)",
            attempts and attempts[-1].returncode == 0, [a.stderr[-300:] for a in attempts])
    # Once the count has not moved for 2.5 s (two ticks and more), everything due is raised.
    seen = {"count": before_kill, "since": time.time()}

    def settled():
        n = raised()
        if n != seen["count"]:
            seen.update(count=n, since=time.time())
        return time.time() - seen["since"] >= 2.5

    until(settled, bool, seconds=60)
    twice = psql(TWICE).stdout.strip()
    c.check(f"the runners raised {seen['count']} supervision levels ({before_kill} by the time of the kill), "
            f"none twice on one case", seen["count"] > 0 and twice == "0", (seen["count"], twice))
    # The load goes on for 3 s more through nginx, two nodes behind it now.
    until(load.now, lambda now: now > t_kill + 3, seconds=10)
    reads = load.between(t_kill, load.now(), ("locate", "tile", "read"))
    writes = load.between(t_kill, load.now(), ("write",))
    c.check(f"nginx routed around it: every read answered 200 ({len(reads)} reads)",
            reads and all(e[2] == 200 for e in reads), sorted({(e[1], e[2]) for e in reads}, key=str))
    odd = [e for e in writes if e[2] not in (201, 502)]
    c.check(f"writes answered 201, or 502 when in flight to the killed node and then retried "
            f"({len(writes)} writes, {sum(e[2] == 502 for e in writes)} answered 502)", writes and not odd, odd[:5])
    late = [e for e in writes if e[0] > t_kill + 1 and e[2] != 201]
    c.check("a second after the kill, every write is acknowledged", not late, late[:5])


def role_of(api):
    try:
        r = request(api, "GET", "/patroni", timeout=3)
        body = r.json() if r.status == 200 else {}
    except (OSError, ValueError):
        return None, None
    return body.get("role"), body.get("state")


def whole(apis):
    """The primary's REST port when the cluster has a running primary and a synchronous replica."""
    primary = [a for a in apis if request_ok(a, "/primary")]
    sync = [a for a in apis if request_ok(a, "/sync") and a not in primary]
    return primary[0] if len(primary) == 1 and len(sync) == 1 else None


def request_ok(api, path):
    try:
        return request(api, "GET", path, timeout=3).status == 200
    except OSError:
        return False


def children_of(pid):
    """The processes @p pid started (PostgreSQL's backends and workers), from /proc."""
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += f.read().split()
    return out


def kill_the_primary(c, load, apis):
    gaps, answers = [], set()
    for trial in range(TRIALS):
        primary = until(lambda: whole(apis), lambda p: p is not None, seconds=90)
        if primary is None:
            c.check(f"trial {trial + 1}: the cluster is whole again (a primary and a synchronous replica)", False,
                    [role_of(a) for a in apis])
            return
        member = apis.index(primary)
        with open(os.path.join(DIR, f"pg{member}", "postmaster.pid")) as f:
            pid = int(f.readline())
        children = children_of(pid)
        until(lambda: load.first_ack_after(load.now() - 0.5), lambda t: t is not None, seconds=20)
        t_kill = load.now()
        for p in [pid] + [int(x) for x in children]:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        back = until(lambda: load.first_ack_after(t_kill), lambda t: t is not None, seconds=60)
        gap = None if back is None else back - t_kill
        gaps.append(gap)
        print(f"trial {trial + 1}: primary pg{member} killed; first acknowledged write after "
              f"{'never' if gap is None else f'{gap:.2f} s'}", flush=True)
        if gap is None:
            break
        until(load.now, lambda now: now > back + 1, seconds=5)
        for e in load.between(t_kill, load.now()):
            answers.add((e[1], e[2], e[1] == "write" and e[2] == 503 and bool(e[3])))
    done = [g for g in gaps if g is not None]
    c.check(f"{TRIALS} kills of the primary, each followed by a promotion the nodes followed",
            len(done) == TRIALS, gaps)
    if done:
        print(f"time without writes: median {statistics.median(done):.2f} s, max {max(done):.2f} s, "
              f"min {min(done):.2f} s over {len(done)} trials", flush=True)
    c.check(f"time without writes under {GAP_LIMIT_S:.0f} s in every trial", done and max(done) < GAP_LIMIT_S,
            done)
    reads = {a for a in answers if a[0] != "write"}
    writes = {a for a in answers if a[0] == "write"}
    c.check("while there was no primary, locating and grids tiles answered 200",
            reads == {("locate", 200, False), ("tile", 200, False)}, reads)
    c.check("writes answered 201, or 503 with Retry-After while there was no primary",
            writes <= {("write", 201, False), ("write", 503, True)} and ("write", 503, True) in writes, writes)


if __name__ == "__main__":
    sys.exit(main())
