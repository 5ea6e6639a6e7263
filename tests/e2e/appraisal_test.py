#!/usr/bin/env python3
"""The monthly appraisal (月度考核) and the 红黑榜 over real HTTP, on both stores, each figure
checked against an independent computation here from what the API lists.

Usage: appraisal_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- November (the sample's reports, run by `wangge simulate`): every block's cases, closures on
  time, 按期结案率, evaluations and 满意率 computed here from the reports themselves (the staff
  listing, paged to the end); a property company's cases from the reports in its grids; each
  board row's score recomputed from its rates and the weights, and the ranks and the red and
  black lists from the scores;
- December (today): a 邻长's visits — households due this month counted from the households
  listing, one visited at home, one not at home, one not yet due — due, done and visits as
  counted here, and the points they earned (2 each, at home, once a household a month) with an
  award that stands and not one reversed; the
  group's 网格员 checks in once on his drowning-risk route: required and done as counted here
  from the route's points and the days of the month so far;
- a worker answering for a 小组 and one of its 邻 (nested grids, added to the organisation
  here) has the group's households, visits and patrols each counted once, not the 邻's twice;
- the workbook (XLSX): four sheets, a worker's row as the JSON has it (read with ogrinfo);
- who: anonymous 401, a resident and a grid worker 403; a bad month 400, a month to come 400.
"""
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
SHANGHAI = timezone(timedelta(hours=8))
UNIT, LEADER = "43030200901300105", "w43030200901300105"
GROUP, GROUP_WORKER = "430302009013001", "w430302009013001"
NESTED = "wnested"  # answers for GROUP and UNIT, one of its 邻


def parse(t):
    return datetime.fromisoformat(t) if t else None


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_appraisal_", run)


def run(c, tmp, env):
    for args in (["import", "reports", os.path.join(DATA, "reports.csv")],
                 ["simulate", "--until", "2026-11-30T12:00:00+08:00"]):
        subprocess.run([WANGGE, *args], env=env, check=True, capture_output=True, text=True)
    # A worker whose grids nest: the group and one of its units.
    ref = os.path.join(tmp, "reference")
    shutil.copytree(DATA, ref)
    with open(os.path.join(ref, "organisation.json"), encoding="utf-8") as f:
        org = json.load(f)
    org["staff"].append({"id": NESTED, "name": "嵌套网格员", "role": "grid_worker", "grids": [GROUP, UNIT]})
    with open(os.path.join(ref, "organisation.json"), "w", encoding="utf-8") as f:
        json.dump(org, f, ensure_ascii=False)
    subprocess.run([WANGGE, "import", "reference", ref], env=env, check=True, capture_output=True, text=True)
    keys = {who: create_key(WANGGE, env, who) for who in ["s01", "resident:x", LEADER, GROUP_WORKER]}
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0"])
    server.start()
    try:
        november(c, server.port, keys)
        december(c, server.port, keys, tmp)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)


def call(port, keys, path, who="s01", body=None, method=None):
    return request(port, method or ("POST" if body is not None else "GET"), path,
                   key=keys[who] if who else None, json_body=body)


def all_reports(port, keys):
    out, path = [], "/api/v1/reports?limit=200"
    while path:
        page = call(port, keys, path).json()
        out += page["reports"]
        path = page["next"].replace(f"http://127.0.0.1:{port}", "") if page.get("next") else None
    return out


def expected_cases(reports, start, end, horizon):
    """The statistics' counts, from the reports' own fields."""
    e = dict(reported=0, due_to_close=0, closed=0, closed_on_time=0, evaluated=0, satisfied=0)
    for r in reports:
        if not (start <= parse(r["created_at"]) < end):
            continue
        e["reported"] += 1
        closed = r["closed_at"] is not None and r["state"] != "cancelled"
        due = parse(r["due_at"])
        if r["registered_at"] and r["state"] != "cancelled" and (closed or (due and due <= horizon)):
            e["due_to_close"] += 1
        if closed:
            e["closed"] += 1
            e["closed_on_time"] += 0 if r["closed_late"] else 1
        if r["rating"] is not None:
            e["evaluated"] += 1
            e["satisfied"] += 1 if r["rating"] >= 4 else 0
    e["on_time_rate"] = e["closed_on_time"] / e["due_to_close"] if e["due_to_close"] else None
    e["satisfaction_rate"] = e["satisfied"] / e["evaluated"] if e["evaluated"] else None
    return e


def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-9)


