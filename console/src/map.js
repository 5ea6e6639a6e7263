// The map: MapLibre GL over wangge's own vector tiles (no internet basemap): grids coloured by
// their open and overdue cases, one label per grid with its leader, service points with their
// 15-minute walking areas and the gaps between them, and the open reports.
import { api } from './api.js';
import { h } from './dom.js';

// Two sources: the shapes, and the labels apart (their Chinese glyphs are drawn by the browser,
// which takes a while: the grids show first and their names follow).
const LAYERS = 'grids,service_points,isochrones,coverage_gaps,reports';
const LABELS = 'grid_labels';

/** A vector source from the TileJSON at hand (its tiles and bounds, without asking again). */
const source = (tj, extra = {}) => ({ type: 'vector', tiles: tj.tiles, bounds: tj.bounds,
  minzoom: tj.minzoom ?? 0, maxzoom: tj.maxzoom ?? 18, ...extra });

/** The style document: our glyphs at @p origin, the shapes' and the labels' TileJSON. */
export function mapStyle(origin, shapes, labels) {
  return {
    version: 8,
    name: 'wangge',
    glyphs: `${origin}/console/assets/glyphs/{fontstack}/{range}.pbf`,
    sources: { wangge: source(shapes, { promoteId: { grids: 'id' } }), labels: source(labels) },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#f3f1ec' } },
      { id: 'isochrones', type: 'fill', source: 'wangge', 'source-layer': 'isochrones',
        paint: { 'fill-color': '#2e8b57', 'fill-opacity': 0.08 } },
      { id: 'coverage-gaps', type: 'fill', source: 'wangge', 'source-layer': 'coverage_gaps',
        paint: { 'fill-color': '#c0392b', 'fill-opacity': 0.10 } },
      { id: 'grid-fill', type: 'fill', source: 'wangge', 'source-layer': 'grids',
        filter: ['>=', ['get', 'level'], 2],
        paint: {
          'fill-color': ['case',
            ['>', ['get', 'overdue_reports'], 0], '#e4572e',
            ['>', ['get', 'open_reports'], 2], '#f4a259',
            ['>', ['get', 'open_reports'], 0], '#f6d186',
            '#dbe9d4'],
          'fill-opacity': ['case', ['boolean', ['feature-state', 'selected'], false], 0.75, 0.35],
        } },
      { id: 'grid-line', type: 'line', source: 'wangge', 'source-layer': 'grids',
        paint: {
          'line-color': ['match', ['get', 'level'], 0, '#333', 1, '#555', 2, '#777', '#999'],
          'line-width': ['match', ['get', 'level'], 0, 3, 1, 2.2, 2, 1.4, 0.8],
        } },
      { id: 'service-points', type: 'circle', source: 'wangge', 'source-layer': 'service_points',
        paint: { 'circle-radius': 6, 'circle-color': '#1f6f43', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
      { id: 'reports', type: 'circle', source: 'wangge', 'source-layer': 'reports',
        paint: {
          'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, 3, 17, 7],
          'circle-color': ['case', ['get', 'overdue'], '#c0392b', '#2563eb'],
          'circle-stroke-color': '#fff', 'circle-stroke-width': 1,
        } },
      { id: 'grid-labels', type: 'symbol', source: 'labels', 'source-layer': 'grid_labels',
        filter: ['any',
          ['all', ['<=', ['get', 'level'], 1], ['<', ['zoom'], 14]],
          ['all', ['==', ['get', 'level'], 2], ['>=', ['zoom'], 13.5], ['<', ['zoom'], 15.5]],
          ['all', ['>=', ['get', 'level'], 3], ['>=', ['zoom'], 15.5]]],
        layout: {
          'text-field': ['format', ['get', 'name'], {}, '\n', {}, ['get', 'leader_name'], { 'font-scale': 0.85 }],
          'text-font': ['DejaVu Sans Book'],  // our glyphs (console/glyphs.mjs); Chinese drawn by the browser
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

let tileJson = null;  // the sources' TileJSON, asked once per page load

export async function makeMap(container, { onGrid, interactive = true } = {}) {
  const maplibregl = window.maplibregl;
  if (!maplibregl) throw new Error('地图组件加载失败，请刷新页面。');
  prewarm();
  tileJson ??= Promise.all([LAYERS, LABELS].map((l) => api('GET', `/tiles/${l}.json`)))
    .catch((e) => { tileJson = null; throw e; });
  const [tilejson, labels] = await tileJson;
  const [lon, lat, zoom] = tilejson.center ?? [0, 0, 2];
  const map = new maplibregl.Map({
    container,
    style: mapStyle(location.origin, tilejson, labels),
    center: [lon, lat],
    zoom: zoom,
    maxBounds: tilejson.bounds ? pad(tilejson.bounds) : undefined,
    interactive,
    attributionControl: { compact: true, customAttribution: '网格数据 © 本街道' },
    locale: ZH,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }));
  // The first tile of ours drawn on screen (scripts/bench/console times a usable console by it).
  const firstTile = (e) => {
    if (e.sourceId !== 'wangge' || !e.tile) return;
    map.off('data', firstTile);
    map.once('render', () => performance.mark('wangge:first-tile'));
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
      g.properties.households != null ? `，${g.properties.households} 户` : ''));
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
