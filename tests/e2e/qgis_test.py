#!/usr/bin/python3
"""QGIS as a real GIS client, headless (QT_QPA_PLATFORM=offscreen), against a running
`wangge serve` on the sample with its 2,000 reports:

- the XYZ vector-tile source /tiles/grids/{z}/{x}/{y}.mvt loads as a QgsVectorTileLayer and
  renders; every feature QGIS decodes (seen through a filter expression) is compared with what
  GDAL's MVT driver decodes from the same tiles, which the server's access log names;
- the leaders' names QGIS places as labels are the leaders of the unit grids it drew;
- the OGC API Features collections load through QGIS's OAPIF provider: all 370 grids with their
  attributes, a bbox request counted against a brute force over the source file, and the open
  reports;
- two PNGs are kept as test artefacts: the whole subdistrict (tile polygons by level, blocks'
  names and group leaders' names from OAPIF) and a close-up with unit leaders' names from the
  tiles themselves.

Must run with Debian's python3 (/usr/bin/python3): that is where python3-qgis lives.

usage: qgis_test.py WANGGE SOURCE_DIR ARTEFACT_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, Checks, bbox_of, make_store, ogr_features, request  # noqa: E402

WANGGE, SRC, ARTEFACTS = sys.argv[1], sys.argv[2], sys.argv[3]
DATA = os.path.join(SRC, "geodata", "sample")
TMP = tempfile.mkdtemp(prefix="wangge_qgis_")
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["XDG_RUNTIME_DIR"] = TMP  # QStandardPaths wants a private runtime dir
os.environ.setdefault("QGIS_NO_OVERRIDE_IMPORT", "1")

from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsCoordinateTransform,  # noqa: E402
                       QgsFeatureRequest, QgsFillSymbol, QgsMapRendererSequentialJob, QgsMapSettings,
                       QgsPalLayerSettings, QgsProject, QgsRectangle, QgsVectorLayerSimpleLabeling,
                       QgsTextBufferSettings, QgsTextFormat, QgsVectorLayer, QgsVectorTileBasicLabeling,
                       QgsVectorTileBasicLabelingStyle, QgsVectorTileBasicRenderer,
                       QgsVectorTileBasicRendererStyle, QgsVectorTileLayer, QgsWkbTypes, qgsfunction)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor, QFont  # noqa: E402

# Every (tile zoom, grid code) the vector-tile renderer evaluates; the filter keeps them all.
SEEN = set()


def register_seen():
    """wangge_seen(code, zoom): records the pair and returns true. Registered once QGIS is up
    (registering an expression function before QgsApplication exists crashes)."""
    @qgsfunction(args="auto", group="wangge", usesgeometry=False)
    def wangge_seen(code, zoom, feature, parent):
        SEEN.add((code, int(zoom)))
        return True
    return wangge_seen


def to_mercator(rect):
    wgs84, merc = QgsCoordinateReferenceSystem("EPSG:4326"), QgsCoordinateReferenceSystem("EPSG:3857")
    return QgsCoordinateTransform(wgs84, merc, QgsProject.instance()).transformBoundingBox(rect)


def text_format(size, bold=False):
    f = QgsTextFormat()
    font = QFont("WenQuanYi Micro Hei")
    font.setBold(bold)
    f.setFont(font)
    f.setSize(size)
    f.setColor(QColor("black"))
    buf = QgsTextBufferSettings()
    buf.setEnabled(True)
    buf.setSize(0.8)
    buf.setColor(QColor("white"))
    f.setBuffer(buf)
    return f


def label_settings(expression, size, bold=False):
    s = QgsPalLayerSettings()
    s.fieldName = expression
    s.isExpression = True
    s.displayAll = True  # every feature gets its label: the test compares them with the source
    s.setFormat(text_format(size, bold))
    return s


def tile_layer(url, label_level):
    layer = QgsVectorTileLayer(f"type=xyz&url={url}&zmin=0&zmax=16", "grids (XYZ vector tiles)")
    styles = []
    for level, fill, outline, width in ((3, "255,250,205,255", "120,120,120", "0.15"),
                                        (2, "0,0,0,0", "30,90,200", "0.35"),
                                        (1, "0,0,0,0", "200,30,30", "0.7"),
                                        (0, "0,0,0,0", "0,0,0", "1.0")):
        st = QgsVectorTileBasicRendererStyle(f"level {level}", "grids", QgsWkbTypes.PolygonGeometry)
        st.setSymbol(QgsFillSymbol.createSimple({"color": fill, "outline_color": outline,
                                                 "outline_width": width}))
        # The filter both selects the level and records what QGIS decoded.
        st.setFilterExpression(f'"level" = {level} and wangge_seen("code", @vector_tile_zoom)')
        styles.append(st)
    renderer = QgsVectorTileBasicRenderer()
    renderer.setStyles(styles)
    layer.setRenderer(renderer)
    if label_level is not None:
        ls = QgsVectorTileBasicLabelingStyle()
        ls.setLayerName("grids")
        ls.setGeometryType(QgsWkbTypes.PolygonGeometry)
        ls.setFilterExpression(f'"level" = {label_level}')
        ls.setLabelSettings(label_settings('"leader_name"', 8))
        labeling = QgsVectorTileBasicLabeling()
        labeling.setStyles([ls])
        layer.setLabeling(labeling)
    return layer


def render(layers, extent_wgs84, size, path):
    ms = QgsMapSettings()
    ms.setLayers(layers)
    ms.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    ms.setExtent(to_mercator(extent_wgs84))
    ms.setOutputSize(QSize(*size))
    ms.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(ms)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(path)
    results = job.takeLabelingResults()
    return image, (results.allLabels() if results else [])


def ink(image):
    """Share of pixels that are not the white background (sampled)."""
    w, h = image.width(), image.height()
    white = QColor("white").rgb()
    n = drawn = 0
    for y in range(0, h, 7):
        for x in range(0, w, 7):
            n += 1
            drawn += image.pixel(x, y) != white
    return drawn / n


def fetched_tiles(log_path, start):
    """(z, x, y) of the grid tiles the server answered since byte offset start: 200, or 304 to a
    QGIS that revalidated a tile it kept. The access log line follows the answer: the log is read
    until it stops growing (at most 5 s), not once."""
    def read():
        tiles = set()
        with open(log_path, encoding="utf-8") as f:
            f.seek(start)
            for line in f:
                parts = line.split()
                if (len(parts) > 4 and parts[2] == "GET" and parts[3].startswith("/tiles/grids/")
                        and parts[4] in ("200", "304")):
                    z, x, y = parts[3].split("?")[0][len("/tiles/grids/"):-len(".mvt")].split("/")
                    tiles.add((int(z), int(x), int(y)))
        return tiles
    deadline = time.time() + 5
    tiles, size = read(), os.path.getsize(log_path)
    while time.time() < deadline:
        time.sleep(0.1)
        if os.path.getsize(log_path) == size and tiles:
            break
        tiles, size = read(), os.path.getsize(log_path)
    return tiles


def gdal_codes(port, tiles):
    """{(code, z)} that GDAL's MVT driver decodes from the tiles, fetched again over HTTP."""
    out = set()
    for z, x, y in tiles:
        r = request(port, "GET", f"/tiles/grids/{z}/{x}/{y}.mvt")
        if r.status != 200:
            continue
        path = os.path.join(TMP, f"{z}-{x}-{y}.mvt")
        with open(path, "wb") as f:
            f.write(r.body)
        # CLIP=NO: keep the features that lie only in the tile's buffer, which QGIS decodes too.
        out |= {(f["code"], z) for f in ogr_features(path, ["-oo", "CLIP=NO"])}
    return out


