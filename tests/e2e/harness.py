"""Shared pieces of the HTTP end-to-end tests: a real `wangge serve` process, a store (SQLite
file or a fresh PostgreSQL schema), API keys made with `wangge keys create`, a plain HTTP client
(one connection per request) and a check counter that prints ok/FAIL lines."""
import http.client
import json
import math
import os
import random
import re
import signal
import subprocess
import threading
import time


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self.ctype = self.headers.get("content-type", "").split(";")[0]

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"HTTP {self.status} {self.body[:400]!r}"


def until(read, holds, seconds=20):
    """Reads until `holds(value)` (or the time is up) and returns the last value read: polling,
    never a fixed sleep, where a test waits for the server to get somewhere."""
    deadline = time.time() + seconds
    value = read()
    while not holds(value) and time.time() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def timed_until(read, holds, seconds):
    """until(), and the seconds it took: (the value read, seconds)."""
    t0 = time.time()
    value = until(read, holds, seconds=seconds)
    return value, time.time() - t0


def request(port, method, path, key=None, json_body=None, body=None, headers=None, timeout=30):
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Bearer " + key
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        h.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok   " + name, flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}: {str(detail)[:600]}", flush=True)
        return bool(ok)

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed or not self.passed else 0


def make_store(kind, tmp, data):
    env = dict(os.environ, WANGGE_DATA=data)
    if kind == "postgis":
        pg = os.environ.get("WANGGE_TEST_PG")
        if not pg:
            raise SystemExit("WANGGE_TEST_PG is not set: run scripts/test")
        schema = f"http_e2e_{os.getpid()}_{random.randrange(1 << 30)}"
        subprocess.run(["psql", pg, "-qc", f"CREATE SCHEMA {schema}"], check=True, stdout=subprocess.DEVNULL)
        env["WANGGE_STORE"] = f"{pg} options='-c search_path={schema},public'"
        env["_SCHEMA"] = schema
    else:
        env["WANGGE_STORE"] = os.path.join(tmp, "http.db")
    return env


def drop_store(kind, env):
    if kind == "postgis" and env.get("_SCHEMA"):
        subprocess.run(["psql", os.environ["WANGGE_TEST_PG"], "-qc", f"DROP SCHEMA {env['_SCHEMA']} CASCADE"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def create_key(wangge, env, who, *args):
    """A key for `who` (--as), or for the `--role R --scope S` given in args when who is None."""
    cmd = [wangge, "keys", "create", *(["--as", who] if who else args), "--label", "e2e"]
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return out.stdout.strip()


def _die_with_parent():
    """The server gets SIGTERM when the test process dies, even by a crash (Linux prctl)."""
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Server:
    """`wangge serve --port 0` on the store of env; the access log goes to log_path."""

    def __init__(self, wangge, env, log_path, args=()):
        self.wangge, self.env, self.log_path, self.args = wangge, env, log_path, list(args)
        self.proc = None
        self.port = None

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.wangge, "serve", "--port", "0", *self.args], env=self.env,
                                     stdout=subprocess.PIPE, stderr=log, text=True,
                                     preexec_fn=_die_with_parent)
        log.close()
        line = self.proc.stdout.readline()
        if "serving on http://" not in line:
            self.proc.kill()
            raise SystemExit(f"the server did not start: {line!r}; see {self.log_path}")
        self.port = int(line.split("http://", 1)[1].split()[0].rsplit(":", 1)[1])

    def stop(self):
        """SIGTERM; @returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = "hung"
        self.proc.stdout.close()
        return code

    def restart(self, checks):
        code = self.stop()
        checks.check("restart: the server stopped on SIGTERM with exit 0", code == 0, code)
        self.start()


def tile_of(lon, lat, z):
    """The x, y of the Web Mercator tile at zoom @p z that holds lon/lat."""
    n = 2 ** z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def ogr_features(path, options=()):
    """Every feature's attributes, as ogrinfo prints them; options go to ogrinfo."""
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-geom=NO", *options, path], stdout=subprocess.PIPE, text=True, check=True)
    features, cur = [], None
    for line in out.stdout.splitlines():
        if line.startswith("OGRFeature("):
            cur = {}
            features.append(cur)
        elif cur is not None:
            m = re.match(r"\s+(\w+) \((\w+)\) = (.*)$", line)
            if m:
                cur[m.group(1)] = m.group(3)
    return features


