#!/usr/bin/env python3
"""The loop with people, over real HTTP on both stores.

Usage: people_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- a resident app acts on behalf of its resident (On-Behalf-Of): submits, lists "my reports",
  rates the closed case; another account of the same app sees none of it;
- a rating of 2 (不满意) reopens the case as 返工 (rework); handled and closed again, the
  resident rates 5;
- a duplicate's reporter follows the original case and rates it once it is closed;
- 吹哨报到: a whistle to a lead and two co-handling departments (协办), one reports in (报到), the
  lead sends the case back (退回) with a reason and the dispatcher dispatches it again;
- a grid worker's own finding is handled at once (即报即办, self_handle) with a photo;
- `allowed_actions` on each case is exactly what the caller can do: every listed action is
  taken without 403/409, and a 409 lists only the caller's own actions;
- a supervisor 督办 by hand with a note; the ticker inside `wangge serve` (every second here)
  raises 挂牌督办 on sample cases that are long overdue, with no cron job.
"""
import datetime
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, ogr_features, request, run_on_fresh_store, until  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002
UNIT, LEADER = "43030200901300105", "w43030200901300105"
PHOTO = "https://media.example/after.jpg"


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_people_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who)
            for who in ["d01", "s01", "a01", "app:wechat", "resident:u1", "dept-cgzf", "dept-sz", "dept-zz"]}
    keys[LEADER] = create_key(WANGGE, env, None, "--role", "grid_worker", "--scope", UNIT)
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0"])
    server.start()
    try:
        loop(c, server, keys)
        reload(c, tmp, env, server, keys)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)
    ticker(c, tmp, env, keys)


