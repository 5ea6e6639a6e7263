// 账号管理 (the admin's accounts page): every staff account with its state (正常, 已锁定 after
// failed sign-ins, 已停用), the organisation's staff who have none yet, and what an admin does
// with them: open an account, reset a forgotten password (which also unlocks it), disable a
// leaver's account (ending their sessions at once) or enable it again. A password made here is
// shown once, to be passed on in person; the server keeps only its hash.
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { ROLE, when } from '../zh.js';

export async function accountsPage(main, { session }) {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const create = h('section', { class: 'card account-new', 'aria-labelledby': 'new-title' });
  const search = h('input', { type: 'search', name: 'q', placeholder: '登录名、姓名或编号', maxlength: 64 });
  const table = h('div', { class: 'table-wrap' });
  fill(main, h('h1', {}, '账号管理'), status, create,
    h('h2', { id: 'list-title' }, '工作人员账号'),
    h('div', { class: 'row filters' }, h('label', {}, '查找', search)),
    table);

  let accounts = [];
  let staff = [];
  const load = async () => {
    [{ accounts }, { staff }] = await Promise.all([
      api('GET', '/api/v1/admin/accounts?kind=staff'), api('GET', '/api/v1/admin/staff')]);
    accounts.sort((a, b) => a.login.localeCompare(b.login));
    fill(create, ...newAccountForm(staff, status, load));
    draw();
  };
  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const shown = accounts.filter((a) => !q || [a.login, a.name, a.actor].some((x) => (x ?? '').toLowerCase().includes(q)));
    fill(table, shown.length === 0
      ? h('p', { class: 'meta' }, accounts.length ? '没有符合条件的账号。' : '还没有工作人员账号。')
      : h('table', { 'aria-labelledby': 'list-title' },
        h('thead', {}, h('tr', {}, ['登录名', '姓名', '角色', '状态', '更新时间', '操作'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, shown.map((a) => row(a, session, status, load)))));
  };
  search.addEventListener('input', draw);
  await load();
}

/** What state an account is in, in words. */
function stateOf(a) {
  if (a.disabled) return ['已停用', 'late'];
  if (a.locked_until && new Date(a.locked_until) > new Date()) return [`已锁定至 ${when(a.locked_until)}（密码连续输错 ${a.failures} 次）`, 'late'];
  if (a.failures > 0) return [`正常（密码已输错 ${a.failures} 次）`, ''];
  return ['正常', 'ok'];
}

function row(a, session, status, reload) {
  const [state, tone] = stateOf(a);
  const cell = h('td', { class: 'account-actions' });
  const self = a.login === session.login;
  // One's own account is neither reset here (it would end this very session before the new
  // password could be shown) nor disabled: 修改密码 is the way.
  const buttons = () => fill(cell, self
    ? h('a', { href: '/console/password', 'data-link': '' }, '当前登录：修改密码')
    : [h('button', { type: 'button', onclick: () => confirm('重置密码', `重置 ${a.name ?? a.login} 的密码？原密码立即失效，已登录的设备全部退出。`, reset) }, '重置密码'),
      a.disabled ? h('button', { type: 'button', onclick: () => change('enable') }, '启用')
        : h('button', { type: 'button', onclick: () => confirm('停用', `停用 ${a.name ?? a.login} 的账号？其已登录的设备立即退出，之后无法登录。`, () => change('disable')) }, '停用')]);
  // A second, explicit click for what cannot be undone by the person concerned; the question
  // is announced and the focus goes to its answer.
  const confirm = (what, question, go) => {
    const yes = h('button', { type: 'button', class: 'primary', onclick: go }, `确认${what}`);
    fill(cell, h('span', { class: 'confirm', role: 'alert' }, question), yes,
      h('button', { type: 'button', onclick: () => { buttons(); cell.querySelector('button')?.focus(); } }, '取消'));
    yes.focus();
  };
  const failed = (e) => {
    fill(status, notice('error', e.status === 409 ? '账号状态刚被更改，请刷新页面后重试。' : e.message));
    buttons();
  };
  const reset = async () => {
    let r;
    try {
      r = await api('POST', `/api/v1/admin/accounts/${encodeURIComponent(a.login)}/reset`);
    } catch (e) { failed(e); return; }
    // The password first: nothing after this may lose it.
    fill(status, shownOnce(`${a.name ?? a.login}（${a.login}）的密码已重置，原有登录已全部退出。`, r.password));
    await reload().catch(() => {});
  };
  const change = async (how) => {
    try {
      await api('POST', `/api/v1/admin/accounts/${encodeURIComponent(a.login)}/${how}`);
    } catch (e) { failed(e); return; }
    fill(status, notice('ok', how === 'disable' ? `已停用 ${a.name ?? a.login} 的账号，其登录已全部退出。` : `已启用 ${a.name ?? a.login} 的账号。`));
    await reload().catch((e) => status.append(notice('error', e.message)));
  };
  buttons();
  return h('tr', { 'data-login': a.login },
    h('td', {}, a.login), h('td', {}, a.name ?? a.actor), h('td', {}, ROLE[a.role] ?? a.role ?? ''),
    h('td', { class: `state ${tone}` }, state), h('td', {}, when(a.updated_at)), cell);
}

/** A password shown this once, selectable, with what to do with it. */
function shownOnce(text, password) {
  return h('div', { class: 'notice ok', role: 'status' },
    text, ' 新密码（只显示这一次，请当面或电话告知本人，并请其登录后修改）：',
    h('output', { class: 'password', 'aria-label': '新密码' }, password));
}

/** The form that opens an account for a member of staff without one. */
function newAccountForm(staff, status, reload) {
  const without = staff.filter((s) => s.logins.length === 0);
  const pick = h('select', { name: 'staff_id', required: true },
    h('option', { value: '' }, without.length ? `请选择（${without.length} 人尚无账号）` : '所有工作人员都已有账号'),
    Object.keys(ROLE).map((role) => {
      const members = without.filter((s) => s.role === role);
      return members.length > 0 && h('optgroup', { label: ROLE[role] },
        members.map((s) => h('option', { value: s.id }, `${s.name}（${s.id}）`)));
    }));
  const login = h('input', { name: 'login', required: true, maxlength: 64, pattern: '[a-z0-9._@\\-]{2,64}', autocomplete: 'off', spellcheck: 'false' });
  // The server counts bytes (a Chinese character is 3): the browser does not check lengths.
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'new-password' });
  pick.addEventListener('change', () => { if (!login.value) login.value = pick.value.toLowerCase(); });
  const form = h('form', {},
    h('div', { class: 'row' },
      h('label', {}, '工作人员', pick),
      h('label', {}, '登录名', login),
      h('label', {}, '初始密码（留空则自动生成）', password)),
    h('p', { class: 'meta' }, `登录名用小写字母、数字和 . _ - @，2–64 位。${PASSWORD_RULE}`),
    h('button', { type: 'submit', class: 'primary' }, '开通账号'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    fill(status);
    const body = { login: login.value.trim(), staff_id: pick.value };
    if (password.value) body.password = password.value;
    let r;
    try {
      r = await api('POST', '/api/v1/admin/accounts', body);
    } catch (e) {
      fill(status, notice('error', refusedAccount(e)));
      return;
    }
    // The password first: nothing after this may lose it.
    const who = staff.find((s) => s.id === body.staff_id);
    const opened = `已为 ${who?.name ?? body.staff_id} 开通账号 ${r.login}。`;
    fill(status, r.password ? shownOnce(opened, r.password) : notice('ok', `${opened}请将初始密码告知本人，并请其登录后修改。`));
    await reload().catch((e) => status.append(notice('error', e.message)));
  });
  return [h('h2', { id: 'new-title' }, '开通工作人员账号'), form];
}

/** The password rule as the server applies it (bytes of UTF-8). */
export const PASSWORD_RULE = '密码 10–128 字节（字母、数字、符号各算 1，汉字每个算 3），不能包含登录名。';

/** Why the server refused an account, in words an admin acts on. */
export function refusedAccount(e) {
  const detail = e.problem?.detail ?? '';
  if (e.status === 409) return '该登录名已被使用，请换一个。';
  if (e.status !== 400) return e.message;
  if (/^login /.test(detail)) return '登录名不符合要求：只能用小写字母、数字和 . _ - @，2–64 位。';
  if (detail.includes('bytes')) return `密码长度不符合要求。${PASSWORD_RULE}`;
  if (detail.includes('contain the login')) return '密码不能包含登录名。';
  if (detail.includes('repeat one character')) return '密码不能全是同一个字符。';
  if (detail.includes('differ from the current')) return '新密码不能与当前密码相同。';
  if (detail.includes('organisation') || detail.includes('member of staff')) return '请选择一位工作人员。';
  return e.message;
}
