#!/usr/bin/env python3
"""People signing in, over real HTTP on both stores.

Usage: accounts_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- staff: `wangge users add` prints a generated password; POST /api/v1/session signs in and
  sets an HttpOnly, SameSite=Strict cookie; a read with the cookie acts as that person; a write
  with the cookie alone is refused (403), with the session's X-CSRF-Token it is taken; the
  session token also works as a bearer token (an app, no CSRF);
- lockout: five wrong passwords, then 429 with Retry-After even for the right one; the admin's
  reset (HTTP) unlocks with a new password shown once, and ends the old sessions at once;
- disable (HTTP, admin) ends the account's sessions at once on this node: the next request
  with the cookie is 401 and the cookie is cleared; `wangge users enable` lets it in again;
- residents: a code to a phone typed as a person would (+86, spaces), read from the outbox log
  (0600); a wrong code, the right one, the same code twice (spent); the resident submits a case
  with the cookie + CSRF and lists it as "my reports"; another resident sees none of it;
- sign-out ends the session; the password change ends the other sessions;
- bad input: malformed JSON, unknown fields, a 5 KB body, a landline for a code, SQL-looking
  logins — each a 4xx naming the rule, never a 5xx; the access log holds no secret.
"""
import json
import os
import re
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_accounts_", run)


