#!/usr/bin/env python3
"""Writes a generated district for scripts/bench/regrid: 20 parents (a 5 × 4 mosaic of
900 m × 800 m blocks under one root), streets every 150-220 m (blocks of 500+ households, so every block is cut into the Voronoi cells of its buildings), and buildings (points) with
households: 15% none, 60% 1-20, 20% 20-60, 5% 60-150 — about 13,000 buildings and
50,000+ households. Deterministic for a seed.

usage: gen_district.py OUT_DIR [SEED]"""
import json
import math
import os
import random
import sys

out, seed = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
rng = random.Random(seed)
os.makedirs(out, exist_ok=True)
LON0, LAT0 = 112.80, 28.10
MX = 111320 * math.cos(math.radians(LAT0))  # metres per degree of longitude
MY = 110574


def ll(x, y):
    return [round(LON0 + x / MX, 9), round(LAT0 + y / MY, 9)]


def rect(x0, y0, x1, y1):
    return [[ll(x0, y0), ll(x1, y0), ll(x1, y1), ll(x0, y1), ll(x0, y0)]]


W, H, COLS, ROWS = 900, 800, 5, 4
grids = [{"type": "Feature", "properties": {"id": "D", "parent_id": "", "level": 0, "code": "430399001",
                                            "name": "generated district"},
          "geometry": {"type": "Polygon", "coordinates": rect(0, 0, W * COLS, H * ROWS)}}]
for r in range(ROWS):
    for c in range(COLS):
        n = r * COLS + c + 1
        grids.append({"type": "Feature",
                      "properties": {"id": f"P{n:02d}", "parent_id": "D", "level": 1,
                                     "code": f"430399001{n:03d}", "name": f"community {n}"},
                      "geometry": {"type": "Polygon",
                                   "coordinates": rect(c * W, r * H, (c + 1) * W, (r + 1) * H)}})
roads = []
x = 0.0
while x < W * COLS:
    x += rng.uniform(150, 220)
    roads.append([ll(x, -10), ll(x, H * ROWS + 10)])
y = 0.0
while y < H * ROWS:
    y += rng.uniform(150, 220)
    roads.append([ll(-10, y), ll(W * COLS + 10, y)])
buildings, households = [], 0
for i in range(13000):
    p = rng.random()
    h = 0 if p < 0.15 else rng.randint(1, 20) if p < 0.75 else rng.randint(20, 60) if p < 0.95 else rng.randint(60, 150)
    households += h
    buildings.append({"type": "Feature", "properties": {"id": i, "households": h},
                      "geometry": {"type": "Point",
                                   "coordinates": ll(rng.uniform(3, W * COLS - 3), rng.uniform(3, H * ROWS - 3))}})
for name, feats in (("grids", grids), ("buildings", buildings)):
    with open(os.path.join(out, name + ".geojson"), "w") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f)
with open(os.path.join(out, "roads.geojson"), "w") as f:
    json.dump({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"highway": "residential"},
         "geometry": {"type": "LineString", "coordinates": r}} for r in roads]}, f)
print(f"generated district: 20 parents, {len(buildings)} buildings, {households} households, "
      f"{len(roads)} streets in {out}")
