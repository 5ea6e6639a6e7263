#!/usr/bin/env python3
"""Open311 GeoReport v2 conformance, written from the spec's rules (wiki.open311.org/GeoReport_v2),
against the real server over HTTP.

Usage: open311_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

Every method in .json and .xml: the response shapes and field names, XML with a utf-8
declaration and the spec's element names, W3C date-times with a time zone, status open/closed,
the error list [{code, description}] with 400/403/404 semantics, "present but empty is absent",
the 90-day default window, and the common extensions (page/page_size, updated_after/before,
extensions=true with notes[] and extended_attributes, an idempotency key).
"""
import json
import os
import shutil
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Checks, make_store, drop_store, create_key, request, public_sample_reports  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")
REQUEST_FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"]
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


def main():
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="wangge_open311_")
    env = make_store(KIND, tmp, DATA)
    try:
        run(c, tmp, env)
    finally:
        drop_store(KIND, env)
    deep = tempfile.mkdtemp(prefix="wangge_open311_deep_")
    env = make_store(KIND, deep, DATA)
    try:
        bounded_paging(c, deep, env)
    finally:
        drop_store(KIND, env)
    return c.finish()


def bounded_paging(c, tmp, env):
    """page and page_size on a store with the sample's 2,000 reports: one query with an offset,
    never a walk through the pages before it (page=100000 took 4.7 s: ~2,000 store queries)."""
    subprocess.run([WANGGE, "import", "reports", os.path.join(DATA, "reports.csv")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    rows = public_sample_reports(DATA)  # cases of private categories are not listed at all
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), ["--rate-per-address", "100000"])
    server.start()
    since = "start_date=2000-01-01T00:00:00Z&"  # the whole sample, whatever the day of the run

    def get(path):
        return request(server.port, "GET", "/open311/v2/" + path)

    def timed(path):
        start = time.monotonic()
        r = get(path)
        return r, time.monotonic() - start

    try:
        ids, times = [], []
        for page in range(1, 10):
            r = get(f"requests.json?{since}page_size=1000&page={page}")
            if r.status != 200 or not r.json():
                break
            ids += [x["service_request_id"] for x in r.json()]
            times += [x["requested_datetime"] for x in r.json()]
        c.check(f"pages of 1,000: every one of the {len(rows)} public reports once, newest first",
                len(ids) == len(set(ids)) == len(rows) and times == sorted(times, reverse=True), len(ids))
        r = get(f"requests.json?{since}page_size=7&page=3")
        c.check("page 3 of 7 is rows 15-21 of the whole listing",
                r.status == 200 and [x["service_request_id"] for x in r.json()] == ids[14:21], r)
        r = get(f"requests.json?{since}page_size=1&page={len(rows)}")
        c.check("the last page of one is the oldest report", r.status == 200
                and [x["service_request_id"] for x in r.json()] == ids[-1:], r)
        get(f"requests.json?{since}page_size=1&page={len(rows) + 1}")  # warm
        answers = [timed(f"requests.json?{since}page_size=1&page=9999") for _ in range(5)]
        spent = sorted(t for _, t in answers)
        c.check("a page beyond the data (page 9999 of one) is an empty list in well under 100 ms",
                all(r.status == 200 and r.json() == [] for r, _ in answers) and spent[2] < 0.1,
                [f"{t * 1000:.1f} ms" for t in spent])
        print(f"     page=9999&page_size=1: median {spent[2] * 1000:.1f} ms", flush=True)
        r, spent = timed("requests.json?page_size=1&page=100000")
        c.check("page=100000 (page × page_size beyond 10,000): 400 naming the rule and the way out, at once",
                r.status == 400 and "page × page_size must be at most 10000" in r.json()[0]["description"]
                and "start_date" in r.json()[0]["description"] and spent < 0.1, (r, spent))
        for bad in ["page=0", "page=1e3", "page=nan", "page_size=1001", "page_size=-1", "page=99999999999999999999",
                    "page_size=inf"]:
            r = get("requests.json?" + bad)
            c.check(f"{bad}: 400 error list naming the parameter", r.status == 400
                    and bad.split("=")[0] in r.json()[0]["description"], r)
        r = get("requests.json?service_request_id=" + ",".join(ids[:101]))
        c.check("service_request_id with 101 ids: 400 (each is a look-up)", r.status == 400, r)
        r = get("requests.json?service_request_id=" + ",".join(ids[:100]))
        c.check("... 100 ids: all of them", r.status == 200 and len(r.json()) == 100, r.status)
        c.check("the server is alive after all of it", get("services.json").status == 200)
    finally:
        c.check("SIGTERM: exit 0", server.stop() == 0)


