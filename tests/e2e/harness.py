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
