#!/usr/bin/env bash
# Builds `wangge regrid` inputs from an OpenStreetMap extract of Monaco with GDAL's OSM driver:
#   OUT/parents.geojson  the quartiers (admin_level=10 multipolygons), one level (level 0):
#                        id and code = the OSM relation id, name
#   OUT/units.geojson    every building footprint with households = max(1, round(footprint m²
#                        × building:levels (default 1) / 80)), footprints measured in UTM 32N
# The roads are the extract itself (`--roads monaco.osm.pbf`: its highways and waterways).
# Usage: monaco_regrid_inputs.sh MONACO.osm.pbf OUT_DIR
set -euo pipefail
PBF="$1"
OUT="$2"
mkdir -p "$OUT"
rm -f "$OUT/parents.geojson" "$OUT/units.geojson"
# GDAL warns about every relation cut off at the extract's edge ("Non closed ring"): not ours.
quiet() { "$@" 2> >(grep -v 'Non closed ring' >&2); }
quiet ogr2ogr -f GeoJSON -nln parents "$OUT/parents.geojson" "$PBF" -dialect SQLite -sql \
  "SELECT osm_id AS id, osm_id AS code, name, 0 AS level, geometry FROM multipolygons
   WHERE boundary = 'administrative' AND admin_level = '10'"
quiet ogr2ogr -f GeoJSON -nln units "$OUT/units.geojson" "$PBF" -dialect SQLite -sql \
  "SELECT coalesce(osm_id, 'w' || osm_way_id) AS osm, building,
     CAST(max(1, round(coalesce(ST_Area(ST_Transform(geometry, 32632)), 0)
       * coalesce(CAST(hstore_get_value(other_tags, 'building:levels') AS REAL), 1) / 80.0))
       AS INTEGER) AS households,
     geometry
   FROM multipolygons WHERE building IS NOT NULL"
