#!/usr/bin/env python3
"""Patrols (巡查) over real HTTP, on both stores.

Usage: patrols_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- the routes of the sample (patrols.json, reference data): the office sees every route, a
  group's 网格员 exactly his group's, a 片长 those of his block's groups (counted from the
  file independently); a 邻长 below sees none; anonymous 401, a resident 403;
- today's tally of a three-times-a-day drowning-risk route: every point requires three;
- a check-in 10 m from a point with a 5 m fix: 201, its distance as an independent haversine
  gives it; the point's tally counts one done; a second check-in a minute later is kept but
  does not count again (the route wants two hours between them);
- bad check-ins, each a precise 4xx with nothing written: 80 m away with a 20 m fix (400
  naming the distance and the radius), a fix worse than 100 m, 1e400 and text for a number,
  an unknown point or field, a time in the future, a dispatcher (403), another group's
  worker (404), an unknown route (404);
- a check-in made 23 hours ago (a phone that was offline) counts on its own day, and the
  rest of that day is missed (or still to do, if that day is today);
- the check-ins of a route, newest first, paged; another group's worker is refused them;
- bad periods: not a date, reversed, longer than 62 days;
- a day's cap: a route keeps ten times what it requires a day; one more check-in is 429 and
  nothing is written.
"""
import json
import math
import os
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
SHANGHAI = timezone(timedelta(hours=8))


def haversine_m(lon1, lat1, lon2, lat2):
    r = 6371008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def north_of(point, metres):
    """The point @p metres due north (a degree of latitude is 111,195 m on this sphere)."""
    return point["lon"], point["lat"] + metres / (math.pi / 180 * 6371008.8)


with open(os.path.join(DATA, "patrols.json"), encoding="utf-8") as f:
    PLAN = json.load(f)["routes"]
WATER = next(r for r in PLAN if r["kind"] == "防溺水" and not r["work_days_only"])
GROUP = WATER["grid"]
BLOCK = GROUP[:12]
OTHER = next(r for r in PLAN if r["grid"][:12] != BLOCK)


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_patrols_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who) for who in ["d01", "resident:x"]}
    for name, scope in [("group", GROUP), ("block", BLOCK), ("other", OTHER["grid"]),
                        ("unit", GROUP + "01")]:
        keys[name] = create_key(WANGGE, env, None, "--role", "grid_worker", "--scope", scope)
    # The daily cap is reached below: the key's own rate limit stays out of the way.
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"),
                    args=["--tick-seconds", "0", "--rate-per-key", "10000",
                          "--rate-per-address-keyed", "10000"])
    server.start()
    try:
        patrols(c, server.port, keys)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)


