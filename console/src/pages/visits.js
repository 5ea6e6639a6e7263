// 入户走访 (the visit book), phone-sized, for a 网格员 / 邻长: the households of my grids with
// when each is next due a visit (sooner for 独居老人 and 重点关注), the overdue ones first to
// see; recording a visit (正常 / 发现问题 / 未遇) with notes, and a problem found raised as a case
// at the household's building at once. The rules are the server's; the page shows its answers.
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { when } from '../zh.js';

const TABS = [
  ['all', '全部住户', ''],
  ['overdue', '已超期', '&overdue=true'],
  ['elderly', '独居老人', '&flag=elderly_alone'],
];
const OUTCOME = { ok: '正常', concern: '发现问题', not_home: '未遇' };

export async function visitsPage(main, { query }) {
  const tab = TABS.find((t) => t[0] === query.get('tab')) ?? TABS[0];
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'cards households', 'aria-label': '住户' });
  fill(main,
    h('h1', {}, '入户走访'),
    h('nav', { class: 'tabs', 'aria-label': '住户分类' }, TABS.map(([key, label]) =>
      h('a', { href: `/console/visits?tab=${key}`, 'data-link': '', 'aria-current': key === tab[0] ? 'page' : null }, label))),
    status, list);
  const [page, { categories }] = await Promise.all([
    api('GET', `/api/v1/households?limit=500${tab[2]}`), api('GET', '/api/v1/categories')]);
  const reportable = categories.filter((c) => c.reportable);
  const overdue = page.households.filter((x) => x.overdue).length;
  status.replaceChildren(notice(overdue ? 'warn' : 'ok',
    overdue ? `${page.households.length} 户中有 ${overdue} 户已超期未走访。` : `${page.households.length} 户，均在走访周期内。`));
  fill(list, page.households.length ? page.households.map((x) => householdCard(main, x, reportable))
    : h('li', { class: 'empty' }, tab[0] === 'overdue' ? '没有超期未走访的住户。' : '暂无住户。'));
}

function householdCard(main, x, categories) {
  const form = visitForm(main, x, categories);
  return h('li', { class: 'case-card household', 'data-household': x.id },
    h('strong', {}, x.address || x.id),
    x.overdue && h('span', { class: 'flag late' }, '已超期'),
    x.flag_labels.map((f) => h('span', { class: 'flag' }, f)),
    h('span', { class: 'text' }, `${x.contact_name} · ${x.size} 人 · `,
      x.contact_phone && h('a', { href: `tel:${x.contact_phone}` }, x.contact_phone)),
    h('span', { class: 'meta' }, [
      x.last_visit_at ? `上次走访 ${when(x.last_visit_at)}` : '尚未走访',
      `每 ${x.interval_work_days} 个工作日一次，下次 ${when(x.next_due_at)} 前`].join(' · ')),
    h('details', {}, h('summary', {}, '记录走访'), form));
}

function visitForm(main, x, categories) {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const outcome = h('fieldset', {}, h('legend', {}, '走访情况'),
    Object.entries(OUTCOME).map(([value, label], i) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name: `outcome-${x.id}`, value, checked: i === 0 }), label)));
  const notes = h('textarea', { name: 'notes', maxlength: 2000, rows: 3, placeholder: '看到了什么、老人身体怎样、有什么需要' });
  const category = h('select', { name: 'category' },
    h('option', { value: '' }, '不上报'),
    categories.map((c) => h('option', { value: c.code }, c.name)));
  const caseText = h('input', { name: 'case_text', maxlength: 400, placeholder: '问题描述（上报时填写）' });
  const form = h('form', { class: 'visit-form', 'aria-label': `走访 ${x.address}` },
    status, outcome,
    h('label', {}, '记录', notes),
    h('label', {}, '发现问题同时上报（在该户所在楼栋）', category), caseText,
    h('button', { type: 'submit', class: 'primary' }, '提交走访记录'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { household: x.id, outcome: form.querySelector(`input[name="outcome-${x.id}"]:checked`).value, notes: notes.value };
    if (category.value) body.follow_up = { category: category.value, text: caseText.value };
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const v = await api('POST', '/api/v1/visits', body);
      fill(status, notice('ok', `已记录（${OUTCOME[v.outcome]}）${v.points_earned ? '，获得走访积分' : ''}。`),
        v.follow_up && h('a', { href: `/console/cases/${v.follow_up}`, 'data-link': '' }, '查看上报的案件 →'));
    } catch (e) {
      fill(status, notice('error', e.message));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}
