#!/usr/bin/env python3
"""Notifications end to end: `wangge serve` with a signed webhook (--notify-webhook), a 企业微信
robot, a 钉钉 robot (signed URL) and an SMS gateway, all answered by a receiver on loopback in
this process. Checks who hears what with which text, the signatures (with Python's own hmac),
retries under the same delivery id after failures, the dead letter and its re-send, the inbox
and its privacy, and a bad configuration refused at start-up naming the field.

Usage: notify_test.py WANGGE SRC_DIR [sqlite|postgis]
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store, until  # noqa: E402
from receiver import Receiver  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002
UNIT = "43030200901300105"
LEADER = "w43030200901300105"
SECRET = "whsec_e2e-秘密"
DING_SECRET = "SECdingtalk-e2e"
DIGEST_AFTER, DIGEST_WINDOW = 2, 6  # the digest channels: 2 messages an address per 6 s window


def hooks(receiver, since=0):
    """The webhook deliveries received since index `since`, parsed, each with its id."""
    out = []
    for path, headers, body in receiver.delivered("/hook")[since:]:
        out.append((headers, body, json.loads(body)))
    return out


def verify_webhook(headers, body):
    """Stripe's scheme, checked with Python's hmac: t=…,v1=hex(HMAC(secret, t + '.' + body))."""
    parts = dict(p.split("=", 1) for p in headers.get("X-Wangge-Signature", "").split(","))
    if "t" not in parts or "v1" not in parts:
        return False
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(parts["t"])) < 300
    return hmac.compare_digest(expected, parts["v1"]) and fresh


def verify_dingtalk(path):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
    ts, sign = q.get("timestamp", [""])[0], q.get("sign", [""])[0]
    mac = hmac.new(DING_SECRET.encode(), f"{ts}\n{DING_SECRET}".encode(), hashlib.sha256).digest()
    return ts.isdigit() and abs(time.time() * 1000 - int(ts)) < 3600_000 and \
        hmac.compare_digest(base64.b64encode(mac).decode(), sign) and q.get("access_token") == ["tok"]


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_notify_", run)


def config_file(tmp, receiver):
    cfg = {
        "channels": [
            {"name": "环卫所群", "type": "wecom", "url": receiver.url("/wecom?key=k1"),
             "audience": {"departments": ["hw"]},
             "texts": {"whistled": "【环卫所】{case}（{grid}）请于{report_in_due}前到场处置。"}},
            {"name": "吹哨钉钉群", "type": "dingtalk", "url": receiver.url("/dingtalk?access_token=tok"),
             "secret": DING_SECRET, "audience": {"kinds": ["whistled"]}},
            {"name": "短信", "type": "sms", "url": receiver.url("/sms"), "sign_name": "网格通",
             "key": "sms-key", "templates": {"registered": "SMS_100", "closed": "SMS_200", "code": "SMS_300"}},
            {"name": "flaky", "type": "webhook", "url": receiver.url("/flaky"), "secret": "s2",
             "audience": {"kinds": ["closed"]}},
            # Digests (汇总), only for 私搭乱建 (0103): the phase `digests` alone reports it.
            {"name": "短信汇总", "type": "sms", "url": receiver.url("/digest-sms"), "sign_name": "网格通",
             "templates": {"registered": "SMS_100", "digest": "SMS_900"}, "digest_after": DIGEST_AFTER,
             "digest_window_seconds": DIGEST_WINDOW, "audience": {"categories": ["0103"]}},
            {"name": "汇总群", "type": "wecom", "url": receiver.url("/digest-wecom"), "digest_after": 1,
             "digest_window_seconds": DIGEST_WINDOW, "audience": {"categories": ["0103"], "kinds": ["received"]}},
        ],
        "rules": [{"kinds": ["received"], "categories": ["02"], "roles": ["grid_worker"], "send": False}],
        "retry": {"max_attempts": 6, "first_retry_seconds": 0.1, "longest_retry_seconds": 0.3,
                  "timeout_seconds": 3},
    }
    path = os.path.join(tmp, "notify.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    return path


def run(c, tmp, env):
    bad_configs(c, tmp, env)
    receiver = Receiver()
    receiver.failing.add("/flaky")
    keys = {who: create_key(WANGGE, env, who) for who in ["d01", "a01", LEADER, "dept-hw", "resident:e2e",
                                                           "resident:other", "resident:digest"]}
    config = config_file(tmp, receiver)
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"),
                    args=["--tick-seconds", "0", "--notify-webhook", receiver.url("/hook"),
                          "--notify-secret", SECRET, "--notify-config", config])
    server.start()
    try:
        report_id = the_loop(c, server, receiver, keys)
        retries(c, server, receiver, keys, report_id)
        inbox(c, server, keys, report_id)
        dead_letter(c, server, receiver, keys)
        digests(c, server, receiver, keys)
        sign_in_codes(c, server, receiver)
        changes_from_the_command_line(c, server, receiver, keys, env, config)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)


def act(server, key, report_id, action, **body):
    return request(server.port, "POST", f"/api/v1/reports/{report_id}/actions", key=key,
                   json_body=dict(action=action, **body))


def the_loop(c, server, receiver, keys):
    r = request(server.port, "POST", "/api/v1/reports", key=keys["resident:e2e"],
                json_body={"category": "0101", "text": "垃圾桶满了没人清",
                           "location": {"lon": LON, "lat": LAT},
                           "reporter": {"name": "李四", "phone": "13800138000"}})
    c.check("a resident reports", r.status == 201, r)
    rid = r.json()["id"]
    msgs = [h[2] for h in hooks_wait(receiver, 1)]
    n = msgs[0]["notification"] if msgs else {}
    c.check("新上报: the leader of the case's grid hears that a case arrived (kind received)",
            len(msgs) == 1 and n["recipient"] == LEADER and n["kind"] == "received"
            and n["text"].startswith("【新上报】") and rid in n["text"], msgs)
    r = act(server, keys["d01"], rid, "register")
    c.check("the dispatcher registers it (立案)", r.status == 200, r)
    msgs = [h[2] for h in hooks_wait(receiver, 2)][1:]
    c.check("立案: one webhook delivery, to the resident who reported, kind registered",
            len(msgs) == 1 and msgs[0]["notification"]["recipient"] == "resident:e2e"
            and msgs[0]["notification"]["kind"] == "registered", msgs)
    n = msgs[0]["notification"] if msgs else {}
    c.check("... in Chinese with the case number and the category, no personal data",
            rid in n.get("text", "") and "已受理立案" in n.get("text", "") and "13800138000" not in json.dumps(msgs)
            and "李四" not in json.dumps(msgs, ensure_ascii=False), n)
    heads = receiver.delivered("/hook")[1:]
    c.check("... signed: X-Wangge-Signature verifies with Python's hmac, the id in X-Wangge-Delivery and the body",
            heads and verify_webhook(heads[0][1], heads[0][2])
            and heads[0][1].get("X-Wangge-Delivery") == msgs[0]["id"], heads[:1])
    sms = receiver.wait_for("/sms", 1)
    body = json.loads(sms[0][2]) if sms else {}
    c.check("... and an SMS to the reporter's phone through the gateway, template SMS_100, with the key",
            len(sms) == 1 and body.get("phone") == "13800138000" and body.get("template_id") == "SMS_100"
            and body.get("sign_name") == "网格通" and body["params"]["case"] == rid
            and sms[0][1].get("Authorization") == "Bearer sms-key", sms)

    r = act(server, keys["d01"], rid, "dispatch", to={"kind": "grid", "id": UNIT})
    c.check("the dispatcher dispatches it to the grid (派遣)", r.status == 200, r)
    msgs = [h[2] for h in hooks_wait(receiver, 3)][2:]
    n = msgs[0]["notification"] if msgs else {}
    c.check("派遣: the grid's leader hears it (kind assigned), with the grid and the deadline",
            len(msgs) == 1 and n["recipient"] == LEADER and n["kind"] == "assigned"
            and "请于" in n["text"] and "前办结" in n["text"] and rid in n["text"], msgs)

    r = act(server, keys[LEADER], rid, "escalate", to={"kind": "department", "id": "hw"}, co=["cgzf"],
            reason="垃圾清运需要环卫所")
    c.check("the leader blows the whistle (吹哨) to 环卫所 with 城管 as 协办", r.status == 200, r)
    msgs = [h[2] for h in hooks_wait(receiver, 5)][3:]
    recipients = sorted(m["notification"]["recipient"] for m in msgs)
    c.check("吹哨: the lead and the co-handling department's staff hear it (kind whistled), each with the 报到 deadline",
            recipients == ["dept-cgzf", "dept-hw"] and all(
                m["notification"]["kind"] == "whistled" and "前报到" in m["notification"]["text"] for m in msgs),
            msgs)
    wecom = receiver.wait_for("/wecom", 1)
    c.check("... the 环卫所 企业微信 group gets one text message (its audience: department hw), in the "
            "channel's own text (texts.whistled) with the case, the grid and the 报到 deadline",
            len(wecom) == 1 and json.loads(wecom[0][2])["msgtype"] == "text"
            and json.loads(wecom[0][2])["text"]["content"].startswith(f"【环卫所】{rid}（湘江一组第5邻）请于")
            and json.loads(wecom[0][2])["text"]["content"].endswith("前到场处置。"), wecom)
    ding = receiver.wait_for("/dingtalk", 1)
    c.check("... the 钉钉 group gets one message for the whistle (not one per department)",
            len(ding) == 1, ding)
    c.check("... on a URL signed as DingTalk requires (timestamp, sign checked with Python's hmac)",
            ding and verify_dingtalk(ding[0][0]), ding[:1])
    return rid


def hooks_wait(receiver, count):
    receiver.wait_for("/hook", count)
    return hooks(receiver)


def retries(c, server, receiver, keys, rid):
    before = len(receiver.delivered("/hook"))
    with receiver.lock:
        receiver.fail_next = 3  # the next three posts anywhere answer 500
    r = act(server, keys["dept-hw"], rid, "accept")
    c.check("环卫所 accepts (报到), which nobody must hear about", r.status == 200, r)
    r = act(server, keys["dept-hw"], rid, "handle", public_reply="已清运")
    c.check("... and handles it", r.status == 200, r)
    r = act(server, keys["d01"], rid, "close")
    c.check("... the dispatcher closes it", r.status == 200, r)
    got = hooks_wait(receiver, before + 2)[before:]
    kinds = sorted(m[2]["notification"]["kind"] for m in got)
    c.check("处置 and 结案: the resident hears both (handled, closed), delivered despite three failures",
            kinds == ["closed", "handled"], kinds)
    closed = [m[2]["notification"] for m in got if m[2]["notification"]["kind"] == "closed"]
    c.check("... the closing message carries the rating link (the console's case page)",
            closed and "请为办理结果评价" in closed[0]["text"] and f"/console/cases/{rid}#evaluate" in closed[0]["text"],
            closed)
    tries = receiver.all("/hook")
    failed_ids = {h.get("X-Wangge-Delivery") for p, h, b, s in tries if s == 500}
    ok_ids = [h.get("X-Wangge-Delivery") for p, h, b, s in tries if s == 200]
    c.check("a failed delivery is tried again under the same id, and arrives exactly once",
            failed_ids and all(ok_ids.count(i) == 1 for i in failed_ids), (failed_ids, ok_ids))
    attempts = [json.loads(b)["attempt"] for p, h, b, s in tries if s == 200 and h.get("X-Wangge-Delivery") in failed_ids]
    c.check("... each try re-signed and numbered (attempt > 1 on the retry)",
            attempts and all(a > 1 for a in attempts)
            and all(verify_webhook(h, b) for p, h, b, s in tries if s == 200), attempts)
    sms = receiver.wait_for("/sms", 2)
    c.check("... the closing SMS (template SMS_200); none for 处置, which has no SMS template",
            len(sms) == 2 and json.loads(sms[1][2])["template_id"] == "SMS_200", [s[2] for s in sms])
    ids = [h[1].get("X-Wangge-Delivery") for h in receiver.delivered("/hook")]
    c.check("no delivery id arrived twice on the webhook", len(ids) == len(set(ids)), ids)


def inbox(c, server, keys, rid):
    r = request(server.port, "GET", "/api/v1/inbox", key=keys["resident:e2e"])
    kinds = [m["kind"] for m in r.json().get("messages", [])] if r.status == 200 else []
    c.check("the resident's inbox: closed, handled, registered, newest first; 3 unread",
            kinds == ["closed", "handled", "registered"] and r.json()["unread"] == 3, r)
    first = r.json()["messages"][0]["id"] if kinds else "n_x"
    r = request(server.port, "POST", f"/api/v1/inbox/{first}/read", key=keys["resident:other"])
    c.check("another resident cannot mark it read: 404 (it is not theirs)", r.status == 404, r)
    r = request(server.port, "GET", "/api/v1/inbox", key=keys["resident:other"])
    c.check("... and sees none of it in their own inbox", r.status == 200 and r.json()["messages"] == [], r)
    r = request(server.port, "POST", f"/api/v1/inbox/{first}/read", key=keys["resident:e2e"])
    c.check("the resident marks the newest read: 204", r.status == 204, r)
    r = request(server.port, "GET", "/api/v1/inbox?unread=true&limit=1", key=keys["resident:e2e"])
    page = r.json() if r.status == 200 else {}
    c.check("unread only, one a page: handled, 2 unread, a cursor to the next page",
            [m["kind"] for m in page.get("messages", [])] == ["handled"] and page["unread"] == 2 and page["next"], r)
    r = request(server.port, "GET", "/api/v1/inbox?unread=true&limit=1&before=" + urllib.parse.quote(page.get("next") or ""),
                key=keys["resident:e2e"])
    c.check("... the next page: registered", r.status == 200 and [m["kind"] for m in r.json()["messages"]] == ["registered"], r)
    r = request(server.port, "POST", "/api/v1/inbox/read-all", key=keys["resident:other"])
    c.check("全部已读 by another resident: nothing of hers marked",
            r.status == 200 and r.json() == {"marked": 0, "unread": 0}, r)
    r = request(server.port, "GET", "/api/v1/inbox?unread=true", key=keys["resident:e2e"])
    shown = r.json()["messages"] if r.status == 200 else []
    c.check("her unread now: handled, then registered", [m["kind"] for m in shown] == ["handled", "registered"], r)
    oldest = shown[-1]["id"] if shown else "x"
    r = request(server.port, "POST", "/api/v1/inbox/read-all?through=" + oldest, key=keys["resident:e2e"])
    c.check("全部已读 through the older one (as if her page had shown only it): only it is marked, the newer stays unread",
            r.status == 200 and r.json() == {"marked": 1, "unread": 1}, r)
    for bad, status, what in [("x'--", 400, "not an id"), ("n_doesnotexist", 404, "no such message"),
                              (shown[0]["id"] if shown else "x", 404, "her message, not the caller's")]:
        r = request(server.port, "POST", "/api/v1/inbox/read-all?through=" + urllib.parse.quote(bad),
                    key=keys["resident:other"])
        c.check(f"... through= {what}, by another resident: {status}", r.status == status, r)
    r = request(server.port, "POST", "/api/v1/inbox/read-all", key=keys["resident:e2e"])
    c.check("全部已读 without through: the rest, none left", r.status == 200 and r.json() == {"marked": 1, "unread": 0}, r)
    r = request(server.port, "GET", "/api/v1/inbox", key=keys["resident:e2e"])
    c.check("... every message of hers has its read_at now",
            r.status == 200 and r.json()["unread"] == 0 and all(m["read_at"] for m in r.json()["messages"]), r)
    r = request(server.port, "POST", "/api/v1/inbox/read-all")
    c.check("... anonymous: 401", r.status == 401, r)
    r = request(server.port, "GET", "/api/v1/inbox", key=keys[LEADER])
    c.check("the leader's inbox: the dispatch, then the arrival (newest first)",
            r.status == 200 and [m["kind"] for m in r.json()["messages"]] == ["assigned", "received"], r)
    r = request(server.port, "POST", "/api/v1/reports", key=keys["resident:other"],
                json_body={"category": "0201", "text": "路面破损", "location": {"lon": LON, "lat": LAT}})
    c.check("a case of category 0201 arrives in the same grid", r.status == 201, r)
    r = request(server.port, "GET", "/api/v1/inbox", key=keys[LEADER])
    c.check("... a rule (no 新上报 of 02xx to grid workers) keeps it out of the leader's inbox",
            r.status == 200 and [m["kind"] for m in r.json()["messages"]] == ["assigned", "received"], r)
    r = request(server.port, "GET", "/api/v1/inbox")
    c.check("an anonymous caller has no inbox: 401", r.status == 401, r)
    follow_an_area(c, server, keys)
    for q, what in [("limit=0", "limit"), ("limit=1e400", "limit"), ("unread=yes", "unread"),
                    ("before=abc", "before"), ("before=1.x%27--", "before")]:
        r = request(server.port, "GET", "/api/v1/inbox?" + q, key=keys["resident:e2e"])
        c.check(f"a bad {q}: 400 naming '{what}'", r.status == 400 and what in r.json().get("detail", ""), r)
    r = request(server.port, "GET", "/api/v1/admin/deliveries", key=keys["d01"])
    c.check("the deliveries view is for admins: a dispatcher gets 403", r.status == 403, r)


def follow_an_area(c, server, keys):
    block = "430302009013"
    r = request(server.port, "PUT", f"/api/v1/subscriptions/{block}", key=keys["resident:other"])
    c.check("a resident follows the block (关注区域)", r.status == 200, r)
    r = request(server.port, "GET", "/api/v1/subscriptions", key=keys["resident:other"])
    c.check("... and lists it", r.status == 200 and [s["grid"] for s in r.json()["subscriptions"]] == [block], r)
    r = request(server.port, "POST", "/api/v1/reports", key=keys["resident:e2e"],
                json_body={"category": "0102", "text": "垃圾桶破损", "location": {"lon": LON, "lat": LAT}})
    rid = r.json().get("id") if r.status == 201 else None
    r = act(server, keys["d01"], rid, "register")
    c.check("a public case in a grid below it is registered", r.status == 200, r)
    r = request(server.port, "GET", "/api/v1/inbox?limit=1", key=keys["resident:other"])
    m = r.json()["messages"][0] if r.status == 200 and r.json()["messages"] else {}
    c.check("... the follower hears of it (kind area), with the case number and no personal data",
            m.get("kind") == "area" and m.get("report_id") == rid and "已立案" in m.get("text", "")
            and "13800138000" not in json.dumps(m), m)
    for grid, status, who in [("no-such-grid", 404, "resident:other"), (block, 401, None)]:
        r = request(server.port, "PUT", f"/api/v1/subscriptions/{grid}", key=keys[who] if who else None)
        c.check(f"following {grid} {'anonymously' if not who else ''}: {status}", r.status == status, r)
    r = request(server.port, "DELETE", f"/api/v1/subscriptions/{block}", key=keys["resident:other"])
    c.check("stop following: 204", r.status == 204, r)
    r = request(server.port, "DELETE", f"/api/v1/subscriptions/{block}", key=keys["resident:other"])
    c.check("... twice: 404", r.status == 404, r)


def dead_letter(c, server, receiver, keys):
    # The 'flaky' channel answers 500 to everything: the closing message's delivery dies after
    # its six tries (the retry schedule of the configuration).
    def dead_ones():
        r = request(server.port, "GET", "/api/v1/admin/deliveries?state=dead", key=keys["a01"])
        return r.json()["deliveries"] if r.status == 200 else []

    dead = until(dead_ones, bool, seconds=30)
    c.check("a channel that keeps failing: the delivery is dead after 6 tries, with the cause",
            len(dead) == 1 and dead[0]["channel"] == "flaky" and dead[0]["attempts"] == 6
            and dead[0]["last_error"] == "HTTP 500", dead)
    c.check("... it was tried 6 times, no more", len(receiver.all("/flaky")) == 6, len(receiver.all("/flaky")))
    with receiver.lock:
        receiver.failing.discard("/flaky")
    did = dead[0]["id"] if dead else "d_x"
    r = request(server.port, "POST", f"/api/v1/admin/deliveries/{did}/resend", key=keys["a01"])
    c.check("the admin re-sends it: pending again under the same id", r.status == 200 and r.json()["id"] == did, r)
    got = receiver.wait_for("/flaky", 1)
    c.check("... and it arrives, with the same X-Wangge-Delivery",
            len(got) == 1 and got[0][1].get("X-Wangge-Delivery") == did, got)
    r = request(server.port, "GET", "/api/v1/admin/deliveries", key=keys["a01"])
    counts = r.json().get("counts", {}) if r.status == 200 else {}
    c.check("the admin view counts the deliveries by state: none dead now",
            counts.get("dead", 0) == 0 and counts.get("delivered", 0) >= 10, counts)
    r = request(server.port, "POST", "/api/v1/admin/deliveries/d_nothing/resend", key=keys["a01"])
    c.check("re-sending an unknown delivery: 404", r.status == 404, r)


def digests(c, server, receiver, keys):
    """Five cases from one resident in a few seconds: the SMS channel sends DIGEST_AFTER of their
    立案 messages to the phone in a window and the rest as one digest at the window's end; the
    robot, digest_after 1, posts one 新上报 a window and a digest of the others. Windows align to
    the clock, so the five may span two: every check holds per window."""
    rids = []
    for i in range(5):
        r = request(server.port, "POST", "/api/v1/reports", key=keys["resident:digest"],
                    json_body={"category": "0103", "text": f"楼顶私搭乱建第{i + 1}处",
                               "location": {"lon": LON, "lat": LAT},
                               "reporter": {"phone": "13900139000"}})
        rids.append(r.json()["id"] if r.status == 201 else None)
        r = act(server, keys["d01"], rids[-1], "register")
        c.check(f"digest: case {i + 1} reported and registered (立案)", rids[-1] and r.status == 200, r)

    def channel(name):
        r = request(server.port, "GET", "/api/v1/admin/deliveries?limit=500", key=keys["a01"])
        return [d for d in (r.json()["deliveries"] if r.status == 200 else []) if d["channel"] == name]

    for name, path, per_window in (("短信汇总", "/digest-sms", DIGEST_AFTER), ("汇总群", "/digest-wecom", 1)):
        rows = channel(name)
        held = {}
        singles = []
        for d in rows:
            (held.setdefault(d["digest"], []) if d["digest"] else singles).append(d)
        c.check(f"{name}: one delivery per case, ", len(rows) == 5, rows)
        windows = {}
        for d in singles:
            start = int(datetime.fromisoformat(d["created_at"]).timestamp()) // DIGEST_WINDOW
            windows[start] = windows.get(start, 0) + 1
        c.check(f"{name}: at most {per_window} a window sent on their own, the rest held for a digest",
                all(n <= per_window for n in windows.values()) and held
                and len(singles) + sum(len(v) for v in held.values()) == 5, (windows, held))
        got = receiver.wait_for(path, len(singles) + len(held), seconds=DIGEST_WINDOW + 20)
        arrived = receiver.delivered_at(path)
        c.check(f"{name}: the receiver got the single messages and one message per digest, no more",
                len(got) == len(singles) + len(held), [json.loads(b) for _, _, b in got])
        window_ends = {digest: (int(datetime.fromisoformat(members[0]["created_at"]).timestamp())
                                // DIGEST_WINDOW + 1) * DIGEST_WINDOW for digest, members in held.items()}
        bodies = [(t, json.loads(b)) for t, _, _, b in arrived]
        if path == "/digest-sms":
            for digest, members in held.items():
                posts = [(t, b) for t, b in bodies if b.get("out_id") == digest]
                c.check(f"{name}: the digest of {len(members)} arrives once, after its window ends, "
                        "with the digest template, the count and the cases",
                        len(posts) == 1 and posts[0][1]["template_id"] == "SMS_900"
                        and posts[0][1]["phone"] == "13900139000"
                        and posts[0][1]["params"]["count"] == str(len(members))
                        and posts[0][0] >= window_ends[digest] - 0.05, (posts, window_ends))
        else:
            texts = [(t, b["text"]["content"]) for t, b in bodies]
            summaries = [(t, x) for t, x in texts if x.startswith("【通知汇总】")]
            counts = [int(x.split("本时段共 ")[1].split(" ")[0]) for _, x in summaries]
            c.check(f"{name}: one digest a window, after its end, counting what it holds",
                    len(summaries) == len(held) and sum(counts) == sum(len(m) for m in held.values())
                    and all(t >= min(window_ends.values()) - 0.05 for t, _ in summaries), (summaries, window_ends))
            c.check(f"{name}: every case told once, on its own or in a digest",
                    all(sum(1 for _, x in texts if rid in x) == 1 for rid in rids), (rids, rows, texts))
        # The runner records an outcome after the receiver answered: poll the admin view.
        later = until(lambda: channel(name), lambda rows: all(d["state"] == "delivered" for d in rows))
        c.check(f"{name}: every delivery, held or not, ends delivered",
                len(later) == 5 and all(d["state"] == "delivered" for d in later), later)
    # 突发事件 (05) is urgent in the sample's reference data (categories.json "notify"): its
    # messages say so, and neither quiet hours nor a digest holds them.
    before = len(receiver.delivered("/hook"))
    r = request(server.port, "POST", "/api/v1/reports", key=keys["resident:digest"],
                json_body={"category": "0501", "text": "路口积水没过脚踝", "location": {"lon": LON, "lat": LAT}})
    c.check("a 0501 道路积水 case is reported", r.status == 201, r)
    got = [json.loads(b) for _, _, b in receiver.wait_for("/hook", before + 1)[before:]]
    c.check("... its 新上报 message is urgent, by the category's setting in the reference data",
            len(got) == 1 and got[0]["notification"]["kind"] == "received" and got[0]["notification"]["urgent"] is True,
            got)
    r = request(server.port, "GET", "/metrics")
    c.check("/metrics counts the digests sent", r.status == 200 and any(
        line.startswith("wangge_notification_digests_total ") and int(line.split()[1]) >= 2
        for line in r.body.decode().splitlines()), r)


def sign_in_codes(c, server, receiver):
    """A resident's sign-in code goes through the SMS gateway (the channel's "code" template);
    a gateway that fails answers 503 and the resident may ask again at once."""
    before = len(receiver.delivered("/sms"))
    r = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": "137 0013 7000"})
    c.check("a sign-in code asked for: 202", r.status == 202, r)
    sent = [json.loads(b) for _, _, b in receiver.wait_for("/sms", before + 1)[before:]]
    c.check("... sent through the SMS gateway with the code template: phone, six digits, 5 minutes",
            len(sent) == 1 and sent[0]["template_id"] == "SMS_300" and sent[0]["phone"] == "13700137000"
            and len(sent[0]["params"]["code"]) == 6 and sent[0]["params"]["code"].isdigit()
            and sent[0]["params"]["minutes"] == "5" and sent[0]["out_id"].startswith("c_"), sent)
    code = sent[0]["params"]["code"] if sent else "000000"
    r = request(server.port, "POST", "/api/v1/session/phone", json_body={"phone": "13700137000", "code": code})
    c.check("... and it signs the resident in", r.status == 201 and r.json()["actor"]["role"] == "resident", r)
    with receiver.lock:
        receiver.failing.add("/sms")
    r = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": "13600136000"})
    c.check("the gateway down: 503 with Retry-After, no internal text",
            r.status == 503 and r.headers.get("retry-after") and "HTTP 500" not in r.body.decode(), r)
    with receiver.lock:
        receiver.failing.discard("/sms")
    before = len(receiver.delivered("/sms"))
    r = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": "13600136000"})
    c.check("... back up: the resident asks again at once and gets a code (no wait for the lost one)",
            r.status == 202 and len(receiver.wait_for("/sms", before + 1)) == before + 1, r)

    # A gateway that hangs: codes are asked for anonymously, so the one request on it waits the
    # channel's timeout at most (3 s here), others are told at once that it is busy, and the
    # server's workers answer the rest meanwhile.
    receiver.release.clear()
    with receiver.lock:
        receiver.stalled.add("/sms")
    seen = len(receiver.all("/sms"))
    hung = {}
    started = time.time()

    def ask():
        hung["reply"] = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": "13500135001"})
        hung["seconds"] = time.time() - started

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        until(lambda: len(receiver.all("/sms")), lambda n: n > seen, 10)  # the gateway holds it
        t0 = time.time()
        r = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": "13500135002"})
        waited = time.time() - t0
        c.check("a gateway that hangs: a second code asked for meanwhile answers 503 (busy, ask again) "
                f"within a second (took {waited:.2f} s)",
                r.status == 503 and waited < 1.5 and r.headers.get("retry-after"), r)
        r = request(server.port, "GET", "/readyz")
        c.check("... and the server's workers answer other requests", r.status == 200, r)
        asker.join(15)
        c.check("... the hung request answers 503 after the channel's timeout (3 s), not the gateway's hang "
                f"(took {hung.get('seconds', -1):.1f} s)",
                hung.get("reply") is not None and hung["reply"].status == 503 and 2.5 < hung["seconds"] < 6,
                hung.get("reply"))
    finally:
        receiver.release.set()
        with receiver.lock:
            receiver.stalled.discard("/sms")
        asker.join(60)


def changes_from_the_command_line(c, server, receiver, keys, env, config):
    """`wangge report act` on the server's store, with the server's channels (the environment's
    WANGGE_NOTIFY_CONFIG): the change's messages wait in the outbox and the server sends them."""
    r = request(server.port, "POST", "/api/v1/reports", key=keys["resident:e2e"],
                json_body={"category": "0101", "text": "楼道灯坏了", "location": {"lon": LON, "lat": LAT},
                           "reporter": {"phone": "13500135000"}})
    c.check("a resident reports a case for the command line to register", r.status == 201, r)
    rid = r.json()["id"] if r.status == 201 else "r_x"
    before = len(receiver.delivered("/sms"))
    done = subprocess.run([WANGGE, "report", "act", rid, "register", "--as", "d01"],
                          env=dict(env, WANGGE_NOTIFY_CONFIG=config, WANGGE_BASE_URL="https://wangge.example.cn"),
                          capture_output=True, text=True, timeout=60)
    c.check("wangge report act … register: exit 0", done.returncode == 0, done.stderr)
    sent = [json.loads(b) for _, _, b in receiver.wait_for("/sms", before + 1)[before:]]
    c.check("... the server's runner sends its 立案 SMS (template SMS_100) to the reporter's phone, "
            "the link on the public base URL",
            len(sent) == 1 and sent[0]["template_id"] == "SMS_100" and sent[0]["phone"] == "13500135000"
            and sent[0]["params"]["link"].startswith("https://wangge.example.cn/"), sent)
    done = subprocess.run([WANGGE, "report", "act", rid, "cancel", "--as", "d01", "--reason", "x",
                           "--notify-config", "/nonexistent/notify.json"],
                          env=env, capture_output=True, text=True, timeout=60)
    c.check("... a missing configuration file: refused naming the option, nothing changed",
            done.returncode != 0 and "--notify-config" in done.stderr
            and request(server.port, "GET", f"/api/v1/reports/{rid}", key=keys["d01"]).json()["state"]
            == "registered", done.stderr)


