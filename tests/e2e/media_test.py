#!/usr/bin/env python3
"""Photos over real HTTP on both stores (POST /api/v1/media, Open311 media, action media).

Usage: media_test.py WANGGE_BINARY SOURCE_DIR sqlite|postgis

- a JPEG written by GDAL with EXIF GPS tags and Orientation 6 (a phone held upright): 201 with
  the EXIF position as suggested_location; the display copy served back has no EXIF tag at all
  (read with gdalinfo, an independent reader) and stands upright (its sides swapped); the
  thumbnail fits 320 px; ETag answers If-None-Match with 304;
- an upload no case cites is its uploader's alone (anonymous and another resident: 404); once a
  public case cites it the public sees it, a private category's case keeps it from the public
  and shows it to its reporter and staff;
- a report or an action may cite only its author's own uploads: another's id is 400, as is a
  javascript: URL;
- Open311 multipart with a `media` part and no description: the case is made (随手拍), its
  media_url an absolute link that serves the photo;
- bad input: no credentials 401; a PDF renamed .jpg, text/plain, a HEIC are 415 naming what they
  are; a truncated JPEG 422; a PNG header claiming 100000×100000 pixels 413 before decoding;
  an 11 MB body 413; a form without a file part 400. Never a 5xx.
"""
import os
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, create_key, request, run_on_fresh_store  # noqa: E402

WANGGE, SRC, KIND = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "sqlite"
DATA = os.path.join(SRC, "geodata", "sample")
LON, LAT = 112.926891, 27.8576002


def main():
    return run_on_fresh_store(KIND, DATA, "wangge_media_", run)