def november(c, port, keys):
    c.check("anonymous: 401", call(port, keys, "/api/v1/appraisal", None).status == 401)
    c.check("a resident: 403", call(port, keys, "/api/v1/appraisal", "resident:x").status == 403)
    c.check("a grid worker: 403", call(port, keys, "/api/v1/appraisal", LEADER).status == 403)
    for q, word in [("month=2026-13", "YYYY-MM"), ("month=11-2026", "YYYY-MM"),
                    ("month=2099-01", "has not begun"), ("month=2026-11&format=pdf", "format")]:
        r = call(port, keys, f"/api/v1/appraisal?{q}")
        c.check(f"?{q}: 400 naming '{word}'", r.status == 400 and word in r.body.decode(), r)
    r = call(port, keys, "/api/v1/appraisal?month=2026-11")
    c.check("November's appraisal: 200", r.status == 200, r)
    if r.status != 200:
        return
    a = r.json()
    reports = all_reports(port, keys)
    start = datetime(2026, 11, 1, tzinfo=SHANGHAI)
    end = datetime(2026, 12, 1, tzinfo=SHANGHAI)
    horizon = min(end, datetime.now(SHANGHAI))
    c.check(f"the office's listing holds the sample's reports ({len(reports)})", len(reports) >= 1900)
    wrong = []
    for b in a["blocks"]:
        mine = [x for x in reports if b["id"] in (x["assignment"]["chain"] or [])]
        e = expected_cases(mine, start, end, horizon)
        got = b["cases"]
        for k in ("reported", "due_to_close", "closed", "closed_on_time", "evaluated", "satisfied"):
            if got[k] != e[k]:
                wrong.append((b["id"], k, got[k], e[k]))
        for k in ("on_time_rate", "satisfaction_rate"):
            if not close(got[k], e[k]):
                wrong.append((b["id"], k, got[k], e[k]))
    c.check(f"every block's cases, 按期结案率 and 满意率 as counted here ({len(a['blocks'])} blocks)",
            len(a["blocks"]) == 17 and not wrong, wrong[:5])
    c.check("the blocks' cases sum to the month's reports inside the subdistrict",
            sum(b["cases"]["reported"] for b in a["blocks"])
            == sum(1 for x in reports if start <= parse(x["created_at"]) < end
                   and x["assignment"]["chain"]))
    with open(os.path.join(DATA, "appraisal.json"), encoding="utf-8") as f:
        policy = json.load(f)
    company = policy["property_companies"][0]
    row = next((b for b in a["board"] if b["kind"] == "property" and b["id"] == company["id"]), None)
    e = expected_cases([x for x in reports if set(company["grids"]) & set(x["assignment"]["chain"] or [])],
                       start, end, horizon)
    c.check(f"a property company's cases ({company['name']}): its grids' reports as counted here",
            row is not None and row["cases"]["reported"] == e["reported"]
            and row["cases"]["due_to_close"] == e["due_to_close"]
            and close(row["cases"]["on_time_rate"], e["on_time_rate"]), (row, e))
    w = a["weights"]
    bad_scores = []
    for b in a["board"]:
        terms = [(w["on_time"], b["cases"]["on_time_rate"]), (w["satisfaction"], b["cases"]["satisfaction_rate"]),
                 (w["closure"], b["cases"]["closure_rate"])]
        if w["rework"] > 0 and b["cases"]["rework_rate"] is not None:
            terms.append((w["rework"], 1 - b["cases"]["rework_rate"]))
        terms = [(x, y) for x, y in terms if x > 0 and y is not None]
        want = 100 * sum(x * y for x, y in terms) / sum(x for x, _ in terms) if terms else None
        if not close(b["score"], want):
            bad_scores.append((b["id"], b["score"], want))
    c.check("each score on the 红黑榜 is the weighted mean of its rates, as computed here",
            a["board"] and not bad_scores, bad_scores)
    ranked = [b for b in a["board"] if b["score"] is not None and b["cases"]["due_to_close"] >= a["min_cases"]
              and b["cases"]["due_to_close"] > 0]
    order = sorted(ranked, key=lambda b: (-b["score"], -(b["cases"]["on_time_rate"] or 0), b["kind"], b["id"]))
    red = min(a["red"], len(order))
    black = min(a["black"], len(order) - red)
    want = {b["id"]: (i + 1, "red" if i < red else "black" if i >= len(order) - black else "none")
            for i, b in enumerate(order)}
    got = {b["id"]: (b["rank"], b["mark"]) for b in a["board"] if b["rank"] is not None}
    c.check(f"ranks and the red and black lists follow the scores ({red} red, {black} black of {len(order)})",
            got == want and all(b["mark"] == "none" for b in a["board"] if b["rank"] is None), (got, want))
    c.check("the formula is printed with the weights",
            a["formula"].startswith("得分 = 100 × (0.4×按期结案率 + 0.4×满意率 + 0.2×结案率)"), a["formula"])


