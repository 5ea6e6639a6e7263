// 网格员 / 邻长 (and a department's staff), phone-sized: my cases to accept and handle, a
// problem I found myself (巡查发现: handled at once, 即报即办, or passed on), my grid on the map.
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { STATE, span, when } from '../zh.js';
import { makeMap, gridCard, datumQuery } from '../map.js';
import { reportForm } from './resident.js';

const TABS = [
  ['todo', '待接单', 'state=dispatched'],
  ['doing', '处置中', 'state=accepted'],
  ['open', '全部在办', 'state=registered,dispatched,accepted,handled,suspended'],
  ['done', '已办结', 'state=closed,evaluated'],
];

export async function workerPage(main, { session, query }) {
  const tab = TABS.find((t) => t[0] === query.get('tab')) ?? TABS[0];
  const list = h('ul', { class: 'cards' });
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const mapBox = h('div', { class: 'map small', role: 'region', 'aria-label': '我的网格地图' });
  const finding = h('details', { class: 'card' }, h('summary', {}, '上报我发现的问题（巡查发现）'));
  fill(main,
    h('h1', {}, '我的案件'),
    h('nav', { class: 'tabs', 'aria-label': '案件分类' }, TABS.map(([key, label]) =>
      h('a', { href: `/console/worker?tab=${key}`, 'data-link': '', 'aria-current': key === tab[0] ? 'page' : null }, label))),
    status, list, finding, h('h2', {}, '我的网格'), mapBox);

  const page = await api('GET', `/api/v1/reports?${tab[2]}&limit=100`);
  fill(list, page.reports.length ? page.reports.map((r) => {
    const overdue = r.overdue && r.due_at ? Date.now() - new Date(r.due_at).getTime() : 0;
    return h('li', {}, h('a', { href: `/console/cases/${r.id}`, 'data-link': '', class: 'case-card' },
      h('span', { class: `state s-${r.state}` }, STATE[r.state] ?? r.state), ' ',
      h('strong', {}, r.category?.name ?? ''),
      overdue > 0 && h('span', { class: 'flag late' }, `超期 ${span(overdue)}`),
      h('span', { class: 'text' }, r.text || r.address || '（无描述）'),
      h('span', { class: 'meta' }, [r.address, r.due_at && `时限 ${when(r.due_at)}`].filter(Boolean).join(' · '))));
  }) : h('li', { class: 'empty' }, '暂无案件'));

  if (session.actor.role === 'grid_worker') {
    finding.append(await reportForm({ channel: 'patrol', onDone: (r) => fill(status, notice('ok', '已上报。'),
      h('a', { href: `/console/cases/${r.id}`, 'data-link': '' }, (r.allowed_actions ?? []).some((a) => a.action === 'self_handle') ? '去即报即办 →' : '查看案件 →')) }));
  } else finding.remove();

  let map = null;
  makeMap(mapBox, {
    onGrid: async (f, at) => {
      const card = await gridCard(f.properties.id, f.properties).catch((e) => notice('error', e.message));
      new window.maplibregl.Popup({ maxWidth: '300px' }).setLngLat(at).setDOMContent(card).addTo(map);
    },
  }).then(async (m) => {
    map = m;
    // Zoom to my first grid.
    const mine = session.actor.grids?.[0];
    if (!mine) return;
    const g = await api('GET', `/api/v1/grids/${encodeURIComponent(mine)}${await datumQuery()}`);
    const b = bbox(g.geometry);
    if (b) m.fitBounds(b, { padding: 20, duration: 0 });
  }, (e) => fill(mapBox, notice('error', e.message)));
  return () => map?.remove();
}

function bbox(geometry) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); } else c.forEach(walk);
  };
  if (!geometry?.coordinates) return null;
  walk(geometry.coordinates);
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}