def xml_of(r):
    """The parsed XML root of a response, or None (with the declaration checked)."""
    if not r.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'):
        return None
    try:
        return ET.fromstring(r.body)
    except ET.ParseError:
        return None


def run(c, tmp, env):
    app_key = create_key(WANGGE, env, "app:open311-client")
    dispatcher = create_key(WANGGE, env, "d01")
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), ["--rate-per-key", "1000", "--rate-per-address", "1000"])
    server.start()
    port = server.port

    def get(path, **kw):
        return request(port, "GET", "/open311/v2/" + path, **kw)

    def post(fmt, fields, **kw):
        body = urllib.parse.urlencode(fields).encode()
        return request(port, "POST", f"/open311/v2/requests.{fmt}", body=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded", **kw.pop("headers", {})}, **kw)

    def is_error_list(r, status, fmt="json"):
        if r.status != status:
            return False
        if fmt == "json":
            e = r.json()
            return (r.ctype == "application/json" and isinstance(e, list) and len(e) >= 1
                    and all(set(x) == {"code", "description"} and x["code"] == status and x["description"] for x in e))
        root = xml_of(r)
        return (r.ctype == "text/xml" and root is not None and root.tag == "errors"
                and all(x.tag == "error" and x.findtext("code") == str(status) and x.findtext("description") for x in root))

    # ---- discovery ------------------------------------------------------------------------
    r = get("discovery.json")
    d = r.json() if r.status == 200 else {}
    c.check("discovery.json: changeset, contact, key_service and endpoints",
            {"changeset", "contact", "key_service", "endpoints"} <= set(d) and W3C.match(d["changeset"]), d)
    ep = d.get("endpoints", [{}])[0]
    c.check("discovery: the endpoint names the v2 spec, its url, type and both formats",
            ep.get("specification") == "http://wiki.open311.org/GeoReport_v2" and ep.get("type") in ("production", "test")
            and set(ep.get("formats", [])) == {"application/json", "text/xml"}
            and ep.get("url", "").endswith("/open311/v2"), ep)
    root = xml_of(get("discovery.xml"))
    c.check("discovery.xml: <discovery> with <endpoints><endpoint><formats><format>",
            root is not None and root.tag == "discovery" and root.find("endpoints/endpoint/formats/format") is not None, root)

    # ---- services -------------------------------------------------------------------------
    r = get("services.json")
    services = r.json() if r.status == 200 else []
    c.check("services.json: charset utf-8", "charset=utf-8" in r.headers.get("content-type", ""), r.headers)
    c.check("services.json: a list of services, each with the spec's seven fields", services and all(
        set(SERVICE_FIELDS) <= set(s) for s in services), services[:1])
    c.check("services: metadata is a boolean, type realtime|batch|blackbox", all(
        isinstance(s["metadata"], bool) and s["type"] in ("realtime", "batch", "blackbox") for s in services), services[:1])
    codes = [s["service_code"] for s in services]
    root = xml_of(get("services.xml"))
    c.check("services.xml: <services><service> with the same codes",
            root is not None and root.tag == "services" and [x.findtext("service_code") for x in root.findall("service")] == codes
            and all(x.find(f) is not None for x in root.findall("service") for f in SERVICE_FIELDS), root)
    r = get(f"services/{codes[0]}.json")
    c.check("services/{code}.json: a service_definition with service_code and attributes[]",
            r.status == 200 and r.json()["service_code"] == codes[0] and isinstance(r.json()["attributes"], list), r)
    root = xml_of(get(f"services/{codes[0]}.xml"))
    c.check("services/{code}.xml: <service_definition>", root is not None and root.tag == "service_definition"
            and root.findtext("service_code") == codes[0] and root.find("attributes") is not None, root)
    c.check("an unknown service_code: 404 error list (json)", is_error_list(get("services/NOPE.json"), 404), get("services/NOPE.json"))
    c.check("an unknown service_code: 404 error list (xml)", is_error_list(get("services/NOPE.xml"), 404, "xml"), get("services/NOPE.xml"))
    jurisdiction = get("discovery.json").json()["contact"].rsplit(" ", 1)[1]
    c.check("services with our jurisdiction_id: 200", get(f"services.json?jurisdiction_id={jurisdiction}").status == 200)
    c.check("services with an empty jurisdiction_id (present but empty is absent): 200",
            get("services.json?jurisdiction_id=").status == 200)
    c.check("services with another jurisdiction_id: 404 error list", is_error_list(get("services.json?jurisdiction_id=sfgov.org"), 404))

    # ---- POST requests ----------------------------------------------------------------------
    base = {"api_key": app_key, "service_code": codes[0], "lat": LAT, "long": LON, "description": "井盖缺失，夜里很危险",
            "first_name": "四", "last_name": "李", "phone": "13700137000", "email": "li@example.org",
            "device_id": "dev-1", "account_id": "acct-7", "jurisdiction_id": jurisdiction, "attribute[WHERE]": "路口"}
    r = post("json", base)
    created = r.json() if r.status in (200, 201) else [{}]
    c.check("POST requests.json: a list of one request with service_request_id (no token), service_notice, account_id",
            r.status in (200, 201) and len(created) == 1 and created[0].get("service_request_id") and "token" not in created[0]
            and "service_notice" in created[0] and created[0].get("account_id") == "acct-7", r)
    sid = created[0].get("service_request_id")
    c.check("JSON error codes are integers (404, not 404.0)",
            b'"code":404' in post("json", dict(base, service_code="NOPE")).body, "")

    def multipart(fields, files=()):
        boundary = "----wangge-test-7MA4YWxkTrZu0gW"
        out = b""
        for k, v in fields.items():
            out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").encode()
        for name, filename, data in files:
            out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                    f"Content-Type: image/jpeg\r\n\r\n").encode() + data + b"\r\n"
        out += f"--{boundary}--\r\n".encode()
        return request(port, "POST", "/open311/v2/requests.json", body=out,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = multipart(dict(base, description="multipart 客户端", account_id="acct-mp"))
    c.check("a multipart/form-data POST with the key in the body (as FixMyStreet sends it): 201",
            r.status == 201 and r.json()[0].get("account_id") == "acct-mp", r)
    r = multipart(dict(base), files=[("media", "p.jpg", b"\xff\xd8\xff\xe0 not a whole JPEG")])
    c.check("a media part that is no whole image: 400 error list saying so (media_test.py has "
            "the photos that work)",
            is_error_list(r, 400) and "truncated" in r.json()[0]["description"], r)
    r = request(port, "POST", "/open311/v2/requests.json", body=b"--x\r\nno headers",
                headers={"Content-Type": "multipart/form-data; boundary=x"})
    c.check("a malformed multipart body: 400 error list naming the rule", is_error_list(r, 400)
            and "multipart" in r.json()[0]["description"], r)
    snap = dict(base, media_url="https://media.example/snap.jpg", account_id="acct-snap")
    del snap["description"]
    r = post("json", snap)
    c.check("随手拍: a photo with no description is taken (201)", r.status == 201, r)
    def staff_view(r):
        rid = r.json()[0]["service_request_id"] if r.status == 201 else "none"
        return request(port, "GET", f"/api/v1/reports/{rid}", key=dispatcher).json()

    for typed, kept in [("+86 138 0000 0000", "13800000000"), ("138 0000 0000", "13800000000"),
                        ("138-0000-0000", "13800000000"), ("(0731) 5555555", "0731-5555555"),
                        ("call me maybe", "call me maybe")]:
        r = post("json", dict(base, phone=typed, description="电话格式 " + typed))
        got = staff_view(r).get("reporter", {}).get("phone") if r.status == 201 else None
        c.check(f"phone typed as {typed!r}: the report is taken (201) with the phone as {kept!r}",
                r.status == 201 and got == kept, (r, got))
    r = post("json", dict(base, first_name="小明", last_name="王", description="中文姓名"))
    got = staff_view(r).get("reporter", {}).get("name") if r.status == 201 else None
    c.check("a Chinese name is kept family name first (王小明)", got == "王小明", (r, got))
    r = post("json", dict(base, first_name="Anna", last_name="Smith", description="western name"))
    got = staff_view(r).get("reporter", {}).get("name") if r.status == 201 else None
    c.check("a Western name given name first (Anna Smith)", got == "Anna Smith", (r, got))
    service_attributes(c, port, get, post, base, staff_view, is_error_list)
    r = post("xml", dict(base, description="xml client"))
    root = xml_of(r)
    c.check("POST requests.xml: <service_requests><request><service_request_id>",
            r.status in (200, 201) and root is not None and root.tag == "service_requests"
            and root.findtext("request/service_request_id"), r)
    xid = root.findtext("request/service_request_id") if root is not None else None
    c.check("POST without api_key: 403 error list", is_error_list(post("json", {k: v for k, v in base.items() if k != "api_key"}), 403))
    c.check("POST with a wrong api_key: 403 error list (xml)", is_error_list(post("xml", dict(base, api_key="wg_wrong_key_123")), 403, "xml"))
    c.check("POST with an empty api_key (present but empty is absent): 403", is_error_list(post("json", dict(base, api_key="")), 403))
    c.check("POST without service_code: 400 error list", is_error_list(post("json", {k: v for k, v in base.items() if k != "service_code"}), 400))
    c.check("POST with an unknown service_code: 404 error list", is_error_list(post("json", dict(base, service_code="NOPE")), 404))
    c.check("POST with another jurisdiction_id: 404 error list", is_error_list(post("json", dict(base, jurisdiction_id="sfgov.org")), 404))
    c.check("POST without a location: 400 error list", is_error_list(post("json", {k: v for k, v in base.items() if k not in ("lat", "long")}), 400))
    c.check("POST with lat but no long: 400", is_error_list(post("json", {k: v for k, v in base.items() if k != "long"}), 400))
    c.check("POST with an address_string only: 400 naming why", is_error_list(post("json", dict(
        {k: v for k, v in base.items() if k not in ("lat", "long")}, address_string="1 Main St")), 400))
    c.check("POST with lat 95: 400", is_error_list(post("json", dict(base, lat=95)), 400))
    c.check("POST with a description over 4000 characters: 400", is_error_list(post("json", dict(base, description="x" * 4001)), 400))
    r = request(port, "POST", "/open311/v2/requests.json", body=b"api_key=%zz&lat=1",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    c.check("POST with a malformed form body: 400 error list", is_error_list(r, 400), r)
    k1 = post("json", dict(base, description="重试", idempotency_key="client-1"))
    k2 = post("json", dict(base, description="重试", idempotency_key="client-1"))
    c.check("POST with the same idempotency_key twice: one request, the same answer",
            k1.status in (200, 201) and k2.status == k1.status and k2.json() == k1.json(), (k1, k2))
    k3 = post("json", dict(base, description="不同", idempotency_key="client-1"))
    c.check("... and the same key with another request: 400 error list", is_error_list(k3, 400), k3)

    # ---- GET requests ---------------------------------------------------------------------------
    r = get("requests.json")
    reqs = r.json() if r.status == 200 else []
    ids = [x["service_request_id"] for x in reqs]
    c.check("GET requests.json: the new requests, each with all 17 fields of the spec",
            sid in ids and xid in ids and all(set(REQUEST_FIELDS) <= set(x) for x in reqs), reqs[:1])
    c.check("status is open or closed only", all(x["status"] in ("open", "closed") for x in reqs), [x["status"] for x in reqs])
    c.check("date-times are W3C with a time zone (requested, updated; expected when set)", all(
        W3C.match(x["requested_datetime"]) and W3C.match(x["updated_datetime"])
        and (x["expected_datetime"] is None or W3C.match(x["expected_datetime"])) for x in reqs), reqs[:1])
    mine = next(x for x in reqs if x["service_request_id"] == sid)
    c.check("a request shows its code, description and position", mine["service_code"] == codes[0]
            and mine["description"] == "井盖缺失，夜里很危险" and abs(mine["lat"] - LAT) < 1e-3 and abs(mine["long"] - LON) < 1e-3, mine)
    c.check("no personal data in public requests", all(s not in r.body.decode() for s in ("13700137000", "li@example.org", "李")), "leak")
    root = xml_of(get("requests.xml"))
    c.check("GET requests.xml: <service_requests><request> with every field element",
            root is not None and root.tag == "service_requests" and len(root.findall("request")) == len(reqs)
            and all(x.find(f) is not None for x in root.findall("request") for f in REQUEST_FIELDS), root)
    r = get(f"requests/{sid}.json")
    c.check("GET requests/{id}.json: a list holding that one request", r.status == 200 and len(r.json()) == 1
            and r.json()[0]["service_request_id"] == sid, r)
    root = xml_of(get(f"requests/{sid}.xml"))
    c.check("GET requests/{id}.xml", root is not None and root.findtext("request/service_request_id") == sid, root)
    c.check("GET requests/{unknown}: 404 error list", is_error_list(get("requests/NOPE.json"), 404))
    c.check("GET requests/{unknown}.xml: 404 error list", is_error_list(get("requests/NOPE.xml"), 404, "xml"))
    r = get(f"requests.json?service_request_id={sid},{xid}&status=closed&service_code=NOPE")
    c.check("service_request_id (a comma list) overrides every other filter", r.status == 200
            and sorted(x["service_request_id"] for x in r.json()) == sorted([sid, xid]), r)
    r = get(f"requests.json?service_code={codes[0]}&status=open")
    c.check("filter by service_code and status=open", r.status == 200 and sid in [x["service_request_id"] for x in r.json()]
            and all(x["service_code"] == codes[0] and x["status"] == "open" for x in r.json()), r)
    c.check("status=closed: none yet", get("requests.json?status=closed").json() == [])
    c.check("status=open,closed (a comma list): all", len(get("requests.json?status=open,closed").json()) == len(reqs))
    c.check("empty arguments are absent: status=&service_code=", len(get("requests.json?status=&service_code=&start_date=").json()) == len(reqs))
    c.check("status=pending: 400 error list", is_error_list(get("requests.json?status=pending"), 400))
    c.check("a malformed start_date: 400 error list", is_error_list(get("requests.json?start_date=yesterday"), 400))
    c.check("start_date in the future: none", get("requests.json?start_date=2099-01-01T00:00:00Z").json() == [])
    c.check("end_date 100 days ago: the default window ends there, so none",
            get("requests.json?end_date=2000-01-01T00:00:00%2B08:00").json() == [])

    # ---- extensions -----------------------------------------------------------------------------
    p1 = get("requests.json?page_size=1&page=1").json()
    p2 = get("requests.json?page_size=1&page=2").json()
    c.check("page/page_size: pages of one, different requests", len(p1) == 1 and len(p2) == 1
            and p1[0]["service_request_id"] != p2[0]["service_request_id"], (p1, p2))
    c.check("a page past the end is empty", get(f"requests.json?page_size=1&page={len(reqs) + 1}").json() == [])
    c.check("page_size=0: 400", is_error_list(get("requests.json?page_size=0"), 400))
    # Move one request through the loop (native API) to see it closed with a history.
    for body in ({"action": "register"}, {"action": "cancel", "reason": "重复上报"}):
        request(port, "POST", f"/api/v1/reports/{sid}/actions", key=dispatcher, json_body=body)
    r = get(f"requests/{sid}.json?extensions=true")
    x = r.json()[0] if r.status == 200 else {}
    c.check("a cancelled request is closed, its notes say why", x.get("status") == "closed" and "重复上报" in x.get("status_notes", ""), x)
    c.check("extensions=true: notes[] with datetime, type and description, in order",
            [n["type"] for n in x.get("notes", [])] == ["submit", "register", "cancel"]
            and all(W3C.match(n["datetime"]) and n["description"] for n in x.get("notes", [])), x.get("notes"))
    c.check("extensions=true: extended_attributes with state, channel, grid, duplicate",
            x.get("extended_attributes", {}).get("state") == "cancelled"
            and {"channel", "grid", "duplicate", "parent_service_request_id"} <= set(x.get("extended_attributes", {})), x)
    c.check("without extensions=true: no notes or extended_attributes",
            {"notes", "extended_attributes"}.isdisjoint(get(f"requests/{sid}.json").json()[0]))
    root = xml_of(get(f"requests/{sid}.xml?extensions=true"))
    c.check("extensions in XML: <notes><note><datetime>", root is not None and len(root.findall("request/notes/note")) == 3, root)
    updated = x.get("updated_datetime", "")
    after = get("requests.json?updated_after=" + urllib.parse.quote(updated)).json()
    c.check("updated_after: the request just changed is in the feed", sid in [y["service_request_id"] for y in after], after)
    before = get("requests.json?updated_before=" + urllib.parse.quote(updated)).json()
    c.check("updated_before: ... and not before it", sid not in [y["service_request_id"] for y in before], before)

    # ---- tokens -----------------------------------------------------------------------------
    r = get(f"tokens/{sid}.json")
    c.check("tokens/{token}.json: service_request_id and token", r.status == 200
            and r.json() == [{"service_request_id": sid, "token": sid}], r)
    root = xml_of(get(f"tokens/{sid}.xml"))
    c.check("tokens/{token}.xml", root is not None and root.findtext("request/service_request_id") == sid, root)
    c.check("an unknown token: 404 error list", is_error_list(get("tokens/NOPE.json"), 404))

    # ---- format and method rules --------------------------------------------------------------------
    c.check("a path without a format: 404", get("services").status == 404)
    c.check("an unsupported format: 404", get("services.csv").status == 404)
    r = request(port, "DELETE", "/open311/v2/requests.json")
    c.check("DELETE requests.json: 405 with Allow: POST, GET, as the spec's error list", r.status == 405 and {"POST", "GET"} <= set(
        m.strip() for m in r.headers.get("allow", "").split(",")) and is_error_list(r, 405), r)
    c.check("an unknown route in .json: the spec's error list, 404", is_error_list(get("nothing/here.json"), 404))
    c.check("an unknown route in .xml: the spec's error list in XML, 404", is_error_list(get("nothing.xml"), 404, "xml"))

    # ---- what real clients send and read back ----------------------------------------------------
    r = post("json", dict(base, description="门口井盖松动", address_string="新湖路18号东门口（电话13912345678）",
                          email="wang@example.org"))
    rid = r.json()[0]["service_request_id"] if r.status == 201 else "none"
    mine = get(f"requests/{rid}.json").json()[0] if r.status == 201 else {}
    c.check("address: the one given, personal numbers masked in public",
            mine.get("address") == "新湖路18号东门口（电话139****5678）", mine)
    view = staff_view(r)
    c.check("... the staff see the address and the e-mail as given (private contact)",
            view.get("address") == "新湖路18号东门口（电话13912345678）"
            and view.get("reporter", {}).get("email") == "wang@example.org", view)
    c.check("... and the e-mail is in no public answer", b"wang@example.org" not in get(f"requests/{rid}.json").body
            and b"wang@example.org" not in get(f"requests/{rid}.json?extensions=true").body)
    r = post("json", dict(base, description="无地址"))
    plain = get(f"requests/{r.json()[0]['service_request_id']}.json").json()[0] if r.status == 201 else {}
    c.check("without one, address is the 街道 and the grid by name, not a 17-digit code",
            plain.get("address", "").startswith("新湖街道") and "邻" in plain.get("address", "")
            and not re.search(r"\d{9}", plain.get("address", "")), plain)
    services = get("services.json").json()
    c.check("service descriptions a resident reads are Chinese",
            services and all(re.search(r"[\u4e00-\u9fff]", x["description"]) for x in services), services[:2])
    first = get("discovery.json").json()["changeset"]
    time.sleep(1.1)  # the changeset is a time to the second: a second later it would differ if it were now
    c.check("discovery's changeset stays the same while the services do", get("discovery.json").json()["changeset"] == first)
    c.check("SIGTERM: exit 0", server.stop() == 0)
    changed_categories(c, tmp, env, first)


def service_attributes(c, port, get, post, base, staff_view, is_error_list):
    """Service definitions with attributes (the sample asks questions of five categories), the
    answers checked by datatype and kept as private contact is: staff and the reporter see them,
    no anonymous surface does."""
    services = {s["service_code"]: s for s in get("services.json").json()}
    c.check("services: metadata true exactly for the services that ask questions (B0101, not 0101)",
            services["B0101"]["metadata"] is True and services["0101"]["metadata"] is False,
            (services["B0101"], services["0101"]))
    d = get("services/B0101.json").json()
    a = d["attributes"][0] if d.get("attributes") else {}
    c.check("services/B0101.json: the attribute with the spec's fields (variable, code, datatype, "
            "required, datatype_description, order, description, values)",
            a.get("variable") is True and a.get("code") == "cover" and a.get("datatype") == "singlevaluelist"
            and a.get("required") is False and a.get("order") == 1 and a.get("description") == "井盖是什么情况？"
            and "datatype_description" in a
            and [v["key"] for v in a.get("values", [])] == ["missing", "broken", "loose"]
            and a["values"][0]["name"] == "缺失", d)
    root = xml_of(get("services/B0101.xml"))
    c.check("services/B0101.xml: <attributes><attribute> with <values><value><key>",
            root is not None and root.findtext("attributes/attribute/code") == "cover"
            and [k.text for k in root.findall("attributes/attribute/values/value/key")] == ["missing", "broken", "loose"],
            root)
    lamp = get("services/B0102.json").json()["attributes"]
    c.check("services/B0102.json: two attributes in order, a string and a number",
            [(x["code"], x["datatype"], x["order"]) for x in lamp] == [("pole_number", "string", 1), ("lamps_out", "number", 2)],
            lamp)

    def post_pairs(pairs):
        body = urllib.parse.urlencode(pairs).encode()
        return request(port, "POST", "/open311/v2/requests.json", body=body,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    cover = dict(base, service_code="B0101", description="井盖松动")
    r = post("json", dict(cover, **{"attribute[cover]": "loose"}))
    view = staff_view(r)
    c.check("attribute[cover]=loose: 201, kept on the case with the client's own attribute[WHERE]",
            r.status == 201 and view.get("attributes") == {"cover": "loose", "WHERE": "路口"}, (r, view.get("attributes")))
    rid = r.json()[0]["service_request_id"] if r.status == 201 else "none"
    public = [request(port, "GET", f"/api/v1/reports/{rid}"), get(f"requests/{rid}.json"),
              get(f"requests/{rid}.json?extensions=true"), get(f"requests/{rid}.xml")]
    c.check("the answers are on no anonymous surface (the v1 public view, Open311 json, extensions, xml)",
            all(p.status == 200 and b"loose" not in p.body and "路口".encode() not in p.body for p in public)
            and "attributes" not in public[0].json(), [p.status for p in public])
    r = post("json", dict(cover, **{"attribute[cover]": "melted"}))
    c.check("attribute[cover]=melted: 400 error list naming the attribute and its choices",
            is_error_list(r, 400) and "attribute 'cover'" in r.json()[0]["description"]
            and "missing (缺失)" in r.json()[0]["description"], r)
    r = post("json", dict(cover, **{"attribute[cover][]": "loose"}, **{"attribute[cover]": "missing"}))
    c.check("two answers to a singlevaluelist: 400 error list", is_error_list(r, 400)
            and "takes one value" in r.json()[0]["description"], r)
    r = post("json", dict(base, service_code="B0102", description="路灯", **{"attribute[lamps_out]": "NaN"}))
    c.check("a number attribute of NaN: 400 error list naming the rule", is_error_list(r, 400)
            and "must be a finite number" in r.json()[0]["description"], r)
    r = post("json", dict(base, service_code="B0102", description="路灯", **{"attribute[lamps_out": "3"}))
    c.check("a malformed attribute field name: 400 error list", is_error_list(r, 400)
            and "attribute[CODE]" in r.json()[0]["description"], r)
    pairs = [(k, v) for k, v in base.items()] + [("attribute[needs][]", "visit"), ("attribute[needs][]", "meals"),
                                                 ("attribute[needs][]", "visit")]
    pairs = [(k, "0603" if k == "service_code" else v) for k, v in pairs]
    r = post_pairs(pairs)
    view = staff_view(r)
    c.check("a multivaluelist as attribute[needs][] repeated: every key kept once, in order",
            r.status == 201 and view.get("attributes", {}).get("needs") == "visit,meals", (r, view.get("attributes")))


def changed_categories(c, tmp, env, first):
    """The changeset changes when the services change (a new categories.json), and only then:
    importing the same documents again, or restarting, keeps it."""
    ref = os.path.join(tmp, "ref")
    os.makedirs(ref, exist_ok=True)
    for f in ["organisation.json", "calendar.json", "categories.json"]:
        shutil.copy(os.path.join(DATA, f), ref)
    subprocess.run([WANGGE, "import", "reference", ref], env=env, check=True, stdout=subprocess.DEVNULL)
    server = Server(WANGGE, env, os.path.join(tmp, "server2.log"))
    server.start()
    same = request(server.port, "GET", "/open311/v2/discovery.json").json()["changeset"]
    c.check("the same documents imported again and a restart: the same changeset", same == first, (same, first))
    with open(os.path.join(DATA, "categories.json"), encoding="utf-8") as f:
        doc = json.load(f)
    next(x for x in doc["categories"] if x["code"] == "0102")["name"] = "道路不洁（含油污）"
    next(x for x in doc["categories"] if x["code"] == "B0101")["attributes"][0]["required"] = True
    with open(os.path.join(ref, "categories.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    subprocess.run([WANGGE, "import", "reference", ref], env=env, check=True, stdout=subprocess.DEVNULL)
    r = request(server.port, "POST", "/api/v1/admin/reload", key=create_key(WANGGE, env, "a01"))
    later = request(server.port, "GET", "/open311/v2/discovery.json").json()["changeset"]
    c.check("a renamed service: a later changeset once the server has reloaded", r.status == 200 and later > first, (later, first))
    app = create_key(WANGGE, env, "app:open311-required")
    ask = {"api_key": app, "service_code": "B0101", "lat": LAT, "long": LON, "description": "井盖"}
    post = lambda fields: request(server.port, "POST", "/open311/v2/requests.json", body=urllib.parse.urlencode(fields).encode(),
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    definition = request(server.port, "GET", "/open311/v2/services/B0101.json").json()
    r = post(ask)
    c.check("a question made required (reloaded): its definition says so, and a request without the answer is "
            "refused (400) naming it", definition["attributes"][0]["required"] is True and r.status == 400
            and "attribute 'cover' (井盖是什么情况？) is required" in r.json()[0]["description"], (definition, r))
    r = post(dict(ask, **{"attribute[cover]": "missing"}))
    c.check("... and taken with it (201)", r.status == 201, r)
    c.check("SIGTERM: exit 0", server.stop() == 0)


if __name__ == "__main__":
    sys.exit(main())
