#!/usr/bin/env python3
"""The known Pistache 0.0.5 attack requests, sent through nginx with deploy/nginx.conf
(desync after a 413 (P2), a huge chunk size (P4), a duplicate Content-Length (P5)) and the smuggling a
tester found through that front (issue 12): each is stopped at nginx or read by wangge as
exactly one request, and nothing hidden in a body ever runs.

Usage: nginx_test.py WANGGE_BINARY SOURCE_DIR

"Never reached wangge" is read from wangge's access log (one line per request, with the path).
A positive control shows the method can fail: a harmless request to a canary path through
nginx does appear in that log. The 413 probe is also sent straight to wangge, whose own reader
must refuse it without desync.
"""
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Checks, make_store, create_key, request  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "geodata", "sample")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def raw(port, payload, timeout=5.0, then=None):
    """Sends raw bytes (and, once the first answer's head has arrived, @p then on the same
    connection); returns everything the server answered before closing or going quiet."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(payload)
            if then is not None:
                first_by = time.time() + timeout
                while b"\r\n\r\n" not in out and time.time() < first_by:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    out += chunk
                s.sendall(then)
        except (BrokenPipeError, ConnectionResetError):
            pass
        deadline = time.time() + timeout
        s.settimeout(0.5)
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                if out:
                    break
                continue
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    return out


def statuses(answer):
    return [int(m) for m in re.findall(rb"HTTP/1\.[01] (\d{3})", answer)]


def report_count(env):
    """Reports in the test's SQLite store, read directly."""
    with sqlite3.connect(env["WANGGE_STORE"]) as db:
        return db.execute("SELECT COUNT(*) FROM reports").fetchone()[0]


def vm_size_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1])
    return 0