def december(c, port, keys, tmp):
    now = datetime.now(SHANGHAI)
    month = now.strftime("%Y-%m")
    end = (now.replace(day=28) + timedelta(days=4)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    households = call(port, keys, f"/api/v1/households?grid={UNIT}&limit=1000", LEADER).json()["households"]
    due = [h for h in households if parse(h["next_due_at"]) < end]
    not_due = [h for h in households if parse(h["next_due_at"]) >= end]
    c.check(f"his unit has households due this month ({len(due)}) and not ({len(not_due)})",
            len(due) >= 2 and not_due, len(households))
    visits = [(due[0]["id"], "ok"), (due[1]["id"], "not_home"), (not_due[0]["id"], "ok")]
    for hid, outcome in visits:
        r = call(port, keys, "/api/v1/visits", LEADER, {"household": hid, "outcome": outcome})
        c.check(f"a visit ({outcome}): 201", r.status == 201, r)
    # An award reversed (冲正) earned nothing; one that stands counts.
    r = call(port, keys, "/api/v1/points/awards", "s01", {"person": LEADER, "points": 10, "reason": "表彰"})
    award = r.json().get("id") if r.status == 201 else None
    r2 = call(port, keys, f"/api/v1/points/entries/{award}/reversal", "s01", {"reason": "重复表彰"})
    r3 = call(port, keys, "/api/v1/points/awards", "s01", {"person": LEADER, "points": 3, "reason": "表彰"})
    c.check("an award of 10 reversed, one of 3 standing: 201 each",
            r.status == 201 and r2.status == 201 and r3.status == 201, (r, r2, r3))
    route = call(port, keys, "/api/v1/patrols", GROUP_WORKER).json()["routes"][0]
    p = route["points"][0]
    r = call(port, keys, f"/api/v1/patrols/{route['id']}/checkins", GROUP_WORKER,
             {"point": p["id"], "lon": p["lon"], "lat": p["lat"], "accuracy_m": 5})
    c.check("a check-in on the group's route: 201", r.status == 201, r)

    r = call(port, keys, f"/api/v1/appraisal?month={month}")
    a = r.json() if r.status == 200 else {"workers": [], "blocks": []}
    worker = next((w for w in a["workers"] if w["id"] == LEADER), {})
    v = worker.get("visits", {})
    c.check(f"the 邻长's visits: {len(households)} households, {len(due)} due, 1 done, 3 visits, none late",
            v == {"households": len(households), "due": len(due), "done": 1, "overdue": 0, "visits": 3}, v)
    c.check("... and 7 points: 2 a visit at home, the award that stands, not the one reversed",
            worker.get("points") == 7, worker.get("points"))
    group = call(port, keys, f"/api/v1/households?grid={GROUP}&limit=1000").json()["households"]
    group_due = sum(1 for h in group if parse(h["next_due_at"]) < end)
    nested = next((w for w in a["workers"] if w["id"] == NESTED), {})
    c.check(f"a worker of the group and one of its units: the group's {len(group)} households, "
            f"{group_due} due, 1 done (by his 邻长: no visits of his own), each once (not the unit's twice)",
            nested.get("visits") == {"households": len(group), "due": group_due, "done": 1, "overdue": 0,
                                     "visits": 0}, nested.get("visits"))
    block = next((b for b in a["blocks"] if b["id"] == UNIT[:12]), {})
    c.check("his block's points include them", block.get("points") == 7, block.get("points"))
    days = now.day
    per_day = route["times_per_day"] * len(route["points"])
    gw = next((w for w in a["workers"] if w["id"] == GROUP_WORKER), {}).get("patrols", {})
    c.check(f"the 网格员's patrols: {per_day} a day × {days} days required, 1 done, "
            f"{per_day * (days - 1)} missed before today",
            gw == {"required": per_day * days, "done": 1, "missed": per_day * (days - 1),
                   "outstanding": per_day - 1}, gw)

    c.check("... and the group's patrols once: as its 网格员's", nested.get("patrols") == gw and gw,
            (nested.get("patrols"), gw))

    r = request(port, "GET", f"/api/v1/appraisal?month={month}&format=xlsx", key=keys["s01"])
    c.check("the workbook: 200, an XLSX attachment",
            r.status == 200 and r.ctype.endswith("spreadsheetml.sheet")
            and f"appraisal-{month}.xlsx" in r.headers.get("content-disposition", ""), r)
    path = os.path.join(tmp, "appraisal.xlsx")
    with open(path, "wb") as f:
        f.write(r.body)
    dump = subprocess.run(["ogrinfo", "-ro", "-q", path, "网格员考核"], capture_output=True,
                          text=True).stdout
    mine = [f for f in dump.split("OGRFeature(") if f"工号 (String) = {LEADER}\n" in f]
    sheets = subprocess.run(["ogrinfo", "-ro", "-so", "-q", path], capture_output=True, text=True).stdout
    c.check("... four sheets: 网格员考核, 片区考核, 红黑榜, 说明",
            all(s in sheets for s in ["网格员考核", "片区考核", "红黑榜", "说明"]), sheets)
    c.check("... his row as the JSON has it (已访户数 1, 走访次数 3, 本月积分 7)",
            len(mine) == 1 and "已访户数 (Integer) = 1" in mine[0] and "走访次数 (Integer) = 3" in mine[0]
            and "本月积分 (Integer) = 7" in mine[0], mine)


if __name__ == "__main__":
    sys.exit(main())
