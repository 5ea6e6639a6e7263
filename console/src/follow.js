// 关注区域 (following an area): a person hears of the public cases registered and closed in a
// grid he follows, and below it (at most 20 areas). A button beside each grid of the 三亮 box,
// and the list of what he follows on 我的上报.
import { api } from './api.js';
import { h, fill, notice } from './dom.js';
import { when } from './zh.js';

/** The grids the caller follows: Map of grid id → since. */
export async function followed() {
  const { subscriptions } = await api('GET', '/api/v1/subscriptions');
  return new Map(subscriptions.map((s) => [s.grid, s.since]));
}

/** Why following failed, in words. */
function refused(e) {
  if (e.status === 409) return '最多关注 20 个区域，请先在“我的上报”中取消关注一个。';
  if (e.status === 404) return '该网格已不存在，请刷新页面。';
  return e.message;
}

/** A toggle that follows or stops following @p grid (named @p name); @p follows is shared by
 *  the buttons of one page. Failures go to @p status. */
export function followButton(grid, name, follows, status) {
  const button = h('button', { type: 'button', class: 'follow' });
  const show = () => {
    const on = follows.has(grid);
    button.textContent = on ? '已关注' : '关注';
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
    button.setAttribute('aria-label', `${button.textContent}：${name}`);  // the visible words first
  };
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const path = `/api/v1/subscriptions/${encodeURIComponent(grid)}`;
      if (follows.has(grid)) {
        await api('DELETE', path);
        follows.delete(grid);
        fill(status, notice('ok', `已取消关注${name}。`));
      } else {
        await api('PUT', path);
        follows.set(grid, new Date().toISOString());
        fill(status, notice('ok', `已关注${name}：此区域的公开案件立案、办结时会通知您。`));
      }
      show();
    } catch (e) {
      fill(status, notice('error', refused(e)));
    } finally {
      button.disabled = false;
    }
  });
  show();
  return button;
}

/** The section of 我的上报 listing the areas followed, each with 取消关注. */
export async function followedSection() {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'cards follows', 'aria-labelledby': 'follows-title' });
  const section = h('section', { class: 'follows-section' }, h('h2', { id: 'follows-title' }, '我关注的区域'), status, list);
  const follows = await followed();
  if (follows.size === 0) {
    fill(list, h('li', { class: 'empty' }, '您还没有关注区域。在“我要上报”选定位置后，可关注该位置所在的网格：其公开案件立案、办结时会通知您。'));
    return section;
  }
  const grids = await Promise.all([...follows.keys()].map((id) =>
    api('GET', `/api/v1/grids/${encodeURIComponent(id)}`).then((f) => f.properties, () => ({ id, name: id }))));
  fill(list, grids.map((g) => {
    const name = g.name ?? g.id;  // names say their level (湘江一组第5邻)
    return h('li', { class: 'case-card follow-item', 'data-grid': g.id },
      h('strong', {}, name),
      h('span', { class: 'meta' }, `${when(follows.get(g.id))} 起关注`),
      followButton(g.id, name, follows, status));
  }));
  return section;
}
