// 月度考核 (the monthly appraisal) for the office: the 红黑榜 of departments and property
// companies with the formula beside it, each block's and each grid worker's month (cases,
// 按期率, 满意率, visits done against due, patrols done and missed, points), and the same as
// the server's Excel workbook. The figures are the server's; the page shows them.
import { api } from '../api.js';
import { h, fill } from '../dom.js';
import { percent } from '../zh.js';
import { navigate } from '../main.js';

const MARK = { red: '红榜', black: '黑榜', none: '' };
const KIND = { department: '职能部门', property: '物业公司' };

function thisMonth() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export async function appraisalPage(main, { query }) {
  const month = /^\d{4}-\d{2}$/.test(query.get('month') ?? '') ? query.get('month') : thisMonth();
  const picker = h('input', { type: 'month', name: 'month', value: month, max: thisMonth() });
  const form = h('form', { class: 'row' },
    h('label', {}, '考核月份', picker), h('button', { type: 'submit' }, '查看'),
    h('a', { class: 'button', href: `/api/v1/appraisal?month=${month}&format=xlsx`, download: `考核-${month}.xlsx` }, '导出 Excel'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    navigate(`/console/appraisal?month=${picker.value}`);
  });
  const board = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '红黑榜（可左右滚动）' });
  const blocks = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '片区考核（可左右滚动）' });
  const workers = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '网格员考核（可左右滚动）' });
  const formula = h('p', { class: 'formula' });
  fill(main, h('h1', {}, `月度考核 ${month}`), form,
    h('section', { 'aria-labelledby': 'board-title' }, h('h2', { id: 'board-title' }, '红黑榜'), formula, board),
    h('section', { 'aria-labelledby': 'blocks-title' }, h('h2', { id: 'blocks-title' }, '片区考核'), blocks),
    h('section', { 'aria-labelledby': 'workers-title' }, h('h2', { id: 'workers-title' }, '网格员考核'), workers));
  const a = await api('GET', `/api/v1/appraisal?month=${month}`);
  formula.textContent = `${a.formula}；应结案不少于 ${a.min_cases} 件的参与排名，前 ${a.red} 名上红榜，后 ${a.black} 名上黑榜。`;
  fill(board, table(['名次', '榜单', '类别', '名称', '应结案', '结案率', '按期结案率', '满意率', '得分'],
    a.board.map((b) => h('tr', { class: b.mark !== 'none' ? `mark-${b.mark}` : null },
      h('td', {}, b.rank ?? '—'), h('td', {}, MARK[b.mark] || (b.rank ? '' : '未排名')),
      h('td', {}, KIND[b.kind]), h('th', { scope: 'row' }, b.name), h('td', {}, b.cases.due_to_close),
      h('td', {}, percent(b.cases.closure_rate)), h('td', {}, percent(b.cases.on_time_rate)),
      h('td', {}, percent(b.cases.satisfaction_rate)), h('td', {}, b.score == null ? '—' : b.score.toFixed(1))))));
  fill(blocks, monthTable(a.blocks, false));
  fill(workers, monthTable(a.workers.filter((w) => w.cases.reported || w.visits.visits || w.patrols.done || w.points)
    .concat(a.workers.filter((w) => !(w.cases.reported || w.visits.visits || w.patrols.done || w.points))).slice(0, 300), true));
}

function monthTable(rows, worker) {
  return table([worker ? '网格员' : '片区', ...(worker ? ['职务'] : []), '案件', '按期结案率', '满意率', '应访/已访', '逾期未访', '走访次数', '巡查 已/应', '漏巡', '积分'],
    rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, r.name), ...(worker ? [h('td', {}, r.title)] : []),
      h('td', {}, r.cases.reported), h('td', {}, percent(r.cases.on_time_rate)), h('td', {}, percent(r.cases.satisfaction_rate)),
      h('td', {}, `${r.visits.due}/${r.visits.done}`), h('td', { class: r.visits.overdue ? 'late' : null }, r.visits.overdue),
      h('td', {}, r.visits.visits), h('td', {}, `${r.patrols.done}/${r.patrols.required}`),
      h('td', { class: r.patrols.missed ? 'late' : null }, r.patrols.missed), h('td', {}, r.points))));
}

function table(heads, rows) {
  return h('table', {}, h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))), h('tbody', {}, rows));
}
