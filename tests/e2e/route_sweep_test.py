#!/usr/bin/env python3
"""Every route of the contract (api/openapi.yaml) × every parameter it declares (path, query,
header, and the fields of its request body) × hostile values: the answer is never a 5xx and
never a dropped connection, and every refusal is application/problem+json (Open311's own error
list on /open311). A real `wangge serve` on a SQLite store, over loopback.

Usage: route_sweep_test.py WANGGE_BINARY SOURCE_DIR
"""
import http.client
import json
import math
import os
import re
import shutil
import sys
import tempfile
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Checks, make_store, create_key, request, tile_of  # noqa: E402

WANGGE, SRC = sys.argv[1], sys.argv[2]
DATA = os.path.join(SRC, "geodata", "sample")
HOSTILE = ["nan", "inf", "-inf", "1e400", "-1", "1e19", str(2 ** 63), "", "abc", "%00", "%FF", "x" * (1 << 20)]
GRID = "43030200901300105"
LON, LAT = 112.926891, 27.8576002


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"].lstrip("#/").split("/")
        node = spec
        for part in ref:
            node = node[part]
    return node


def body_fields(spec, op):
    """(content type, [field paths]) of an operation's request body, from its schema."""
    rb = resolve(spec, op.get("requestBody", {}))
    for ctype, media in rb.get("content", {}).items():
        fields = []

        def walk(schema, prefix):
            schema = resolve(spec, schema)
            for name, sub in (schema.get("properties") or {}).items():
                sub = resolve(spec, sub)
                if sub.get("type") == "object" and sub.get("properties"):
                    walk(sub, prefix + [name])
                else:
                    fields.append(prefix + [name])

        walk(media.get("schema", {}), [])
        return ctype, fields
    return None, []