def patrols(c, port, keys):
    def call(method, path, who=None, body=None, raw=None):
        headers = {"Content-Type": "application/json"} if raw is not None else None
        return request(port, method, path, key=keys[who] if who else None, json_body=body,
                       body=raw, headers=headers)

    c.check("anonymous: 401", call("GET", "/api/v1/patrols").status == 401)
    c.check("a resident: 403", call("GET", "/api/v1/patrols", "resident:x").status == 403)
    r = call("GET", "/api/v1/patrols", "d01")
    c.check(f"the office sees every route of patrols.json ({len(PLAN)})",
            r.status == 200 and sorted(x["id"] for x in r.json()["routes"]) == sorted(x["id"] for x in PLAN), r)
    r = call("GET", "/api/v1/patrols", "group")
    mine = r.json()["routes"] if r.status == 200 else []
    c.check("a group's 网格员 sees exactly his group's route",
            [x["id"] for x in mine] == [WATER["id"]], r)
    in_block = sorted(x["id"] for x in PLAN if x["grid"].startswith(BLOCK))
    r = call("GET", "/api/v1/patrols", "block")
    c.check(f"a 片长 sees the routes of his block's groups ({len(in_block)})",
            r.status == 200 and sorted(x["id"] for x in r.json()["routes"]) == in_block, r)
    c.check("a 邻长 below the group sees none",
            call("GET", "/api/v1/patrols", "unit").json().get("routes") == [])
    route = mine[0] if mine else {"points": []}
    c.check("today every point of the drowning-risk route requires three check-ins, none made",
            route["points"] and all(p["required"] == 3 and p["done"] == 0 and p["outstanding"] == 3
                                    for p in route["points"])
            and route["required"] == 3 * len(WATER["points"]), route)

    rid = WATER["id"]
    point = WATER["points"][0]

    def checkins():
        r = call("GET", f"/api/v1/patrols/{rid}/checkins?limit=1000", "d01")
        return r.json()["checkins"] if r.status == 200 else None

    lon, lat = north_of(point, 80)
    far = {"point": point["id"], "lon": lon, "lat": lat, "accuracy_m": 20}
    lon0, lat0 = north_of(point, 0)
    at_point = {"point": point["id"], "lon": lon0, "lat": lat0}
    future = (datetime.now(SHANGHAI) + timedelta(hours=1)).isoformat(timespec="seconds")
    bad = [("group", far, 400, "30 m of it, plus the fix's accuracy 20 m"),
           ("group", dict(at_point, accuracy_m=150), 400, "worse than 100 m"),
           ("group", dict(at_point, lon="112.9"), 400, "lon"),
           ("group", dict(at_point, point="p99"), 400, "not on route"),
           ("group", dict(at_point, colour="red"), 400, "colour"),
           ("group", dict(at_point, at=future), 400, "future"),
           ("group", {"point": point["id"]}, 400, "lon and lat are required"),
           ("d01", at_point, 403, "grid workers"),
           ("other", at_point, 404, "does not exist"),
           ("unit", at_point, 404, "does not exist")]
    for who, body, status, word in bad:
        r = call("POST", f"/api/v1/patrols/{rid}/checkins", who, body)
        c.check(f"check-in by {who} {str(body)[:60]}: {status} naming '{word}'",
                r.status == status and word in r.body.decode(), r)
    raw = ('{"point": "%s", "lon": 1e400, "lat": %r}' % (point["id"], lat0)).encode()
    r = call("POST", f"/api/v1/patrols/{rid}/checkins", "group", raw=raw)
    c.check("lon 1e400: 400", r.status == 400, r)
    r = call("POST", "/api/v1/patrols/no-such-route/checkins", "group", at_point)
    c.check("an unknown route: 404", r.status == 404, r)
    c.check("... none of them was written", checkins() == [])

    lon, lat = north_of(point, 10)
    r = call("POST", f"/api/v1/patrols/{rid}/checkins", "group",
             {"point": point["id"], "lon": lon, "lat": lat, "accuracy_m": 5, "notes": "水位正常"})
    got = r.json() if r.status == 201 else {}
    expect = haversine_m(lon, lat, point["lon"], point["lat"])
    c.check(f"10 m from the point with a 5 m fix: 201, {expect:.2f} m away by an independent haversine",
            r.status == 201 and abs(got["distance_m"] - expect) < 0.05 and got["route"] == rid
            and got["grid_chain"][0] == GROUP, r)
    r = call("POST", f"/api/v1/patrols/{rid}/checkins", "group", dict(at_point, accuracy_m=3))
    c.check("a second check-in a minute later is kept", r.status == 201, r)
    r = call("GET", f"/api/v1/patrols/{rid}", "group")
    p = next((x for x in r.json()["points"] if x["id"] == point["id"]), {}) if r.status == 200 else {}
    c.check("... but counts once (two hours apart): done 1, outstanding 2",
            p.get("done") == 1 and p.get("outstanding") == 2 and p.get("missed") == 0, p)

    earlier = datetime.now(SHANGHAI) - timedelta(hours=23)
    second = WATER["points"][-1]
    r = call("POST", f"/api/v1/patrols/{rid}/checkins", "group",
             dict(at_point, point=second["id"], lon=second["lon"], lat=second["lat"],
                  at=earlier.isoformat(timespec="seconds")))
    c.check("a check-in made 23 hours ago (recorded late): 201", r.status == 201, r)
    day = earlier.date().isoformat()
    r = call("GET", f"/api/v1/patrols/{rid}?from={day}&to={day}", "group")
    p = next((x for x in r.json()["points"] if x["id"] == second["id"]), {}) if r.status == 200 else {}
    today = day == datetime.now(SHANGHAI).date().isoformat()
    c.check(f"... it counts on its own day ({day}); the rest of that day is "
            + ("still to do (it is today)" if today else "missed"),
            p.get("done") == 1 and p.get("required") == 3
            and (p.get("outstanding") if today else p.get("missed")) == 2, p)

    r = call("GET", f"/api/v1/patrols/{rid}/checkins?limit=2", "group")
    page = r.json() if r.status == 200 else {}
    c.check("the route's check-ins, newest first, two a page",
            len(page.get("checkins", [])) == 2 and page["next"]
            and page["checkins"][0]["at"] >= page["checkins"][1]["at"], r)
    r2 = call("GET", f"/api/v1/patrols/{rid}/checkins?limit=2&after={page.get('next')}", "group")
    c.check("... the next page holds the third", r2.status == 200 and len(r2.json()["checkins"]) == 1, r2)
    c.check("another group's worker: 404 for them",
            call("GET", f"/api/v1/patrols/{rid}/checkins", "other").status == 404)
    for q, word in [("from=2026-13-01", "from"), ("from=2026-12-10&to=2026-12-01", "after"),
                    ("from=2026-01-01&to=2026-06-30", "62 days")]:
        r = call("GET", f"/api/v1/patrols?{q}", "d01")
        c.check(f"?{q}: 400 naming '{word}'", r.status == 400 and word in r.body.decode(), r)
    c.check("the office counts three check-ins", len(checkins() or []) == 3)

    # A route keeps at most ten times what it requires a day, whatever a phone sends.
    cap = 10 * WATER["times_per_day"] * len(WATER["points"])
    today_made = sum(1 for x in checkins() or [] if x["at"][:10] == datetime.now(SHANGHAI).date().isoformat())
    statuses = [call("POST", f"/api/v1/patrols/{rid}/checkins", "group", at_point).status
                for _ in range(cap - today_made)]
    c.check(f"taps up to the day's cap ({cap}) are kept", statuses == [201] * (cap - today_made), set(statuses))
    r = call("POST", f"/api/v1/patrols/{rid}/checkins", "group", at_point)
    c.check("... one more: 429 naming the cap, nothing written",
            r.status == 429 and f"{cap} check-ins on that day already" in r.body.decode()
            and len(checkins() or []) == 3 + cap - today_made, r)
    r = call("GET", f"/api/v1/patrols/{rid}", "group")
    p = next((x for x in r.json()["points"] if x["id"] == point["id"]), {}) if r.status == 200 else {}
    c.check("... and the day's tally still counts at most three at the point", p.get("done") == 1, p)


if __name__ == "__main__":
    sys.exit(main())
