#!/usr/bin/env python3
"""Live updates end to end: GET /api/v1/events/stream (Server-Sent Events) read over raw
sockets. Listeners with different scopes see exactly their own changes; a listener that
reconnects with Last-Event-ID gets what it missed, in order, and nothing twice; after a
restart, it gets what it missed from the store; an id without a time, or too old, is told to
reset; a client that stops reading neither blocks the others nor the server's shutdown.

Usage: events_test.py WANGGE SRC_DIR [sqlite|postgis]
"""
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002


class Listener:
    """One SSE connection; events are parsed on a thread into self.events as dicts."""

    def __init__(self, port, key=None, last_event_id=None, read=True, rcvbuf=None):
        self.events, self.lock, self.closed = [], threading.Lock(), False
        self.status, self.headers = None, {}
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        head = "GET /api/v1/events/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
        if key:
            head += f"Authorization: Bearer {key}\r\n"
        if last_event_id:
            head += f"Last-Event-ID: {last_event_id}\r\n"
        self.sock.sendall((head + "\r\n").encode())
        if read:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b""
        try:
            while b"\r\n\r\n" not in buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError
                buf += chunk
            head, buf = buf.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            self.status = int(lines[0].split()[1])
            self.headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
            while True:
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    event = {}
                    for line in block.decode().split("\n"):
                        if line.startswith(":"):
                            continue
                        name, _, value = line.partition(":")
                        event[name] = value[1:] if value.startswith(" ") else value
                    if "event" in event or "id" in event:
                        with self.lock:
                            self.events.append(event)
                chunk = self.sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except (OSError, EOFError, ValueError):
            pass
        self.closed = True

    def reports(self):
        with self.lock:
            return [(e.get("id"), json.loads(e["data"])) for e in self.events if e.get("event") == "report"]

    def wait(self, predicate, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with self.lock:
                if predicate(list(self.events)):
                    return True
            time.sleep(0.01)
        return False

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_events_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who) for who in ["d01", "resident:a", "resident:b"]}
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0"])
    server.start()
    try:
        scopes(c, server, keys)
        resume(c, server, keys)
        after_restart(c, server, keys)
        stalled(c, server, keys)
    finally:
        c.check("the server stops cleanly with listeners connected", server.stop() == 0)


def submit(server, key, text, category="0101"):
    r = request(server.port, "POST", "/api/v1/reports", key=key,
                json_body={"category": category, "text": text, "location": {"lon": LON, "lat": LAT}})
    return r.json()["id"] if r.status == 201 else None


def act(server, key, rid, action):
    return request(server.port, "POST", f"/api/v1/reports/{rid}/actions", key=key,
                   json_body={"action": action})


def ready(listener):
    """The stream's head arrived (the listener is registered before its first byte)."""
    return listener.wait(lambda ev: listener.status is not None, 10)


def scopes(c, server, keys):
    staff, a, b = Listener(server.port, keys["d01"]), Listener(server.port, keys["resident:a"]), \
        Listener(server.port, keys["resident:b"])
    anonymous = Listener(server.port)
    for name, l in [("d01", staff), ("resident:a", a), ("resident:b", b), ("anonymous", anonymous)]:
        c.check(f"{name}: 200 text/event-stream, no caching", ready(l) and l.status == 200
                and l.headers.get("content-type", "").startswith("text/event-stream")
                and l.headers.get("cache-control") == "no-store", (l.status, l.headers))
    ra = submit(server, keys["resident:a"], "A 的问题")
    # Another category: not a duplicate of A's (a duplicate's reporter follows, and sees, A's).
    rb = submit(server, keys["resident:b"], "B 的问题", "0201")
    c.check("two residents report", ra and rb, (ra, rb))
    r = act(server, keys["d01"], ra, "register")
    c.check("the dispatcher registers A's", r.status == 200, r)
    c.check("the dispatcher's stream shows all three changes, in order",
            staff.wait(lambda ev: len([e for e in ev if e.get("event") == "report"]) >= 3)
            and [(d["report_id"], d["version"]) for _, d in staff.reports()] == [(ra, 1), (rb, 1), (ra, 2)],
            staff.reports())
    c.check("resident a's stream: only their own case's two changes",
            a.wait(lambda ev: len(ev) >= 2) and [(d["report_id"], d["state"]) for _, d in a.reports()]
            == [(ra, "received"), (ra, "registered")], a.reports())
    c.check("resident b's stream: only their own case", b.wait(lambda ev: len(ev) >= 1)
            and [d["report_id"] for _, d in b.reports()] == [rb], b.reports())
    c.check("the public's stream: the public categories' cases, without personal data",
            anonymous.wait(lambda ev: len(ev) >= 3) and all("reporter" not in json.dumps(d) and "text" not in d
                                                            for _, d in anonymous.reports()),
            anonymous.reports())
    ids = [i for i, _ in staff.reports()]
    c.check("ids are '<boot>.<n>', increasing", len({i.split(".")[0] for i in ids}) == 1
            and [int(i.split(".")[1]) for i in ids] == sorted(int(i.split(".")[1]) for i in ids), ids)
    for listener in (staff, a, b, anonymous):
        listener.close()


