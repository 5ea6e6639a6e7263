#!/usr/bin/env python3
"""Tasks residents and volunteers take on (圆单, 揭榜挂帅) over real HTTP, on both stores.

Usage: tasks_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- a resident asks for help at a place: located to the 邻 there, the task_completed rule's
  points; bad bodies (no title, a place in no grid, lat 91, points set by a resident, a
  challenge by a resident, an unknown field) are precise 4xx and write nothing;
- who sees it: the asker, the volunteers of its group (open, to claim), the office; not an
  unrelated resident (404);
- claims: an unverified volunteer, the asker himself: 403; two claims at once: one wins (409);
- complete → reject (with a note) → complete → confirm by the asker: the volunteer earns the
  task's 20 points once (confirming again is 409, the balance stays);
- a 揭榜挂帅 post with 100 points by the 邻长, cancelled by him; listings match who may see.
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002
UNIT, LEADER = "43030200901300105", "w43030200901300105"


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_tasks_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who)
            for who in ["d01", "resident:old", "resident:v01", "resident:v02", "resident:x"]}
    keys[LEADER] = create_key(WANGGE, env, None, "--role", "grid_worker", "--scope", UNIT)
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0"])
    server.start()
    try:
        board(c, server.port, keys)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)


def board(c, port, keys):
    def call(method, path, who=None, body=None):
        return request(port, method, path, key=keys[who] if who else None, json_body=body)

    def act(tid, who, body):
        return call("POST", f"/api/v1/tasks/{tid}/actions", who, body)

    def count(who="d01"):
        return len(call("GET", "/api/v1/tasks?limit=500", who).json()["tasks"])

    ask = {"title": "帮独居老人买药", "text": "每周二上午，降压药两盒", "location": {"lon": LON, "lat": LAT}}
    c.check("anonymous: 401", call("POST", "/api/v1/tasks", None, ask).status == 401)
    bad = [(dict(ask, title=""), 400, "title"),
           ({"title": "x", "location": {"lon": 100.0, "lat": 30.0}}, 400, "no grid"),
           ({"title": "x", "location": {"lon": LON, "lat": 91}}, 422, "lat"),
           (dict(ask, points=50), 403, "points"),
           (dict(ask, kind="challenge"), 403, "揭榜挂帅"),
           (dict(ask, state="done"), 400, "state")]
    for body, status, word in bad:
        r = call("POST", "/api/v1/tasks", "resident:old", body)
        c.check(f"publish {body}: {status} naming {word}", r.status == status and word in r.body.decode(), r)
    c.check("... none of them was written", count() == 0)

    r = call("POST", "/api/v1/tasks", "resident:old", ask)
    t = r.json() if r.status == 201 else {}
    tid = t.get("id", "")
    c.check("a resident asks for help: 201, in the 邻 of the place, 20 points, open",
            r.status == 201 and t["grid"] == UNIT and t["points"] == 20 and t["state"] == "open"
            and r.headers.get("location") == f"/api/v1/tasks/{tid}", r)
    c.check("an unrelated resident cannot see it: 404", call("GET", f"/api/v1/tasks/{tid}", "resident:x").status == 404)
    r = call("GET", f"/api/v1/tasks/{tid}", "resident:v01")
    c.check("the verified volunteer of its group sees it, and may claim",
            r.status == 200 and r.json()["allowed_actions"] == ["claim"], r)
    r = call("GET", f"/api/v1/tasks/{tid}", "resident:v02")
    c.check("the unverified volunteer of its group sees it, with nothing he may do",
            r.status == 200 and r.json()["allowed_actions"] == [], r)
    r = act(tid, "resident:v02", {"action": "claim"})
    c.check("an unverified volunteer claims: 403 saying why", r.status == 403 and "verified" in r.json()["detail"], r)
    r = act(tid, "resident:old", {"action": "claim"})
    c.check("the asker claims his own task: 403", r.status == 403, r)

    statuses, lock = [], threading.Lock()
    barrier = threading.Barrier(2)

    def claim():
        barrier.wait()
        s = act(tid, "resident:v01", {"action": "claim"}).status
        with lock:
            statuses.append(s)

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    c.check("two claims at once: one 200, one 409", sorted(statuses) == [200, 409], statuses)

    c.check("the volunteer completes it", act(tid, "resident:v01", {"action": "complete", "note": "已送到"}).status == 200)
    r = act(tid, "resident:v01", {"action": "confirm"})
    c.check("the volunteer confirms his own work: 403", r.status == 403, r)
    r = act(tid, "resident:old", {"action": "reject"})
    c.check("rejecting without saying what is left: 400 naming note", r.status == 400 and "note" in r.json()["detail"], r)
    r = act(tid, "resident:old", {"action": "reject", "note": "还差一盒"})
    c.check("rejected with a note: claimed again", r.status == 200 and r.json()["state"] == "claimed", r)
    act(tid, "resident:v01", {"action": "complete"})
    r = act(tid, "resident:old", {"action": "confirm"})
    c.check("the asker confirms: confirmed", r.status == 200 and r.json()["state"] == "confirmed", r)
    acc = call("GET", "/api/v1/points/accounts/me", "resident:v01").json()
    c.check("the volunteer earned the task's 20 points, named by the task",
            acc["balance"] == 20 and acc["recent"][0]["source"] == f"task:{tid}:completed", acc)
    r = act(tid, "resident:old", {"action": "confirm"})
    c.check("confirming again: 409, no second earning",
            r.status == 409 and call("GET", "/api/v1/points/accounts/me", "resident:v01").json()["balance"] == 20, r)
    r = act(tid, "resident:old", {"action": "rate", "rating": 6})
    c.check("a rating of 6: 400 naming rating", r.status == 400 and "rating" in r.json()["detail"], r)
    r = act(tid, "resident:old", {"action": "rate", "rating": 5})
    view = r.json() if r.status == 200 else {}
    c.check("rated 5; the history has every step",
            r.status == 200 and view["rating"] == 5
            and [e["action"] for e in view["events"]] == ["publish", "claim", "complete", "reject", "complete", "confirm", "rate"], view)

    # ---- 揭榜挂帅 ----------------------------------------------------------------------------
    r = call("POST", "/api/v1/tasks", LEADER, {"kind": "challenge", "title": "楼道电动车充电难", "grid": UNIT, "points": 100})
    cid = r.json().get("id", "") if r.status == 201 else ""
    c.check("the 邻长 publishes a 揭榜挂帅 post with 100 points", r.status == 201 and r.json()["points"] == 100, r)
    r = call("POST", "/api/v1/tasks", LEADER, {"kind": "challenge", "title": "x", "grid": "43030200901300101", "points": 10})
    c.check("... but not in another 邻: 403", r.status == 403, r)
    ids = lambda who: sorted(x["id"] for x in call("GET", "/api/v1/tasks", who).json()["tasks"])  # noqa: E731
    c.check("listings: the volunteer sees both (his and the open post), x none, the office both",
            ids("resident:v01") == sorted([tid, cid]) and ids("resident:x") == [] and ids("d01") == sorted([tid, cid]))
    r = call("GET", "/api/v1/tasks?state=open", "d01")
    c.check("state=open: only the post", [x["id"] for x in r.json()["tasks"]] == [cid], r)
    c.check("x cancelling: 404", act(cid, "resident:x", {"action": "cancel"}).status == 404)
    r = act(cid, LEADER, {"action": "cancel", "note": "已由物业解决"})
    c.check("the 邻长 cancels his post", r.status == 200 and r.json()["state"] == "cancelled", r)
    r = act(cid, "resident:v01", {"action": "claim"})
    c.check("a cancelled post cannot be claimed (nor seen by the volunteer): 404", r.status == 404, r)
    r = call("GET", "/api/v1/tasks?state=bogus", "d01")
    c.check("an unknown state: 400", r.status == 400, r)
    # Pages, newest first: one a page, each task once, the last page without a next.
    first = call("GET", "/api/v1/tasks?limit=1", "d01").json()
    second = call("GET", f"/api/v1/tasks?limit=1&after={first.get('next')}", "d01").json()
    third = call("GET", f"/api/v1/tasks?limit=1&after={second.get('next')}", "d01").json()
    c.check("pages of one: the post, then the asked task, then nothing more",
            [x["id"] for x in first["tasks"]] == [cid] and [x["id"] for x in second["tasks"]] == [tid]
            and third["tasks"] == [] and third["next"] is None, (first, second, third))
    r = call("GET", "/api/v1/tasks?limit=1&after=12x.abc", "d01")
    c.check("a made-up cursor: 400 naming after", r.status == 400 and "after" in r.json()["detail"], r)


if __name__ == "__main__":
    sys.exit(main())