def make_jpeg(tmp, w, h, name, *mo):
    """A w×h JPEG of coloured blocks written by gdal_translate, with metadata items @p mo."""
    ppm = os.path.join(tmp, name + ".ppm")
    with open(ppm, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (w, h))
        for y in range(h):
            f.write(b"".join(bytes(((x // 50 * 40) % 256, (y // 50 * 60) % 256, (x + y) % 256))
                             for x in range(w)))
    out = os.path.join(tmp, name + ".jpg")
    args = ["gdal_translate", "-q", "-of", "JPEG", "-co", "QUALITY=90"]
    for m in mo:
        args += ["-mo", m]
    subprocess.run(args + [ppm, out], check=True)
    with open(out, "rb") as f:
        return f.read()


def gdalinfo(tmp, data, name):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return subprocess.run(["gdalinfo", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True).stdout


def size_of(info):
    for line in info.splitlines():
        if line.startswith("Size is "):
            w, h = line[len("Size is "):].split(",")
            return int(w), int(h)
    return None


def multipart(fields, files, boundary="----wanggeBoundary7MA4YWxk"):
    body = b""
    for k, v in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n"
                 f"{v}\r\n").encode("utf-8")
    for k, (filename, ctype, data) in files.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; "
                 f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(port, key, data, ctype="image/jpeg"):
    return request(port, "POST", "/api/v1/media", key=key, body=data,
                   headers={"Content-Type": ctype})


def png_claiming(w, h):
    """A PNG whose header (with a valid CRC) claims w×h pixels, followed by no real image."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    idat = zlib.compress(b"\0" * 64)
    chunk += struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat))
    return b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))


def run(c, tmp, env):
    server = Server(WANGGE, env, os.path.join(tmp, "server.log"), args=["--tick-seconds", "0"])
    server.start()
    try:
        keys = {who: create_key(WANGGE, env, who) for who in ("resident:m1", "resident:m2", "d01")}
        photos(c, server.port, tmp, keys)
        bad_input(c, server.port, tmp, keys)
        open311(c, server.port, tmp, keys)
    finally:
        c.check("the server stopped cleanly", server.stop() == 0)


def photos(c, port, tmp, keys):
    m1, m2, d01 = keys["resident:m1"], keys["resident:m2"], keys["d01"]
    jpeg = make_jpeg(tmp, 400, 300, "gps", "EXIF_GPSLatitude=(27) (51) (27.36)",
                     "EXIF_GPSLatitudeRef=N", "EXIF_GPSLongitude=(112) (55) (36.8)",
                     "EXIF_GPSLongitudeRef=E", "EXIF_Orientation=6", "EXIF_Make=WanggePhone")
    c.check("the test JPEG itself carries GPS tags (gdalinfo)",
            "EXIF_GPSLatitude" in gdalinfo(tmp, jpeg, "src.jpg"))
    r = upload(port, m1, jpeg)
    c.check("a JPEG upload: 201", r.status == 201, r)
    up = r.json() if r.status == 201 else {}
    loc = up.get("suggested_location") or {}
    c.check("... suggested_location is the EXIF position (27°51'27.36\"N 112°55'36.8\"E)",
            abs(loc.get("lat", 0) - (27 + 51 / 60 + 27.36 / 3600)) < 1e-9 and
            abs(loc.get("lon", 0) - (112 + 55 / 60 + 36.8 / 3600)) < 1e-9, up)
    c.check("... upright: Orientation 6 turns 400×300 into 300×400",
            (up.get("width"), up.get("height")) == (300, 400), up)
    c.check("... with a Location header and URLs",
            r.headers.get("location", "").endswith("/api/v1/media/" + up.get("id", "?")) and
            up.get("thumbnail_url", "").endswith("/thumbnail"), r.headers)
    pid = up.get("id", "m_missing")
    got = request(port, "GET", f"/api/v1/media/{pid}", key=m1)
    c.check("the uploader reads it back: image/jpeg", got.status == 200 and got.ctype == "image/jpeg", got)
    info = gdalinfo(tmp, got.body, "served.jpg")
    c.check("... no EXIF tag survives (gdalinfo lists none)", "EXIF_" not in info and size_of(info), info)
    c.check("... its size is the upright one", size_of(info) == (300, 400), info)
    etag = got.headers.get("etag", "")
    r = request(port, "GET", f"/api/v1/media/{pid}", key=m1, headers={"If-None-Match": etag})
    c.check("... If-None-Match with its ETag: 304", etag.startswith('"') and r.status == 304, r)
    c.check("... kept by browsers but asked for every time (private, no-cache)",
            got.headers.get("cache-control") == "private, no-cache", got.headers)
    th = request(port, "GET", f"/api/v1/media/{pid}/thumbnail", key=m1)
    tinfo = gdalinfo(tmp, th.body, "thumb.jpg")
    c.check("the thumbnail fits 320 px (240×320) and has no EXIF",
            th.status == 200 and size_of(tinfo) == (240, 320) and "EXIF_" not in tinfo, tinfo)
    for who, key in (("anonymous", None), ("another resident", m2), ("a dispatcher", d01)):
        r = request(port, "GET", f"/api/v1/media/{pid}", key=key)
        c.check(f"an upload no case cites: {who} gets 404", r.status == 404, r)

    r = request(port, "POST", "/api/v1/reports", key=m2,
                json_body={"category": "0101", "text": "别人的照片", "media": [pid],
                           "location": {"lon": LON, "lat": LAT}})
    c.check("a report citing another's upload: 400 naming it",
            r.status == 400 and pid in r.json().get("detail", ""), r)
    r = request(port, "POST", "/api/v1/reports", key=m1,
                json_body={"category": "0101", "media": [pid], "location": {"lon": LON, "lat": LAT}})
    c.check("a report with the photo and no text (随手拍): 201", r.status == 201, r)
    case = r.json() if r.status == 201 else {}
    c.check("... its text names the category and photos link the upload",
            case.get("text", "").startswith("随手拍") and
            (case.get("photos") or [{}])[0].get("url") == f"/api/v1/media/{pid}", case)
    for who, key in (("anonymous", None), ("another resident", m2)):
        r = request(port, "GET", f"/api/v1/media/{pid}", key=key)
        c.check(f"cited by a public case: {who} sees the photo", r.status == 200, r)

    private = upload(port, m1, jpeg).json().get("id", "m_missing")
    r = request(port, "POST", "/api/v1/reports", key=m1,
                json_body={"category": "0603", "text": "独居老人家中无人应门", "media": [private],
                           "location": {"lon": LON, "lat": LAT}})
    c.check("a private category's case with a photo: 201", r.status == 201, r)
    for who, key, status in (("anonymous", None, 404), ("another resident", m2, 404),
                             ("its reporter", m1, 200), ("the dispatcher", d01, 200)):
        r = request(port, "GET", f"/api/v1/media/{private}", key=key)
        c.check(f"... its photo: {who} gets {status}", r.status == status, r)

    mine = upload(port, d01, jpeg).json().get("id", "m_missing")
    cid = case.get("id", "x")
    for media, status, what in (([pid], 400, "the resident's upload"),
                                (["javascript:alert(1)"], 400, "a javascript: URL"),
                                ([mine], 200, "the dispatcher's own upload")):
        r = request(port, "POST", f"/api/v1/reports/{cid}/actions", key=d01,
                    json_body={"action": "register", "media": media, "note": "核实"})
        c.check(f"an action citing {what}: {status}", r.status == status, r)
    ev = request(port, "GET", f"/api/v1/reports/{cid}/events", key=d01)
    c.check("... the event links the photo", ev.status == 200 and mine in ev.body.decode(), ev)


def bad_input(c, port, tmp, keys):
    m1 = keys["resident:m1"]
    jpeg = make_jpeg(tmp, 200, 150, "plain")
    r = upload(port, None, jpeg)
    c.check("an upload without credentials: 401", r.status == 401, r)
    r = upload(port, m1, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    c.check("a PDF sent as image/jpeg: 415 naming a PDF",
            r.status == 415 and "PDF" in r.json().get("detail", ""), r)
    r = upload(port, m1, b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64)
    c.check("a HEIC: 415 naming HEIC", r.status == 415 and "HEIC" in r.json().get("detail", ""), r)
    r = upload(port, m1, jpeg, ctype="text/plain")
    c.check("a body of type text/plain: 415", r.status == 415, r)
    r = upload(port, m1, jpeg[: len(jpeg) // 2])
    c.check("a truncated JPEG: 422 'damaged or truncated'",
            r.status == 422 and "truncated" in r.json().get("detail", ""), r)
    r = upload(port, m1, png_claiming(100000, 100000), ctype="image/png")
    c.check("a PNG claiming 100000×100000 pixels: 413 before decoding",
            r.status == 413 and "megapixels" in r.json().get("detail", ""), r)
    r = upload(port, m1, b"\xff\xd8\xff" + os.urandom(11 * 1024 * 1024))
    c.check("an 11 MB body: 413", r.status == 413, r)
    body, h = multipart({"note": "no file"}, {})
    r = request(port, "POST", "/api/v1/media", key=m1, body=body, headers=h)
    c.check("a form without a file part: 400", r.status == 400, r)
    body, h = multipart({}, {"file": ("x.jpg", "image/jpeg", jpeg)})
    r = request(port, "POST", "/api/v1/media", key=m1, body=body, headers=h)
    c.check("a form with a file part: 201 with no suggested_location (no GPS)",
            r.status == 201 and r.json().get("suggested_location") is None, r)
    r = request(port, "GET", "/api/v1/media/m_AAAAAAAAAAAAAAAAAAAAAA", key=m1)
    c.check("an unknown id: 404", r.status == 404, r)
    r = request(port, "GET", "/api/v1/media/..%2F..%2Fetc%2Fpasswd", key=m1)
    c.check("a path-like id: 404", r.status == 404, r)


def open311(c, port, tmp, keys):
    m1 = keys["resident:m1"]
    jpeg = make_jpeg(tmp, 320, 240, "o311")
    body, h = multipart({"api_key": m1, "service_code": "0101", "lat": str(LAT), "long": str(LON)},
                        {"media": ("IMG_0001.jpg", "image/jpeg", jpeg)})
    r = request(port, "POST", "/open311/v2/requests.json", body=body, headers=h)
    c.check("Open311: a photo with no description (multipart media part): 201", r.status == 201, r)
    rid = r.json()[0].get("service_request_id", "x") if r.status == 201 else "x"
    got = request(port, "GET", f"/open311/v2/requests/{rid}.json")
    item = got.json()[0] if got.status == 200 else {}
    url = item.get("media_url", "")
    c.check("... media_url is an absolute link to the upload, description says 随手拍",
            url.startswith("http://") and "/api/v1/media/m_" in url and
            item.get("description", "").startswith("随手拍"), item)
    path = url[url.find("/api/v1/media/"):] if url else "/x"
    r = request(port, "GET", path)
    c.check("... anyone fetches it (a public case)", r.status == 200 and r.ctype == "image/jpeg", r)
    body, h = multipart({"api_key": m1, "service_code": "0101", "lat": str(LAT), "long": str(LON),
                         "description": "没选照片"}, {"media": ("", "application/octet-stream", b"")})
    r = request(port, "POST", "/open311/v2/requests.json", body=body, headers=h)
    c.check("Open311: a form's empty file input (no photo chosen) is no photo: 201", r.status == 201, r)
    body, h = multipart({"api_key": m1, "service_code": "0101", "lat": str(LAT), "long": str(LON)},
                        {"media": ("doc.jpg", "image/jpeg", b"%PDF-1.4 not an image")})
    r = request(port, "POST", "/open311/v2/requests.json", body=body, headers=h)
    # The spec's statuses are 400, 403 and 404 (and 429): a wrong type is its 400.
    c.check("Open311: a PDF as the media part: 400 as an Open311 error list naming a PDF",
            r.status == 400 and isinstance(r.json(), list) and r.json()[0].get("code") == 400 and
            "PDF" in r.json()[0].get("description", ""), r)


if __name__ == "__main__":
    sys.exit(main())
