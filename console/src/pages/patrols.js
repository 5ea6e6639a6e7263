// 巡查打卡 (patrol check-ins), phone-sized, for a 网格员: the routes of my grids with today's
// tally (each point: how many check-ins are due, made, missed), and a check-in at a point with
// the phone's position and its accuracy. The server decides whether the position is near
// enough; the page shows its answer (how far, how near it must be).
import { api } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { when } from '../zh.js';

export async function patrolsPage(main) {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const list = h('div', { class: 'routes' });
  fill(main, h('h1', {}, '巡查打卡'), status, list);
  const { routes, total } = await api('GET', '/api/v1/patrols');
  status.replaceChildren(notice(total.outstanding ? 'warn' : 'ok',
    routes.length === 0 ? '您的网格暂无巡查线路。'
      : total.outstanding ? `今天还需打卡 ${total.outstanding} 次（已完成 ${total.done}/${total.required}）。`
        : `今天的巡查已全部完成（${total.done}/${total.required}）。`));
  fill(list, routes.map((r) => routeCard(r)));
}

function routeCard(r) {
  const schedule = `每天 ${r.times_per_day} 次${r.work_days_only ? '（工作日）' : ''}` +
    (r.times_per_day > 1 && r.min_gap_minutes ? `，间隔不少于 ${r.min_gap_minutes / 60} 小时` : '');
  return h('section', { class: 'card route', 'data-route': r.id, 'aria-label': r.name },
    h('h2', {}, r.name),
    h('p', { class: 'meta' }, [r.kind, schedule, `今天 ${r.done}/${r.required}`].filter(Boolean).join(' · ')),
    h('ul', { class: 'cards points', 'aria-label': `${r.name} 打卡点` }, r.points.map((p) => pointCard(r, p))));
}

function pointCard(r, p) {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const count = h('span', { class: 'meta' }, progress(p));
  const button = h('button', { type: 'button', class: p.outstanding ? 'primary' : '' }, '在此打卡');
  button.addEventListener('click', async () => {
    button.disabled = true;
    fill(status, notice('info', '正在定位……'));
    let pos = null;
    try {
      pos = await position();
      const c = await api('POST', `/api/v1/patrols/${encodeURIComponent(r.id)}/checkins`, {
        point: p.id, lon: pos.coords.longitude, lat: pos.coords.latitude,
        accuracy_m: Math.round(pos.coords.accuracy * 10) / 10,
      });
      const fresh = await api('GET', `/api/v1/patrols/${encodeURIComponent(r.id)}`);
      const now = fresh.points.find((x) => x.id === p.id) ?? p;
      count.textContent = progress(now);
      fill(status, notice('ok', `已打卡（距打卡点 ${Math.round(c.distance_m)} 米）。`));
    } catch (e) {
      fill(status, notice('error', refused(e, p, pos)));
    } finally {
      button.disabled = false;
    }
  });
  return h('li', { class: 'case-card point', 'data-point': p.id },
    h('strong', {}, p.name), count, status, button);
}

/** Why a check-in was refused, in words: how far the phone was and how near it must be. */
function refused(e, p, pos) {
  const detail = e.problem?.detail ?? '';
  if (pos && e.status === 400 && detail.includes('must be within')) {
    const d = Math.round(metres(pos.coords.longitude, pos.coords.latitude, p.lon, p.lat));
    return `距打卡点约 ${d} 米，需在 ${p.radius_m} 米内（另加定位误差 ${Math.round(pos.coords.accuracy)} 米）。请走到打卡点再打卡。`;
  }
  if (pos && e.status === 400 && detail.includes('worse than')) {
    return `定位误差 ${Math.round(pos.coords.accuracy)} 米，太大无法打卡，请到开阔处稍候再试。`;
  }
  return e.message;
}

/** Great-circle distance in metres (for the message only: the server decides). */
function metres(lon1, lat1, lon2, lat2) {
  const k = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * k / 2) ** 2 +
    Math.cos(lat1 * k) * Math.cos(lat2 * k) * Math.sin((lon2 - lon1) * k / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}

function progress(p) {
  return [`今天 ${p.done}/${p.required}`, p.last_at ? `上次 ${when(p.last_at)}` : '今天尚未打卡']
    .join(' · ');
}

/** The phone's position, or a reason in words a worker reads. */
function position() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) { reject(new Error('此浏览器无法定位，请换用手机浏览器。')); return; }
    navigator.geolocation.getCurrentPosition(resolve, (err) => reject(new Error(
      err.code === 1 ? '未允许定位：请在浏览器设置中允许本网站使用位置信息。' : '暂时无法定位，请到开阔处再试。')),
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  });
}