def resume(c, server, keys):
    first = Listener(server.port, keys["d01"])
    ready(first)
    rid = submit(server, keys["d01"], "续传前")
    c.check("a listener sees a change", first.wait(lambda ev: len(ev) >= 1), first.events)
    last_id = first.reports()[-1][0] if first.reports() else ""
    first.close()
    missed = [submit(server, keys["d01"], f"断线期间 {i}") for i in range(5)]
    act(server, keys["d01"], rid, "register")
    again = Listener(server.port, keys["d01"], last_event_id=last_id)
    c.check("it reconnects with Last-Event-ID and gets the six changes it missed, in order, none twice",
            again.wait(lambda ev: len(ev) >= 6) and [d["report_id"] for _, d in again.reports()][:6]
            == missed + [rid] and len(again.reports()) == 6, again.reports())
    newer = submit(server, keys["d01"], "续传后")
    c.check("... and then the live ones", again.wait(lambda ev: len(ev) >= 7)
            and again.reports()[-1][1]["report_id"] == newer, again.reports())
    again.close()
    unknown = Listener(server.port, keys["d01"], last_event_id="zzzz.1")
    c.check("an id from another boot without a time: told to reset (reload), not given a partial history",
            unknown.wait(lambda ev: any(e.get("event") == "reset" for e in ev)) and not unknown.reports(),
            unknown.events)
    unknown.close()
    r = request(server.port, "GET", "/api/v1/events/stream", key=keys["d01"],
                headers={"Last-Event-ID": "a b\u00e9"})
    c.check("a malformed Last-Event-ID: 400 naming it", r.status == 400 and "Last-Event-ID" in r.json()["detail"], r)


def after_restart(c, server, keys):
    """The server restarts (a deploy) while a client is away: the id it holds is of the earlier
    boot, so what it missed comes from the store, not a reload."""
    first = Listener(server.port, keys["d01"])
    ready(first)
    rid = submit(server, keys["d01"], "重启前")
    c.check("a listener sees a change before the restart", first.wait(lambda ev: len(ev) >= 1), first.events)
    last_id = first.reports()[-1][0] if first.reports() else ""
    first.close()
    c.check(f"its id is '<boot>.<n>.<ms of the update>' ({last_id})",
            len(last_id.split(".")) == 3 and last_id.split(".")[2].isdigit(), last_id)
    missed = [submit(server, keys["d01"], f"重启期间 {i}") for i in range(3)]
    act(server, keys["d01"], rid, "register")
    server.restart(c)
    again = Listener(server.port, keys["d01"], last_event_id=last_id)
    wanted = set(missed + [rid])

    def got(ev):
        return wanted <= {json.loads(e["data"])["report_id"] for e in ev if e.get("event") == "report"}
    c.check("after the restart, it resumes with that id and gets the four changes it missed from the store, "
            "no reset", again.wait(got) and not any(e.get("event") == "reset" for e in again.events),
            again.events)
    seen = again.reports()
    c.check("the replayed events' ids are 'h.0.<ms>' (the store's), in update order",
            all(i.startswith("h.0.") for i, _ in seen)
            and [int(i.split(".")[2]) for i, _ in seen] == sorted(int(i.split(".")[2]) for i, _ in seen), seen)
    registered = [d for _, d in seen if d["report_id"] == rid]
    c.check("the case acted on comes in its new state (the store's latest), at least once",
            registered and registered[-1]["state"] == "registered", registered)
    newer = submit(server, keys["d01"], "重启后")
    c.check("... and then the live ones, with this boot's ids",
            again.wait(lambda ev: any(json.loads(e["data"])["report_id"] == newer for e in ev
                                      if e.get("event") == "report"))
            and again.reports()[-1][1]["report_id"] == newer and not again.reports()[-1][0].startswith("h."),
            again.reports()[-1:])
    again.close()
    old = Listener(server.port, keys["d01"], last_event_id="zzzzzzzz.1.1000000000000")
    c.check("an id of 2001: told to reset (gone for more than an hour)",
            old.wait(lambda ev: any(e.get("event") == "reset" for e in ev)) and not old.reports(), old.events)
    old.close()


def stalled(c, server, keys):
    # A client that never reads, with a tiny receive window, while another one reads.
    stuck = Listener(server.port, keys["d01"], read=False, rcvbuf=4096)
    live = Listener(server.port, keys["d01"])
    ready(live)
    made = []
    for i in range(150):
        made.append(submit(server, keys["d01"], "负载 " * 40 + str(i)))
    c.check("150 changes while a client does not read: the reading client gets every one",
            live.wait(lambda ev: len(ev) >= 150, 60)
            and [d["report_id"] for _, d in live.reports()] == made, len(live.reports()))
    r = request(server.port, "GET", "/healthz")
    c.check("... and the server answers as usual", r.status == 200, r)
    live.close()
    stuck.close()


if __name__ == "__main__":
    sys.exit(main())
