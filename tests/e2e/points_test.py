#!/usr/bin/env python3
"""The points bank (积分银行) over real HTTP and the CLI, on both stores.

Usage: points_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- the policy and catalogue are public; an account is its owner's and the office's to read;
- a resident's report registered by the dispatcher earns its reporter 5 points, once, linked
  to the case (report:<id>:verified); the whole ledger balances (lines sum to zero);
- earnings by hand are idempotent on their event key; the same key for other units is 409;
  nobody earns, awards or reverses for themselves;
- bad numbers (1.5, -5, 1e19, "20", NaN) and unknown fields are precise 400s and write nothing;
- redeeming more than the balance is 409 and writes nothing; an Idempotency-Key replays the
  first redemption and refuses another request under the same key (422);
- reversals mirror an entry once; eight residents' worth of concurrent redemptions of the
  last 30 points over HTTP: exactly one wins;
- `wangge points` sees the same ledger and refuses what the API refuses.
"""
import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002
UNIT, LEADER = "43030200901300105", "w43030200901300105"


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_points_", run)


def run(c, tmp, env):
    keys = {who: create_key(WANGGE, env, who) for who in ["d01", "s01", "a01", "resident:u1", "resident:u2"]}
    keys[LEADER] = create_key(WANGGE, env, None, "--role", "grid_worker", "--scope", UNIT)
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0"])
    server.start()
    try:
        api(c, server.port, keys)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)
    cli(c, env)


