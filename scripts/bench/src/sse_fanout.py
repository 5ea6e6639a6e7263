#!/usr/bin/env python3
"""sse_fanout.py PORT KEY LISTENERS CHANGES: connects LISTENERS anonymous Server-Sent Events
listeners to GET /api/v1/events/stream, then makes CHANGES reports (public category 0101), one
at a time, and measures for each the time from sending the POST to the moment the last
listener has its event, and, as the peer figure, the POST's own answer time (the durable write
the change is). Prints one JSON object with p50/p99 of both."""
import http.client
import json
import selectors
import socket
import sys
import time

PORT, KEY, LISTENERS, CHANGES = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def connect():
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"GET /api/v1/events/stream HTTP/1.1\r\nHost: b\r\nAccept: text/event-stream\r\n\r\n")
    s.setblocking(False)
    return s


def post(body):
    """The change: a report, over its own connection; @returns its id."""
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    c.request("POST", "/api/v1/reports", body=json.dumps(body),
              headers={"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"})
    r = c.getresponse()
    rid = json.loads(r.read())["id"]
    c.close()
    return rid


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


sel = selectors.DefaultSelector()
buffers = {}
for _ in range(LISTENERS):
    s = connect()
    sel.register(s, selectors.EVENT_READ)
    buffers[s] = b""


def pump(until, wanted):
    """Reads every listener until each has seen `wanted` in its stream (or the deadline)."""
    missing = {s for s in buffers if wanted not in buffers[s]}
    while missing and time.time() < until:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            chunk = s.recv(1 << 16)
            if chunk:
                buffers[s] = (buffers[s] + chunk)[-4096:]
                if wanted in buffers[s]:
                    missing.discard(s)
    return not missing


pump(time.time() + 30, b"retry:")  # every listener is registered
fanout, commit = [], []
for i in range(CHANGES):
    t0 = time.time()
    rid = post({"category": "0101", "text": f"扇出测试 {i}", "location": {"lon": 112.926891, "lat": 27.8576002}})
    t1 = time.time()
    ok = pump(t0 + 10, rid.encode())
    t2 = time.time()
    if not ok:
        print(json.dumps({"error": f"change {i}: not every listener got it within 10 s"}))
        sys.exit(1)
    fanout.append((t2 - t0) * 1000)
    commit.append((t1 - t0) * 1000)
print(json.dumps({"listeners": LISTENERS, "changes": CHANGES,
                  "last_listener_ms_p50": round(percentile(fanout, 50), 1),
                  "last_listener_ms_p99": round(percentile(fanout, 99), 1),
                  "post_answer_ms_p50": round(percentile(commit, 50), 1),
                  "post_answer_ms_p99": round(percentile(commit, 99), 1)}))