def bbox_of(geometry):
    xs, ys = [], []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for p in c:
                walk(p)
    walk(geometry["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


def public_sample_reports(data):
    """The rows of DATA/reports.csv that the public may see: those whose category (or a class
    above it) is not marked "public": false in DATA/categories.json. What an anonymous surface
    (Open311, OGC, a public export) must show, counted from the data, not from the server."""
    import csv
    with open(os.path.join(data, "categories.json"), encoding="utf-8") as f:
        cats = {c["code"]: c for c in json.load(f)["categories"]}

    def public(code):
        c = cats.get(code)
        while c is not None:
            if "public" in c:
                return c["public"]
            c = cats.get(c.get("parent", ""))
        return True
    with open(os.path.join(data, "reports.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if public(r["category_code"])]


def run_on_fresh_store(kind, data, prefix, run):
    """A temporary directory and a fresh store of `kind` seeded from `data`; calls
    run(checks, tmp, env), drops the store whatever happens and returns the exit status."""
    import tempfile
    checks = Checks()
    tmp = tempfile.mkdtemp(prefix=prefix)
    env = make_store(kind, tmp, data)
    try:
        run(checks, tmp, env)
    finally:
        drop_store(kind, env)
    return checks.finish()


class Load:
    """Writers posting reports and readers locating (and reading tiles) against one port, each
    request's answer recorded as (seconds since start when answered, kind, status or None,
    Retry-After, seconds since start when sent).
    A writer retries a report with the same Idempotency-Key until it gets a 201, backing off
    on 503 as a client should; every 201 is an acknowledged report (`acked`: key -> id)."""

    AREA = (112.8916, 27.8480, 0.0456, 0.0276)  # lon0, lat0, dlon, dlat: the sample subdistrict

    def __init__(self, port, key, writers=3, readers=2, tiles=(), label="负载"):
        self.port, self.key, self.tiles, self.label = port, key, list(tiles), label
        self.events, self.acked = [], {}
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.t0 = time.time()
        self.threads = [threading.Thread(target=self._writer, args=(i,)) for i in range(writers)] + \
                       [threading.Thread(target=self._reader, args=(i,)) for i in range(readers)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.halt.set()
        for t in self.threads:
            t.join()

    def now(self):
        return time.time() - self.t0

    def _record(self, kind, r, sent):
        with self.lock:
            self.events.append((self.now(), kind, r.status if r else None,
                                r.headers.get("retry-after") if r else None, sent))

    def _point(self, rng):
        lon0, lat0, dlon, dlat = self.AREA
        return lon0 + rng.random() * dlon, lat0 + rng.random() * dlat

    def _writer(self, n):
        import uuid
        rng = random.Random(n)
        while not self.halt.is_set():
            k = str(uuid.uuid4())
            lon, lat = self._point(rng)
            body = {"location": {"lon": lon, "lat": lat}, "category": "0101", "text": f"{self.label} {k}"}
            while not self.halt.is_set():
                sent = self.now()
                try:
                    r = request(self.port, "POST", "/api/v1/reports", key=self.key, json_body=body,
                                headers={"Idempotency-Key": k}, timeout=10)
                except OSError:
                    r = None
                self._record("write", r, sent)
                if r is not None and r.status == 201:
                    with self.lock:
                        self.acked[k] = r.json()["id"]
                    break
                if r is not None and r.status == 503:
                    time.sleep(min(float(r.headers.get("retry-after", "1")), 1.0) * 0.2)
                else:
                    time.sleep(0.05)

    def _reader(self, n):
        rng = random.Random(100 + n)
        while not self.halt.is_set():
            lon, lat = self._point(rng)
            sent = self.now()
            try:
                self._record("locate", request(self.port, "GET", f"/api/v1/locate?lon={lon}&lat={lat}", timeout=10),
                             sent)
                if self.tiles:
                    sent = self.now()
                    self._record("tile", request(self.port, "GET", rng.choice(self.tiles), timeout=10), sent)
            except OSError:
                self._record("read", None, sent)

    def between(self, t_from, t_to, kinds=None):
        with self.lock:
            return [e for e in self.events if t_from <= e[0] < t_to and (kinds is None or e[1] in kinds)]

    def first_ack_after(self, t):
        """When (seconds since start) the first write sent after t was acknowledged (201), or None."""
        with self.lock:
            return min((e[0] for e in self.events if e[1] == "write" and e[4] > t and e[2] == 201), default=None)