def api(c, port, keys):
    def call(method, path, who=None, body=None, headers=None, raw=None):
        return request(port, method, path, key=keys[who] if who else None, json_body=body,
                       body=raw, headers=headers)

    def balance(who, person="me"):
        r = call("GET", f"/api/v1/points/accounts/{person}", who)
        return r.json()["balance"] if r.status == 200 else r

    def entry_count():
        return len(call("GET", "/api/v1/points/entries?limit=500", "a01").json()["entries"])

    r = call("GET", "/api/v1/points/policy")
    catalogue = {i["id"]: i["points"] for i in r.json().get("catalogue", [])} if r.status == 200 else {}
    c.check("the policy and catalogue are public: haircut 30, report_verified 5",
            r.status == 200 and catalogue.get("haircut") == 30
            and {x["event"]: x["points"] for x in r.json()["rules"]}.get("report_verified") == 5, r)
    r = call("GET", "/api/v1/points/accounts/me")
    c.check("an anonymous caller has no account: 401", r.status == 401, r)

    # ---- a verified report earns its reporter -------------------------------------------------
    r = call("POST", "/api/v1/reports", "resident:u1",
             {"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "楼道堆放杂物"})
    rid = r.json()["id"] if r.status == 201 else ""
    c.check("u1 reports a problem: 201, no points yet", r.status == 201 and balance("resident:u1") == 0, r)
    r = call("POST", f"/api/v1/reports/{rid}/actions", "d01", {"action": "register"})
    c.check("the dispatcher registers it (受理)", r.status == 200, r)
    acc = call("GET", "/api/v1/points/accounts/me", "resident:u1").json()
    c.check("u1 earned 5 points for the verified report, linked to the case",
            acc["balance"] == 5 and acc["recent"][0]["source"] == f"report:{rid}:verified"
            and acc["recent"][0]["kind"] == "earn" and acc["recent"][0]["by"] == "d01", acc)

    # ---- earnings by hand ---------------------------------------------------------------------
    vol = {"person": "resident:u1", "event_type": "volunteer_hour", "event_key": "vol:2026-12-06:u1", "units": 3}
    r = call("POST", "/api/v1/points/earnings", "d01", vol)
    c.check("3 volunteer hours earn 30: 201 with Location", r.status == 201 and r.json()["points"] == 30
            and r.headers.get("location") == "/api/v1/points/entries/" + r.json()["id"], r)
    r = call("POST", "/api/v1/points/earnings", "d01", vol)
    c.check("the same event told again: 200 replayed, no second earning",
            r.status == 200 and r.json()["replayed"] is True and balance("resident:u1") == 35, r)
    r = call("POST", "/api/v1/points/earnings", "d01", dict(vol, units=2))
    c.check("the same event key with other units: 409 naming the event",
            r.status == 409 and "vol:2026-12-06:u1" in r.json()["detail"], r)
    r = call("POST", "/api/v1/points/earnings", LEADER, dict(vol, person=LEADER, event_key="vol:self"))
    c.check("a grid worker recording his own points: 403", r.status == 403, r)
    r = call("POST", "/api/v1/points/earnings", "resident:u2", dict(vol, event_key="vol:x"))
    c.check("a resident recording points: 403", r.status == 403, r)
    r = call("POST", "/api/v1/points/earnings", "d01", dict(vol, event_type="lottery", event_key="k"))
    c.check("an event type without a rule: 400 listing the rules",
            r.status == 400 and "volunteer_hour" in r.json()["detail"], r)

    # ---- awards and bad numbers ---------------------------------------------------------------
    before = entry_count()
    bad = [({"person": "resident:u1", "points": 1.5, "reason": "表彰"}, "points"),
           ({"person": "resident:u1", "points": -5, "reason": "表彰"}, "points"),
           ({"person": "resident:u1", "points": 0, "reason": "表彰"}, "points"),
           ({"person": "resident:u1", "points": 1e19, "reason": "表彰"}, "points"),
           ({"person": "resident:u1", "points": "20", "reason": "表彰"}, "points"),
           ({"person": "resident:u1", "points": 20}, "reason"),
           ({"person": "resident:u1", "points": 20, "reason": "表彰", "balance": 999}, "balance")]
    for body, field in bad:
        r = call("POST", "/api/v1/points/awards", "s01", body)
        c.check(f"award {json.dumps(body, ensure_ascii=False)}: 400 naming '{field}'",
                r.status == 400 and field in r.json()["detail"], r)
    r = call("POST", "/api/v1/points/awards", "s01", raw=b'{"person":"resident:u1","points":NaN,"reason":"x"}',
             headers={"Content-Type": "application/json"})
    c.check("NaN in the body: 400", r.status == 400, r)
    c.check("... and none of them wrote anything", entry_count() == before)
    r = call("POST", "/api/v1/points/awards", "s01", {"person": "s01", "points": 20, "reason": "自己"})
    c.check("a supervisor awarding himself: 403", r.status == 403, r)
    r = call("POST", "/api/v1/points/awards", "d01", {"person": "resident:u1", "points": 20, "reason": "表彰"})
    c.check("a dispatcher awarding: 403", r.status == 403, r)
    r = call("POST", "/api/v1/points/awards", "s01", {"person": "resident:u1", "points": 20, "reason": "疫情防控志愿服务"})
    award_id = r.json()["id"] if r.status == 201 else ""
    c.check("the supervisor awards 20 with a reason: 201, balance 55",
            r.status == 201 and balance("resident:u1") == 55, r)

    # ---- who sees whose points ----------------------------------------------------------------
    c.check("u2 may not read u1's account: 403", call("GET", "/api/v1/points/accounts/resident:u1", "resident:u2").status == 403)
    c.check("the dispatcher may: 200", call("GET", "/api/v1/points/accounts/resident:u1", "d01").status == 200)
    r = call("GET", "/api/v1/points/entries", "resident:u2")
    c.check("u2's entries: only u2's (none)", r.status == 200 and r.json()["entries"] == [], r)
    r = call("GET", f"/api/v1/points/entries/{award_id}", "resident:u2")
    c.check("another person's entry is not found for u2: 404", r.status == 404, r)
    r = call("GET", f"/api/v1/points/entries/{award_id}", "resident:u1")
    lines = r.json().get("lines", []) if r.status == 200 else []
    c.check("u1 reads the award with its two lines summing to zero",
            len(lines) == 2 and sum(x["points"] for x in lines) == 0, r)

    # ---- redemptions --------------------------------------------------------------------------
    before = entry_count()
    r = call("POST", "/api/v1/points/redemptions", "resident:u1", {"item": "rice-5kg"})
    c.check("redeeming 80 with 55: 409 naming both, nothing written",
            r.status == 409 and "80" in r.json()["detail"] and "55" in r.json()["detail"]
            and entry_count() == before and balance("resident:u1") == 55, r)
    r = call("POST", "/api/v1/points/redemptions", "resident:u1", {"item": "gold-bar"})
    c.check("an item not in the catalogue: 400", r.status == 400 and "catalogue" in r.json()["detail"], r)
    r = call("POST", "/api/v1/points/redemptions", "resident:u1", {"item": "haircut", "quantity": 0})
    c.check("quantity 0: 400 naming quantity", r.status == 400 and "quantity" in r.json()["detail"], r)
    r = call("POST", "/api/v1/points/redemptions", "resident:u2", {"item": "haircut", "person": "resident:u1"})
    c.check("u2 redeeming u1's points: 403", r.status == 403, r)
    idem = {"Idempotency-Key": "counter-0001"}
    r = call("POST", "/api/v1/points/redemptions", "resident:u1", {"item": "haircut"}, headers=idem)
    redemption = r.json()["id"] if r.status == 201 else ""
    c.check("u1 redeems a haircut: 201, balance 25", r.status == 201 and balance("resident:u1") == 25, r)
    r = call("POST", "/api/v1/points/redemptions", "resident:u1", {"item": "haircut"}, headers=idem)
    c.check("the retry under its key: 200, the same entry, balance still 25",
            r.status == 200 and r.json()["id"] == redemption and balance("resident:u1") == 25, r)
    r = call("POST", "/api/v1/points/redemptions", "resident:u1", {"item": "bike-repair"}, headers=idem)
    c.check("another request under the same key: 422", r.status == 422, r)

    # ---- reversals ----------------------------------------------------------------------------
    r = call("POST", f"/api/v1/points/entries/{award_id}/reversal", "resident:u1", {"reason": "x"})
    c.check("a resident reversing: 403", r.status == 403, r)
    r = call("POST", f"/api/v1/points/entries/{award_id}/reversal", "s01", {})
    c.check("a reversal without a reason: 400 naming reason", r.status == 400 and "reason" in r.json()["detail"], r)
    r = call("POST", f"/api/v1/points/entries/{award_id}/reversal", "s01", {"reason": "重复表彰"})
    c.check("the award reversed: 201 mirror, balance 5", r.status == 201 and r.json()["kind"] == "reverse"
            and r.json()["source"] == award_id and balance("resident:u1") == 5, r)
    r = call("POST", f"/api/v1/points/entries/{award_id}/reversal", "s01", {"reason": "再来一次"})
    c.check("reversed twice: 409", r.status == 409, r)
    r = call("POST", f"/api/v1/points/entries/{redemption}/reversal", "s01", {"reason": "商户未兑现"})
    c.check("the redemption reversed gives the 30 back: 35", r.status == 201 and balance("resident:u1") == 35, r)
    r = call("POST", "/api/v1/points/entries/e999999/reversal", "s01", {"reason": "x"})
    c.check("an unknown entry: 404", r.status == 404, r)

    # ---- concurrent redemptions of the last points ----------------------------------------------
    r = call("POST", "/api/v1/points/awards", "s01", {"person": "resident:u2", "points": 30, "reason": "开户"})
    statuses = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def redeem_once():
        barrier.wait()
        s = call("POST", "/api/v1/points/redemptions", "resident:u2", {"item": "haircut"}).status
        with lock:
            statuses.append(s)

    threads = [threading.Thread(target=redeem_once) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c.check("8 concurrent redemptions of u2's last 30 points: one 201, seven 409",
            sorted(statuses) == [201] + [409] * 7 and balance("resident:u2") == 0, statuses)

    # ---- the whole ledger ---------------------------------------------------------------------
    seen, before_id = [], None
    while True:
        q = "/api/v1/points/entries?limit=3" + (f"&before={before_id}" if before_id else "")
        page = call("GET", q, "a01").json()
        seen += page["entries"]
        if not page["next"]:
            break
        before_id = page["next"]
    ids = [e["id"] for e in seen]
    c.check("the admin pages the whole ledger newest first, each entry once",
            len(ids) == len(set(ids)) == entry_count() and ids[-1] == "e1", ids)
    total = 0
    for e in seen:
        total += sum(x["points"] for x in call("GET", f"/api/v1/points/entries/{e['id']}", "a01").json()["lines"])
    c.check("every entry's lines sum to zero over the ledger", total == 0, total)
    c.check("the expiry run is the admin's: d01 403", call("POST", "/api/v1/points/expiry", "d01").status == 403)
    r = call("POST", "/api/v1/points/expiry", "a01")
    c.check("nothing is due today: 0 entries", r.status == 200 and r.json()["entries"] == 0, r)
    r = call("GET", "/api/v1/points/entries?kind=bonus", "a01")
    c.check("an unknown kind: 400", r.status == 400 and "kind" in r.json()["detail"], r)


def cli(c, env):
    def points(*args):
        return subprocess.run([WANGGE, "points", *args], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)

    r = points("balance", "resident:u1")
    c.check("CLI: the same balance as the API (35)", r.returncode == 0 and ": 35 points" in r.stdout, r.stdout + r.stderr)
    r = points("redeem", "resident:u1", "rice-5kg", "--as", "d01")
    c.check("CLI: redeeming more than the balance fails naming both (exit non-zero)",
            r.returncode != 0 and "80" in r.stderr and "35" in r.stderr, r.stderr)
    r = points("award", "resident:u1", "1.5", "--reason", "x", "--as", "s01")
    c.check("CLI: a fractional award is refused (exit 2)", r.returncode == 2 and "points" in r.stderr, r.stderr)
    r = points("award", "resident:u1", "15", "--reason", "社区表彰", "--as", "s01")
    c.check("CLI: an award posts", r.returncode == 0 and "award" in r.stdout, r.stdout + r.stderr)
    r = points("redeem", "resident:u1", "bike-repair", "--as", "d01")
    c.check("CLI: a redemption at the counter", r.returncode == 0 and "redeem" in r.stdout, r.stderr)
    r = points("balance", "resident:u1")
    c.check("CLI: 35 + 15 - 20 = 30", ": 30 points" in r.stdout, r.stdout)
    r = points("expire", "--at", "2029-01-01T00:00")
    c.check("CLI: two years on, everything held expires",
            r.returncode == 0 and "expiry entries" in r.stdout, r.stdout + r.stderr)
    r = points("balance", "resident:u1")
    c.check("CLI: ... u1 has 0, 30 expired", ": 0 points" in r.stdout and "expired 30" in r.stdout, r.stdout)


if __name__ == "__main__":
    sys.exit(main())