def users(env, *args, stdin=None):
    return subprocess.run([WANGGE, "users", *args], env=env, input=stdin, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def cookie_of(r):
    """The session token a Set-Cookie header carries, and the header itself."""
    header = r.headers.get("set-cookie", "")
    first = header.split(";", 1)[0]
    return (first.split("=", 1)[1] if first.startswith("wangge_session=") else None), header


def with_cookie(token, csrf=None, extra=None):
    h = {"Cookie": f"theme=dark; wangge_session={token}"}
    if csrf:
        h["X-CSRF-Token"] = csrf
    h.update(extra or {})
    return h


def run(c, tmp, env):
    admin_key = create_key(WANGGE, env, "a01")
    out = users(env, "add", "zhou.paiqian", "--staff", "d01")
    password = out.stdout.strip()
    c.check("`wangge users add` prints a generated password of 16 characters",
            out.returncode == 0 and len(password) == 16, out)
    out = users(env, "add", "zhou.2", "--staff", "d01", "--password-stdin", stdin="too short\n")
    c.check("... a password under 10 bytes: exit 2 naming the rule",
            out.returncode == 2 and "10 to 128 bytes" in out.stderr, out)
    out = users(env, "add", "x9", "--staff", "nobody")
    c.check("... an unknown staff id: exit 2 naming organisation.json",
            out.returncode == 2 and "organisation" in out.stderr, out)
    out = users(env, "add", "zhou.paiqian", "--staff", "d01")
    c.check("... an existing login: refused", out.returncode != 0 and "exists" in out.stderr, out)
    out = users(env, "add", "du.ban", "--staff", "s01", "--password-stdin", stdin="督办的密码-2026\n")
    c.check("... a password from standard input (UTF-8), nothing printed",
            out.returncode == 0 and out.stdout == "", out)
    admin_password = users(env, "add", "ad.min", "--staff", "a01").stdout.strip()

    outbox = os.path.join(tmp, "outbox.jsonl")
    log_path = os.path.join(tmp, "server.log")
    # Every request here is anonymous from one address, and failed sign-ins cost that address
    # extra: at the default 20 a second a fast machine runs out before the end. The address
    # limit is the subject of http_e2e and hardening_e2e, not of this test.
    server = Server(WANGGE, env, log_path,
                    args=["--tick-seconds", "0", "--outbox-log", outbox, "--rate-per-address", "1000"])
    server.start()
    try:
        resident_key = create_key(WANGGE, env, "resident:e2e")
        for i in range(2):
            r = request(server.port, "POST", "/api/v1/reports", key=resident_key,
                        json_body={"category": "0101", "text": f"垃圾未清运 {i}",
                                   "location": {"lon": LON, "lat": LAT}})
            c.check(f"a resident's report {i} to work on", r.status == 201, r)
        token, csrf = staff(c, server, password, admin_key)
        lockout(c, server, env, admin_key, token)
        admin_self(c, server, admin_password)
        residents(c, server, outbox)
        r = request(server.port, "GET", "/api/v1/admin/accounts?kind=resident", key=admin_key)
        logins = [a["login"] for a in r.json().get("accounts", [])] if r.status == 200 else []
        c.check("the admin's kind=resident: the two residents who signed in by code, no staff",
                r.status == 200 and len(logins) == 2 and all(a["kind"] == "resident" for a in r.json()["accounts"]), r)
        bad_input(c, server)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    c.check("the access log holds no session token, password or code",
            "ws_" not in log and password not in log and "督办的密码" not in log, log[-400:])


def sign_in(server, login, password):
    return request(server.port, "POST", "/api/v1/session", json_body={"login": login, "password": password})


def staff(c, server, password, admin_key):
    r = sign_in(server, "zhou.paiqian", password)
    token, header = cookie_of(r)
    c.check("sign-in: 201 with the actor, a CSRF token and an expiry",
            r.status == 201 and r.json()["actor"]["id"] == "d01" and r.json()["actor"]["role"] == "dispatcher"
            and len(r.json()["csrf_token"]) >= 32 and r.json()["expires_at"], r)
    c.check("... the cookie is HttpOnly, SameSite=Strict, Path=/, with a Max-Age of 12 h",
            token and token.startswith("ws_") and "HttpOnly" in header and "SameSite=Strict" in header
            and "Path=/" in header and "Max-Age=43200" in header, header)
    c.check("... and the answer is not cached", r.headers.get("cache-control") == "no-store", r.headers)
    csrf = r.json()["csrf_token"]

    r = request(server.port, "GET", "/api/v1/session", headers=with_cookie(token))
    c.check("GET /api/v1/session with the cookie: who I am and my CSRF token",
            r.status == 200 and r.json()["login"] == "zhou.paiqian" and r.json()["csrf_token"] == csrf, r)
    r = request(server.port, "GET", "/api/v1/reports?limit=5&state=received", headers=with_cookie(token))
    c.check("a staff read with the cookie: the dispatcher's listing, with the actions a dispatcher may take",
            r.status == 200 and len(r.json()["reports"]) == 2
            and all({"action": "register", "needs": []} in x["allowed_actions"] for x in r.json()["reports"]), r)
    target = r.json()["reports"][0]["id"]
    act = {"action": "register"}
    r = request(server.port, "POST", f"/api/v1/reports/{target}/actions", json_body=act, headers=with_cookie(token))
    c.check("a write with the cookie alone: 403 naming X-CSRF-Token",
            r.status == 403 and "X-CSRF-Token" in r.json()["detail"], r)
    r = request(server.port, "POST", f"/api/v1/reports/{target}/actions", json_body=act,
                headers=with_cookie(token, "x" * len(csrf)))
    c.check("... with a wrong CSRF token: 403", r.status == 403, r)
    r = request(server.port, "POST", f"/api/v1/reports/{target}/actions", json_body=act,
                headers=with_cookie(token, csrf))
    c.check("... with the session's CSRF token: taken, on record as d01",
            r.status == 200 and r.json()["state"] == "registered", r)
    r = request(server.port, "GET", f"/api/v1/reports/{target}/events", headers=with_cookie(token))
    c.check("... the event names the person who signed in",
            r.status == 200 and r.json()["events"][-1]["actor"] == "d01", r)
    r = request(server.port, "GET", "/api/v1/session", key=token)
    c.check("the session token as a bearer token (an app): the same person",
            r.status == 200 and r.json()["actor"]["id"] == "d01", r)
    r = request(server.port, "POST", f"/api/v1/reports/{target}/actions", key=token,
                json_body={"action": "cancel", "reason": "测试：重复"})
    c.check("... a write by bearer needs no CSRF token (no browser sends it by itself)", r.status == 200, r)
    r = request(server.port, "GET", "/api/v1/admin/accounts", headers=with_cookie(token))
    c.check("the admin's account list, by a dispatcher: 403", r.status == 403, r)
    r = request(server.port, "GET", "/api/v1/admin/accounts", key=admin_key)
    rows = {a["login"]: a for a in r.json().get("accounts", [])} if r.status == 200 else {}
    c.check("... by an admin: every account with name and role, never a hash",
            r.status == 200 and rows.get("zhou.paiqian", {}).get("role") == "dispatcher"
            and rows["zhou.paiqian"]["name"] and b"argon2" not in r.body, r)
    r = request(server.port, "GET", "/api/v1/admin/accounts?kind=staff", key=admin_key)
    kinds = {a["kind"] for a in r.json().get("accounts", [])} if r.status == 200 else set()
    c.check("... kind=staff: the staff accounts only", r.status == 200 and kinds == {"staff"}
            and {"zhou.paiqian", "du.ban"} <= {a["login"] for a in r.json()["accounts"]}, r)
    r = request(server.port, "GET", "/api/v1/admin/accounts?kind=everyone", key=admin_key)
    c.check("... kind=everyone: 400 naming kind", r.status == 400 and "'kind'" in r.json()["detail"], r)
    r = request(server.port, "GET", "/api/v1/admin/staff", key=admin_key)
    staff_rows = {s["id"]: s for s in r.json().get("staff", [])} if r.status == 200 else {}
    organisation = json.load(open(os.path.join(DATA, "organisation.json"), encoding="utf-8"))["staff"]
    c.check("the staff roster, by an admin: every member of organisation.json, in its order, with "
            "the logins that sign in as each (d01: zhou.paiqian; d02: none)",
            [x["id"] for x in r.json().get("staff", [])] == [x["id"] for x in organisation]
            and staff_rows["d01"]["logins"] == ["zhou.paiqian"] and staff_rows["d02"]["logins"] == []
            and staff_rows["d01"]["name"] == "周派遣" and staff_rows["d01"]["role"] == "dispatcher", r)
    r = request(server.port, "GET", "/api/v1/admin/staff", headers=with_cookie(token))
    c.check("... by a dispatcher: 403", r.status == 403, r)
    return token, csrf


def admin_self(c, server, admin_password):
    """An admin signed in cannot disable the account he is signed in with (nobody would be left
    to enable it); another admin, or the command line, can."""
    r = sign_in(server, "ad.min", admin_password)
    c.check("the admin signs in", r.status == 201, r)
    token, _ = cookie_of(r)
    csrf = r.json().get("csrf_token", "")
    r = request(server.port, "POST", "/api/v1/admin/accounts/ad.min/disable", headers=with_cookie(token, csrf))
    c.check("... disabling his own account: 409 saying why", r.status == 409 and "itself" in r.json()["detail"], r)
    r = request(server.port, "GET", "/api/v1/session", headers=with_cookie(token))
    c.check("... and he is still signed in", r.status == 200, r)


def lockout(c, server, env, admin_key, old_token):
    for _ in range(5):
        r = sign_in(server, "zhou.paiqian", "not-the-password")
    c.check("five wrong passwords: each 401", r.status == 401, r)
    r = sign_in(server, "zhou.paiqian", "not-the-password")
    locked_for = re.search(r"locked for (\d+) s", r.json().get("detail", "")) if r.status == 429 else None
    c.check("the sixth: 429 locked, with Retry-After the lock's own time, as the message says",
            r.status == 429 and locked_for and int(locked_for.group(1)) >= 30
            and r.headers.get("retry-after") == locked_for.group(1), r)
    r = sign_in(server, "nobody.here", "not-the-password")
    c.check("an unknown login: 401 with the same message as a wrong password",
            r.status == 401 and r.json()["detail"] == "the login or the password is wrong", r)
    for _ in range(4):
        sign_in(server, "nobody.here", "not-the-password")
    r = sign_in(server, "nobody.here", "not-the-password")
    c.check("... and it locks after five failures like a real one (no answer tells which logins exist)",
            r.status == 429 and int(r.headers.get("retry-after", "0")) >= 30, r)
    r = request(server.port, "POST", "/api/v1/admin/accounts/zhou.paiqian/reset", key=admin_key)
    new_password = r.json().get("password", "") if r.status == 200 else ""
    c.check("the admin resets it over HTTP: a new password, shown once", r.status == 200 and len(new_password) == 16, r)
    r = request(server.port, "GET", "/api/v1/session", headers=with_cookie(old_token))
    c.check("... the old session ended at once: 401, and the cookie is cleared",
            r.status == 401 and "Max-Age=0" in r.headers.get("set-cookie", ""), r)
    r = sign_in(server, "zhou.paiqian", new_password)
    c.check("... the lock is gone: the new password signs in", r.status == 201, r)
    token, _ = cookie_of(r)
    csrf = r.json()["csrf_token"]

    r = request(server.port, "POST", "/api/v1/admin/accounts/zhou.paiqian/disable", key=admin_key)
    c.check("the admin disables the account", r.status == 200 and r.json()["disabled"] is True, r)
    r = request(server.port, "GET", "/api/v1/reports?limit=1", headers=with_cookie(token))
    c.check("... its session ends at once on this node: the listing is the public's now (401 and cookie cleared)",
            r.status == 401 and "Max-Age=0" in r.headers.get("set-cookie", ""), r)
    c.check("... and it cannot sign in", sign_in(server, "zhou.paiqian", new_password).status == 401)
    out = users(env, "enable", "zhou.paiqian")
    c.check("`wangge users enable`: it signs in again",
            out.returncode == 0 and sign_in(server, "zhou.paiqian", new_password).status == 201, out)

    r = sign_in(server, "zhou.paiqian", new_password)
    first, _ = cookie_of(r)
    first_csrf = r.json()["csrf_token"]
    r = sign_in(server, "zhou.paiqian", new_password)
    second, _ = cookie_of(r)
    body = {"current_password": "wrong-password-1", "new_password": "新的密码-abcdef"}
    r = request(server.port, "PUT", "/api/v1/session/password", json_body=body,
                headers=with_cookie(first, first_csrf))
    c.check("a password change with a wrong current password: 401", r.status == 401, r)
    body["current_password"] = new_password
    r = request(server.port, "PUT", "/api/v1/session/password", json_body=body,
                headers=with_cookie(first, first_csrf))
    c.check("... with the right one: 204", r.status == 204, r)
    c.check("... this session goes on",
            request(server.port, "GET", "/api/v1/session", headers=with_cookie(first)).status == 200)
    c.check("... the other session ended",
            request(server.port, "GET", "/api/v1/session", headers=with_cookie(second)).status == 401)
    r = request(server.port, "DELETE", "/api/v1/session", headers=with_cookie(first, first_csrf))
    c.check("sign-out: 204 and the cookie cleared", r.status == 204 and "Max-Age=0" in r.headers.get("set-cookie", ""), r)
    c.check("... the session is over",
            request(server.port, "GET", "/api/v1/session", headers=with_cookie(first)).status == 401)
    r = request(server.port, "POST", "/api/v1/session", json_body={"login": "zhou.paiqian", "password": "新的密码-abcdef"},
                headers=with_cookie(first))
    c.check("an ended session's cookie does not stand in the way of signing in again (no CSRF needed)",
            r.status == 201, r)
    del token, csrf


def codes_in(outbox):
    if not os.path.exists(outbox):
        return []
    with open(outbox, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def resident_session(c, server, outbox, phone_typed, phone):
    before = len(codes_in(outbox))
    r = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": phone_typed})
    c.check(f"a code for {phone_typed!r}: 202", r.status == 202 and r.json()["expires_in_s"] == 300, r)
    sent = codes_in(outbox)[before:]
    c.check("... one SMS in the outbox log, to the normalised number, in Chinese with six digits",
            len(sent) == 1 and sent[0]["to"] == phone and "验证码" in sent[0]["text"], sent)
    code = "".join(ch for ch in sent[0]["text"].split("验证码是", 1)[1][:8] if ch.isdigit())[:6] if sent else ""
    return code


def residents(c, server, outbox):
    code = resident_session(c, server, outbox, "+86 138 0013 8000", "13800138000")
    mode = stat.S_IMODE(os.stat(outbox).st_mode)
    c.check("the outbox log is readable by its owner only (0600)", mode == 0o600, oct(mode))
    r = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": "13800138000"})
    c.check("another code within a minute: 429 with Retry-After",
            r.status == 429 and 1 <= int(r.headers.get("retry-after", "0")) <= 60, r)
    wrong = "000000" if code != "000000" else "111111"
    r = request(server.port, "POST", "/api/v1/session/phone", json_body={"phone": "13800138000", "code": wrong})
    c.check("a wrong code: 401", r.status == 401, r)
    r = request(server.port, "POST", "/api/v1/session/phone", json_body={"phone": "138-0013-8000", "code": code})
    token, header = cookie_of(r)
    c.check("the right code: a resident's session (30 days)",
            r.status == 201 and r.json()["actor"]["role"] == "resident" and "Max-Age=2592000" in header, r)
    resident = r.json()["actor"]["id"] if r.status == 201 else ""
    csrf = r.json().get("csrf_token", "")
    r = request(server.port, "POST", "/api/v1/session/phone", json_body={"phone": "13800138000", "code": code})
    c.check("... the same code again: 401 (a code signs in once)", r.status == 401, r)

    report = {"category": "0101", "text": "楼下垃圾三天没人清运", "location": {"lon": LON, "lat": LAT}}
    r = request(server.port, "POST", "/api/v1/reports", json_body=report, headers=with_cookie(token, csrf))
    c.check("the resident submits with the cookie and CSRF token", r.status == 201, r)
    mine = r.json()["id"] if r.status == 201 else ""
    r = request(server.port, "GET", "/api/v1/reports", headers=with_cookie(token))
    ids = [x["id"] for x in r.json().get("reports", [])] if r.status == 200 else []
    c.check("... and lists it: their own reports only", r.status == 200 and ids == [mine], r)
    r = request(server.port, "GET", f"/api/v1/reports/{mine}", headers=with_cookie(token))
    c.check("... the case shows the resident's own view (allowed actions)", r.status == 200 and "allowed_actions" in r.json(), r)

    code2 = resident_session(c, server, outbox, "13900139000", "13900139000")
    r = request(server.port, "POST", "/api/v1/session/phone", json_body={"phone": "13900139000", "code": code2})
    other, _ = cookie_of(r)
    c.check("another resident signs in as another person",
            r.status == 201 and r.json()["actor"]["id"] != resident, r)
    r = request(server.port, "GET", "/api/v1/reports", headers=with_cookie(other))
    c.check("... and sees none of the first one's reports",
            r.status == 200 and mine not in [x["id"] for x in r.json()["reports"]], r)

    r = request(server.port, "POST", "/api/v1/session/code", json_body={"phone": "13700137000"})
    c.check("a third phone can ask at once (limits are per phone)", r.status == 202, r)
    statuses = [request(server.port, "POST", "/api/v1/session/code", json_body={"phone": f"1360013{n:04d}"}).status
                for n in range(7)]
    c.check("one address may have ten codes sent an hour, then 429 (no SMS cannon)",
            statuses[:6] == [202] * 6 and statuses[6] == 429, statuses)


def bad_input(c, server):
    cases = [
        ("POST", "/api/v1/session", b"{not json", 400, "JSON"),
        ("POST", "/api/v1/session", json.dumps({"login": "a", "password": "b", "role": "admin"}).encode(), 400, "role"),
        ("POST", "/api/v1/session", json.dumps({"login": "a"}).encode(), 400, "password"),
        ("POST", "/api/v1/session", json.dumps({"login": 5, "password": "x"}).encode(), 400, "login"),
        ("POST", "/api/v1/session", json.dumps({"login": "' OR 1=1 --", "password": "' OR 1=1 --"}).encode(), 401, "wrong"),
        ("POST", "/api/v1/session", json.dumps({"login": "a", "password": "p" * 5000}).encode(), 413, ""),
        ("POST", "/api/v1/session/code", json.dumps({"phone": "(0731) 5555555"}).encode(), 400, "mobile"),
        ("POST", "/api/v1/session/code", json.dumps({"phone": "1e400"}).encode(), 400, "phone"),
        ("POST", "/api/v1/session/phone", json.dumps({"phone": "13800138000", "code": "12ab56"}).encode(), 400, "code"),
        ("POST", "/api/v1/session/phone", json.dumps({"phone": "13800138000", "code": "1234567"}).encode(), 400, "code"),
        ("PUT", "/api/v1/session/password", json.dumps({"current_password": "a", "new_password": "b"}).encode(), 401, ""),
    ]
    for method, path, body, status, word in cases:
        r = request(server.port, method, path, body=body, headers={"Content-Type": "application/json"})
        ok = r.status == status and r.ctype == "application/problem+json" and word in r.json().get("detail", "")
        c.check(f"{method} {path} {body[:40]!r}: {status} naming the rule", ok, r)
    r = request(server.port, "GET", "/api/v1/session", headers={"Cookie": "wangge_session=ws_" + "A" * 43})
    c.check("a forged session cookie: 401 and the cookie cleared",
            r.status == 401 and "Max-Age=0" in r.headers.get("set-cookie", ""), r)
    r = request(server.port, "POST", "/api/v1/session", body=json.dumps({"login": "a", "password": "b"}).encode(),
                headers={"Content-Type": "text/plain"})
    c.check("a sign-in that is not application/json (a cross-site form could send it): 400",
            r.status == 400 and "application/json" in r.json()["detail"], r)
    r = request(server.port, "POST", "/api/v1/session", json_body={"login": "a", "password": "bbbbbbbbbbbb"},
                headers={"Sec-Fetch-Site": "cross-site"})
    c.check("a sign-in from another site (Sec-Fetch-Site: cross-site): 403", r.status == 403, r)
    r = request(server.port, "GET", "/api/v1/session?api_key=ws_" + "A" * 43)
    c.check("a session token in the query string is not taken: 401", r.status == 401, r)
    r = request(server.port, "GET", "/api/v1/categories", headers={"Cookie": "wangge_session=garbage; a=b"})
    c.check("a garbage cookie on a public read: still served", r.status == 200, r)
    c.check("the server answers after all of it", request(server.port, "GET", "/healthz").status == 200)


if __name__ == "__main__":
    sys.exit(main())
