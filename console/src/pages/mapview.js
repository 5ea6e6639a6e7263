// The whole map: grids coloured by open and overdue cases or by this month's visits (入户走访),
// their leaders, service points with their 15-minute areas and the gaps, open reports
// (clustered with their count when zoomed out), over the offline basemap; click a grid for its
// chain and figures.
import { h, fill, notice } from '../dom.js';
import { makeMap, gridCard, GRID_COLOURS } from '../map.js';

const LEGENDS = {
  cases: [['#dbe9d4', '无在办案件'], ['#f6d186', '有在办案件'], ['#f4a259', '在办 3 件以上'], ['#e4572e', '有超期案件']],
  visits: [['#e5e5e5', '在册不足 10 户（不公开）'], ['#9fd29f', '本月已全部走访'], ['#f6d186', '本月未走访不到一半'], ['#e4572e', '本月未走访一半及以上']],
};

function legendOf(mode) {
  return h('ul', { class: 'legend', 'aria-label': '图例' },
    [...LEGENDS[mode], ['#2e8b57', '15 分钟步行范围'], ['#c0392b', '覆盖空白']].map(([c, t]) =>
      h('li', {}, h('span', { class: 'swatch', style: { background: c } }), t)),
    h('li', {}, h('span', { class: 'swatch dot', style: { background: '#2563eb' } }), '在办案件（红色：已超期）'),
    h('li', {}, h('span', { class: 'swatch dot count', style: { background: '#2563eb' } }, 'n'), '缩小时合并显示的案件数'));
}

export async function mapPage(main) {
  const box = h('div', { class: 'map full', role: 'region', 'aria-label': '网格地图' });
  let legend = legendOf('cases');
  let map = null;
  let colourBy = 'cases';  // chosen before the map is ready: applied once it is
  const paint = () => {
    const apply = () => map.setPaintProperty('grid-fill', 'fill-color', GRID_COLOURS[colourBy]);
    try { apply(); } catch { map.once('idle', apply); }  // its style still loading
  };
  const choose = (mode) => {
    colourBy = mode;
    if (map) paint();
    const next = legendOf(mode);
    legend.replaceWith(next);
    legend = next;
  };
  const modes = h('fieldset', { class: 'colour-by' }, h('legend', {}, '网格着色'),
    [['cases', '在办案件'], ['visits', '本月走访']].map(([value, label], i) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: 'colour-by', value, checked: i === 0, onchange: () => choose(value) }), label)));
  fill(main, h('h1', { class: 'sr-only' }, '网格地图'), modes, box, legend);
  try {
    map = await makeMap(box, {
      onGrid: async (f, at) => {
        const card = await gridCard(f.properties.id, f.properties).catch((e) => notice('error', e.message));
        new window.maplibregl.Popup({ maxWidth: '320px' }).setLngLat(at).setDOMContent(card).addTo(map);
      },
    });
    if (colourBy !== 'cases') paint();
    window.__wanggeMap = map;
  } catch (e) { fill(box, notice('error', e.message)); }
  return () => map?.remove();
}
