// 消息 (the inbox): what the server told this person — a case dispatched to him, a 督办, his
// report closed and waiting for his rating — newest first, the unread ones marked. Opening a
// case from a message marks it read; 全部标为已读 marks the rest. The header's count follows.
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { when } from '../zh.js';
import { showUnread } from '../main.js';

const PAGE = 20;

export async function inboxPage(main, { query }) {
  let unreadOnly = query.get('unread') === 'true';
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'cards inbox', 'aria-label': '消息列表' });
  const more = h('button', { type: 'button', hidden: true }, '加载更多');
  const allRead = h('button', { type: 'button' }, '全部标为已读');
  const only = h('input', { type: 'checkbox', name: 'unread', checked: unreadOnly });
  fill(main, h('h1', {}, '消息'),
    h('div', { class: 'row inbox-tools' }, h('label', { class: 'check' }, only, '只看未读'), allRead),
    status, list, more);

  let next = null;
  let newest = null;  // the newest message shown: 全部标为已读 marks through it, not what came since
  const load = async (before) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (unreadOnly) q.set('unread', 'true');
    if (before) q.set('before', before);
    const page = await api('GET', `/api/v1/inbox?${q}`);
    if (!before) newest = null;
    showUnread(page.unread);
    allRead.disabled = page.unread === 0;
    next = page.next;
    more.hidden = !next;
    if (!before && page.messages.length === 0) {
      fill(status, notice('info', unreadOnly ? '没有未读消息。' : '暂无消息。'));
    }
    if (!before && page.messages.length) newest = page.messages[0].id;
    list.append(...page.messages.map((m) => item(m, status)));
  };
  // The list again in place (the focus stays on the box), the address kept bookmarkable.
  only.addEventListener('change', async () => {
    unreadOnly = only.checked;
    history.replaceState(null, '', unreadOnly ? '/console/inbox?unread=true' : '/console/inbox');
    list.replaceChildren();
    fill(status);
    try { await load(null); } catch (e) { fill(status, notice('error', e.message)); }
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await load(next); } catch (e) { fill(status, notice('error', e.message)); } finally { more.disabled = false; }
  });
  allRead.addEventListener('click', async () => {
    allRead.disabled = true;
    try {
      const r = await api('POST', `/api/v1/inbox/read-all${newest ? `?through=${encodeURIComponent(newest)}` : ''}`);
      for (const li of list.querySelectorAll('li.unread')) markShown(li);
      showUnread(r.unread);
      fill(status, notice('ok', (r.marked ? `已将 ${r.marked} 条消息标为已读。` : '没有未读消息。') +
        (r.unread ? `另有 ${r.unread} 条新消息，刷新页面即可查看。` : '')));
      allRead.disabled = r.unread === 0;
    } catch (e) {
      fill(status, notice('error', e.message));
      allRead.disabled = false;
    }
  });
  await load(null);
}

function item(m, status) {
  const li = h('li', { class: `message${m.read_at ? '' : ' unread'}`, 'data-message': m.id },
    h('div', { class: 'head' },
      m.urgent && h('span', { class: 'flag late' }, '紧急'),
      h('strong', { class: 'title' }, m.title),
      h('span', { class: 'read-state' }, m.read_at ? '' : '未读'),
      h('time', { datetime: m.created_at }, when(m.created_at))),
    h('p', { class: 'text' }, m.text));
  const mark = async () => {
    if (!li.classList.contains('unread')) return;
    await api('POST', `/api/v1/inbox/${encodeURIComponent(m.id)}/read`);
    markShown(li);
    showUnread(null);
  };
  const actions = h('div', { class: 'buttons' });
  if (m.report_id) {
    actions.append(h('a', {
      href: `/console/cases/${encodeURIComponent(m.report_id)}`, 'data-link': '', class: 'button',
      onclick: () => { mark().catch(() => {}); },  // read on opening; the case opens either way
    }, '查看案件'));
  }
  if (!m.read_at) {
    actions.append(h('button', {
      type: 'button', class: 'mark',
      onclick: () => mark().catch((e) => fill(status, notice('error', e.message))),
    }, '标为已读'));
  }
  li.append(actions);
  return li;
}

function markShown(li) {
  li.classList.remove('unread');
  li.querySelector('.read-state').textContent = '';
  const mark = li.querySelector('button.mark');
  if (mark) {
    const hadFocus = document.activeElement === mark;
    mark.remove();
    if (hadFocus) li.querySelector('a, button')?.focus();  // not lost to the page's top
  }
}
