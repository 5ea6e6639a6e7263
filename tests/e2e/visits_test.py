#!/usr/bin/env python3
"""Households and visits (入户走访) over real HTTP, on both stores.

Usage: visits_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- the households of the sample (households.csv, seeded with the store): a 邻长 lists exactly
  his unit's, as the CSV counts them independently; each with its interval (5 working days
  for 独居老人 and 重点关注, 20 otherwise) and not yet overdue; anonymous 401, a resident 403,
  another unit's household 404 to him and 200 to the office;
- a visit by the 邻长: 201, its household's last visit moves, he earns the "visit" points
  once this month (a second visit earns nothing); a visit that found nobody moves only the
  last attempt;
- bad visits, each a precise 4xx with nothing written: a household in another grid (403
  naming it), a concern without notes, notes over 2,000 bytes, a time in the future, an
  unknown outcome or field, an unknown household (404), a follow-up of an unknown category;
- a follow-up case raised from a visit: a case at the household's building, channel patrol,
  that the visit names;
- listings: visits newest first, by household; another unit's worker is refused them;
- visit coverage in the grids tiles (read with GDAL): each grid of the unit's chain carries the
  households under it (counted from households.csv and grids.geojson's parents) and those not
  visited this month, one fewer after each visit that found someone, none fewer after one that
  found nobody (the tile is rebuilt at once: the visit invalidates it).
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, ogr_features, request, run_on_fresh_store, tile_of  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
UNIT, LEADER = "43030200901300105", "w43030200901300105"
OTHER_UNIT = "43030200901300101"


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_visits_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who) for who in ["d01", "resident:x"]}
    keys[LEADER] = create_key(WANGGE, env, None, "--role", "grid_worker", "--scope", UNIT)
    keys["other"] = create_key(WANGGE, env, None, "--role", "grid_worker", "--scope", OTHER_UNIT)
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0"])
    server.start()
    try:
        book(c, server.port, keys, tmp)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)


def chains():
    """Each grid's chain (itself first), from grids.geojson's parent links."""
    with open(os.path.join(DATA, "grids.geojson"), encoding="utf-8") as f:
        parent = {g["properties"]["id"]: g["properties"].get("parent_id") for g in json.load(f)["features"]}

    def chain(g):
        out = []
        while g:
            out.append(g)
            g = parent.get(g)
        return out
    return {g: chain(g) for g in parent}


def coverage(port, tmp, lon, lat):
    """{grid id: (households_listed, not_visited_month)} of the z15 grids tile at lon/lat."""
    x, y = tile_of(lon, lat, 15)
    r = request(port, "GET", f"/tiles/grids/15/{x}/{y}.mvt")
    path = os.path.join(tmp, "coverage.pbf")
    with open(path, "wb") as f:
        f.write(r.body if r.status == 200 else b"")
    if r.status != 200:
        return {}
    return {f["id"]: (int(f["households_listed"]), int(f["not_visited_month"]))
            if "households_listed" in f else None for f in ogr_features(path)}


def book(c, port, keys, tmp):
    def call(method, path, who=None, body=None):
        return request(port, method, path, key=keys[who] if who else None, json_body=body)

    with open(os.path.join(DATA, "households.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    mine = [r for r in rows if r["unit"] == UNIT]
    chain_of = chains()
    listed = {}  # grid -> households under it, counted from the CSV
    for row in rows:
        for g in chain_of.get(row["unit"], []):
            listed[g] = listed.get(g, 0) + 1
    unit_of = {row["id"]: row["unit"] for row in rows}
    visited = set()  # households found at home this month, by this test

    def coverage_holds(what):
        got = coverage(port, tmp, float(mine[0]["lon"]), float(mine[0]["lat"]))
        # The privacy policy: a grid of fewer than 10 households on record shows no figures.
        want = {g: (listed[g], listed[g] - sum(1 for h in visited if g in chain_of[unit_of[h]]))
                if listed[g] >= 10 else None for g in chain_of[UNIT]}
        c.check(f"visit coverage in the grids tile {what}: " +
                ", ".join(f"{g} {want[g][1]}/{want[g][0]}" if want[g] else f"{g} not shown"
                          for g in chain_of[UNIT]),
                {g: got.get(g) for g in want} == want, ({g: got.get(g) for g in want}, want))
    theirs = [r for r in rows if r["unit"] == OTHER_UNIT]
    c.check(f"the sample has households in both units ({len(mine)}, {len(theirs)})", mine and theirs)

    c.check("anonymous: 401", call("GET", "/api/v1/households").status == 401)
    c.check("a resident: 403", call("GET", "/api/v1/households", "resident:x").status == 403)
    r = call("GET", "/api/v1/households?limit=1000", LEADER)
    got = r.json()["households"] if r.status == 200 else []
    c.check("the 邻长 lists exactly his unit's households, as the CSV counts them",
            r.status == 200 and sorted(h["id"] for h in got) == sorted(x["id"] for x in mine), r)
    closer = {"独居老人", "重点关注"}

    def interval(row):
        return 5 if closer & set(row["flags"].split("、")) else 20
    by_id = {x["id"]: x for x in mine}
    c.check("each is due every 5 working days when flagged for closer care, else 20; none overdue",
            got and all(h["interval_work_days"] == interval(by_id[h["id"]]) and not h["overdue"]
                        and h["last_visit_at"] is None for h in got))
    c.check("... with its address and contact, as the roster has them",
            all(h["address"] == by_id[h["id"]]["address"]
                and h["contact_phone"] == by_id[h["id"]]["contact_phone"] for h in got))
    c.check("overdue=true: none yet (all registered just now)",
            call("GET", "/api/v1/households?overdue=true", LEADER).json()["households"] == [])
    c.check("overdue=maybe: 400", call("GET", "/api/v1/households?overdue=maybe", LEADER).status == 400)
    c.check("flag=vip: 400", call("GET", "/api/v1/households?flag=vip", LEADER).status == 400)
    c.check("grid outside his own: 403",
            call("GET", f"/api/v1/households?grid={OTHER_UNIT}", LEADER).status == 403)
    c.check("another unit's household: 404 to him",
            call("GET", f"/api/v1/households/{theirs[0]['id']}", LEADER).status == 404)
    c.check("... and 200 to the office",
            call("GET", f"/api/v1/households/{theirs[0]['id']}", "d01").status == 200)

    coverage_holds("before any visit (every household not visited this month)")
    shown = coverage(port, tmp, float(mine[0]["lon"]), float(mine[0]["lat"]))
    c.check(f"in that tile, a grid shows household figures exactly when it has 10 or more on record "
            f"({sum(1 for v in shown.values() if v)} shown, {sum(1 for v in shown.values() if not v)} not)",
            shown and all((v is not None) == (listed.get(g, 0) >= 10) for g, v in shown.items()), shown)

    def visits_count():
        return len(call("GET", "/api/v1/visits?limit=1000", "d01").json()["visits"])

    hid = mine[0]["id"]
    bad = [({"household": theirs[0]["id"]}, 404, "does not exist"),
           ({"household": hid, "outcome": "concern"}, 400, "notes"),
           ({"household": hid, "notes": "x" * 2001}, 400, "notes"),
           ({"household": hid, "at": "2099-01-01T09:00:00+08:00"}, 400, "future"),
           ({"household": hid, "outcome": "maybe"}, 400, "outcome"),
           ({"household": hid, "colour": "red"}, 400, "colour"),
           ({"household": "no-such-household"}, 404, "does not exist"),
           ({"household": hid, "outcome": "concern", "notes": "楼道堆物",
             "follow_up": {"category": "9999", "text": "楼道堆物"}}, 400, "category")]
    for body, status, word in bad:
        r = call("POST", "/api/v1/visits", LEADER, body)
        c.check(f"visit {str(body)[:70]}: {status} naming {word}",
                r.status == status and word in r.body.decode(), r)
    r = call("POST", "/api/v1/visits", "other", {"household": hid})
    c.check("a worker of another unit: 404 (it is not his to see)", r.status == 404, r)
    c.check("... none of them was written", visits_count() == 0)

    r = call("POST", "/api/v1/visits", LEADER, {"household": hid, "notes": "老人身体好"})
    v = r.json() if r.status == 201 else {}
    c.check("the 邻长 visits: 201, earning his visit points",
            r.status == 201 and v["visitor"] == LEADER and v["points_earned"] is True
            and r.headers.get("location") == f"/api/v1/visits/{v['id']}", r)
    h = call("GET", f"/api/v1/households/{hid}", LEADER).json()
    c.check("its last visit moved", h["last_visit_at"] == v.get("at") and h["last_attempt_at"] == v.get("at"), h)
    visited.add(hid)
    coverage_holds("after it (one fewer in each grid of the chain)")
    r = call("POST", "/api/v1/visits", LEADER, {"household": hid})
    c.check("a second visit this month earns nothing more",
            r.status == 201 and r.json()["points_earned"] is False, r)
    acc = call("GET", f"/api/v1/points/accounts/{LEADER}", "d01").json()
    c.check("his balance is one visit's points", acc.get("balance") == 2, acc)

    r = call("POST", "/api/v1/visits", LEADER, {"household": mine[1]["id"], "outcome": "not_home"})
    h = call("GET", f"/api/v1/households/{mine[1]['id']}", LEADER).json()
    c.check("nobody at home: the last attempt moves, not the last visit, and no points",
            r.status == 201 and r.json()["points_earned"] is False and h["last_visit_at"] is None
            and h["last_attempt_at"] == r.json()["at"], h)
    coverage_holds("after a visit that found nobody (no fewer)")

    follow = {"household": mine[2]["id"], "outcome": "concern", "notes": "楼道堆放杂物",
              "follow_up": {"category": "0101", "text": "楼道堆放杂物，影响通行"}}
    r = call("POST", "/api/v1/visits", LEADER, follow)
    v = r.json() if r.status == 201 else {}
    case = call("GET", f"/api/v1/reports/{v.get('follow_up')}", "d01") if v.get("follow_up") else None
    c.check("a concern with a follow-up: the visit names the new case",
            r.status == 201 and case is not None and case.status == 200, r)
    if r.status == 201:
        visited.add(mine[2]["id"])
    coverage_holds("after a concern (someone was at home: one fewer)")
    if case is not None and case.status == 200:
        rep = case.json()
        c.check("... a case of the category, from patrol, at the household's building",
                rep["category"]["code"] == "0101" and rep["channel"] == "patrol"
                and abs(rep["location"]["lon"] - float(mine[2]["lon"])) < 1e-6
                and abs(rep["location"]["lat"] - float(mine[2]["lat"])) < 1e-6, rep)

    r = call("GET", f"/api/v1/visits?household={hid}", LEADER)
    listed = r.json()["visits"] if r.status == 200 else []
    c.check("his visits of a household, newest first",
            len(listed) == 2 and listed[0]["at"] >= listed[1]["at"], r)
    c.check("another unit's worker: that household's visits are 404 to him",
            call("GET", f"/api/v1/visits?household={hid}", "other").status == 404)
    c.check("... and his own listing holds none of them",
            call("GET", "/api/v1/visits", "other").json()["visits"] == [])
    c.check("one visit by id", call("GET", f"/api/v1/visits/{listed[0]['id'] if listed else 'x'}", LEADER).status == 200)
    c.check("the office sees all four visits", visits_count() == 4)


if __name__ == "__main__":
    sys.exit(main())
