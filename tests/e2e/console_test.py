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
    "supervisor": "s01",
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
        p = subprocess.run(["npx", "--no-install", "playwright", "test", "-c", "playwright.config.mjs"],
                           cwd=JS, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(p.stdout, flush=True)
        c.check("the browser tests passed (Playwright, Debian's Chromium)", p.returncode == 0, p.returncode)
        shots = os.listdir(os.path.join(out_dir, "screenshots")) if os.path.isdir(os.path.join(out_dir, "screenshots")) else []
        c.check(f"screenshots of the pages were kept ({len(shots)} in {out_dir}/screenshots)", len(shots) >= 16, shots)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)
    with open(os.path.join(tmp, "server.log"), encoding="utf-8", errors="replace") as f:
        fives = [line for line in f if re.search(r" 5\d\d \d+ [\d.]+ms$", line.rstrip())]
    c.check("no request answered 5xx", not fives, fives[:3])


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
