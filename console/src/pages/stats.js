// 网格总长 / 督办: 结案率, 按期结案率, 当日办结率, 满意率, 返工率 by block, leader, department,
// category and month, as bars and a table; the ranked list (红黑榜); overdue cases to 督办; each
// table as an XLSX download (the server's own export of the same rows).
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { percent, span, when } from '../zh.js';

const GROUPS = [
  ['grid&level=1', '按片区'], ['leader', '按负责人'], ['department', '按部门'],
  ['category', '按类别'], ['month', '按月'],
];
const RATES = [
  ['closure_rate', '结案率'], ['on_time_rate', '按期结案率'], ['same_day_rate', '当日办结率'],
  ['satisfaction_rate', '满意率'], ['rework_rate', '返工率'],
];

export async function statsPage(main, { query }) {
  const group = GROUPS.find((g) => g[0] === query.get('by')) ?? GROUPS[0];
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '统计表（可左右滚动）' });
  const ranking = h('div', { class: 'ranking' });
  const overdue = h('ul', { class: 'cards' });
  fill(main,
    h('h1', {}, '统计与督办'),
    h('nav', { class: 'tabs', 'aria-label': '统计维度' }, GROUPS.map(([key, label]) =>
      h('a', { href: `/console/stats?by=${encodeURIComponent(key)}`, 'data-link': '', 'aria-current': key === group[0] ? 'page' : null }, label))),
    status,
    h('section', { 'aria-labelledby': 'table-title' },
      h('div', { class: 'pane-head' }, h('h2', { id: 'table-title' }, group[1], '统计'),
        h('a', { class: 'button', href: `/api/v1/stats?group_by=${group[0]}&format=xlsx`, download: `统计-${group[1]}.xlsx` }, '导出 Excel')),
      table),
    h('section', { 'aria-labelledby': 'rank-title' }, h('h2', { id: 'rank-title' }, '红黑榜（按结案率）'), ranking),
    h('section', { 'aria-labelledby': 'overdue-title' }, h('h2', { id: 'overdue-title' }, '超期案件（可督办）'), overdue));

  const [stats, total, late] = await Promise.all([
    api('GET', `/api/v1/stats?group_by=${group[0]}`),
    api('GET', '/api/v1/stats?group_by=total'),
    api('GET', '/api/v1/reports?overdue=true&limit=50'),
  ]);
  const rows = stats.rows ?? [];
  const all = (total.rows ?? [])[0];
  fill(table,
    all && h('p', { class: 'totals' }, RATES.map(([k, label]) => h('span', { class: 'kpi', dataset: { rate: k } }, h('small', {}, label), h('b', {}, percent(all[k]))))),
    h('table', {},
      h('caption', { class: 'sr-only' }, `${group[1]}统计表`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '名称'), h('th', { scope: 'col' }, '上报'), h('th', { scope: 'col' }, '结案'),
        RATES.map(([, label]) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, rows.map((r) => h('tr', { dataset: { key: r.key } },
        h('th', { scope: 'row' }, r.key === '(unassigned)' ? '未入格' : (r.label || r.key)), h('td', {}, r.reported), h('td', {}, r.closed),
        RATES.map(([k]) => h('td', { dataset: { rate: k } },
          h('span', { class: 'bar', 'aria-hidden': 'true' }, h('i', { style: { width: `${Math.round((r[k] ?? 0) * 100)}%` } })),
          percent(r[k]))))))));

  const ranked = rows.filter((r) => r.closure_rate != null).sort((a, b) => b.closure_rate - a.closure_rate);
  const top = ranked.slice(0, 3), bottom = ranked.slice(-3).reverse().filter((r) => !top.includes(r));
  fill(ranking,
    h('div', { class: 'red' }, h('h3', {}, '红榜'), h('ol', {}, top.map((r) => h('li', {}, `${r.label || r.key} ${percent(r.closure_rate)}`)))),
    h('div', { class: 'black' }, h('h3', {}, '黑榜'), h('ol', {}, bottom.map((r) => h('li', {}, `${r.label || r.key} ${percent(r.closure_rate)}`)))));

  const cases = late.reports.slice().sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
  fill(overdue, cases.length ? cases.map((r) => h('li', {}, h('a', { href: `/console/cases/${r.id}`, 'data-link': '', class: 'case-card' },
    h('strong', {}, r.category?.name ?? ''), ' ',
    h('span', { class: 'flag late' }, `超期 ${span(Date.now() - new Date(r.due_at).getTime())}`),
    r.supervision?.label && h('span', { class: 'flag sup' }, r.supervision.label),
    h('span', { class: 'meta' }, [r.assignee?.name, `时限 ${when(r.due_at)}`].filter(Boolean).join(' · ')))))
    : h('li', { class: 'empty' }, '没有超期案件。'));
  if (!rows.length) fill(status, notice('ok', '所选范围内暂无数据。'));
}
