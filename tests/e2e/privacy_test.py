#!/usr/bin/env python3
"""One privacy policy on every anonymous surface, over real HTTP and the real CLI.

Usage: privacy_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

A case of a category that is not public (0603 独居老人关怀, elderly people living alone) and a
public case whose staff note names the reporter with a phone number are made through the API;
then every surface anyone can read without a key — API v1 listing, item and events, Open311
JSON and XML (list, item, extensions=true history), OGC API Features items and item, the report
vector tiles and the public export through GDAL — is searched for the private case's id and
text, the note, the name and the phone. They must be absent; the public reply (答复) must be
there, with its phone masked. The reporter and staff still see what is theirs to see.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store, tile_of  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002  # inside unit 43030200901300105 of the sample

NOTE = "已电话联系举报人张三 13800138000，住3栋502"
REPLY = "已安排保洁清运，如有疑问请致电 13900000001"
PRIVATE_TEXT = "独居老人李奶奶 13700000007 近日无人照看"


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_privacy_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who) for who in ["d01", "resident:u1", "app:wechat"]}
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"))
    server.start()
    try:
        exercise(c, tmp, env, server, keys)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)


def exercise(c, tmp, env, server, keys):
    def call(method, path, key=None, **kw):
        return request(server.port, method, path, key=keys.get(key) if key else None, **kw)

    # A private case (独居老人关怀) by a resident, and a public one handled with a staff note.
    r = call("POST", "/api/v1/reports", key="resident:u1",
             json_body={"location": {"lon": LON, "lat": LAT}, "category": "0603", "text": PRIVATE_TEXT})
    c.check("a resident reports a case of a private category: 201", r.status == 201, r)
    private_id = r.json()["id"]
    r = call("POST", "/api/v1/reports", key="resident:u1",
             json_body={"location": {"lon": LON + 0.0001, "lat": LAT}, "category": "0101", "text": "路边垃圾堆放"})
    c.check("... and a public one: 201", r.status == 201, r)
    public_id = r.json()["id"]
    r = call("POST", f"/api/v1/reports/{public_id}/actions", key="d01",
             json_body={"action": "register", "note": NOTE, "public_reply": REPLY})
    c.check("the dispatcher registers it with a staff note and a public reply: 200", r.status == 200, r)
    r = call("POST", f"/api/v1/reports/{public_id}/actions", key="d01",
             json_body={"action": "accept", "media": ["javascript:alert(1)"]})
    c.check("an action's javascript: media is refused with 400 naming the rule",
            r.status == 400 and "https URL" in r.body.decode(), r)

    secrets = [private_id, "13800138000", "张三", "3栋502", "13700000007", "李奶奶", "13900000001"]

    def leaks(body):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        return [s for s in secrets if s in text]

    x, y = tile_of(LON, LAT, 16)
    surfaces = {
        "API v1 listing": "/api/v1/reports?limit=200",
        "API v1 listing of the private category": "/api/v1/reports?category=0603",
        "API v1 public case's events": f"/api/v1/reports/{public_id}/events",
        "API v1 public case": f"/api/v1/reports/{public_id}",
        "Open311 JSON list": "/open311/v2/requests.json?extensions=true&page_size=100",
        "Open311 XML list": "/open311/v2/requests.xml?extensions=true&page_size=100",
        "Open311 JSON list of the private service": "/open311/v2/requests.json?service_code=0603",
        "Open311 public case with its history": f"/open311/v2/requests/{public_id}.json?extensions=true",
        "OGC items": "/ogc/collections/reports/items?limit=1000",
        "OGC items in the point's box": f"/ogc/collections/reports/items?bbox={LON-0.01},{LAT-0.01},{LON+0.01},{LAT+0.01}",
        "report tile at z16": f"/tiles/reports/16/{x}/{y}.mvt",
        "composite tile at z16": f"/tiles/grids,reports/16/{x}/{y}.mvt",
    }
    for name, path in surfaces.items():
        r = call("GET", path)
        c.check(f"anonymous {name}: 200 and none of the private case, the note, the name or a phone",
                r.status == 200 and not leaks(r.body), (r.status, leaks(r.body), path))
    for name, path in {"API v1": f"/api/v1/reports/{private_id}",
                       "API v1 events": f"/api/v1/reports/{private_id}/events",
                       "Open311": f"/open311/v2/requests/{private_id}.json",
                       "OGC": f"/ogc/collections/reports/items/{private_id}"}.items():
        r = call("GET", path)
        # The 404 may repeat the id the caller sent, nothing more.
        told = [s for s in leaks(r.body) if s != private_id]
        c.check(f"anonymous {name} item of the private case: 404, as if it did not exist",
                r.status == 404 and not told, (r.status, told))
    # Counted nowhere either: the Open311 list of its service is empty, OGC's numberMatched skips it.
    r = call("GET", "/open311/v2/requests.json?service_code=0603")
    c.check("the private service's Open311 list is empty", r.status == 200 and r.json() == [], r)

    r = call("GET", f"/api/v1/reports/{public_id}/events")
    events = r.json()["events"] if r.status == 200 else []
    c.check("the public events carry the reply, its phone masked, and no note or actor",
            any(e.get("public_reply") == "已安排保洁清运，如有疑问请致电 139****0001" for e in events)
            and all("note" not in e and "actor" not in e for e in events), events)
    r = call("GET", f"/open311/v2/requests/{public_id}.json?extensions=true")
    c.check("Open311's history shows the masked reply in Chinese",
            r.status == 200 and "139****0001" in r.body.decode() and "已立案" in r.body.decode(), r)

    # The reporter sees their own private case whole; staff see the note.
    r = call("GET", f"/api/v1/reports/{private_id}", key="resident:u1")
    c.check("the reporter reads their private case whole",
            r.status == 200 and r.json().get("text") == PRIVATE_TEXT, r)
    r = call("GET", "/api/v1/reports?category=0603", key="resident:u1")
    c.check("... and finds it in their list", r.status == 200 and [x["id"] for x in r.json()["reports"]] == [private_id], r)
    r = call("GET", f"/api/v1/reports/{private_id}", key="app:wechat")
    c.check("an app key without the resident reads no private case", r.status == 404, r)
    r = call("GET", f"/api/v1/reports/{public_id}/events", key="d01")
    c.check("the dispatcher reads the staff note and the reply",
            r.status == 200 and any(e.get("note") == NOTE and e.get("public_reply") == REPLY for e in r.json()["events"]), r)
    r = call("GET", f"/api/v1/reports/{private_id}", key="d01")
    c.check("the dispatcher reads the private case", r.status == 200 and r.json().get("text") == PRIVATE_TEXT, r)

    # The public export through GDAL (a file the GIS department opens) and the admin's full one.
    server_env = dict(env)
    public_out = os.path.join(tmp, "public.geojson")
    subprocess.run([WANGGE, "export", "reports", "--out", public_out], env=server_env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    body = open(public_out, encoding="utf-8").read()
    c.check("the public export holds the public case and none of the private one",
            public_id in body and not leaks(body), leaks(body))
    full_out = os.path.join(tmp, "full.geojson")
    subprocess.run([WANGGE, "export", "reports", "--personal", "--as", "a01", "--out", full_out], env=server_env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c.check("the admin's personal export holds the private case", private_id in open(full_out, encoding="utf-8").read())


if __name__ == "__main__":
    sys.exit(main())