def main():
    c = Checks()
    os.makedirs(ARTEFACTS, exist_ok=True)
    app = QgsApplication([], False, os.path.join(TMP, "profile"))
    app.initQgis()
    seen_function = register_seen()  # noqa: F841 (kept alive: QGIS holds a borrowed pointer)
    env = make_store("sqlite", TMP, DATA)
    log_path = os.path.join(TMP, "server.log")
    server = Server(WANGGE, env, log_path, ["--rate-per-address", "100000"])
    subprocess.run([WANGGE, "import", "reports", os.path.join(DATA, "reports.csv")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(DATA, "grids.geojson"), encoding="utf-8") as f:
        source = {g["properties"]["code"]: g for g in json.load(f)["features"]}
    try:
        server.start()
        port = server.port
        tilejson = request(port, "GET", "/tiles/grids.json").json()
        url = tilejson["tiles"][0].replace("{", "%7B").replace("}", "%7D")
        w, s, e, n = tilejson["bounds"]

        # 1. The whole subdistrict: tile polygons from XYZ, labels from the OAPIF layer.
        oapif = QgsVectorLayer(f"url='http://127.0.0.1:{port}/ogc' typename='grids' restrictToRequestBBOX='0'",
                               "grids (OGC API Features)", "OAPIF")
        c.check("QGIS OAPIF: the grids collection is a valid layer", oapif.isValid(), "invalid layer")
        features = list(oapif.getFeatures())
        c.check("QGIS OAPIF: all 370 grids", len(features) == len(source) == 370, len(features))
        fields = [f.name() for f in oapif.fields()]
        c.check("QGIS OAPIF: the fields include code, name, level, leader_name, households",
                all(k in fields for k in ("code", "name", "level", "leader_name", "households")), fields)
        wrong = [f["code"] for f in features
                 if f["code"] not in source
                 or f["leader_name"] != source[f["code"]]["properties"].get("leader_name", "")
                 or int(f["level"]) != source[f["code"]]["properties"]["level"]
                 or int(f["households"]) != source[f["code"]]["properties"]["households"]]
        c.check("QGIS OAPIF: every grid's leader, level and households equal the source file", not wrong, wrong[:5])
        bad_geom = [f["code"] for f in features if f.geometry().isEmpty() or not f.geometry().isGeosValid()]
        c.check("QGIS OAPIF: every geometry is present and GEOS-valid", not bad_geom, bad_geom[:5])
        unit = next((f for f in features if f["code"] == "43030200901300105"), None)
        c.check("QGIS OAPIF: unit 43030200901300105 is led by 许秀英",
                unit is not None and unit["leader_name"] == "许秀英", unit and unit["leader_name"])

        box = QgsRectangle(112.915, 27.852, 112.925, 27.860)
        in_box = {f["code"] for f in oapif.getFeatures(QgsFeatureRequest().setFilterRect(box))}
        brute = set()
        for code, g in source.items():
            x0, y0, x1, y1 = bbox_of(g["geometry"])
            if x0 <= box.xMaximum() and x1 >= box.xMinimum() and y0 <= box.yMaximum() and y1 >= box.yMinimum():
                brute.add(code)
        c.check(f"QGIS OAPIF bbox: the {len(brute)} grids a brute force over the source file finds",
                in_box == brute and brute, (len(in_box), len(brute), sorted(in_box ^ brute)[:5]))

        reports = QgsVectorLayer(f"url='http://127.0.0.1:{port}/ogc' typename='reports'", "reports", "OAPIF")
        expected = request(port, "GET", "/ogc/collections/reports/items?limit=1").json()["numberMatched"]
        got = sum(1 for _ in reports.getFeatures())
        c.check(f"QGIS OAPIF: the reports collection has its {expected} items", reports.isValid() and got == expected
                and expected > 0, (got, expected))
        rfields = [f.name() for f in reports.fields()]
        c.check("QGIS OAPIF: reports carry no personal fields",
                not any(k in rfields for k in ("reporter", "phone", "contact", "description", "name")), rfields)

        # Blocks (level 1) by name, groups (level 2) by their leader; other levels get no label.
        oapif.setLabeling(QgsVectorLayerSimpleLabeling(
            label_settings('case when "level" = 1 then "name" when "level" = 2 then "leader_name" end', 9)))
        oapif.setLabelsEnabled(True)
        oapif.renderer().setSymbol(QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_style": "no"}))
        start = os.path.getsize(log_path)  # before the layer: whatever it fetches counts
        overview_tiles = tile_layer(url, None)
        c.check("QGIS XYZ: the vector-tile source is a valid layer", overview_tiles.isValid(), url)
        SEEN.clear()
        overview = os.path.join(ARTEFACTS, "qgis_grids.png")
        image, labels = render([oapif, overview_tiles], QgsRectangle(w, s, e, n), (1600, 1200), overview)
        tiles = fetched_tiles(log_path, start)
        c.check("QGIS XYZ overview: QGIS fetched grid tiles from the server", tiles, tiles)
        gdal = gdal_codes(port, tiles)
        seen, gdal = {code for code, _ in SEEN}, {code for code, _ in gdal}
        c.check(f"QGIS XYZ overview: QGIS decoded exactly the grids GDAL decodes from the {len(tiles)} tiles",
                seen == gdal and seen, (len(seen), len(gdal), sorted(seen ^ gdal)[:5]))
        c.check("QGIS XYZ overview: all 370 grids are drawn (small ones kept at low zoom)",
                seen == set(source), len(seen))
        names = sorted(lbl.labelText for lbl in labels)
        want = sorted(g["properties"]["name"] if g["properties"]["level"] == 1 else g["properties"]["leader_name"]
                      for g in source.values() if g["properties"]["level"] in (1, 2))
        c.check(f"QGIS labels: the {len(want)} block names and group leaders' names are placed",
                names == want, (len(names), len(want), sorted(set(want) - set(names))[:5]))
        c.check("QGIS overview PNG: the map is drawn (ink on 20-95% of the image)", 0.2 < ink(image) < 0.95,
                ink(image))

        # 2. A close-up at z15 around the sample's unit, labels from the tiles themselves.
        start = os.path.getsize(log_path)
        close = tile_layer(url, 3)
        SEEN.clear()
        detail = os.path.join(ARTEFACTS, "qgis_grids_detail.png")
        image, labels = render([close], QgsRectangle(112.915, 27.850, 112.935, 27.862), (1200, 900), detail)
        tiles = fetched_tiles(log_path, start)
        zooms = {t[0] for t in tiles}
        c.check("QGIS XYZ close-up: the tiles come from one zoom, z14-z16", len(zooms) == 1 and
                zooms <= {14, 15, 16}, sorted(tiles))
        gdal = {code for code, _ in gdal_codes(port, tiles)}
        seen = {code for code, _ in SEEN}
        c.check(f"QGIS XYZ close-up: QGIS decoded exactly the grids GDAL decodes from the {len(tiles)} tiles",
                seen == gdal and seen, (len(seen), len(gdal), sorted(seen ^ gdal)[:5]))
        placed = {lbl.labelText for lbl in labels}
        leaders = {source[code]["properties"]["leader_name"] for code in seen
                   if source[code]["properties"]["level"] == 3 and source[code]["properties"].get("leader_name")}
        c.check("QGIS labels close-up: the leaders' names placed are those of the unit grids drawn",
                placed and placed <= leaders, sorted(placed - leaders)[:5])
        c.check("QGIS labels close-up: 许秀英 (unit 43030200901300105) is labelled", "许秀英" in placed, len(placed))
        c.check("QGIS close-up PNG: the map is drawn", 0.2 < ink(image) < 0.98, ink(image))
        print(f"artefacts: {overview} {detail}", flush=True)
    finally:
        code = server.stop()
        c.check("the server stopped on SIGTERM with exit 0", code == 0, code)
        shutil.rmtree(TMP, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    # PyQGIS 3.22 crashes in interpreter teardown when its objects are collected after
    # exitQgis() in an arbitrary order; the checks are done and printed, so leave directly.
    os._exit(code)
