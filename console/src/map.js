// The map: MapLibre GL over wangge's own vector tiles: the offline basemap drawn from the
// OpenStreetMap file the server imports (streets, water, parks, buildings, names: no internet
// needed), or a configured raster basemap (Tianditu in WGS-84, AMap/Tencent in GCJ-02, when
// every overlay is asked in GCJ-02 too); over it the grids coloured by their open and overdue
// cases, one label per grid with its leader, service points with their 15-minute walking
// areas and the gaps between them, and the open reports.
import { api } from './api.js';
import { h } from './dom.js';

// Two sources: the shapes, and the labels apart (their Chinese glyphs are drawn by the browser,
// which takes a while: the grids show first and their names follow).
// Three sources: the shapes with the reports; the clusters' counts apart (text: a source's tile
// waits for the glyphs of its text, and the grids must not), from the reports tiles of the
// zooms that cluster; the labels apart too.
export const LAYERS = 'grids,service_points,isochrones,coverage_gaps,reports';
export const REPORTS = 'reports';
export const LABELS = 'grid_labels';
const CLUSTER_BELOW = 15;  // the server clusters the reports below this zoom
const countsSource = (reports) => source(reports, { maxzoom: CLUSTER_BELOW - 1 });

/** A vector source from the TileJSON at hand (its tiles and bounds, without asking again), or
 *  by the TileJSON's @p url (the style document other clients load). */
const source = (tj, extra = {}) => (tj.url ? { type: 'vector', url: tj.url, ...extra }
  : { type: 'vector', tiles: tj.tiles, bounds: tj.bounds, minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 18, ...extra });

const FONT = ['DejaVu Sans Book'];  // our glyphs (console/glyphs.mjs); Chinese drawn by the browser
const CLUSTER_RADIUS = ['interpolate', ['linear'], ['get', 'point_count'], 2, 9, 20, 14, 200, 20];

