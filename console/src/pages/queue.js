// 网格中心: the queue of cases (to register, to dispatch, overdue first by how overdue, all
// open), the map beside it, bulk 受理/派遣, duplicates flagged and merged, keyboard shortcuts,
// and new cases arriving without a reload (the event stream).
import { api, idempotencyKey } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { STATE, ACTION, span, when } from '../zh.js';
import { navigate } from '../main.js';
import { makeMap, gridCard } from '../map.js';

const TABS = [
  ['received', '待受理', 'state=received'],
  ['registered', '待派遣', 'state=registered'],
  ['overdue', '已超期', 'overdue=true'],
  ['open', '在办', 'state=dispatched,accepted,handled,suspended'],
  ['closed', '已结案', 'state=closed,evaluated'],
];

export async function queuePage(main, { query }) {
  const tab = TABS.find((t) => t[0] === query.get('tab')) ?? TABS[0];
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'queue', 'aria-label': '案件列表' });
  const count = h('span', { class: 'muted' });
  const selected = new Set();
  const bulkRegister = h('button', { type: 'button', disabled: true }, '批量受理');
  const bulkDispatch = h('button', { type: 'button', disabled: true }, '批量派遣');
  const mapBox = h('div', { class: 'map', role: 'region', 'aria-label': '地图' });
  let reports = [];
  let cursor = 0;
  let map = null;

  const tabs = h('nav', { class: 'tabs', 'aria-label': '案件分类' }, TABS.map(([key, label]) =>
    h('a', { href: `/console/dispatch?tab=${key}`, 'data-link': '', 'aria-current': key === tab[0] ? 'page' : null }, label)));

  fill(main, h('div', { class: 'split' },
    h('section', { class: 'pane', 'aria-labelledby': 'queue-title' },
      h('div', { class: 'pane-head' }, h('h1', { id: 'queue-title' }, '案件队列 ', count), tabs),
      h('div', { class: 'bulk' }, bulkRegister, bulkDispatch,
        h('span', { class: 'muted keys' }, '快捷键：j/k 上下，Enter 打开，x 勾选，r 受理，d 派遣')),
      status, list),
    mapBox));

  const allowed = (r, action) => (r.allowed_actions ?? []).some((a) => a.action === action && a.needs.length === 0);
  const updateBulk = () => {
    const picked = reports.filter((r) => selected.has(r.id));
    bulkRegister.disabled = !picked.length || !picked.every((r) => allowed(r, 'register'));
    bulkDispatch.disabled = !picked.length || !picked.every((r) => allowed(r, 'dispatch'));
  };

  const row = (r, i) => {
    const overdue = r.overdue && r.due_at ? Date.now() - new Date(r.due_at).getTime() : 0;
    const box = h('input', { type: 'checkbox', 'aria-label': `勾选 ${r.category?.name ?? ''} ${r.id}`, checked: selected.has(r.id) });
    box.addEventListener('change', () => { if (box.checked) selected.add(r.id); else selected.delete(r.id); updateBulk(); });
    return h('li', { 'aria-current': i === cursor ? 'true' : null, class: i === cursor ? 'current' : '', dataset: { id: r.id } },
      box,
      h('a', { href: `/console/cases/${r.id}`, 'data-link': '', class: 'case-link' },
        h('span', { class: `state s-${r.state}` }, STATE[r.state] ?? r.state),
        h('strong', {}, r.category?.name ?? ''),
        r.duplicate_of && h('span', { class: 'flag dup' }, '疑似重复'),
        r.supervision?.label && h('span', { class: 'flag sup' }, r.supervision.label),
        overdue > 0 && h('span', { class: 'flag late' }, `超期 ${span(overdue)}`),
        h('span', { class: 'text' }, r.text || r.address || '（无描述）'),
        h('span', { class: 'meta' }, [r.responsible?.name ?? r.assignment?.leader?.name, when(r.created_at)].filter(Boolean).join(' · '))));
  };

  const draw = () => {
    fill(list, reports.length ? reports.map(row) : h('li', { class: 'empty' }, '暂无案件'));
    count.textContent = `（${reports.length}${nextPage ? '+' : ''}）`;
    updateBulk();
  };

  let nextPage = null;
  const load = async () => {
    const page = await api('GET', `/api/v1/reports?${tab[2]}&limit=100`);
    reports = page.reports;
    nextPage = page.next;
    if (tab[0] === 'overdue') reports.sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
    else if (tab[0] === 'received' || tab[0] === 'registered') reports.sort((a, b) => new Date(a.created_at) - new Date(b.created_at));
    cursor = Math.min(cursor, Math.max(0, reports.length - 1));
    for (const id of [...selected]) if (!reports.some((r) => r.id === id)) selected.delete(id);
    draw();
  };

  const bulk = async (action) => {
    const ids = [...selected];
    let ok = 0;
    const failed = [];
    for (const id of ids) {
      try {
        await api('POST', `/api/v1/reports/${id}/actions`, { action }, { 'Idempotency-Key': idempotencyKey() });
        ok++;
      } catch (e) { failed.push(`${id}：${e.message}`); }
    }
    selected.clear();
    fill(status, notice(failed.length ? 'error' : 'ok', `${ACTION[action]}成功 ${ok} 件` + (failed.length ? `，失败 ${failed.length} 件：${failed.join('；')}` : '。')));
    await load();
  };
  bulkRegister.addEventListener('click', () => bulk('register'));
  bulkDispatch.addEventListener('click', () => bulk('dispatch'));

  const act = async (action) => {
    const r = reports[cursor];
    if (!r || !allowed(r, action)) return;
    try {
      await api('POST', `/api/v1/reports/${r.id}/actions`, { action }, { 'Idempotency-Key': idempotencyKey() });
      fill(status, notice('ok', `${r.category?.name ?? ''}：${ACTION[action]}成功。`));
    } catch (e) { fill(status, notice('error', e.message)); }
    await load();
  };

  const onKey = (ev) => {
    if (ev.target.closest('input, textarea, select') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const k = ev.key;
    if (k === 'j' || k === 'ArrowDown') cursor = Math.min(cursor + 1, reports.length - 1);
    else if (k === 'k' || k === 'ArrowUp') cursor = Math.max(cursor - 1, 0);
    else if ((k === 'Enter' || k === 'o') && reports[cursor]) return navigate(`/console/cases/${reports[cursor].id}`);
    else if (k === 'x' && reports[cursor]) {
      const id = reports[cursor].id;
      if (selected.has(id)) selected.delete(id); else selected.add(id);
    } else if (k === 'r') return act('register');
    else if (k === 'd') return act('dispatch');
    else return;
    ev.preventDefault();
    draw();
    list.querySelector('li.current')?.scrollIntoView({ block: 'nearest' });
  };
  document.addEventListener('keydown', onKey);

  // New and changed cases without a reload: the server says what changed; the queue reloads.
  const events = new EventSource('/api/v1/events/stream');
  let pending = null;
  const changed = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = null; load().catch((e) => fill(status, notice('error', e.message))); }, 300);
  };
  events.addEventListener('report', changed);
  events.addEventListener('reset', changed);

  // The map starts at once; the queue is filled while it loads.
  const mapReady = makeMap(mapBox, {
    onGrid: async (f, at) => {
      const card = await gridCard(f.properties.id, f.properties).catch((e) => notice('error', e.message));
      new window.maplibregl.Popup({ maxWidth: '320px' }).setLngLat(at).setDOMContent(card).addTo(map);
    },
  });
  mapReady.then((m) => { map = m; window.__wanggeMap = m; }, (e) => fill(mapBox, notice('error', e.message)));
  await load();
  performance.mark('wangge:queue');  // the queue is on screen (scripts/bench/console)

  return () => {
    document.removeEventListener('keydown', onKey);
    events.close();
    clearTimeout(pending);
    mapReady.then((m) => m.remove(), () => {});  // also a map still loading when the page is left
  };
}