def reload(c, tmp, env, server, keys):
    """Reference data changed by `wangge import reference` reaches the running server on
    POST /api/v1/admin/reload and on SIGHUP, without a restart."""
    def category_name(code):
        r = request(server.port, "GET", "/api/v1/categories")
        return next((x["name"] for x in r.json()["categories"] if x["code"] == code), None)

    def import_renamed(name):
        ref = os.path.join(tmp, "ref")
        os.makedirs(ref, exist_ok=True)
        for f in ["organisation.json", "calendar.json"]:
            shutil.copy(os.path.join(DATA, f), ref)
        with open(os.path.join(DATA, "categories.json"), encoding="utf-8") as f:
            doc = json.load(f)
        next(x for x in doc["categories"] if x["code"] == "0101")["name"] = name
        with open(os.path.join(ref, "categories.json"), "w", encoding="utf-8") as f:
            json.dump(doc, f, ensure_ascii=False)
        subprocess.run([WANGGE, "import", "reference", ref], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    before = category_name("0101")
    import_renamed("暴露垃圾（含大件）")
    if KIND == "sqlite":
        c.check("imported by another process (SQLite), the running server still shows the old name",
                category_name("0101") == before, category_name("0101"))
    else:
        got = until(lambda: category_name("0101"), lambda v: v == "暴露垃圾（含大件）", seconds=2)
        c.check("imported by another process (PostgreSQL), the running server has the new name within a "
                "second, told by the database", got == "暴露垃圾（含大件）", got)
    r = request(server.port, "POST", "/api/v1/admin/reload", key=keys["d01"])
    c.check("reload by a dispatcher: 403", r.status == 403, r)
    r = request(server.port, "POST", "/api/v1/admin/reload", key=keys["a01"])
    c.check("reload by an admin: 200 with what is in use", r.status == 200 and r.json().get("categories", 0) > 10, r)
    c.check("... and the new name is served at once", category_name("0101") == "暴露垃圾（含大件）", category_name("0101"))
    import_renamed("暴露垃圾")
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while category_name("0101") != "暴露垃圾" and time.monotonic() < deadline:
        time.sleep(0.05)  # polling a condition with a deadline
    c.check("SIGHUP reloads it too, and the server keeps serving", category_name("0101") == "暴露垃圾"
            and request(server.port, "GET", "/healthz").status == 200, category_name("0101"))


def loop(c, server, keys):
    def call(method, path, key=None, account=None, **kw):
        headers = {"On-Behalf-Of": account} if account else None
        return request(server.port, method, path, key=keys.get(key) if key else None, headers=headers, **kw)

    def act(rid, key, body, account=None):
        return call("POST", f"/api/v1/reports/{rid}/actions", key=key, account=account, json_body=body)

    # ---- an app on behalf of its resident ------------------------------------------------------
    r = call("POST", "/api/v1/reports", key="app:wechat", account="wx-openid-42",
             json_body={"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "小区门口垃圾满溢"})
    c.check("an app submits on behalf of its resident: 201", r.status == 201, r)
    rid = r.json()["id"]
    r = call("GET", "/api/v1/reports", key="app:wechat", account="wx-openid-42")
    c.check("... and lists that resident's reports: exactly the one", r.status == 200
            and [x["id"] for x in r.json()["reports"]] == [rid], r)
    r = call("GET", "/api/v1/reports", key="app:wechat", account="wx-openid-43")
    c.check("another account of the same app lists none of it", r.status == 200 and r.json()["reports"] == [], r)
    r = call("GET", "/api/v1/reports", key="resident:u1", account="wx-openid-42")
    c.check("a resident key may not act on behalf of anyone: 403", r.status == 403, r)
    r = call("GET", "/api/v1/reports", key="app:wechat", account="bad id!")
    c.check("an account id with spaces or '!' is refused naming the rule: 400",
            r.status == 400 and "account_id must be" in r.body.decode(), r)

    for body in [{"action": "register"}, {"action": "dispatch"}]:
        c.check(f"the dispatcher: {body['action']}", act(rid, "d01", body).status == 200)
    r = act(rid, "d01", {"action": "close"})
    c.check("a 409 tells the dispatcher only what a dispatcher may do (not the leader's accept)",
            r.status == 409 and r.json().get("detail", "").endswith("allowed now: escalate, reassign"), r)
    r = call("GET", f"/api/v1/reports/{rid}", key=LEADER)
    allowed = [a["action"] for a in r.json().get("allowed_actions", [])]
    c.check("the leader's allowed_actions: accept, escalate, request_extension",
            allowed == ["accept", "escalate", "request_extension"], allowed)
    for body in [{"action": "accept"}, {"action": "handle", "media": [PHOTO], "public_reply": "已清运"}]:
        c.check(f"the leader: {body['action']}", act(rid, LEADER, body).status == 200)
    c.check("the dispatcher closes", act(rid, "d01", {"action": "close"}).status == 200)
    r = call("GET", f"/api/v1/reports/{rid}", key="app:wechat", account="wx-openid-42")
    c.check("the resident (through the app) may now evaluate, with a rating",
            r.status == 200 and r.json().get("allowed_actions") == [{"action": "evaluate", "needs": ["rating"]}], r)

    # ---- 不满意 reopens -------------------------------------------------------------------------
    r = act(rid, "app:wechat", {"action": "evaluate", "rating": 2, "note": "垃圾桶还是满的"}, account="wx-openid-42")
    c.check("a rating of 2 through the app reopens the case as 返工: accepted",
            r.status == 200 and r.json()["state"] == "accepted" and r.json()["rating"] == 2, r)
    r = act(rid, "app:wechat", {"action": "evaluate", "rating": 5}, account="wx-openid-43")
    c.check("another account cannot rate it: 404", r.status == 404, r)
    c.check("handled again", act(rid, LEADER, {"action": "handle", "media": [PHOTO]}).status == 200)
    c.check("closed again", act(rid, "d01", {"action": "close"}).status == 200)
    r = act(rid, "app:wechat", {"action": "evaluate", "rating": 5}, account="wx-openid-42")
    c.check("rated 5: evaluated", r.status == 200 and r.json()["state"] == "evaluated", r)
    r = call("GET", f"/api/v1/reports/{rid}/events", key="d01")
    actions = [e["action"] for e in r.json()["events"]]
    c.check("the events tell the story", actions == ["submit", "register", "dispatch", "accept", "handle", "close",
                                                     "evaluate", "handle", "close", "evaluate"], actions)

    # ---- a duplicate's reporter follows the original ------------------------------------------
    first = call("POST", "/api/v1/reports", key="app:wechat", account="wx-1001",
                 json_body={"location": {"lon": LON, "lat": LAT}, "category": "0102", "text": "路面有大片油污"})
    again = call("POST", "/api/v1/reports", key="app:wechat", account="wx-1002",
                 json_body={"location": {"lon": LON, "lat": LAT}, "category": "0102", "text": "这里路面很脏"})
    oid = first.json().get("id") if first.status == 201 else "none"
    c.check("a second resident reports the same problem: flagged as its duplicate",
            again.status == 201 and again.json().get("duplicate_of") == oid, again)
    r = call("GET", f"/api/v1/reports/{oid}", key="app:wechat", account="wx-1002")
    c.check("... and follows the original: he reads its public view (no reporter, exact position only rounded)",
            r.status == 200 and "reporter" not in r.json() and "reported" not in r.json()["location"], r)
    for body in [{"action": "register"}, {"action": "dispatch"}]:
        act(oid, "d01", body)
    for body in [{"action": "accept"}, {"action": "handle", "media": [PHOTO], "public_reply": "已冲洗"}]:
        act(oid, LEADER, body)
    c.check("the original is closed", act(oid, "d01", {"action": "close"}).status == 200)
    r = call("GET", f"/api/v1/reports/{oid}", key="app:wechat", account="wx-1002")
    c.check("... the follower may rate it now", r.status == 200
            and r.json().get("allowed_actions") == [{"action": "evaluate", "needs": ["rating"]}], r)
    r = act(oid, "app:wechat", {"action": "evaluate", "rating": 5}, account="wx-1003")
    c.check("a resident who did not report it cannot: 404", r.status == 404, r)
    r = act(oid, "app:wechat", {"action": "evaluate", "rating": 4, "note": "干净了"}, account="wx-1002")
    c.check("the follower rates it: evaluated with his rating",
            r.status == 200 and r.json()["state"] == "evaluated" and r.json()["rating"] == 4, r)

    # ---- statistics as Excel, over HTTP -----------------------------------------------------------
    r = call("GET", "/api/v1/stats?group_by=category", key="d01")
    figures = {x["key"]: x for x in r.json()["rows"]} if r.status == 200 else {}
    r = call("GET", "/api/v1/stats?group_by=category&format=xlsx", key="d01")
    c.check("GET /api/v1/stats?format=xlsx: an Excel download",
            r.status == 200 and r.ctype.endswith("spreadsheetml.sheet")
            and "stats-category.xlsx" in r.headers.get("content-disposition", "") and r.body[:2] == b"PK", r.headers)
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"wangge-people-stats-{os.getpid()}.xlsx")
    with open(path, "wb") as f:
        f.write(r.body)
    rows = {x["分组键"]: x for x in ogr_features(path, ["-oo", "HEADERS=FORCE"])}
    os.remove(path)
    total = rows.get("total", {})
    c.check("... read back by GDAL: the same figures as the JSON (reports, closed, 满意率)",
            rows.keys() == figures.keys() and all(int(rows[k]["上报数"]) == figures[k]["reported"]
                                                  and int(rows[k]["结案数"]) == figures[k]["closed"] for k in rows)
            and abs(float(total.get("满意率", "nan")) - figures["total"]["satisfaction_rate"]) < 1e-9, (rows.get("total"), figures.get("total")))
    r = call("GET", "/api/v1/stats?format=pdf", key="d01")
    c.check("... format=pdf: 400 naming the formats", r.status == 400 and "json, xlsx, csv" in r.json()["detail"], r)

    # ---- 吹哨报到 with 协办, and 退回 ------------------------------------------------------------
    r = call("POST", "/api/v1/reports", key="resident:u1",
             json_body={"location": {"lon": LON, "lat": LAT}, "category": "0103", "text": "楼顶加盖违建，占用消防通道"})
    wid = r.json()["id"]
    for body in [{"action": "register"}, {"action": "dispatch"}]:
        act(wid, "d01", body)
    r = act(wid, LEADER, {"action": "escalate", "reason": "涉及执法和消防通道", "to": {"kind": "department", "id": "cgzf"},
                          "co": ["sz", "zz"]})
    whistle = r.json().get("whistle", []) if r.status == 200 else []
    c.check("the leader blows the whistle: a lead and two co-handling departments, each with a 报到 deadline",
            r.status == 200 and [(w["department"], w["role"]) for w in whistle] == [("cgzf", "lead"), ("sz", "co"), ("zz", "co")]
            and all(w["report_in_due"] and w["reported_in_at"] is None for w in whistle), r)
    r = call("GET", f"/api/v1/reports/{wid}", key="dept-sz")
    c.check("a co-handling department sees the case and may report in",
            r.status == 200 and r.json().get("allowed_actions") == [{"action": "report_in", "needs": []}], r)
    r = act(wid, "dept-sz", {"action": "report_in", "note": "已安排人员到场"})
    c.check("... it reports in (报到)", r.status == 200
            and next(w for w in r.json()["whistle"] if w["department"] == "sz")["reported_in_at"], r)
    r = act(wid, "dept-sz", {"action": "report_in"})
    c.check("... once: a second 报到 is refused", r.status in (403, 409), r)
    r = act(wid, "d01", {"action": "escalate", "reason": "x", "to": {"kind": "department", "id": "cgzf"}, "co": ["cgzf"]})
    c.check("a whistle naming its lead as co-handler: 400 naming the rule", r.status == 400 and "leads" in r.json()["detail"], r)
    r = act(wid, "dept-cgzf", {"action": "return"})
    c.check("退回 without a reason: 400", r.status == 400 and "reason" in r.json()["detail"], r)
    r = act(wid, "dept-cgzf", {"action": "return", "reason": "属物业管理范围，非执法事项"})
    c.check("the lead department sends it back (退回) with a reason: registered, no assignee, no whistle",
            r.status == 200 and r.json()["state"] == "registered" and r.json()["assignee"] is None
            and "whistle" not in r.json(), r)
    r = call("GET", f"/api/v1/reports/{wid}/events", key="d01")
    c.check("... the dispatcher reads why", r.status == 200 and r.json()["events"][-1]["action"] == "return", r)
    c.check("... and dispatches it again", act(wid, "d01", {"action": "dispatch"}).status == 200)

    # ---- 即报即办 ------------------------------------------------------------------------------
    r = call("POST", "/api/v1/reports", key=LEADER,
             json_body={"location": {"lon": LON, "lat": LAT - 0.00005}, "category": "0201",
                        "text": "巡查发现电线杆小广告", "channel": "patrol"})
    c.check("the leader reports his own finding: 201", r.status == 201, r)
    fid = r.json()["id"]
    allowed = [a["action"] for a in call("GET", f"/api/v1/reports/{fid}", key=LEADER).json().get("allowed_actions", [])]
    c.check("his only button on it is self_handle", allowed == ["self_handle"], allowed)
    r = act(fid, LEADER, {"action": "self_handle"})
    c.check("without a photo: 400 naming the field", r.status == 400 and "media" in r.body.decode(), r)
    r = act(fid, LEADER, {"action": "self_handle", "media": [PHOTO], "public_reply": "已清除"})
    c.check("with a photo: closed at once (即报即办)",
            r.status == 200 and r.json()["state"] == "closed" and r.json()["closed_at"], r)
    r = call("GET", f"/api/v1/reports?state=closed&grid={UNIT}", key="s01")
    c.check("the supervisor sees it among the grid's closed cases", r.status == 200
            and fid in [x["id"] for x in r.json()["reports"]], r)

    # ---- 12345 hotline tickets ---------------------------------------------------------------
    ticket = {"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "12345转办：垃圾堆放",
              "channel": "hotline", "external_id": "12345-20261204-0007"}
    r1 = call("POST", "/api/v1/reports", key="d01", json_body=ticket)
    r2 = call("POST", "/api/v1/reports", key="d01", json_body=ticket)
    c.check("a 12345 ticket submitted twice is one case (the second a replay)",
            r1.status == 201 and r2.status in (200, 201) and r2.json()["id"] == r1.json()["id"], (r1, r2))
    r = call("POST", "/api/v1/reports", key="d01", json_body=dict(ticket, text="另一件事"))
    c.check("the same ticket with other content: 422", r.status == 422, r)
    r = call("POST", "/api/v1/reports", key="d01", json_body=dict(ticket, external_id="12345 0007; drop"))
    c.check("a ticket number with spaces or ';': 400 naming the rule",
            r.status == 400 and "external_id may hold only" in r.body.decode(), r)
    r = call("GET", "/api/v1/reports?external_id=12345-20261204-0007", key="d01")
    c.check("found by its ticket number", r.status == 200 and [x["id"] for x in r.json()["reports"]] == [r1.json()["id"]]
            and r.json()["reports"][0]["external_id"] == "12345-20261204-0007", r)
    r = call("GET", "/api/v1/stats?group_by=channel", key="s01")
    rows = {x["key"]: x["reported"] for x in r.json().get("rows", [])} if r.status == 200 else {}
    c.check("statistics by channel count the hotline case", rows.get("hotline") == 1 and rows.get("app", 0) >= 1, rows)
    r = call("GET", "/api/v1/stats?group_by=leader", key="s01")
    leader_rows = [x for x in r.json().get("rows", []) if x["key"] == LEADER] if r.status == 200 else []
    c.check("statistics by leader are keyed by the staff id, the name a label",
            len(leader_rows) == 1 and leader_rows[0]["label"].startswith("邻长 "), r)
    r = call("GET", "/api/v1/stats?group_by=grid", key=LEADER)
    keys_seen = {x["key"] for x in r.json().get("rows", [])} - {"total"} if r.status == 200 else {"?"}
    c.check("a 邻长's statistics cover only the grids of his chain", keys_seen and all(
        k in ("43030200901300105", "430302009013001", "430302009013", "430302009") for k in keys_seen), keys_seen)

    # ---- 督办 by hand ---------------------------------------------------------------------------
    r = call("POST", "/api/v1/reports", key="resident:u1",
             json_body={"location": {"lon": LON, "lat": LAT + 0.0002}, "category": "0102", "text": "路面油污"})
    sid = r.json()["id"]
    act(sid, "d01", {"action": "register"})
    act(sid, "d01", {"action": "dispatch"})
    r = act(sid, "s01", {"action": "supervise"})
    c.check("督办 by hand without a note: 400", r.status == 400 and "note" in r.body.decode(), r)
    r = act(sid, "s01", {"action": "supervise", "note": "今日内处置完毕"})
    c.check("督办 by hand with a note: the case is supervised",
            r.status == 200 and r.json().get("supervision", {}).get("label") == "督办", r)
    r = act(sid, "d01", {"action": "supervise", "note": "x"})
    c.check("a dispatcher may not 督办: 403", r.status == 403, r)


def ticker(c, tmp, env, keys):
    """The sample's imported reports are weeks old; dispatched by `wangge simulate`, many are
    long overdue: the server's own ticker raises their supervision without any command."""
    subprocess.run([WANGGE, "import", "reports", os.path.join(DATA, "reports.csv")], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([WANGGE, "simulate", "--until", "2026-11-20T12:00"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(WANGGE, env, os.path.join(tmp, "ticker.log"), args=["--tick-seconds", "1"])
    started = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).isoformat()[:19]
    server.start()
    try:
        raised = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not raised:
            r = request(server.port, "GET", "/api/v1/reports?state=dispatched,accepted&limit=50", key=keys["s01"])
            for x in r.json().get("reports", []):
                if x.get("supervision", {}).get("level") != "listed":
                    continue
                events = request(server.port, "GET", f"/api/v1/reports/{x['id']}/events", key=keys["s01"]).json()["events"]
                raised += [e for e in events if e["action"] == "supervise" and e["actor"] == "system"
                           and e["at"][:19] >= started]
            if not raised:
                time.sleep(0.2)  # polling a condition with a deadline, not waiting for it to happen
        c.check("the ticker inside wangge serve raised 挂牌督办 on long-overdue cases by itself, as system",
                any(e["data"].get("level") == "listed" for e in raised), raised[:3])
    finally:
        c.check("the ticking server stopped cleanly", server.stop() == 0)

if __name__ == "__main__":
    sys.exit(main())
