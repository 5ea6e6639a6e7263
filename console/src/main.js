// The console's shell: who is signed in, the page for each URL (each one bookmarkable), the
// header with the pages of the caller's role, and sign-out. Pages live in pages/*.js.
import { api, setCsrf } from './api.js';
import { h, fill, notice } from './dom.js';
import { ROLE } from './zh.js';
import { loginPage } from './pages/login.js';
import { queuePage } from './pages/queue.js';
import { casePage } from './pages/case.js';
import { workerPage } from './pages/worker.js';
import { reportPage, minePage } from './pages/resident.js';
import { statsPage } from './pages/stats.js';
import { pointsPage } from './pages/points.js';
import { visitsPage } from './pages/visits.js';
import { patrolsPage } from './pages/patrols.js';
import { appraisalPage } from './pages/appraisal.js';
import { mapPage } from './pages/mapview.js';
import { accountsPage } from './pages/accounts.js';
import { passwordPage } from './pages/password.js';
import { inboxPage } from './pages/inbox.js';
import { prewarm } from './map.js';

const app = document.getElementById('app');
let session = null;   // { login, actor, csrf_token, expires_at } or null
let leave = null;     // the current page's clean-up (closes its event stream, its map)

/** Each role's pages in the header; the first is its home. */
const NAV = {
  dispatcher: [['/console/dispatch', '案件队列'], ['/console/map', '地图'], ['/console/stats', '统计'], ['/console/appraisal', '考核']],
  admin: [['/console/dispatch', '案件队列'], ['/console/map', '地图'], ['/console/stats', '统计'], ['/console/appraisal', '考核'], ['/console/accounts', '账号管理']],
  supervisor: [['/console/stats', '统计与督办'], ['/console/appraisal', '月度考核'], ['/console/dispatch', '案件'], ['/console/map', '地图']],
  grid_worker: [['/console/worker', '我的案件'], ['/console/visits', '入户走访'], ['/console/patrols', '巡查打卡'], ['/console/map', '我的网格'], ['/console/points', '我的积分']],
  department_staff: [['/console/worker', '我的案件'], ['/console/map', '地图']],
  party_member: [['/console/worker', '我的案件'], ['/console/map', '地图'], ['/console/points', '我的积分']],
  resident: [['/console/report', '我要上报'], ['/console/mine', '我的上报'], ['/console/points', '我的积分']],
};

const ROUTES = [
  [/^\/console\/login$/, () => loginPage],
  [/^\/console\/dispatch$/, () => queuePage],
  [/^\/console\/cases\/([A-Za-z0-9_.:-]+)$/, () => casePage],
  [/^\/console\/worker$/, () => workerPage],
  [/^\/console\/report$/, () => reportPage],
  [/^\/console\/mine$/, () => minePage],
  [/^\/console\/stats$/, () => statsPage],
  [/^\/console\/map$/, () => mapPage],
  [/^\/console\/points$/, () => pointsPage],
  [/^\/console\/visits$/, () => visitsPage],
  [/^\/console\/patrols$/, () => patrolsPage],
  [/^\/console\/appraisal$/, () => appraisalPage],
  [/^\/console\/accounts$/, () => accountsPage],
  [/^\/console\/password$/, () => passwordPage],
  [/^\/console\/inbox$/, () => inboxPage],
];

export function home() {
  if (!session) return '/console/login';
  return (NAV[session.actor.role] ?? NAV.resident)[0][0];
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
  render();
}

export function currentSession() { return session; }

export async function refreshSession() {
  try {
    session = await api('GET', '/api/v1/session');
    setCsrf(session.csrf_token);
  } catch (e) {
    if (e.status !== 401) throw e;
    session = null;
    setCsrf('');
  }
  return session;
}

function header() {
  const links = session ? (NAV[session.actor.role] ?? []) : [];
  return h('header', { class: 'top' },
    h('a', { class: 'brand', href: home(), 'data-link': '' }, '网格化服务管理'),
    h('nav', { 'aria-label': '主导航' }, links.map(([href, text]) =>
      h('a', { href, 'data-link': '', 'aria-current': location.pathname === href ? 'page' : null }, text))),
    session && h('div', { class: 'who' },
      h('a', { href: '/console/inbox', 'data-link': '', class: 'inbox-link', 'aria-current': location.pathname === '/console/inbox' ? 'page' : null },
        '消息', h('span', { class: 'unread-count', hidden: true })),
      h('span', {}, session.actor.role === 'resident' ? '居民' : `${session.actor.name || session.login || ''}（${ROLE[session.actor.role] ?? session.actor.role}）`),
      session.login && session.actor.role !== 'resident' && h('a', { href: '/console/password', 'data-link': '' }, '修改密码'),
      h('button', { type: 'button', class: 'link', onclick: signOut }, '退出')));
}

let unreadAsked = 0;  // only the latest question's answer is shown (answers may cross)

/** Shows @p count unread messages beside 消息 in the header; null: asks the server. */
export async function showUnread(count) {
  const asked = ++unreadAsked;
  if (count == null) {
    try { count = (await api('GET', '/api/v1/inbox?limit=1')).unread; } catch { return; }
  }
  const badge = document.querySelector('header.top .unread-count');
  if (!badge || !session || asked !== unreadAsked) return;
  badge.hidden = !count;
  fill(badge, count > 99 ? '99+' : String(count || ''), h('span', { class: 'sr-only' }, ' 条未读'));
}

async function signOut() {
  try { await api('DELETE', '/api/v1/session'); } catch { /* signed out either way */ }
  session = null;
  setCsrf('');
  navigate('/console/login');
}

async function render() {
  if (leave) { leave(); leave = null; }
  const path = location.pathname.replace(/\/+$/, '') || '/console';
  if (path === '/console') return navigate(home(), { replace: true });
  const route = ROUTES.find(([re]) => re.test(path));
  const main = h('main', { id: 'main' });
  fill(app, header(), main);
  if (session && path !== '/console/inbox') showUnread(null);
  if (!route) { fill(main, h('h1', {}, '页面不存在'), h('p', {}, h('a', { href: home(), 'data-link': '' }, '返回首页'))); return; }
  const page = route[1]();
  if (page !== loginPage && !session) {
    return navigate(`/console/login?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`, { replace: true });
  }
  const params = path.match(route[0]).slice(1);
  try {
    leave = (await page(main, { session, params, query: new URLSearchParams(location.search) })) || null;
  } catch (e) {
    fill(main, notice('error', e.message || '页面加载失败，请刷新重试。'));
  }
}

document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[data-link]');
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  ev.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', render);
// A 401 on any call: the session is gone; the page stays (with what was typed) and says so.
window.addEventListener('wangge:signed-out', () => {
  if (!session) return;
  session = null;
  setCsrf('');
  const bar = h('div', { class: 'notice error session-lost', role: 'alert' },
    '登录已过期，请重新登录。您填写的内容已保留。 ',
    h('a', { href: `/console/login?next=${encodeURIComponent(location.pathname)}`, 'data-link': '' }, '重新登录'));
  app.prepend(bar);
});

// New messages show in the header within a minute while the console is open.
setInterval(() => { if (session && document.visibilityState === 'visible') showUnread(null); }, 60_000);

prewarm();
refreshSession().then(render, () => {
  fill(app, notice('error', '无法连接服务器，请检查网络后刷新页面。'));
});
