#!/usr/bin/env python3
"""The outbox under kill -9: `wangge serve` with a signed webhook is killed (SIGKILL) at a
random moment while cases are being registered and their messages delivered, 20 times, then
started once more to finish. Afterwards:
  - every registered case has exactly one 立案 message in its resident's inbox, and no message
    exists for a case that was not registered (nothing committed without its message, nothing
    for a change that rolled back);
  - every registration the server acknowledged (200) is there;
  - the receiver got every message's delivery, and a delivery id that arrived twice carried the
    very same message (at-least-once, deduplicated on the id).

Usage: notify_crash_test.py WANGGE SRC_DIR [sqlite|postgis] [TRIALS]
"""
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402
from receiver import Receiver  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
KIND = sys.argv[3] if len(sys.argv) > 3 else "sqlite"
TRIALS = int(sys.argv[4]) if len(sys.argv) > 4 else 20
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002
SECRET = "crash-secret"
RESIDENT = "resident:crash"


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_notify_crash_", run)


def drive(server, keys, acknowledged, stop):
    """Submits and registers cases until stopped (the server dies under it)."""
    i = 0
    while not stop.is_set():
        i += 1
        try:
            r = request(server.port, "POST", "/api/v1/reports", key=keys[RESIDENT], timeout=5,
                        json_body={"category": "0201", "text": f"第 {i} 件",
                                   "location": {"lon": LON + 0.00002 * (i % 50), "lat": LAT}})
            if r.status != 201:
                continue
            rid = r.json()["id"]
            r = request(server.port, "POST", f"/api/v1/reports/{rid}/actions", key=keys["d01"], timeout=5,
                        json_body={"action": "register"})
            if r.status == 200:
                acknowledged.append(rid)
        except OSError:
            return  # the server was killed


def run(c, tmp, env):
    receiver = Receiver(delay=0.002)
    keys = {who: create_key(WANGGE, env, who) for who in ["d01", "a01", RESIDENT]}
    args = ["--tick-seconds", "0", "--notify-webhook", receiver.url("/hook"), "--notify-secret", SECRET]
    log = os.path.join(tmp, "server.log")
    acknowledged = []
    rng = random.Random(20261205)
    for trial in range(TRIALS):
        server = Server(WANGGE, env, log, args=args)
        server.start()
        stop = threading.Event()
        driver = threading.Thread(target=drive, args=(server, keys, acknowledged, stop))
        driver.start()
        time.sleep(rng.uniform(0.2, 0.9))  # when the crash strikes: random, not a synchronisation
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        stop.set()
        driver.join()
        server.proc.stdout.close()
    c.check(f"{TRIALS} kill -9 trials ran with registrations acknowledged in between",
            len(acknowledged) >= TRIALS, len(acknowledged))

    server = Server(WANGGE, env, log, args=args)
    server.start()
    try:
        check_after(c, server, keys, receiver, acknowledged)
    finally:
        c.check("the last server stopped cleanly", server.stop() == 0)


def all_reports(server, key):
    out, url = [], "/api/v1/reports?limit=200"
    while url:
        r = request(server.port, "GET", url, key=key)
        if r.status != 200:
            return None
        body = r.json()
        out += body["items"] if "items" in body else body.get("reports", [])
        nxt = body.get("next")
        url = nxt[nxt.index("/api/"):] if nxt else None
    return out


def inbox(server, key):
    out, before = [], None
    while True:
        q = "/api/v1/inbox?limit=200" + (f"&before={before}" if before else "")
        body = request(server.port, "GET", q, key=key).json()
        out += body["messages"]
        before = body["next"]
        if not before:
            return out


def check_after(c, server, keys, receiver, acknowledged):
    deadline = time.time() + 60
    pending = None
    while time.time() < deadline:
        r = request(server.port, "GET", "/api/v1/admin/deliveries?limit=1", key=keys["a01"])
        pending = r.json()["counts"].get("pending", 0) if r.status == 200 else None
        if pending == 0:
            break
        time.sleep(0.05)
    c.check("after the last start every pending delivery goes out", pending == 0, pending)

    reports = all_reports(server, keys["d01"])
    c.check("the cases can be listed", reports is not None, reports)
    reports = reports or []
    registered = {r["id"] for r in reports if r["state"] == "registered"}
    received = {r["id"] for r in reports if r["state"] == "received"}
    c.check("every acknowledged registration is stored",
            set(acknowledged) <= registered, sorted(set(acknowledged) - registered)[:5])
    messages = inbox(server, keys[RESIDENT])
    per_case = {}
    for m in messages:
        per_case.setdefault(m["report_id"], []).append(m["kind"])
    c.check(f"every registered case ({len(registered)}) has exactly one 立案 message in the inbox",
            all(per_case.get(rid) == ["registered"] for rid in registered),
            [rid for rid in registered if per_case.get(rid) != ["registered"]][:5])
    c.check(f"no message for a case that was not registered ({len(received)} only received)",
            not (set(per_case) - registered), sorted(set(per_case) - registered)[:5])

    got = {}
    duplicates_differ = []
    for path, headers, body in receiver.delivered("/hook"):
        did = headers.get("X-Wangge-Delivery")
        note = json.loads(body)["notification"]
        if note["kind"] != "registered":
            continue  # the grid leaders' 新上报 messages: not this test's count
        if did in got and got[did] != note:
            duplicates_differ.append(did)
        got[did] = note
    delivered_cases = {n["report_id"] for n in got.values()}
    c.check("the webhook received a delivery for every message", delivered_cases == registered,
            (len(delivered_cases), len(registered), sorted(registered - delivered_cases)[:5]))
    c.check("one delivery id per message", len(got) == len(messages), (len(got), len(messages)))
    total = sum(json.loads(b)["notification"]["kind"] == "registered" for _, _, b in receiver.delivered("/hook"))
    c.check(f"a delivery that arrived twice ({total - len(got)} repeats) carried the same message",
            not duplicates_differ, duplicates_differ[:5])


if __name__ == "__main__":
    sys.exit(main())