def send(port, method, path, headers, body, timeout=60):
    """One request on its own connection: (status, content type, body) or the exception text."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        ctype = (r.getheader("Content-Type") or "").split(";")[0]
        if ctype == "text/event-stream" and r.status == 200:
            return r.status, ctype, b""  # a live stream: it answered; its body never ends
        return r.status, ctype, r.read()
    except (http.client.HTTPException, OSError) as e:
        return None, "", repr(e).encode()
    finally:
        conn.close()


def main():
    c = Checks()
    with open(os.path.join(SRC, "api", "openapi.yaml"), encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    tmp = tempfile.mkdtemp(prefix="wangge_sweep_")
    env = make_store("sqlite", tmp, DATA)
    key = create_key(WANGGE, env, "a01")
    server = Server(WANGGE, env, os.path.join(tmp, "wangge.log"),
                    ["--rate-per-address", "1000000", "--rate-per-key", "1000000",
                     "--rate-per-address-keyed", "1000000", "--queue", "4096"])
    server.start()
    port = server.port
    report = request(port, "POST", "/api/v1/reports", key=key,
                     json_body={"location": {"lon": LON, "lat": LAT}, "category": "0101", "text": "扫描用"})
    rid = report.json()["id"]
    x, y = tile_of(LON, LAT, 14)
    path_values = {"id": rid, "layers": "grids", "z": "14", "x": str(x), "y": str(y), "format": "json",
                   "collection": "grids", "featureId": GRID, "service_code": "0101",
                   "service_request_id": rid, "token": rid}
    bodies = {
        "/api/v1/reports": {"location": {"lon": LON, "lat": LAT, "datum": "wgs84", "accuracy_m": 5},
                            "category": "0101", "text": "扫描", "channel": "app",
                            "reporter": {"name": "张三", "phone": "13800138000"}},
        "/api/v1/reports/{id}/actions": {"action": "register", "note": "ok"},
        "/open311/v2/requests.{format}": {"service_code": "0101", "lat": str(LAT), "long": str(LON),
                                          "description": "扫描", "api_key": key},
    }
    total, bad = 0, []

    def judge(label, method, path, answer):
        nonlocal total
        total += 1
        status, ctype, body = answer
        if status is None:
            bad.append(f"{label}: no answer ({body[:120]!r})")
        elif status >= 500:
            bad.append(f"{label}: {status} {body[:160]!r}")
        elif status >= 400:
            ok = ctype == "application/problem+json"
            if path.startswith("/open311"):
                ok = ok or ctype in ("application/json", "text/xml", "application/xml")
            if not ok:
                bad.append(f"{label}: {status} with {ctype!r}")

    for template, ops in spec["paths"].items():
        for method, op in ops.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            method = method.upper()
            params = [resolve(spec, p) for p in ops.get("parameters", []) + op.get("parameters", [])]
            fmt = "json"
            base_path = template
            for p in params:
                if p.get("in") == "path":
                    value = path_values.get(p["name"], "x")
                    if p["name"] == "format" and "tiles" in template:
                        value = "mvt"
                    base_path = base_path.replace("{" + p["name"] + "}", value)
            base_path = base_path.replace("{format}", fmt)
            ctype, fields = body_fields(spec, op)
            base_body = bodies.get(template)

            def encode(body):
                if body is None:
                    return None, {}
                if ctype == "application/x-www-form-urlencoded":
                    return urllib.parse.urlencode(body).encode(), {"Content-Type": ctype}
                return json.dumps(body, ensure_ascii=False).encode(), {"Content-Type": "application/json"}

            for p in params:
                for v in HOSTILE:
                    headers = {"Authorization": "Bearer " + key}
                    body, h = encode(base_body)
                    headers.update(h)
                    label = f"{method} {template} {p['in']} {p['name']}={v[:12]!r}"
                    if p["in"] == "path":
                        path = template
                        for q in params:
                            if q.get("in") == "path":
                                path = path.replace("{" + q["name"] + "}", v if q is p else
                                                    ("mvt" if q["name"] == "format" and "tiles" in template
                                                     else path_values.get(q["name"], "x")))
                        path = path.replace("{format}", fmt)
                    elif p["in"] == "query":
                        path = base_path + "?" + p["name"] + "=" + v
                    elif p["in"] == "header":
                        path = base_path
                        headers[p["name"]] = v
                    else:
                        continue
                    judge(label, method, path, send(port, method, path, headers, body))
            if base_body is not None:
                for field in fields:
                    for v in HOSTILE:
                        doc = json.loads(json.dumps(base_body))
                        node = doc
                        for part in field[:-1]:
                            node = node.setdefault(part, {})
                        try:
                            node[field[-1]] = float(v) if ctype != "application/x-www-form-urlencoded" else v
                            if isinstance(node[field[-1]], float) and not math.isfinite(node[field[-1]]):
                                raise ValueError
                        except ValueError:
                            node[field[-1]] = v
                        if ctype == "application/x-www-form-urlencoded":
                            body = "&".join(f"{k}={val}" for k, val in doc.items()).encode()
                            headers = {"Content-Type": ctype}
                        else:
                            text = json.dumps(doc, ensure_ascii=False)
                            if v in ("nan", "inf", "-inf", "1e400"):  # as bare JSON tokens, not strings
                                text = text.replace(json.dumps(v), {"nan": "NaN", "inf": "Infinity",
                                                                     "-inf": "-Infinity"}.get(v, v), 1)
                            body = text.encode()
                            headers = {"Content-Type": "application/json", "Authorization": "Bearer " + key}
                        label = f"{method} {template} body {'.'.join(field)}={v[:12]!r}"
                        judge(label, method, base_path, send(port, method, base_path, headers, body))
            # A whole hostile body, too.
            if method == "POST":
                for junk in [b"", b"null", b"[]", b"{" * 100000, b"\xff\xfe", b'{"a":1e400}', b"x" * 60000]:
                    judge(f"{method} {template} body {junk[:12]!r}", method, base_path,
                          send(port, method, base_path, {"Authorization": "Bearer " + key,
                                                         "Content-Type": ctype or "application/json"}, junk))

    # The combinations a tester used to crash the server (issue 12).
    for path in ["/ogc/collections/grids/items?offset=1e19&limit=10000",
                 "/ogc/collections/grids/items?offset=inf&limit=400",
                 "/ogc/collections/reports/items?offset=9223372036854775807&limit=10000",
                 "/api/v1/reports?limit=nan", "/api/v1/stats?level=nan&group_by=grid",
                 "/open311/v2/requests.json?page_size=1&page=100000"]:
        judge("GET " + path, "GET", path, send(port, "GET", path, {"Authorization": "Bearer " + key}, None))

    c.check(f"{total} hostile requests over {len(spec['paths'])} paths: no 5xx, no dropped connection, "
            f"every refusal problem+json (or Open311's error list)", not bad and total > 500,
            "\n".join(bad[:40]) + (f"\n… {len(bad)} in all" if len(bad) > 40 else ""))
    alive = send(port, "GET", "/healthz", {}, None)
    c.check("the server is alive afterwards", alive[0] == 200 and server.proc.poll() is None,
            (alive, server.proc.poll()))
    if server.proc.poll() is None:
        c.check("SIGTERM: exit 0", server.stop() == 0)
    shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