/** The offline basemap's layers (source 'basemap', its one layer 'basemap' with kind and name). */
function basemapLayers() {
  const kind = (...k) => ['match', ['get', 'kind'], k, true, false];
  const road = (id, kinds, color, width) => ({
    id, type: 'line', source: 'basemap', 'source-layer': 'basemap', filter: kind(...kinds),
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': color, 'line-width': ['interpolate', ['exponential', 1.6], ['zoom'], 12, width[0], 18, width[1]] },
  });
  return [
    { id: 'bm-park', type: 'fill', source: 'basemap', 'source-layer': 'basemap', filter: kind('park'),
      paint: { 'fill-color': '#dcebd0' } },
    { id: 'bm-water', type: 'fill', source: 'basemap', 'source-layer': 'basemap', filter: kind('water'),
      paint: { 'fill-color': '#b5d0e6' } },
    { id: 'bm-river', type: 'line', source: 'basemap', 'source-layer': 'basemap', filter: kind('river', 'stream'),
      paint: { 'line-color': '#b5d0e6', 'line-width': ['match', ['get', 'kind'], 'river', 4, 1.5] } },
    { id: 'bm-building', type: 'fill', source: 'basemap', 'source-layer': 'basemap', filter: kind('building'),
      paint: { 'fill-color': '#e2ddd3', 'fill-outline-color': '#d2cbbf' } },
    // Streets: a darker casing under the white, so they read over the grids' tints.
    { ...road('bm-casing', ['major', 'secondary', 'minor'], '#bdb5a8', [0, 0]),
      paint: { 'line-color': '#bdb5a8', 'line-width': ['interpolate', ['exponential', 1.6], ['zoom'],
        12, ['match', ['get', 'kind'], 'major', 3.5, 'secondary', 3, 2],
        18, ['match', ['get', 'kind'], 'major', 16, 'secondary', 14, 11]] } },
    road('bm-path', ['path'], '#ffffff', [0.5, 2]),
    road('bm-rail', ['rail'], '#b9b4ad', [0.8, 2]),
    road('bm-minor', ['minor'], '#ffffff', [1, 9]),
    road('bm-secondary', ['secondary'], '#fdf1c7', [1.5, 12]),
    road('bm-major', ['major'], '#f7d488', [2, 14]),
    { id: 'bm-street-names', type: 'symbol', source: 'basemap', 'source-layer': 'basemap',
      filter: ['all', kind('major', 'secondary', 'minor'), ['has', 'name']], minzoom: 15,
      layout: { 'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11 },
      paint: { 'text-color': '#6b6257', 'text-halo-color': '#fff', 'text-halo-width': 1.2 } },
    { id: 'bm-places', type: 'symbol', source: 'basemap', 'source-layer': 'basemap',
      filter: ['all', ['==', ['geometry-type'], 'Point'], ['has', 'name']],
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 13 },
      paint: { 'text-color': '#5a5148', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
  ];
}

let basemapJson = null;  // the offline basemap's TileJSON (null: the server has none)
function offlineBasemap() {
  basemapJson ??= api('GET', '/tiles/basemap.json').catch(() => null);
  return basemapJson;
}

/** The clusters' counts (source 'counts'). */
const COUNTS = { id: 'report-counts', type: 'symbol', source: 'counts', 'source-layer': 'reports',
  filter: ['has', 'point_count'], maxzoom: CLUSTER_BELOW,
  layout: { 'text-field': ['to-string', ['get', 'point_count']], 'text-font': FONT, 'text-size': 11,
    'text-allow-overlap': true },
  paint: { 'text-color': '#fff' } };

const listed = ['coalesce', ['get', 'households_listed'], 0];
const notVisited = ['coalesce', ['get', 'not_visited_month'], 0];

/** What a grid's fill says: its open and overdue cases, or how much of it is not yet visited
 *  this month (本月未走访 of the households on record). */
export const GRID_COLOURS = {
  cases: ['case',
    ['>', ['get', 'overdue_reports'], 0], '#e4572e',
    ['>', ['get', 'open_reports'], 2], '#f4a259',
    ['>', ['get', 'open_reports'], 0], '#f6d186',
    '#dbe9d4'],
  visits: ['case',
    ['==', listed, 0], '#e5e5e5',
    ['==', notVisited, 0], '#9fd29f',
    ['<', ['*', notVisited, 2], listed], '#f6d186',
    '#e4572e'],
};

/** The offline basemap added to a map whose style was made without it, under our layers. */
function addBasemap(map, tilejson) {
  const { basemap } = mapStyle('', { shapes: tilejson, reports: tilejson, labels: tilejson }, { basemap: tilejson }).sources;
  map.addSource('basemap', basemap);
  for (const layer of basemapLayers()) map.addLayer(layer, 'isochrones');
}

/** The style document: our glyphs at @p origin, the shapes' and the labels' TileJSON, under
 *  them the offline basemap's TileJSON @p basemap or the configured @p raster basemap. */
export function mapStyle(origin, { shapes, reports, labels }, { basemap = null, raster = null, sprite = null } = {}) {
  const sources = { wangge: source(shapes, { promoteId: { grids: 'id' } }), labels: source(labels) };
  if (reports) sources.counts = countsSource(reports);
  const under = [];
  if (raster) {
    sources.raster = { type: 'raster', tiles: raster.tiles, tileSize: 256, maxzoom: raster.maxzoom ?? 18,
      attribution: raster.attribution || undefined };
    under.push({ id: 'raster-basemap', type: 'raster', source: 'raster' });
  } else if (basemap) {
    sources.basemap = source(basemap, { attribution: '© OpenStreetMap 贡献者' });
    under.push(...basemapLayers());
  }
  return {
    version: 8,
    name: 'wangge',
    glyphs: `${origin}/console/assets/glyphs/{fontstack}/{range}.pbf`,
    ...(sprite ? { sprite: `${origin}${sprite}` } : {}),
    sources,
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f3f1ec' } },
      ...under,
      { id: 'isochrones', type: 'fill', source: 'wangge', 'source-layer': 'isochrones',
        paint: { 'fill-color': '#2e8b57', 'fill-opacity': 0.08 } },
      { id: 'coverage-gaps', type: 'fill', source: 'wangge', 'source-layer': 'coverage_gaps',
        paint: { 'fill-color': '#c0392b', 'fill-opacity': 0.10 } },
      { id: 'grid-fill', type: 'fill', source: 'wangge', 'source-layer': 'grids',
        filter: ['>=', ['get', 'level'], 2],
        paint: {
          'fill-color': GRID_COLOURS.cases,
          'fill-opacity': ['case', ['boolean', ['feature-state', 'selected'], false], 0.75, 0.35],
        } },
      { id: 'grid-line', type: 'line', source: 'wangge', 'source-layer': 'grids',
        paint: {
          'line-color': ['match', ['get', 'level'], 0, '#333', 1, '#555', 2, '#777', '#999'],
          'line-width': ['match', ['get', 'level'], 0, 3, 1, 2.2, 2, 1.4, 0.8],
        } },
      // A service point's sign from our sprite (console/sprite.mjs), a green dot without one.
      sprite
        ? { id: 'service-points', type: 'symbol', source: 'wangge', 'source-layer': 'service_points',
          layout: { 'icon-image': 'service-point', 'icon-allow-overlap': true,
            'icon-size': ['interpolate', ['linear'], ['zoom'], 12, 0.7, 16, 1] } }
        : { id: 'service-points', type: 'circle', source: 'wangge', 'source-layer': 'service_points',
          paint: { 'circle-radius': 6, 'circle-color': '#1f6f43', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
      { id: 'reports', type: 'circle', source: 'wangge', 'source-layer': 'reports',
        paint: {
          // Below z15 the server clusters: a circle grows with the reports it stands for.
          'circle-radius': ['interpolate', ['linear'], ['zoom'],
            12, ['case', ['has', 'point_count'], CLUSTER_RADIUS, 3],
            17, ['case', ['has', 'point_count'], CLUSTER_RADIUS, 7]],
          'circle-color': ['case', ['get', 'overdue'], '#c0392b', '#2563eb'],
          'circle-stroke-color': '#fff', 'circle-stroke-width': ['case', ['has', 'point_count'], 2, 1],
        } },
      ...(reports ? [COUNTS] : []),
      { id: 'grid-labels', type: 'symbol', source: 'labels', 'source-layer': 'grid_labels',
        filter: ['any',
          ['all', ['<=', ['get', 'level'], 1], ['<', ['zoom'], 14]],
          ['all', ['==', ['get', 'level'], 2], ['>=', ['zoom'], 13.5], ['<', ['zoom'], 15.5]],
          ['all', ['>=', ['get', 'level'], 3], ['>=', ['zoom'], 15.5]]],
        layout: {
          'text-field': ['format', ['get', 'name'], {}, '\n', {}, ['get', 'leader_name'], { 'font-scale': 0.85 }],
          'text-font': FONT,
          'text-size': 12,
          'text-max-width': 8,
        },
        paint: { 'text-color': '#222', 'text-halo-color': '#fff', 'text-halo-width': 1.5 } },
    ],
  };
}

/** A map in @p container; answers { map, destroy }. @p onGrid(feature) for a grid click. */
/** MapLibre's workers, started once the page has its script, before any map is made (they take
 *  a while to load and parse: a page starts them while it fetches its own data). */
export function prewarm() {
  const maplibregl = window.maplibregl;
  if (!maplibregl || prewarm.done) return;
  const worker = document.querySelector('meta[name="maplibre-worker"]')?.content;
  if (worker) maplibregl.setWorkerUrl(worker);
  maplibregl.prewarm();
  prewarm.done = true;
}

let settings = null;  // the server's map settings, asked once per page load
let tileJson = null;  // the sources' TileJSON, likewise

/** The map's settings: { raster_basemap: null | { tiles, datum, attribution } }. */
function mapSettings() {
  settings ??= api('GET', '/console/settings.json').catch((e) => { settings = null; throw e; });
  return settings;
}

/** The datum the map draws in ('wgs84', or 'gcj02' under an AMap/Tencent basemap): positions
 *  read off the map are in it, and what is put on it must be. */
export async function mapDatum() {
  return (await mapSettings()).raster_basemap?.datum ?? 'wgs84';
}

/** `?datum=…` (or `&…` with @p joiner) for a GeoJSON or tile request in the map's datum. */
export async function datumQuery(joiner = '?') {
  const datum = await mapDatum();
  return datum === 'wgs84' ? '' : `${joiner}datum=${datum}`;
}

export async function makeMap(container, { onGrid, interactive = true } = {}) {
  const maplibregl = window.maplibregl;
  if (!maplibregl) throw new Error('地图组件加载失败，请刷新页面。');
  prewarm();
  // The settings and the WGS-84 TileJSONs at once (no hop before the tiles in the common case);
  // asked again in the raster basemap's datum when it is another.
  const wgs = (layers) => api('GET', `/tiles/${layers}.json`);
  const overlays = [LAYERS, REPORTS, LABELS];
  tileJson ??= Promise.all([mapSettings(), ...overlays.map(wgs)])
    .then(async ([{ raster_basemap: raster }, ...tilejsons]) => {
      if (raster?.datum && raster.datum !== 'wgs84') {
        tilejsons = await Promise.all(overlays.map((l) => api('GET', `/tiles/${l}.json?datum=${raster.datum}`)));
      }
      const [shapes, reports, labels] = tilejsons;
      return { sources: { shapes, reports, labels }, raster };
    }).catch((e) => { tileJson = null; throw e; });
  const { sources, raster } = await tileJson;
  const tilejson = sources.shapes;
  const [lon, lat, zoom] = tilejson.center ?? [0, 0, 2];
  const map = new maplibregl.Map({
    container,
    // The offline basemap joins once our first tile is drawn (below): the grids come first.
    style: mapStyle(location.origin, { ...sources, reports: null },
      { raster, sprite: document.querySelector('meta[name="wangge-sprite"]')?.content }),
    center: [lon, lat],
    zoom: zoom,
    maxBounds: tilejson.bounds ? pad(tilejson.bounds) : undefined,
    interactive,
    attributionControl: { compact: true, customAttribution: '网格数据 © 本街道' },
    locale: ZH,
  });
  let removed = false;  // a page left before the basemap's TileJSON came back
  map.on('remove', () => { removed = true; });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }));
  // The first tile of ours drawn on screen (scripts/bench/console times a usable console by it).
  const firstTile = (e) => {
    if (e.sourceId !== 'wangge' || !e.tile) return;
    map.off('data', firstTile);
    map.once('render', () => {
      performance.mark('wangge:first-tile');
      // Then what may wait: the clusters' counts (text) and the offline basemap.
      map.addSource('counts', countsSource(sources.reports));
      map.addLayer(COUNTS, 'grid-labels');
      // The offline basemap, when the server has one and no raster basemap replaces it.
      if (!raster) offlineBasemap().then((tj) => { if (tj && !removed) addBasemap(map, tj); });
    });
  };
  map.on('data', firstTile);
  let selected = null;
  map.on('click', 'grid-fill', (e) => {
    const f = e.features?.[0];
    if (!f) return;
    if (selected != null) map.setFeatureState({ source: 'wangge', sourceLayer: 'grids', id: selected }, { selected: false });
    selected = f.id;
    map.setFeatureState({ source: 'wangge', sourceLayer: 'grids', id: selected }, { selected: true });
    onGrid?.(f, e.lngLat);
  });
  for (const layer of ['grid-fill', 'reports']) {
    map.on('mouseenter', layer, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', layer, () => { map.getCanvas().style.cursor = ''; });
  }
  return map;
}

/** The chain of leaders of grid @p id, finest last, with its figures: a popup's content. */
export async function gridCard(id, props) {
  // Leaders and figures only: no geometry, so no datum.
  const g = await api('GET', `/api/v1/grids/${encodeURIComponent(id)}`);
  const ancestors = await Promise.all((g.properties.ancestors ?? []).map((a) =>
    api('GET', `/api/v1/grids/${encodeURIComponent(a)}`).catch(() => null)));
  const chain = [...ancestors.filter(Boolean).reverse(), g];  // from the subdistrict down
  return h('div', { class: 'grid-card' },
    h('h3', {}, g.properties.name),
    h('ol', { class: 'chain' }, chain.map((x) => h('li', {},
      h('span', { class: 'level' }, x.properties.level_name || ''), ' ',
      x.properties.name, '：',
      h('strong', {}, x.properties.leader?.name ?? '—'), ' ',
      h('span', { class: 'muted' }, x.properties.leader?.role ?? '')))),
    h('p', {}, `在办 ${props.open_reports ?? 0} 件，超期 ${props.overdue_reports ?? 0} 件`,
      g.properties.households != null ? `，${g.properties.households} 户` : ''),
    props.households_listed ? h('p', {}, `在册住户 ${props.households_listed} 户，本月未走访 ${props.not_visited_month ?? 0} 户`) : null);
}

function pad([w, s, e, n]) {
  const dx = (e - w) * 0.5 + 0.01, dy = (n - s) * 0.5 + 0.01;
  return [[w - dx, s - dy], [e + dx, n + dy]];
}

const ZH = {
  'NavigationControl.ZoomIn': '放大', 'NavigationControl.ZoomOut': '缩小',
  'NavigationControl.ResetBearing': '重置方向', 'GeolocateControl.FindMyLocation': '定位到我的位置',
  'AttributionControl.ToggleAttribution': '显示/隐藏版权信息', 'ScaleControl.Meters': '米', 'ScaleControl.Kilometers': '公里',
  'Map.Title': '地图', 'Popup.Close': '关闭',
};

// WGS-84 → GCJ-02, the published formula (the server's geo/datum.cpp; Krasovsky constants),
// for a position from the phone's GPS put on an AMap/Tencent basemap.
const A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
function dLat(x, y) {
  let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
  r += (20 * Math.sin(y * PI) + 40 * Math.sin(y / 3 * PI)) * 2 / 3;
  return r + (160 * Math.sin(y / 12 * PI) + 320 * Math.sin(y * PI / 30)) * 2 / 3;
}
function dLon(x, y) {
  let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20 * Math.sin(6 * x * PI) + 20 * Math.sin(2 * x * PI)) * 2 / 3;
  r += (20 * Math.sin(x * PI) + 40 * Math.sin(x / 3 * PI)) * 2 / 3;
  return r + (150 * Math.sin(x / 12 * PI) + 300 * Math.sin(x / 30 * PI)) * 2 / 3;
}
/** @p lng, @p lat (WGS-84) in @p datum ('wgs84' or 'gcj02'). */
export function fromWgs84({ lng, lat }, datum) {
  if (datum !== 'gcj02' || lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271) return { lng, lat };
  const rad = lat / 180 * PI;
  const magic = 1 - EE * Math.sin(rad) ** 2, sq = Math.sqrt(magic);
  return {
    lng: lng + dLon(lng - 105, lat - 35) * 180 / (A / sq * Math.cos(rad) * PI),
    lat: lat + dLat(lng - 105, lat - 35) * 180 / (A * (1 - EE) / (magic * sq) * PI),
  };
}