def main():
    c = Checks()
    if not shutil.which("nginx"):
        print("FAIL nginx is not installed (scripts/test installs nginx-light)")
        return 1
    tmp = tempfile.mkdtemp(prefix="wangge_nginx_")
    env = make_store("sqlite", tmp, DATA)
    key = create_key(WANGGE, env, "app:nginx-test")
    log_path = os.path.join(tmp, "wangge.log")
    server = Server(WANGGE, env, log_path, ["--trusted-proxy", "127.0.0.1"])
    server.start()
    nport = free_port()

    with open(os.path.join(SRC, "deploy", "nginx.conf")) as f:
        conf = f.read()
    conf = (conf.replace("listen 80;", f"listen 127.0.0.1:{nport};")
            .replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
            .replace("/var/log/nginx/", tmp + "/")
            .replace("/run/nginx-wangge.pid", tmp + "/nginx.pid")
            .replace("http {\n", "http {\n" + "".join(f"  {k}_temp_path {tmp}/{k};\n" for k in
                                                        ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")), 1))
    if os.geteuid() != 0:
        conf = conf.replace("user www-data;", "")
    conf_path = os.path.join(tmp, "nginx.conf")
    with open(conf_path, "w") as f:
        f.write(conf)
    t = subprocess.run(["nginx", "-t", "-p", tmp, "-c", conf_path], capture_output=True, text=True)
    c.check("deploy/nginx.conf passes nginx -t", t.returncode == 0, t.stderr)
    nginx = subprocess.Popen(["nginx", "-p", tmp, "-c", conf_path, "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", nport), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        run(c, nport, server, key, log_path, env)
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


def live_updates_through_nginx(c, nport, key):
    """Server-Sent Events through nginx: the stream opens, and a change shows within seconds —
    nginx passes each event at once (wangge's X-Accel-Buffering: no) instead of buffering them.
    HTTP/1.0 to nginx, so the body arrives as it is, not re-chunked."""
    sock = socket.create_connection(("127.0.0.1", nport), timeout=10)
    sock.sendall(("GET /api/v1/events/stream HTTP/1.0\r\nHost: x\r\nAccept: text/event-stream\r\n"
                  f"Authorization: Bearer {key}\r\n\r\n").encode())
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            got += sock.recv(65536)
        c.check("SSE through nginx: 200 text/event-stream",
                got.startswith(b"HTTP/1.1 200") and b"text/event-stream" in got.split(b"\r\n\r\n")[0], got[:300])
        body = {"location": {"lon": 112.926891, "lat": 27.8576002}, "category": "0101", "text": "经 nginx 实时推送"}
        sent = time.time()
        r = request(nport, "POST", "/api/v1/reports", key=key, json_body=body)
        rid = r.json()["id"] if r.status == 201 else "none"
        sock.settimeout(0.2)
        while rid.encode() not in got and time.time() < sent + 5:
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                break
            got += chunk
        c.check(f"... a new report shows on the stream through nginx within seconds ({time.time() - sent:.2f} s)",
                rid.encode() in got and time.time() - sent < 5, got[-300:])
    finally:
        sock.close()


def run(c, nport, server, key, log_path, env):
    def backend_log():
        with open(log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    marks = iter(range(1, 1000))

    def settle():
        """Waits until wangge has logged everything sent before: a marker request sent now
        through nginx shows in its access log after them (polled, not slept on)."""
        tag = f"/log-marker-{next(marks)}"
        request(nport, "GET", tag)
        until = time.time() + 10
        while f" GET {tag} 404 " not in backend_log() and time.time() < until:
            time.sleep(0.02)
        c.check(f"(wangge logged the marker {tag})", f" GET {tag} 404 " in backend_log(), backend_log()[-300:])

    # ---- it works through nginx --------------------------------------------------------------
    r = request(nport, "GET", "/healthz")
    c.check("through nginx: /healthz 200", r.status == 200, r)
    body = {"location": {"lon": 112.926891, "lat": 27.8576002}, "category": "0101", "text": "经 nginx 上报"}
    r = request(nport, "POST", "/api/v1/reports", key=key, json_body=body)
    c.check("through nginx: a report is submitted (201)", r.status == 201, r)
    # Links name the address the client used: nginx's, with its port (X-Forwarded-Host), not
    # wangge's own listening address behind it.
    location = r.headers.get("location", "")
    c.check("... its Location is on nginx's address", location.startswith(f"http://127.0.0.1:{nport}/api/v1/reports/"),
            location)
    tiles = request(nport, "GET", "/tiles/grids.json").json().get("tiles", [""])[0]
    c.check("TileJSON through nginx: tile URLs on nginx's address",
            tiles.startswith(f"http://127.0.0.1:{nport}/tiles/grids/"), tiles)
    tiles = request(server.port, "GET", "/tiles/grids.json").json().get("tiles", [""])[0]
    c.check("... and straight to wangge, on wangge's", tiles.startswith(f"http://127.0.0.1:{server.port}/tiles/"), tiles)
    r = request(nport, "GET", "/tiles/grids.json", headers={"Host": "grid.example.cn"})
    c.check("... the Host a browser sent is kept (a name, no port)",
            r.json().get("tiles", [""])[0].startswith("http://grid.example.cn/tiles/"), r)
    r = request(nport, "GET", "/tiles/grids.json", headers={"Host": "evil.cn/x?"})
    c.check("... a malformed Host is not echoed into links", r.status == 400 or (
        r.status == 200 and "evil" not in r.json().get("tiles", [""])[0]), r)
    r = request(nport, "GET", "/canary-control")
    settle()
    c.check("positive control: a request to a canary path through nginx does show in wangge's log",
            r.status == 404 and " GET /canary-control 404 " in backend_log(), backend_log()[-300:])
    r = request(nport, "PATCH", "/api/v1/reports")
    c.check("a method wangge does not serve stops at nginx: 405", r.status == 405 and " PATCH " not in backend_log(), r)
    r = request(nport, "PUT", "/api/v1/subscriptions/430302009013", key=key)
    c.check("PUT, which wangge serves, passes nginx: following an area (关注区域)", r.status in (200, 201, 204), r)
    r = request(nport, "DELETE", "/api/v1/subscriptions/430302009013", key=key)
    c.check("... and DELETE: no longer following it", r.status in (200, 204), r)
    live_updates_through_nginx(c, nport, key)

    # ---- P2: desync after 413 --------------------------------------------------------------------
    # The probe: a body announced larger than the limit, part of it sent, then (in the next
    # segment, once the 413 is out) a request hidden where the body should continue.
    oversized = (b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100000\r\n\r\n" + b"x" * 70000)
    hidden = b"GET /smuggled-canary HTTP/1.1\r\nHost: x\r\n\r\n"
    answer = raw(nport, oversized, then=hidden)
    settle()
    c.check("P2 desync: nginx answers 413 for the oversized body, and nothing else",
            statuses(answer)[:1] == [413] and 200 not in statuses(answer) and 404 not in statuses(answer), answer[:200])
    c.check("P2 desync: the smuggled request never reached wangge", "/smuggled-canary" not in backend_log(), backend_log()[-300:])

    # ---- the tester's smuggling: ~24 KB of headers and a 48,000-byte body, each within nginx's
    # limits, together more than Pistache's old 64 KiB. Bare Pistache answered 413 mid-body and
    # read the rest as requests; nginx then saw two answers on one upstream connection ("upstream
    # sent more data than specified") and handed them to other clients. Hidden requests (an
    # Open311 POST that would store a report) sit at every 4 KiB-aligned stream offset, where a
    # reader that lost the framing would start again.
    smuggled = ("POST /open311/v2/requests.json?api_key=" + key + "&service_code=0101&lat=27.8576002"
              "&long=112.926891&description=smuggled-report HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").encode()
    pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"a" * 7900) for i in range(3))
    body = bytearray(b"x" * 48000)
    for off in range(48000 - len(smuggled) - 1, 0, -4096):
        body[off:off + len(smuggled)] = smuggled
    reports_before = report_count(env)
    lines_before = backend_log().count("\n")
    answers = [raw(nport, b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + pad +
                   b"Content-Length: 48000\r\n\r\n" + bytes(body), timeout=3) for _ in range(4)]
    settle()
    new_lines = [line for line in backend_log().splitlines()[lines_before:] if "/log-marker-" not in line]
    c.check("24 KB of headers + a 48,000-byte body through nginx: one answer each, from wangge's handler "
            "(not a 413 from the framing layer)",
            all(statuses(a) in ([400], [401]) for a in answers), [statuses(a) for a in answers])
    c.check("... wangge read each as one request (four access-log lines, all POST /api/v1/reports)",
            len(new_lines) == 4 and all(" POST /api/v1/reports " in l for l in new_lines), new_lines)
    c.check("... no smuggled request ran: no Open311 request in wangge's log, no new report",
            "/open311" not in backend_log() and report_count(env) == reports_before,
            (report_count(env), reports_before))
    with open(os.path.join(os.path.dirname(log_path), "wangge.error.log"), encoding="utf-8", errors="replace") as f:
        nginx_errors = f.read()
    c.check("... nginx never saw more answer than it asked for (no response desync on the upstream connection)",
            "upstream sent more data" not in nginx_errors, nginx_errors[-400:])
    # Other clients get their own answers: each asks for a different missing collection, whose
    # name the 404 repeats.
    got = {}
    together = threading.Barrier(24)  # sent at once: the answers' order is the proxy's to keep

    def ask(i):
        together.wait()
        got[i] = request(nport, "GET", f"/ogc/collections/canary{i}")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c.check("... and 24 concurrent clients through nginx each get their own answer",
            all(got[i].status == 404 and f"canary{i}'" in got[i].body.decode() for i in got), 
            [(i, got[i].status, got[i].body[:80]) for i in got if f"canary{i}'" not in got[i].body.decode()][:3])

    # ---- P5: duplicate, differing Content-Length ----------------------------------------------------
    before = backend_log().count(" POST /api/v1/reports ")
    answer = raw(nport, b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc")
    settle()
    c.check("P5 duplicate Content-Length: 400 at nginx", statuses(answer)[:1] == [400], answer[:200])
    c.check("P5: ... and wangge never saw it", backend_log().count(" POST /api/v1/reports ") == before, "reached wangge")
    answer = raw(nport, b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled-te HTTP/1.1\r\nHost: x\r\n\r\n")
    settle()
    c.check("CL + TE together: 400 at nginx, nothing smuggled", statuses(answer)[:1] == [400]
            and "/smuggled-te" not in backend_log(), answer[:200])
    answer = raw(nport, b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n")
    c.check("a negative Content-Length: 400 at nginx", statuses(answer)[:1] == [400], answer[:200])
    answer = raw(nport, b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n")
    c.check("an overflowing Content-Length: 400 or 413 at nginx, never a 500 with library text",
            statuses(answer)[:1] in ([400], [413]) and b"stoull" not in answer, answer[:200])

    # ---- P4: huge chunk size ------------------------------------------------------------------------
    vm0 = vm_size_kb(server.proc.pid)
    answers = [raw(nport, b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n40000000\r\nabc",
                   timeout=3) for _ in range(10)]
    vm1 = vm_size_kb(server.proc.pid)
    c.check("P4 chunk size 0x40000000, ten times: 413 at nginx each time",
            all(statuses(a)[:1] == [413] for a in answers), [a[:60] for a in answers])
    c.check(f"P4: wangge's virtual memory did not balloon ({vm0 // 1024} → {vm1 // 1024} MiB)", vm1 - vm0 < 256 * 1024, (vm0, vm1))
    doc = '{"location":{"lon":112.926891,"lat":27.8576002},"category":"0101","text":"分块上传"}'.encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(doc[i:i + 16]), doc[i:i + 16]) for i in range(0, len(doc), 16)) + b"0\r\n\r\n"
    answer = raw(nport, b"POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key.encode() +
                 b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks)
    c.check("a well-formed chunked body is de-chunked by nginx and accepted", statuses(answer)[:1] == [201], answer[:300])

    # ---- still healthy -----------------------------------------------------------------------------
    r = request(nport, "GET", "/healthz")
    c.check("after all of it, wangge is healthy behind nginx", r.status == 200 and server.proc.poll() is None, r)
    r = request(nport, "GET", "/api/v1/locate?lon=112.926891&lat=27.8576002")
    c.check("the client's address reaches wangge through X-Real-IP (requests are answered, not refused)", r.status == 200, r)

    # ---- the same probe straight at wangge, without nginx: its own reader refuses the body at
    # once (413), closes the connection, and never reads the rest as a request.
    answer = raw(server.port, oversized, then=hidden)
    settle()
    c.check("P2 straight at wangge: one 413, then the connection closes; the hidden request never runs",
            statuses(answer) == [413] and b"Connection: close" in answer
            and "/smuggled-canary" not in backend_log(), answer[:300])


if __name__ == "__main__":
    sys.exit(main())
