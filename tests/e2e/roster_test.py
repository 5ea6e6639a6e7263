#!/usr/bin/env python3
"""`wangge users import` end to end, on a fresh store seeded from the sample, beside a running
server: real .xlsx files (written from CSV by ogr2ogr) with Chinese headers.

- a dry run prints the changes and writes nothing;
- the import adds and updates staff with their grids (read back from the stored
  organisation.json), creates the accounts asked for and prints each password once; the
  accounts are listed by `wangge users list`, and the running server signs one in only after its
  reference reload (SIGHUP), as `--help` says;
- the same file again changes nothing and keeps the accounts;
- a file with two bad rows (a blank row between them) names both rows, exits 2 and changes
  nothing; so does --replace that would remove staff with accounts, and a missing column;
- a UTF-8 CSV with a byte-order mark and English headers imports too; --replace removes.

    roster_test.py WANGGE SOURCE_DIR [sqlite|postgis]
"""
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, request, run_on_fresh_store, until  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
HEADER = "工号,姓名,角色,网格,部门,登录名"


def wangge(env, *args):
    return subprocess.run([WANGGE, *args], env=env, text=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)


def workbook(tmp, name, lines):
    """An .xlsx made by ogr2ogr from a UTF-8 CSV (with a byte-order mark) of these lines."""
    csv_path = os.path.join(tmp, name + ".source.csv")
    with open(csv_path, "w", encoding="utf-8-sig") as f:
        f.write("\n".join(lines) + "\n")
    path = os.path.join(tmp, name)
    subprocess.run(["ogr2ogr", "-f", "XLSX", "-oo", "HEADERS=YES", path, csv_path], check=True)
    return path


def organisation(env):
    """The organisation document as the store holds it (text)."""
    if KIND == "postgis":
        sql = f"SELECT body FROM {env['_SCHEMA']}.reference WHERE name = 'organisation'"
        return subprocess.run(["psql", os.environ["WANGGE_TEST_PG"], "-Atc", sql], check=True,
                              stdout=subprocess.PIPE, text=True).stdout.rstrip("\n")
    with sqlite3.connect(env["WANGGE_STORE"]) as db:
        return db.execute("SELECT body FROM reference WHERE name = 'organisation'").fetchone()[0]


def staff(env):
    return {s["id"]: s for s in json.loads(organisation(env))["staff"]}


def passwords(stdout):
    """login → (staff, password) from the passwords block."""
    block = stdout.split("\nlogin ", 1)[1].splitlines()[1:] if "\nlogin " in stdout else []
    return {p[0]: (p[1], p[2]) for p in (line.split() for line in block) if len(p) == 3}


def run(c, tmp, env):
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"))
    server.start()
    try:
        roster = workbook(tmp, "roster.xlsx", [
            HEADER,
            "g901,张新,片长,\"430302009001，430302009002\",,zhangxin",
            "w430302009001,孙霞霞,grid_worker,430302009001 430302009003,,",
            "h901,李环,部门人员,,环卫所,lihuan",
            "d01,周派遣,派遣员,,,",
        ])
        dry_run(c, env, roster)
        logins = first_import(c, env, roster)
        sign_in_after_reload(c, server, tmp, logins)
        same_again(c, env, roster)
        refusals(c, env, tmp)
        csv_and_replace(c, env, tmp)
    finally:
        server.stop()


def dry_run(c, env, roster):
    before = organisation(env)
    p = wangge(env, "users", "import", roster, "--dry-run")
    c.check("dry run: exit 0 and the counts",
            p.returncode == 0 and "roster.xlsx (dry run, nothing written): 2 added, 1 updated, "
            "1 unchanged; 2 accounts to create" in p.stdout, p)
    c.check("dry run: no password block", "password" not in p.stdout + p.stderr, p.stdout)
    c.check("dry run: the changes listed",
            re.search(r"added +g901 .*grid_worker +430302009001,430302009002", p.stdout)
            and re.search(r"updated +w430302009001 ", p.stdout)
            and re.search(r"added +h901 .*department_staff +hw", p.stdout), p.stdout)
    c.check("dry run: the organisation is unchanged", organisation(env) == before)
    c.check("dry run: no account created", "zhangxin" not in wangge(env, "users", "list").stdout)


def first_import(c, env, roster):
    p = wangge(env, "users", "import", roster)
    c.check("import: exit 0 and the summary",
            p.returncode == 0 and p.stdout.startswith(
                "roster.xlsx: 2 added, 1 updated, 1 unchanged; 2 accounts created\n"), p)
    c.check("import: the reload is named", "SIGHUP" in p.stderr, p.stderr)
    s = staff(env)
    c.check("import: a new grid leader with both grids and the title 片长",
            s.get("g901") == {"id": "g901", "name": "张新", "role": "grid_worker", "title": "片长",
                              "grids": ["430302009001", "430302009002"]}, s.get("g901"))
    c.check("import: an existing leader renamed, with the new grids, her title kept",
            s.get("w430302009001") == {"id": "w430302009001", "name": "孙霞霞",
                                       "role": "grid_worker", "title": "片长",
                                       "grids": ["430302009001", "430302009003"]},
            s.get("w430302009001"))
    c.check("import: department staff by the department's name, stored by id",
            s.get("h901", {}).get("department") == "hw", s.get("h901"))
    c.check("import: the other 381 staff are kept", len(s) == 384, len(s))
    logins = passwords(p.stdout)
    c.check("import: each password printed once, with its login and staff id",
            set(logins) == {"zhangxin", "lihuan"} and logins["zhangxin"][0] == "g901"
            and len(logins["zhangxin"][1]) >= 10, p.stdout)
    listed = wangge(env, "users", "list").stdout
    c.check("users list: the new accounts, active, with the staff's roles",
            re.search(r"^zhangxin +g901 +grid_worker +active$", listed, re.M)
            and re.search(r"^lihuan +h901 +department_staff +active$", listed, re.M), listed)
    return logins