def bad_configs(c, tmp, env):
    cases = [
        ({"channels": [{"name": "x", "type": "webhook", "url": "http://127.0.0.1:1/"}]},
         "channels[0] ('x'): the field 'secret' is required"),
        ({"channels": [{"name": "x", "type": "telegram", "url": "http://127.0.0.1:1/"}]},
         "channels[0] ('x').type: 'telegram' is not one of webhook, wecom, dingtalk, sms"),
        ({"channels": [{"name": "x", "type": "wecom", "url": "ftp://example.cn/"}]},
         "channels[0] ('x').url: must be an http:// or https:// URL"),
        ({"channels": [{"name": "x", "type": "sms", "url": "http://127.0.0.1:1/", "templates": {"nope": "S"}}]},
         "'nope' is not a kind"),
        ({"templates": {"closed": "案件 {case} 由 {reporter_phone} 反映"}},
         "templates.closed: the template of 'closed' names the field {reporter_phone}"),
        ({"templates": {"area": "{case} 已{level}"}},
         "templates.area: the template of 'area' names {level}, which residents hear but may not see"),
        ({"templates": {"assigned": "案件 {case"}}, "unmatched brace"),
        ({"retry": {"max_attempts": 0}}, "retry.max_attempts: must be a whole number from 1 to 100"),
        ({"channel": []}, "unknown field 'channel'"),
        ({"rules": [{"kinds": ["closed"], "send": "no"}]}, "rules[0]: the field 'send' (true or false) is required"),
        ({"quiet_hours": {"from": "22:00", "to": "7:00"}}, "quiet_hours.to: must be a time of day HH:MM"),
        ({"channels": [{"name": "x", "type": "sms", "url": "http://127.0.0.1:1/", "templates": {"closed": "S"},
                        "digest_after": 3}]},
         "channels[0] ('x').digest_after: an sms digest needs a template id for it: templates.digest"),
    ]
    for cfg, message in cases:
        path = os.path.join(tmp, "bad.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cfg, f, ensure_ascii=False)
        p = subprocess.run([WANGGE, "serve", "--port", "0", "--notify-config", path], env=env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        c.check(f"a bad configuration stops start-up with exit 2 naming the field: {message}",
                p.returncode == 2 and message in p.stderr and "serving" not in p.stdout, (p.returncode, p.stderr))
    p = subprocess.run([WANGGE, "serve", "--port", "0", "--notify-webhook", "http://127.0.0.1:1/"], env=env,
                       text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    c.check("--notify-webhook without --notify-secret: exit 2 naming it",
            p.returncode == 2 and "--notify-secret" in p.stderr, (p.returncode, p.stderr))


if __name__ == "__main__":
    sys.exit(main())
