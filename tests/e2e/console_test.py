#!/usr/bin/env python3
"""The web console in a real browser: Playwright (tests/js, pinned) drives Debian's Chromium,
headless, against `wangge serve` on a fresh store of the given kind, seeded with the sample's
history (so that the supervisor's figures have something to move). The browser side is
tests/js/console/loop.spec.mjs; this driver makes the store, the accounts (`wangge users add`,
`wangge keys create`), a photo (gdal_translate), and checks that the server kept no 5xx and
stopped cleanly. Screenshots of every page go to ARTEFACTS/console-KIND/screenshots.

Usage: console_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis ARTEFACTS
"""
import json
import re
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND, ARTEFACTS = sys.argv[1:5]
DATA = os.path.join(SRC, "geodata", "sample")
JS = os.path.join(SRC, "tests", "js")
ROLES = {  # the console's people: staff id for each account
    "dispatcher": "d01",
    "worker": "w43030200901300105",        # 邻长 许秀英 of the sample point's unit
    "other_worker": "w43030200900100101",  # a 邻长 of another block
    "group_worker": "w430302009013001",    # 网格员 of the sample point's group (walks its patrol)
    "supervisor": "s01",
    "admin": "a01",
}


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_console_", run)


def run(c, tmp, env):
    def wangge(*args):
        return subprocess.run([WANGGE, *args], env=env, check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True).stdout.strip()
    wangge("import", "reports", os.path.join(DATA, "reports.csv"))
    wangge("simulate", "--until", "2026-11-16T12:00:00+08:00")
    accounts = {role: {"login": f"e2e.{role}", "password": wangge("users", "add", f"e2e.{role}", "--staff", staff)}
                for role, staff in ROLES.items()}
    keys = {role: create_key(WANGGE, env, staff) for role, staff in ROLES.items()}
    keys["resident"] = create_key(WANGGE, env, "resident:e2e-buttons")
    photo = make_photo(tmp)
    outbox = os.path.join(tmp, "outbox.jsonl")
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0", "--outbox-log", outbox])
    server.start()
    out_dir = os.path.join(ARTEFACTS, f"console-{KIND}")
    try:
        run_env = dict(os.environ, WANGGE_BASE=f"http://127.0.0.1:{server.port}",
                       WANGGE_ACCOUNTS=json.dumps(accounts), WANGGE_KEYS=json.dumps(keys),
                       WANGGE_OUTBOX=outbox, WANGGE_PHOTO=photo, WANGGE_ARTEFACTS=out_dir)
        p = playwright(run_env, "--grep-invert", "@gcj02")
        c.check("the browser tests passed (Playwright, Debian's Chromium)", p.returncode == 0, p.returncode)
        shots = os.listdir(os.path.join(out_dir, "screenshots")) if os.path.isdir(os.path.join(out_dir, "screenshots")) else []
        c.check(f"screenshots of the pages were kept ({len(shots)} in {out_dir}/screenshots)", len(shots) >= 16, shots)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)
    # Again under a GCJ-02 raster basemap (as AMap's), served by a tile server on loopback.
    tiles = RasterTiles()
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=[
        "--tick-seconds", "0", "--outbox-log", outbox,
        "--raster-basemap", f"http://127.0.0.1:{tiles.port}/{{z}}/{{x}}/{{y}}.png",
        "--raster-basemap-datum", "gcj02", "--raster-basemap-attribution", "测试底图"])
    server.start()
    try:
        run_env["WANGGE_BASE"] = f"http://127.0.0.1:{server.port}"
        run_env["WANGGE_RESULTS"] = os.path.join(out_dir, "results-gcj02")  # the first run's kept
        p = playwright(run_env, "--grep", "@gcj02")
        c.check("the map under a GCJ-02 raster basemap passed", p.returncode == 0, p.returncode)
        c.check(f"the raster tile server was asked ({tiles.asked} tiles)", tiles.asked > 0)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)
        tiles.close()
    with open(os.path.join(tmp, "server.log"), encoding="utf-8", errors="replace") as f:
        fives = [line for line in f if re.search(r" 5\d\d \d+ [\d.]+ms$", line.rstrip())]
    c.check("no request answered 5xx", not fives, fives[:3])


def playwright(run_env, *args):
    p = subprocess.run(["npx", "--no-install", "playwright", "test", "-c", "playwright.config.mjs", *args],
                       cwd=JS, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(p.stdout, flush=True)
    return p


class RasterTiles:
    """A raster basemap on loopback: every /{z}/{x}/{y}.png is a 256-pixel PNG of a pale
    colour with a darker border (the PNG written with zlib), and the requests are counted."""

    def __init__(self):
        import http.server
        import struct
        import threading
        import zlib

        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        rows = b"".join(b"\0" + b"".join(bytes((200, 200, 200) if x < 2 or y < 2 else (232, 236, 224))
                                           for x in range(256)) for y in range(256))
        png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
               + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
        outer = self
        self.asked = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                ok = re.fullmatch(r"/\d+/\d+/\d+\.png", self.path) is not None
                outer.asked += ok
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "image/png" if ok else "text/plain")
                self.send_header("Access-Control-Allow-Origin", "*")
                body = png if ok else b"no such tile"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def make_photo(tmp):
    """A 640×480 JPEG of coloured blocks (a PPM through gdal_translate), as a phone would send."""
    ppm, jpg = os.path.join(tmp, "photo.ppm"), os.path.join(tmp, "photo.jpg")
    with open(ppm, "wb") as f:
        f.write(b"P6 640 480 255\n")
        for y in range(480):
            f.write(b"".join(bytes(((x // 40 * 50) % 256, (y // 40 * 70) % 256, 128)) for x in range(640)))
    subprocess.run(["gdal_translate", "-q", "-of", "JPEG", ppm, jpg], check=True)
    return jpg


if __name__ == "__main__":
    sys.exit(main())