def sign_in_after_reload(c, server, tmp, logins):
    body = {"login": "zhangxin", "password": logins.get("zhangxin", ("", ""))[1]}
    r = request(server.port, "POST", "/api/v1/session", json_body=body)
    if KIND == "sqlite":
        c.check("the running server (SQLite) does not know g901 before its reload: 401", r.status == 401, r)
    else:
        # PostgreSQL tells the running server of the import: it reads the roster at once.
        r = until(lambda: request(server.port, "POST", "/api/v1/session", json_body=body),
                  lambda x: x.status == 201, seconds=2)
        c.check("the running server (PostgreSQL) knows g901 within a second, told by the database: 201",
                r.status == 201, r)
    server.proc.send_signal(signal.SIGHUP)
    log = os.path.join(tmp, "server.log")
    deadline = time.time() + 20
    while time.time() < deadline and "384 staff" not in open(log, encoding="utf-8").read():
        time.sleep(0.1)
    r = request(server.port, "POST", "/api/v1/session", json_body=body)
    c.check("after SIGHUP the new account signs in: 201", r.status == 201, r)
    actor = r.json().get("actor") if r.status == 201 else None
    c.check("... as the new grid leader of both grids",
            actor == {"id": "g901", "name": "张新", "role": "grid_worker",
                      "grids": ["430302009001", "430302009002"]}, actor)


def same_again(c, env, roster):
    before = organisation(env)
    p = wangge(env, "users", "import", roster)
    c.check("the same file again: nothing changes, the accounts are kept (no password shown)",
            p.returncode == 0 and p.stdout == "roster.xlsx: 0 added, 0 updated, 4 unchanged; "
            "0 accounts created, 2 already there\n", p)
    c.check("... and nothing is written", organisation(env) == before)


def refuse(c, env, name, args, want):
    before, accounts = organisation(env), wangge(env, "users", "list").stdout
    p = wangge(env, "users", "import", *args)
    c.check(f"{name}: exit 2 naming the problem",
            p.returncode == 2 and all(w in p.stderr for w in want), p)
    c.check(f"{name}: the organisation and the accounts are unchanged",
            organisation(env) == before and wangge(env, "users", "list").stdout == accounts)
    return p


def refusals(c, env, tmp):
    bad = workbook(tmp, "roster_bad.xlsx", [
        HEADER,
        "g903,钱好,网格员,430302009002,,qianhao",
        "g902,孙错,网格员,430302009999,,",
        ",,,,,",
        "g904,赵错,队长,430302009002,,",
        "d01,周派遣改名,dispatcher,,,",
    ])
    p = refuse(c, env, "two bad rows", [bad], [
        "roster_bad.xlsx: nothing was imported; 2 problems:",
        "roster_bad.xlsx row 3 (工号 g902): 网格 '430302009999' is not a grid of the active generation",
        "roster_bad.xlsx row 5 (工号 g904): 角色 '队长' is not one of"])
    c.check("two bad rows: exactly two problems listed", p.stderr.count("roster_bad.xlsx row") == 2,
            p.stderr)
    only_d01 = workbook(tmp, "only_d01.xlsx", [HEADER, "d01,周派遣,dispatcher,,,"])
    refuse(c, env, "--replace removing staff with accounts", [only_d01, "--replace"],
           ["--replace would remove staff who still have accounts: g901 (login zhangxin), "
            "h901 (login lihuan)"])
    no_role = workbook(tmp, "no_role.xlsx", ["工号,姓名,网格", "g905,李四,430302009001"])
    refuse(c, env, "a missing column", [no_role],
           ["the header row (row 1) has no 角色 column; expected headers: 工号/id, 姓名/name, "
            "角色/role"])


def csv_and_replace(c, env, tmp):
    path = os.path.join(tmp, "roster.csv")
    with open(path, "w", encoding="utf-8-sig") as f:
        f.write("ID,Name,Role,Department\r\nh901,李环环,department_staff,hw\r\n")
    p = wangge(env, "users", "import", path)
    c.check("a UTF-8 CSV with a byte-order mark and English headers: one updated",
            p.returncode == 0 and p.stdout.startswith("roster.csv: 0 added, 1 updated, 0 unchanged"), p)
    c.check("... stored", staff(env).get("h901", {}).get("name") == "李环环")
    everyone = [s for s in staff(env).values() if s["id"] != "d02"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("id,name,role,grids,department\n")
        for s in everyone:
            f.write(f"{s['id']},{s['name']},{s['role']},{' '.join(s.get('grids', []))},"
                    f"{s.get('department', '')}\n")
    p = wangge(env, "users", "import", path, "--replace")
    c.check("--replace with everyone but d02: d02 removed, the rest unchanged",
            p.returncode == 0 and p.stdout.startswith(
                f"roster.csv: 0 added, 0 updated, {len(everyone)} unchanged, 1 removed"), p)
    c.check("... d02 is gone from the store", "d02" not in staff(env) and len(staff(env)) == 383)


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_roster_", run)


if __name__ == "__main__":
    sys.exit(main())
