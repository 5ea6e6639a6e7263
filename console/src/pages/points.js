// 我的积分 (the points bank, 积分银行): my balance and what expires soon, what the partner
// organisations (共建单位) offer for points, and every entry that moved my points. A redemption
// is refused by the server when the points are not there; the page only shows what it said.
import { api, idempotencyKey } from '../api.js';
import { h, fill, notice } from '../dom.js';
import { POINTS_KIND, when } from '../zh.js';

export async function pointsPage(main) {
  const status = h('div', { class: 'status', 'aria-live': 'polite' });
  const summary = h('section', { class: 'points-summary', 'aria-labelledby': 'points-balance-title' });
  const catalogue = h('ul', { class: 'cards catalogue', 'aria-label': '兑换目录' });
  const entries = h('ul', { class: 'cards ledger', 'aria-label': '积分明细' });
  fill(main, h('h1', {}, '我的积分'), status, summary,
    h('h2', {}, '兑换目录'), catalogue, h('h2', {}, '积分明细'), entries);
  const [account, policy] = await Promise.all([
    api('GET', '/api/v1/points/accounts/me'), api('GET', '/api/v1/points/policy')]);
  fill(summary,
    h('h2', { id: 'points-balance-title', class: 'sr-only' }, '积分余额'),
    h('p', { class: 'balance' }, h('span', {}, '当前积分'), h('strong', { 'data-balance': account.balance }, String(account.balance))),
    h('p', { class: 'meta' }, `累计获得 ${account.earned} · 已兑换 ${account.redeemed} · 已过期 ${account.expired}`),
    account.expiring > 0 && notice('warn', `有 ${account.expiring} 分将于 ${when(account.expiring_by)} 前到期，请尽快使用。`),
    h('p', { class: 'meta' }, `积分自获得起 ${policy.validity_months} 个月内有效。获得方式：`,
      policy.rules.map((r) => `${r.name} ${r.points} 分`).join('；'), '。'));
  fill(catalogue, policy.catalogue.length ? policy.catalogue.map((item) => {
    const short = account.balance < item.points;
    return h('li', { class: 'case-card' },
      h('strong', {}, item.name),
      h('span', { class: 'meta' }, `${item.provider} · ${item.points} 分`),
      h('button', {
        type: 'button', disabled: short, 'data-item': item.id,
        onclick: (ev) => redeem(main, status, item, ev.currentTarget),
      }, short ? '积分不足' : '兑换'));
  }) : h('li', { class: 'empty' }, '暂无可兑换的项目。'));
  fill(entries, account.recent.length ? account.recent.map((e) => {
    const sign = e.kind === 'redeem' || e.kind === 'expire' ? -1 : 1;
    const caseId = /^report:([A-Za-z0-9_]+):verified$/.exec(e.source)?.[1];
    return h('li', { class: 'case-card entry', 'data-entry': e.id },
      h('span', { class: `kind k-${e.kind}` }, POINTS_KIND[e.kind] ?? e.kind),
      h('strong', { class: sign > 0 && e.kind !== 'reverse' ? 'plus' : 'minus' },
        e.kind === 'reverse' ? `冲正 ${e.points}` : `${sign > 0 ? '+' : '−'}${e.points}`),
      h('span', { class: 'text' }, e.reason || e.rule || ''),
      caseId && h('a', { href: `/console/cases/${caseId}`, 'data-link': '' }, '查看案件 →'),
      h('span', { class: 'meta' }, when(e.at)));
  }) : h('li', { class: 'empty' }, '还没有积分记录。上报问题经核实、参加志愿服务都能获得积分。'));
}

async function redeem(main, status, item, button) {
  button.disabled = true;
  try {
    await api('POST', '/api/v1/points/redemptions', { item: item.id }, { 'Idempotency-Key': idempotencyKey() });
    await pointsPage(main);
    main.querySelector('.status').replaceChildren(
      notice('ok', `已兑换：${item.name}。请到${item.provider}出示本页面。`));
  } catch (e) {
    fill(status, notice('error', e.status === 409 ? '积分不足，未兑换。' : e.message));
    button.disabled = false;
  }
}
