#!/usr/bin/env python3
"""End-to-end tests of `wangge serve` over real HTTP on loopback.

Usage: http_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis
(postgis: a fresh schema in the database of WANGGE_TEST_PG, dropped at the end)

Drives the whole dispatch loop over HTTP (submit by a resident app and a grid worker, register,
dispatch, accept, handle, close, evaluate), restarting the server between steps; checks events,
statistics and the Open311 views; object-level authorisation (another grid's case is 404),
privacy of public views and the access log, strict bodies (malformed, unknown and server-owned
fields, NUL bytes, oversize), SQL-looking text stored verbatim, Idempotency-Key replay and 422,
405 + Allow on every path of the contract, 401/403, 429 and 503 with Retry-After, /metrics,
/readyz, and a graceful SIGTERM that loses no acknowledged write. Open311 conformance is in
open311_test.py (same server harness).
"""
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store, until  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

# Facts of the committed sample (geodata/sample): a point of unit 43030200901300105 and its leader.
LON, LAT = 112.926891, 27.8576002
UNIT, LEADER = "43030200901300105", "w43030200901300105"
OTHER_LEADER = "w43030200901200205"


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_http_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who) for who in
            ["d01", "s01", "a01", OTHER_LEADER, "dept-hw", "dept-sz", "resident:u1", "resident:u2", "app:wechat"]}
    # The unit leader's key is made by role and scope: the grid names the person.
    keys[LEADER] = create_key(WANGGE, env, None, "--role", "grid_worker", "--scope", UNIT)
    listed = subprocess.run([WANGGE, "keys", "list"], env=env, stdout=subprocess.PIPE, text=True).stdout
    c.check("keys create --role grid_worker --scope UNIT made a key for the unit's leader",
            any(LEADER in line and "grid_worker" in line for line in listed.splitlines()), listed)
    ambiguous = subprocess.run([WANGGE, "keys", "create", "--role", "dispatcher"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    c.check("keys create --role dispatcher (two dispatchers): exit 2 naming both, no key printed",
            ambiguous.returncode == 2 and "d01, d02" in ambiguous.stderr and ambiguous.stdout == "", ambiguous.stderr)
    log_path = os.path.join(tmp, "server.log")
    server = Server(WANGGE, env, log_path, ["--rate-per-key", "1000", "--rate-per-address", "1000"])
    server.start()

    def call(method, path, key=None, **kw):
        return request(server.port, method, path, key=keys.get(key) if key else None, **kw)

    # ---- system routes ------------------------------------------------------------------------
    r = call("GET", "/healthz")
    c.check("healthz answers 200 ok", r.status == 200 and r.json() == {"status": "ok"}, r)
    r = call("GET", "/readyz")
    c.check("readyz names the store", r.status == 200 and r.json()["store"] == KIND, r)
    r = call("GET", "/api/openapi.yaml")
    c.check("the contract is served", r.status == 200 and r.body.startswith(b"openapi: 3.0.3"), r)
    with open(os.path.join(SRC, "api", "openapi.yaml"), "rb") as f:
        c.check("the served contract is the file", r.body == f.read(), "differs")
    try:
        contract = yaml.safe_load(r.body)
        c.check("the contract parses as YAML into an OpenAPI 3.0 document with paths",
                contract.get("openapi", "").startswith("3.0") and len(contract.get("paths", {})) > 20, contract.keys())
    except yaml.YAMLError as e:
        contract = None
        c.check("the contract parses as YAML", False, e)
    r = call("GET", "/api/openapi.json")
    c.check("the JSON contract is the YAML's document (else run scripts/gen-openapi-json)",
            r.status == 200 and r.ctype == "application/vnd.oai.openapi+json" and contract is not None
            and r.json() == contract, r.ctype)
    r = call("GET", "/no/such/thing")
    c.check("an unknown path is a 404 problem", r.status == 404 and r.ctype == "application/problem+json"
            and r.json()["code"] == "not-found" and r.json()["request_id"] == r.headers.get("x-request-id"), r)

    # ---- every path of the contract answers the nine methods ----------------------------------
    contract = parse_contract(os.path.join(SRC, "api", "openapi.yaml"))
    bad = []
    for path, methods in contract.items():
        fmt = "mvt" if path.startswith("/tiles/") and "{z}" in path else "json"
        concrete = (path.replace("{format}", fmt).replace("{id}", "R0").replace("{service_code}", "0101")
                    .replace("{service_request_id}", "R0").replace("{token}", "R0"))
        allowed = set(methods) | ({"HEAD"} if "GET" in methods else set()) | {"OPTIONS"}
        for m in METHODS:
            if m in allowed:
                continue
            r = call(m, concrete)
            got = {x.strip() for x in r.headers.get("allow", "").split(",") if x.strip()}
            if r.status != 405 or got != allowed:
                bad.append(f"{m} {concrete}: {r.status} Allow={sorted(got)} want {sorted(allowed)}")
        r = call("OPTIONS", concrete)
        if r.status != 204:
            bad.append(f"OPTIONS {concrete}: {r.status}")
    c.check(f"all nine methods on the {len(contract)} paths of the contract: 405 + Allow where unused", not bad, bad[:5])

    # ---- authentication -------------------------------------------------------------------------
    report = {"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "路边垃圾堆放，已经三天没人清理",
              "reporter": {"name": "张三", "phone": "13800138000"}}
    r = call("POST", "/api/v1/reports", json_body=report)
    c.check("POST without a key: 401 with WWW-Authenticate", r.status == 401 and r.headers.get("www-authenticate") == "Bearer", r)
    r = request(server.port, "POST", "/api/v1/reports", key="wg_notavalidkey000000", json_body=report)
    c.check("POST with an unknown key: 401", r.status == 401 and "not valid" in r.json()["detail"], r)
    r = call("GET", "/api/v1/stats", key="resident:u1")
    c.check("a resident may not read statistics: 403", r.status == 403, r)

    # ---- the loop, with restarts between steps ------------------------------------------------------
    r = call("POST", "/api/v1/reports", key="app:wechat", json_body=report, headers={"Idempotency-Key": "wx-0001"})
    c.check("an anonymous resident (through the app's key) submits: 201 with Location", r.status == 201
            and r.headers.get("location", "").endswith("/api/v1/reports/" + r.json().get("id", "?")), r)
    rid = r.json()["id"]
    first = r.json()
    c.check("the report is located in the sample's unit, with its leader", first["assignment"]["grid"] == UNIT
            and first["assignment"]["chain"][0] == UNIT and first["assignment"]["leader"]["name"], first.get("assignment"))
    c.check("the nearest service point on foot is recorded", first["nearest_service"] and first["nearest_service"]["id"] == "SP04"
            and first["nearest_service"]["within_circle"], first.get("nearest_service"))
    replay = call("POST", "/api/v1/reports", key="app:wechat", json_body=report, headers={"Idempotency-Key": "wx-0001"})
    c.check("the same Idempotency-Key and body: the original response, marked replayed",
            replay.status == 201 and replay.json() == first and replay.headers.get("idempotent-replayed") == "true", replay)
    other = dict(report, text="另一处垃圾")
    r = call("POST", "/api/v1/reports", key="app:wechat", json_body=other, headers={"Idempotency-Key": "wx-0001"})
    c.check("the same Idempotency-Key with another body: 422", r.status == 422 and r.ctype == "application/problem+json", r)

    patrol = {"location": {"lon": LON + 0.0002, "lat": LAT}, "category": "0101", "text": "巡查发现：占道经营", "channel": "patrol"}
    r = call("POST", "/api/v1/reports", key=LEADER, json_body=patrol)
    c.check("a grid worker submits a patrol finding: 201", r.status == 201 and r.json()["channel"] == "patrol", r)
    patrol_id = r.json()["id"]

    r = call("GET", f"/api/v1/reports/{rid}", key="d01")
    c.check("after a restart the report is there, unchanged", r.status == 200 and r.json()["version"] == first["version"]
            and r.json()["reporter"]["phone"] == "13800138000", r)

    def act(key, action, expect=200, **fields):
        body = dict(action=action, **fields)
        r = call("POST", f"/api/v1/reports/{rid}/actions", key=key, json_body=body)
        c.check(f"{action} by {key}: {expect}", r.status == expect, r)
        return r

    act("d01", "register", note="受理")
    r = act("d01", "dispatch", to={"kind": "grid", "id": UNIT})
    c.check("dispatch sets the assignee and a deadline", r.json()["assignee"]["id"] == UNIT and r.json()["due_at"], r)
    server.restart(c)
    r = call("POST", f"/api/v1/reports/{rid}/actions", key=OTHER_LEADER, json_body={"action": "accept"})
    c.check("a worker of another grid acting on the case: 404, not 403", r.status == 404, r)
    r = call("GET", f"/api/v1/reports/{rid}", key=OTHER_LEADER)
    c.check("a worker of another grid reading the case: 404, as for a case that does not exist",
            r.status == 404 and r.json()["detail"] == f"report {rid} does not exist", r)
    r404 = call("GET", "/api/v1/reports/R00000000-999999", key=OTHER_LEADER)
    c.check("... the same answer as a truly unknown id (apart from the id)",
            r404.status == 404 and r404.json()["detail"] == "report R00000000-999999 does not exist", r404)
    r = call("GET", f"/api/v1/reports/{rid}/events", key="dept-hw")
    c.check("department staff not dispatched to: 404 on the events", r.status == 404, r)
    act(LEADER, "close", expect=403)  # the role may never close: 403, before the state
    r = act("d01", "close", expect=409)  # a dispatcher may, but not a case not yet handled
    c.check("409 names the state and the dispatcher's own actions allowed now (not the leader's accept)",
            r.json().get("detail", "").endswith("it is 'dispatched'; allowed now: escalate, reassign"), r)
    act(LEADER, "accept")
    act(LEADER, "handle", note="已清理完毕", media=["https://example.org/after.jpg"])
    server.restart(c)
    act("d01", "close", note="核查属实")
    act("resident:u2", "evaluate", expect=404, rating=1)
    act("app:wechat", "evaluate", rating=5, note="很及时")
    server.restart(c)
    r = call("GET", f"/api/v1/reports/{rid}/events", key="d01")
    actions = [e["action"] for e in r.json()["events"]]
    c.check("every step is an event, in order, across four restarts",
            actions == ["submit", "register", "dispatch", "accept", "handle", "close", "evaluate"], actions)
    r = call("GET", f"/api/v1/reports/{rid}", key="d01")
    c.check("the report is evaluated with the rating", r.json()["state"] == "evaluated" and r.json()["rating"] == 5, r)

    r = call("GET", "/api/v1/stats?group_by=total", key="s01")
    row = r.json()["rows"][0]
    c.check("stats count both reports and the closure", r.status == 200 and row["reported"] == 2 and row["closed"] >= 1
            and row["evaluated"] == 1, row)
    r = call("GET", "/api/v1/stats?group_by=colour", key="s01")
    c.check("stats: an unknown grouping is a 400 naming the choices", r.status == 400 and "colour" in r.json()["detail"], r)
    r = call("GET", f"/open311/v2/requests/{rid}.json")
    o = r.json()[0] if r.status == 200 else {}
    c.check("Open311 shows the loop: closed, with the agency and times with offsets",
            o.get("status") == "closed" and first["assignment"]["leader"]["name"] in o.get("agency_responsible", "-") and re.search(r"[+-]\d\d:\d\d$", o.get("requested_datetime", "")), o)

    # ---- listing, filters, pagination, scope ------------------------------------------------------
    r = call("GET", "/api/v1/reports?grid=430302009&limit=1", key="d01")
    c.check("list with a grid filter (the subdistrict: all its descendants) and limit 1 gives a next link", r.status == 200 and len(r.json()["reports"]) == 1
            and r.json()["next"] and 'rel="next"' in r.headers.get("link", ""), r)
    nxt = urllib.parse.urlsplit(r.json()["next"] or "")
    r2 = call("GET", nxt.path + "?" + nxt.query, key="d01")
    ids = [x["id"] for x in r.json()["reports"]] + [x["id"] for x in r2.json()["reports"]]
    c.check("the next page continues without repeats", r2.status == 200 and sorted(ids) == sorted({rid, patrol_id}), ids)
    r = call("GET", "/api/v1/reports?grid=43030200901_", key="d01")
    c.check("a grid filter is literal: '_' is no wildcard (43030200901_ matches nothing)",
            r.status == 200 and r.json()["reports"] == [], r)
    r = call("GET", "/api/v1/reports?state=evaluated", key=OTHER_LEADER)
    c.check("a worker of another grid lists none of these cases", r.status == 200 and r.json()["reports"] == [], r)
    r = call("GET", "/api/v1/reports?state=flying", key="d01")
    c.check("an unknown state filter is a 400 naming it", r.status == 400 and "flying" in r.json()["detail"], r)
    r = call("GET", "/api/v1/reports?bbox=1,2,3", key="d01")
    c.check("a malformed bbox is a 400", r.status == 400 and "bbox" in r.json()["detail"], r)

    # ---- privacy ----------------------------------------------------------------------------
    r = call("GET", f"/api/v1/reports/{rid}")
    pub = r.json()
    c.check("anonymous readers get the public view: no reporter, no phone", r.status == 200 and "reporter" not in pub
            and b"13800138000" not in r.body and "张三" not in r.body.decode(), pub)
    c.check("public coordinates are rounded to 4 decimals",
            pub["location"]["lon"] == round(LON, 4) and pub["location"]["lat"] == round(LAT, 4) and "reported" not in pub["location"], pub["location"])
    r = call("GET", f"/api/v1/reports/{rid}", key="resident:u2")
    c.check("another resident sees only the public view", r.status == 200 and "reporter" not in r.json(), r)
    r = call("GET", "/api/v1/reports?limit=200")
    c.check("the anonymous list shows no personal data", r.status == 200 and b"13800138000" not in r.body and "张三" not in r.body.decode(), "leak")
    r = call("GET", f"/open311/v2/requests.json?service_request_id={rid}&extensions=true")
    c.check("Open311 shows no personal data", r.status == 200 and b"13800138000" not in r.body and "张三" not in r.body.decode(), r)
    o311 = r.json()[0] if r.status == 200 and r.json() else {}
    r = call("GET", f"/ogc/collections/reports/items/{rid}")
    ogc = r.json() if r.status == 200 else {}
    c.check("one public position on every surface: v1, Open311 and OGC give the same rounded point",
            [o311.get("long"), o311.get("lat")] == [pub["location"]["lon"], pub["location"]["lat"]]
            == (ogc.get("geometry") or {}).get("coordinates"), (o311.get("long"), o311.get("lat"), ogc.get("geometry")))
    c.check("OGC shows no personal data", r.status == 200 and b"13800138000" not in r.body and "张三" not in r.body.decode(), r)

    # ---- strict bodies ------------------------------------------------------------------------
    def post(body, key="app:wechat", raw=None, ctype="application/json"):
        return call("POST", "/api/v1/reports", key=key, body=raw if raw is not None else json.dumps(body).encode(),
                    headers={"Content-Type": ctype})

    r = post(None, raw=b'{"location": {"lon": 112.9, "lat": ')
    c.check("malformed JSON: 400 naming the byte", r.status == 400 and "not valid JSON: error at byte" in r.json()["detail"], r)
    r = post(None, raw=b"")
    c.check("an empty body: 400", r.status == 400 and "needs a JSON body" in r.json()["detail"], r)
    r = post(None, raw=b"[1,2]")
    c.check("a JSON array: 400", r.status == 400 and "JSON object" in r.json()["detail"], r)
    r = post(dict(report, state="closed", id="R1", assignee={"kind": "grid", "id": "x"}))
    c.check("server-owned fields (mass assignment): 400 naming them", r.status == 400
            and "'assignee', 'id', 'state'" in r.json()["detail"], r)
    r = post(dict(report, colour="red"))
    c.check("an unknown field: 400 naming it", r.status == 400 and "'colour'" in r.json()["detail"], r)
    r = post(dict(report, location={"lon": "112.9", "lat": LAT}))
    c.check("a wrong type: 400 naming the field and the type", r.status == 400
            and "field 'location.lon' must be a number" in r.json()["detail"], r)
    r = post(None, raw=json.dumps(dict(report, text="a\u0000b")).encode())
    c.check("a NUL byte in text: 400", r.status == 400 and "NUL" in r.json()["detail"], r)
    r = post(dict(report, location={"lon": LON, "lat": 95}))
    c.check("latitude 95: 422 invalid-coordinate naming the rule", r.status == 422 and "95" in r.json()["detail"], r)
    r = post(None, raw=b'{"location":{"lon":NaN,"lat":27.8},"category":"0101","text":"x"}')
    c.check("NaN: 400", r.status == 400, r)
    r = post(dict(report, text="x" * 5000))
    c.check("text over 4000 characters: refused with the limit", r.status in (400, 413) and "4000" in r.json()["detail"], r)
    r = post(dict(report, category="9999"))
    c.check("an unknown category: 400 naming it", r.status == 400 and "9999" in r.json()["detail"], r)
    r = post(None, raw=b'{"text":"' + b"x" * 70000 + b'"}')
    c.check("a body over the request limit: 413 (nothing stored)", r.status == 413, r)
    r = call("GET", "/api/v1/locate?lon=112.9%00&lat=27.8")
    c.check("a NUL byte in the query: 400", r.status == 400, r)
    numbers_from_outside(c, call, post, report, log_path)
    r = call("GET", "/api/v1/reports?limit=200", key="d01")
    c.check("none of the refused bodies was stored", r.status == 200 and len(r.json()["reports"]) == 2, len(r.json()["reports"]))

    sql = "'; DROP TABLE reports; -- \" OR 1=1; SELECT * FROM api_keys WHERE '' = '"
    r = post(dict(report, text=sql, reporter={"name": "Robert'); DROP TABLE students;--", "phone": "13900139000"}))
    c.check("SQL-looking text is accepted", r.status == 201, r)
    sid = r.json()["id"]
    r = call("GET", f"/api/v1/reports/{sid}", key="d01")
    c.check("... and stored verbatim, reporter name too", r.json()["text"] == sql
            and r.json()["reporter"]["name"] == "Robert'); DROP TABLE students;--", r)
    r = call("GET", "/api/v1/reports?limit=200", key="d01")
    c.check("... and the reports table is intact", r.status == 200 and len(r.json()["reports"]) == 3, r)

    # ---- locate, reference data ----------------------------------------------------------------------
    r = call("GET", f"/api/v1/locate?lon={LON}&lat={LAT}")
    c.check("locate: the unit, a four-level chain, the nearest service point", r.status == 200 and r.json()["grid"]["id"] == UNIT
            and len(r.json()["chain"]) == 4 and r.json()["nearest_service"]["id"] == "SP04", r)
    r = call("GET", "/api/v1/locate?lon=113.5&lat=27.86")
    c.check("locate outside the subdistrict: no grid", r.status == 200 and r.json()["grid"] is None
            and r.json()["status"] in ("outside", "not_covered"), r)
    r = call("GET", "/api/v1/grids?level=1")
    c.check("grids by level: the 17 blocks as GeoJSON", r.status == 200 and r.ctype == "application/geo+json"
            and len(r.json()["features"]) == 17, r)
    r = call("GET", f"/api/v1/grids/{UNIT}")
    c.check("one grid with its ancestors", r.status == 200 and len(r.json()["properties"]["ancestors"]) == 3, r)
    r = call("GET", "/api/v1/grids/nope")
    c.check("an unknown grid: 404", r.status == 404, r)
    r = call("GET", "/api/v1/categories")
    c.check("categories with departments and deadlines", r.status == 200 and any(x["code"] == "0101" for x in r.json()["categories"]), r)
    r = call("GET", "/api/v1/service-points")
    c.check("service points as GeoJSON", r.status == 200 and len(r.json()["features"]) > 0, r)
    r = call("GET", "/api/v1/isochrones?service_point=SP04&minutes=10")
    c.check("a 10-minute isochrone", r.status == 200 and r.json()["features"][0]["geometry"]["type"] == "MultiPolygon"
            and r.json()["features"][0]["properties"]["area_km2"] > 0, r)

    # ---- metrics and the access log ---------------------------------------------------------------
    r = call("GET", "/metrics")
    text = r.body.decode()
    c.check("metrics count requests by route and status", r.status == 200
            and re.search(r'wangge_http_requests_total\{route="/api/v1/reports",status="201"\} \d+', text), text[:300])
    c.check("metrics have the latency histogram, queue depth and reports by state",
            "wangge_http_request_duration_seconds_bucket" in text and "wangge_worker_queue_depth" in text
            and 'wangge_reports{state="evaluated"} 1' in text, text[-400:])

    # ---- graceful shutdown under load: no acknowledged write is lost ---------------------------------------
    acked, statuses, lock = [], [], threading.Lock()

    def writer(n):
        for i in range(40):
            try:
                r = request(server.port, "POST", "/api/v1/reports", key=keys["app:wechat"],
                            json_body=dict(report, text=f"load {n}-{i}"), timeout=10)
            except OSError:
                with lock:
                    statuses.append("refused")
                continue
            with lock:
                statuses.append(r.status)
                if r.status == 201:
                    acked.append(r.json()["id"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    until(lambda: len(statuses), lambda n: n >= 8, seconds=10)  # under load: answers coming
    code = server.stop()
    for t in threads:
        t.join()
    c.check("SIGTERM under load: exit 0", code == 0, code)
    c.check("... every answer was 201 or 503 (or a refused connection after the close)",
            set(statuses) <= {201, 503, "refused"} and 201 in statuses, sorted(set(map(str, statuses))))
    server.start()
    r = call("GET", "/api/v1/reports?limit=200", key="d01")
    have = set()
    page = r.json()
    while True:
        have |= {x["id"] for x in page["reports"]}
        if not page["next"]:
            break
        u = urllib.parse.urlsplit(page["next"])
        page = call("GET", u.path + "?" + u.query, key="d01").json()
    lost = [i for i in acked if i not in have]
    c.check(f"... all {len(acked)} acknowledged reports are there after the restart", not lost, lost[:5])
    # ---- the category's questions (attributes) -------------------------------------------------
    cats = {x["code"]: x for x in call("GET", "/api/v1/categories").json()["categories"]}
    c.check("GET /api/v1/categories lists each category's questions (B0102: pole_number, lamps_out)",
            [a["code"] for a in cats["B0102"]["attributes"]] == ["pole_number", "lamps_out"]
            and cats["0101"]["attributes"] == [], cats["B0102"])
    lamp = {"location": {"lon": LON, "lat": LAT}, "category": "B0102", "text": "路灯不亮",
            "attributes": {"pole_number": "LD-0123", "lamps_out": 3}}
    r = call("POST", "/api/v1/reports", key="app:wechat", json_body=lamp)
    c.check("attributes in the JSON body: 201, the answers kept (a number as typed)",
            r.status == 201 and r.json().get("attributes") == {"pole_number": "LD-0123", "lamps_out": "3"}, r)
    attributes_id = r.json().get("id")
    for bad, rule in [({"colour": "red"}, "attribute 'colour' is not asked by category 'B0102'"),
                      ({"lamps_out": "many"}, "attribute 'lamps_out' (不亮的路灯有几盏？) must be a finite number"),
                      ({"lamps_out": {"n": 3}}, "field 'attributes.lamps_out' must be a string, a number or an array"),
                      ({"pole_number": True}, "field 'attributes.pole_number' must be a string")]:
        r = call("POST", "/api/v1/reports", key="app:wechat", json_body=dict(lamp, attributes=bad))
        c.check(f"attributes {json.dumps(bad, ensure_ascii=False)}: 400 naming the rule",
                r.status == 400 and rule in r.json().get("detail", ""), r)

    server.restart(c)
    r = call("GET", f"/api/v1/reports/{attributes_id}", key="d01")
    c.check("after a restart the answers are there", r.status == 200
            and r.json().get("attributes") == {"pole_number": "LD-0123", "lamps_out": "3"}, r)
    server.stop()

    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    c.check("the access log has one line per request with id, method, path, status, bytes and ms",
            re.search(r"[0-9a-f]{16} POST /api/v1/reports 201 \d+ [\d.]+ms", log), log[-300:])
    c.check("the access log holds no personal data", "13800138000" not in log and "张三" not in log
            and "13900139000" not in log and "wg_" not in log, "leak")

    # ---- limits: 429 per address, 503 when the worker queue is full --------------------------------
    tight = Server(WANGGE, env, os.path.join(tmp, "tight.log"),
                   ["--rate-per-address", "2", "--rate-per-key", "1000", "--workers", "1", "--queue", "1"])
    tight.start()
    # A key pays from its own bucket once it has been verified (the first use verifies it).
    first = request(tight.port, "GET", "/api/v1/reports?limit=1", key=keys["d01"])
    c.check("a key's first use verifies it", first.status == 200, first)
    got = [request(tight.port, "GET", "/healthz") for _ in range(20)]
    limited = [r for r in got if r.status == 429]
    c.check("over the per-address rate: 429 with Retry-After", limited and all(int(r.headers.get("retry-after", "0")) >= 1 for r in limited)
            and limited[0].json()["code"] == "rate-limited", [r.status for r in got])
    r = request(tight.port, "GET", "/healthz", key=keys["d01"])
    c.check("a verified key has its own bucket when its address has none left", r.status == 200, r)
    r = request(tight.port, "GET", "/api/v1/reports?limit=1", key="wg_not_a_key_" + "x" * 20)
    c.check("an unverified key pays from its address's bucket: 429, not a store look-up",
            r.status == 429, r)
    results = []
    together = threading.Barrier(12)  # all twelve sent at once, so that they overlap

    def slow():
        together.wait()
        results.append(request(tight.port, "GET", "/api/v1/isochrones", key=keys["d01"], timeout=60))

    threads = [threading.Thread(target=slow) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = [r for r in results if r.status == 503]
    c.check("one worker and a queue of one: the overflow gets 503 with Retry-After, the rest 200",
            busy and all(r.headers.get("retry-after") for r in busy) and all(r.status in (200, 503) for r in results),
            [r.status for r in results])
    c.check("SIGTERM: exit 0", tight.stop() == 0)

    read_budget(c, tmp, env, keys)


def read_budget(c, tmp, env, keys):
    """A read past its time budget is interrupted: 503 with Retry-After, logged, never a hang.
    SQLite: a budget no listing fits in (1 µs: the progress handler stops the statement);
    PostgreSQL: the reports table locked by another session, statement_timeout cancels."""
    budget = "0.000001" if KIND == "sqlite" else "0.3"
    log_path = os.path.join(tmp, "budget.log")
    slow = Server(WANGGE, env, log_path, ["--read-budget", budget, "--rate-per-key", "1000"])
    slow.start()
    locker = None
    try:
        if KIND == "postgis":
            # Another session takes the lock and keeps its transaction open until told to end
            # it; the marker file says the lock is held.
            pg, schema = os.environ["WANGGE_TEST_PG"], env["_SCHEMA"]
            marker = os.path.join(tmp, "locked")
            locker = subprocess.Popen(["psql", pg, "-q"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, text=True)
            locker.stdin.write(f"BEGIN;\nLOCK TABLE {schema}.reports IN ACCESS EXCLUSIVE MODE;\n"
                               f"\\! touch {marker}\n")
            locker.stdin.flush()
            deadline = time.monotonic() + 30
            while not os.path.exists(marker) and time.monotonic() < deadline and locker.poll() is None:
                time.sleep(0.01)
            c.check("another session holds the reports table locked", os.path.exists(marker))
        start = time.monotonic()
        r = request(slow.port, "GET", "/api/v1/reports?limit=200&grid=430302009", key=keys["d01"], timeout=30)
        spent = time.monotonic() - start
        c.check(f"a read past its budget ({budget} s): 503 unavailable with Retry-After, in {spent:.2f} s",
                r.status == 503 and r.ctype == "application/problem+json" and r.json()["code"] == "unavailable"
                and int(r.headers.get("retry-after", "0")) >= 1 and spent < 3, (r, spent))
        rid = r.headers.get("x-request-id", "?")
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
        c.check("... logged with its request id and the budget", any(rid in line and "budget" in line
                                                                      for line in log.splitlines()), log[-600:])
        c.check("... and the server goes on answering", request(slow.port, "GET", "/healthz").status == 200)
    finally:
        if locker:
            locker.communicate("COMMIT;\n", timeout=30)
        c.check("SIGTERM: exit 0", slow.stop() == 0)


def numbers_from_outside(c, call, post, report, log_path):
    """Every number that enters is finite, integral where it must be and within its range, or
    the request is a 400 naming the parameter and the range; none reaches a cast or a 500."""
    for v in ["nan", "inf", "-inf", "1e19", "1e400", "0", "201", "-1", "2.5", "0x10", ""]:
        r = call("GET", "/api/v1/reports?limit=" + urllib.parse.quote(v))
        c.check(f"reports?limit={v}: 400 naming the parameter and the range", r.status == 400
                and r.json()["detail"] == "query parameter 'limit' must be an integer from 1 to 200", r)
    r = call("GET", "/api/v1/reports?limit=200")
    c.check("reports?limit=200 (the cap) is a page", r.status == 200 and len(r.json()["reports"]) <= 200, r)
    r = post(None, raw=b'{"location":{"lon":112.926891,"lat":27.8576002,"accuracy_m":1e400},'
                       b'"category":"0101","text":"x"}')
    c.check("a JSON number 1e400: 400 naming the field, not a 500", r.status == 400
            and "location.accuracy_m" in r.json()["detail"] and "too large" in r.json()["detail"], r)
    r = post(dict(report, location={"lon": LON, "lat": LAT, "accuracy_m": 1e300}))
    c.check("accuracy_m 1e300: 400 with the rule, no number cast out of range", r.status == 400
            and "accuracy_m must be a number from 0 to 5000" in r.json()["detail"]
            and "9223372036854775808" not in r.json()["detail"], r)
    r = call("POST", "/api/v1/reports/R0/actions", key="d01", json_body={"action": "evaluate", "rating": 1e19})
    c.check("rating 1e19: 400 naming the field and the range", r.status == 400
            and "field 'rating' must be an integer from 1 to 5" in r.json()["detail"], r)
    for v in ["-1", "99", "nan", "1.5", "4"]:
        r = call("GET", "/api/v1/stats?group_by=grid&level=" + v, key="s01")
        c.check(f"stats level={v}: 400 naming the levels of the active generation", r.status == 400
                and r.json()["detail"] == "query parameter 'level' must be an integer from 0 to 3", r)
    r = call("GET", "/api/v1/stats?group_by=grid&level=3", key="s01")
    c.check("stats level=3 (the units) is answered", r.status == 200 and r.json()["rows"], r)
    for path, words in [("/api/v1/locate?lon=nan&lat=27.8", "'lon' must be a finite number"),
                        ("/api/v1/locate?lon=112.9&lat=1e400", "'lat' must be a finite number"),
                        ("/api/v1/isochrones?minutes=nan", "'minutes' must be a number from 1 to 60"),
                        ("/api/v1/isochrones?minutes=1e9", "'minutes' must be a number from 1 to 60"),
                        ("/api/v1/grids?level=inf", "'level' must be an integer from 0 to 99"),
                        ("/api/v1/reports?bbox=nan,27,113,28", "bbox must be"),
                        ("/api/v1/reports?bbox=112,27,1e400,28", "bbox must be")]:
        r = call("GET", path)
        c.check(f"{path}: 400 naming the rule", r.status == 400 and words in r.json()["detail"], r)
    r = call("GET", "/healthz")
    c.check("the server is alive after every bad number", r.status == 200, r)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    c.check("no bad number reached an exception the handlers did not name", "unexpected exception" not in log
            and " 500 " not in log, [line for line in log.splitlines() if "unexpected" in line or " 500 " in line][:3])


def parse_contract(path):
    """{path: [METHOD…]} from the contract's `paths:` section."""
    out, cur, in_paths = {}, None, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "paths:":
                in_paths = True
                continue
            if line and not line.startswith(" "):
                in_paths = False
            if not in_paths:
                continue
            m = re.match(r"^  (/\S*):\s*$", line)
            if m:
                cur = m.group(1)
                out[cur] = []
                continue
            m = re.match(r"^    (get|put|post|delete|options|head|patch|trace):", line)
            if m and cur:
                out[cur].append(m.group(1).upper())
    return out


if __name__ == "__main__":
    sys.exit(main())
