// The web console in Debian's Chromium against a real `wangge serve` (tests/e2e/console_test.py
// starts it on a fresh store with the sample's history and makes the accounts):
// - the whole loop across five roles, each in its own browser: a resident reports with a photo
//   on a phone-sized page → the dispatcher sees it arrive without reloading, registers and
//   dispatches it → the 邻长 accepts and handles it with a photo at 375 px → the dispatcher
//   closes it → the resident rates 不满意 and it reopens → handled and closed again → rated 满意
//   → the supervisor's 满意率 for the block moves by what the reports themselves say;
// - every button shown is allowed: each is clicked on a case of its own, none answers 403/409;
// - scope: a 邻长 of another block cannot open the case by its URL;
// - XSS text is shown as text; a write without the CSRF token and a cross-site form post are
//   refused; an ended session keeps what was typed; sign-out;
// - the map draws: its tile requests succeed, a grid click names the right leader, the canvas
//   is not blank;
// - 账号管理: the admin opens an account for a member of staff, its owner signs in with the
//   password shown once and changes it; a reset, a disable and an enable each end or restore
//   the owner's sign-in as they say;
// - 消息: a new case's message reaches the 邻长's inbox and the header's count; opening the case
//   from it reads it; 全部标为已读 and 只看未读 do what they say, as the API agrees;
// - 关注区域: a resident follows his 邻 from the 三亮 box and stops on 我的上报, as the API says;
// - axe-core finds nothing serious or critical on any page, at desktop width and at 375 px,
//   and each page is kept as a screenshot.
import { test, expect } from '@playwright/test';
import {
  env, open, signInStaff, signInResident, clickMapAt, mapReady, mapColours, apiAs, accessible,
  shot, PHONE, DESKTOP, POINT, BLOCK,
} from './helpers.mjs';

test.describe.configure({ mode: 'serial' });

const XSS = '楼道堆放杂物<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
let caseId = null;

/** 满意率 of the block from the reports themselves (as the supervisor's key lists them). */
async function satisfaction(request) {
  let evaluated = 0, satisfied = 0;
  let next = `/api/v1/reports?grid=${BLOCK}&limit=200`;
  while (next) {
    const page = await apiAs(request, 'supervisor', next.replace(env.base, ''));
    for (const r of page.reports) {
      if (r.rating == null) continue;
      evaluated++;
      if (r.rating >= 4) satisfied++;
    }
    next = page.next;
  }
  return { evaluated, satisfied };
}

const stateOf = (page) => page.locator('#case-title .state');

/** Clicks the action button @p action on a case page and, when it opens a form, fills and sends
 *  it; waits for the server's answer, which must be 200, and the page's confirmation. */
async function act(page, action, fill = async () => {}) {
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && /\/actions$/.test(new URL(r.url()).pathname));
  await page.locator(`.actions button[data-action="${action}"]`).click();
  const form = page.locator('.action-form form');
  if (await form.count()) {
    await fill(form);
    await form.locator('button[type=submit]').click();
  }
  expect((await answer).status(), `${action}: the server's answer`).toBe(200);
  await expect(page.locator('.status .notice.ok')).toContainText('成功');
}

async function openCase(page, id) {
  await page.goto(`/console/cases/${id}`);
  await expect(page.locator('#case-title')).toBeVisible();
}

test('the whole loop across five roles, in five browsers', async ({ browser, request }) => {
  const before = await satisfaction(request);

  const dispatcher = await open(browser, DESKTOP);
  await signInStaff(dispatcher, 'dispatcher');
  await expect(dispatcher).toHaveURL(/\/console\/dispatch$/);
  await expect(dispatcher.locator('ul.queue')).toBeVisible();

  // The resident reports on a phone: pin on the map, category, words (with markup), a photo.
  const resident = await open(browser, PHONE);
  await signInResident(resident, '13900139000');
  await expect(resident).toHaveURL(/\/console\/report$/);
  await resident.getByLabel('问题类别').selectOption('0101');
  await resident.getByLabel('问题描述').fill(XSS);
  await clickMapAt(resident, POINT);
  await expect(resident.locator('.sanliang'), '三亮: the grid leaders of the pinned place').toContainText('许秀英');
  await resident.locator('input[type=file]').setInputFiles(env.photo);
  await resident.locator('.sanliang').scrollIntoViewIfNeeded();
  await shot(resident, 'report-phone-filled');
  await resident.getByRole('button', { name: '提交上报' }).click();
  const done = resident.locator('.notice.ok');
  await expect(done).toContainText('上报成功');
  caseId = (await done.textContent()).match(/编号 ([A-Za-z0-9_]+)/)[1];

  // It reaches the dispatcher's queue without a reload.
  const row = dispatcher.locator(`ul.queue li[data-id="${caseId}"]`);
  await expect(row, 'the new case appears in the open queue by itself').toBeVisible({ timeout: 10_000 });

  // The map beside the queue: tiles answered, pixels drawn, a grid click names its leader.
  expect(await mapColours(dispatcher), 'the map canvas is not blank').toBeGreaterThan(20);
  expect(dispatcher.tileAnswers.length).toBeGreaterThan(0);
  expect(dispatcher.tileAnswers.filter(([s]) => ![200, 204, 304].includes(s))).toEqual([]);
  expect(dispatcher.tileAnswers.some(([s, p]) => s === 200 && p.startsWith('/tiles/basemap/')),
    'the offline basemap (streets from the OSM file) is drawn').toBe(true);
  await clickMapAt(dispatcher, POINT);
  await expect(dispatcher.locator('.maplibregl-popup .grid-card')).toContainText('许秀英');
  await shot(dispatcher, 'dispatch-desktop');

  // The case page: the text as text, the photo, then 受理 and 派遣 to the suggested party.
  await row.locator('a.case-link').click();
  await expect(dispatcher).toHaveURL(new RegExp(`/console/cases/${caseId}$`));
  await expect(dispatcher.locator('.report-text')).toHaveText(XSS);
  await expect(dispatcher.locator('.report-text img, .report-text script')).toHaveCount(0);
  expect(await dispatcher.evaluate(() => window.__xss)).toBeUndefined();
  await expect(dispatcher.locator('.details .photos img')).toHaveCount(1);
  await act(dispatcher, 'register');
  await expect(stateOf(dispatcher)).toHaveText('已立案');
  await expect(dispatcher.locator('.actions button[data-action="dispatch"]')).toContainText('许秀英');
  await act(dispatcher, 'dispatch');
  await expect(stateOf(dispatcher)).toHaveText('已派遣');
  await shot(dispatcher, 'case-desktop');

  // 受理 verified the report: its reporter earned points (积分银行), shown on her phone with the
  // case it came from; what she cannot afford yet is marked so and cannot be pressed.
  await resident.goto('/console/points');
  await expect(resident.locator('[data-balance]')).toHaveText('5');
  const earned = resident.locator('.ledger .entry').first();
  await expect(earned).toContainText('上报问题经核实');
  await expect(earned).toContainText('+5');
  await expect(earned.locator(`a[href="/console/cases/${caseId}"]`)).toBeVisible();
  const haircut = resident.locator('.catalogue button[data-item="haircut"]');
  await expect(haircut).toHaveText('积分不足');
  await expect(haircut).toBeDisabled();
  await accessible(resident, 'points-phone');
  await shot(resident, 'points-phone');

  // Another block's 邻长 cannot open it by its URL.
  const stranger = await open(browser, PHONE);
  await signInStaff(stranger, 'other_worker');
  await stranger.goto(`/console/cases/${caseId}`);
  await expect(stranger.locator('.notice.error')).toContainText('没有找到该内容');
  await expect(stranger.locator('#case-title')).toHaveCount(0);

  // The 邻长 on a phone: my cases → accept → handle with a photo.
  const worker = await open(browser, PHONE);
  await signInStaff(worker, 'worker');
  await expect(worker).toHaveURL(/\/console\/worker$/);
  await worker.locator(`a[href="/console/cases/${caseId}"]`).click();
  const handleOnce = async () => {
    await expect(worker.locator('#case-title')).toBeVisible();
    if (await worker.locator('.actions button[data-action="accept"]').count()) {
      await act(worker, 'accept');
      await expect(stateOf(worker)).toHaveText('处置中');
    }
    await act(worker, 'handle', async (form) => {
      await form.locator('input[type=file]').setInputFiles(env.photo);
      await form.getByLabel(/答复居民/).fill('杂物已清理，楼道已恢复通行。');
    });
    await expect(stateOf(worker)).toHaveText('已处置');
  };
  await handleOnce();
  await shot(worker, 'case-phone-worker');
  await openCase(dispatcher, caseId);
  await act(dispatcher, 'close');
  await expect(stateOf(dispatcher)).toHaveText('已结案');

  // The resident: my reports → 不满意 → it reopens as rework.
  await resident.goto('/console/mine');
  await resident.locator(`a[href="/console/cases/${caseId}"]`).click();
  await expect(resident.locator('.plain')).toContainText('请您评价');
  await act(resident, 'evaluate', async (form) => {
    await form.getByLabel('不满意', { exact: true }).check();
    await form.getByLabel(/评价（可选）/).fill('还有一袋没清走');
  });
  await expect(stateOf(resident)).not.toHaveText(/已结案|已评价/);
  await expect(resident.locator('ol.timeline')).toContainText('不满意，退回重新处理');

  // Handled and closed again; the resident is satisfied.
  await openCase(worker, caseId);
  await handleOnce();
  await openCase(dispatcher, caseId);
  await act(dispatcher, 'close');
  await expect(stateOf(dispatcher)).toHaveText('已结案');
  // This time from the message's rating link (…#evaluate), which opens the form by itself.
  await resident.goto(`/console/cases/${caseId}#evaluate`);
  const rating = resident.locator('.action-form form');
  await expect(rating).toBeVisible();
  const rated = resident.waitForResponse((r) => r.request().method() === 'POST' && /\/actions$/.test(r.url()));
  await rating.getByLabel('非常满意', { exact: true }).check();
  await rating.locator('button[type=submit]').click();
  expect((await rated).status()).toBe(200);
  await expect(stateOf(resident)).toHaveText('已评价');
  await shot(resident, 'case-phone-resident');

  // The supervisor's 满意率 for the block: one more evaluated, one more satisfied.
  const after = await satisfaction(request);
  expect(after.evaluated, 'the case counts once, with its last rating').toBe(before.evaluated + 1);
  expect(after.satisfied).toBe(before.satisfied + 1);
  const supervisor = await open(browser, DESKTOP);
  await signInStaff(supervisor, 'supervisor');
  await supervisor.goto('/console/stats');
  const blockRow = supervisor.locator('tbody tr', { hasText: '湘江片区' });
  await expect(blockRow.locator('td[data-rate="satisfaction_rate"]'))
    .toHaveText(`${((after.satisfied / after.evaluated) * 100).toFixed(1)}%`);
  await shot(supervisor, 'stats-desktop');

  for (const page of [dispatcher, resident, worker, supervisor, stranger]) {
    expect(page.actionAnswers.filter(([s]) => s === 403 || s === 409), 'no action answered 403/409').toEqual([]);
    expect(page.problems).toEqual([]);
    await page.context().close();
  }
});

/** Fills whatever an action's form asks for. */
async function fillForm(form) {
  for (const t of await form.locator('textarea[required]').all()) await t.fill('测试填写');
  for (const s of await form.locator('select[required]').all()) {
    await expect(s.locator('option')).not.toHaveCount(1);
    const value = await s.locator('option').nth(1).getAttribute('value');
    await s.selectOption(value);
  }
  const radio = form.locator('input[type=radio]');
  if (await radio.count()) await radio.first().check();
  for (const n of await form.locator('input[type=number][required]').all()) await n.fill('8');
  for (const f of await form.locator('input[type=file][required]').all()) await f.setInputFiles(env.photo);
}

/** A fresh case at the sample point, brought by the API to @p steps. */
async function freshCase(request, steps = []) {
  const r = await request.post('/api/v1/reports', {
    headers: { Authorization: `Bearer ${env.keys.resident}` },
    data: { location: { lon: POINT[0], lat: POINT[1] }, category: '0101', text: '按钮测试' },
  });
  expect(r.status()).toBe(201);
  const id = (await r.json()).id;
  for (const [who, action] of steps) {
    const a = await request.post(`/api/v1/reports/${id}/actions`, { headers: { Authorization: `Bearer ${env.keys[who]}` }, data: { action } });
    expect(a.status(), `${action} as ${who}`).toBe(200);
  }
  return id;
}

test('入户走访: the 邻长 sees his households and records a visit on his phone', async ({ browser }) => {
  const worker = await open(browser, PHONE);
  await signInStaff(worker, 'worker');
  await worker.locator('header nav a', { hasText: '入户走访' }).click();
  await expect(worker).toHaveURL(/\/console\/visits$/);
  const cards = worker.locator('li.household');
  await expect(cards.first()).toBeVisible();
  // His households are his unit's only (the sample's ids start with their unit's code).
  const ids = await cards.evaluateAll((els) => els.map((e) => e.dataset.household));
  expect(ids.length).toBeGreaterThan(0);
  expect(ids.every((id) => id.startsWith('43030200901300105-'))).toBe(true);
  const card = cards.first();
  await card.locator('summary', { hasText: '记录走访' }).click();
  await card.getByLabel('发现问题', { exact: true }).check();
  await card.getByLabel('记录', { exact: true }).fill('楼道堆放杂物，老人出行不便');
  await card.locator('button[type=submit]').click();
  await expect(card.locator('.notice')).toContainText('已记录（发现问题）');
  await accessible(worker, 'visits-phone');
  await shot(worker, 'visits-phone');
  expect(worker.problems).toEqual([]);
  await worker.context().close();
});

test('网格地图 by 本月走访: each grid\'s households not visited this month, as the API lists them', async ({ browser, request }) => {
  const UNIT = '43030200901300105';
  const page = await open(browser, DESKTOP);
  await signInStaff(page, 'dispatcher');
  await page.goto('/console/map');
  await mapReady(page);
  await page.getByLabel('本月走访', { exact: true }).check();
  await expect(page.locator('ul.legend')).toContainText('本月未走访一半及以上');
  const colours = await page.evaluate(() => JSON.stringify(window.__wanggeMap.getPaintProperty('grid-fill', 'fill-color')));
  expect(colours).toContain('not_visited_month');
  await page.evaluate(([x, y]) => window.__wanggeMap.jumpTo({ center: [x, y], zoom: 16 }), POINT);
  await mapReady(page);
  const unit = await page.evaluate((id) => window.__wanggeMap.querySourceFeatures('wangge', { sourceLayer: 'grids' })
    .map((f) => f.properties).find((p) => p.id === id), UNIT);
  // Independently: the unit's households as the API lists them, and which have had a visit
  // that found someone since the month began in the calendar's zone (UTC+8).
  const local = new Date(Date.now() + 8 * 3600e3);
  const start = Date.parse(`${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}-01T00:00:00+08:00`);
  const { households } = await apiAs(request, 'dispatcher', `/api/v1/households?grid=${UNIT}&limit=1000`);
  const notVisited = households.filter((x) => !x.last_visit_at || Date.parse(x.last_visit_at) < start).length;
  expect(households.length).toBeGreaterThan(0);
  expect(notVisited, 'the 入户走访 step visited one of them').toBeLessThan(households.length);
  expect(unit).toMatchObject({ households_listed: households.length, not_visited_month: notVisited });
  await shot(page, 'map-visits');
  expect(page.problems).toEqual([]);
  await page.context().close();
});

test('巡查打卡: the 网格员 checks in at a point with his phone\'s position; too far is refused in words', async ({ browser, request }) => {
  const { routes } = await apiAs(request, 'group_worker', '/api/v1/patrols');
  expect(routes.length).toBe(1);
  const [first, second] = routes[0].points;
  const worker = await open(browser, PHONE, {
    geolocation: { longitude: first.lon, latitude: first.lat + 0.00005, accuracy: 8 },  // ≈ 6 m north
    permissions: ['geolocation'],
  });
  await signInStaff(worker, 'group_worker');
  await worker.locator('header nav a', { hasText: '巡查打卡' }).click();
  await expect(worker).toHaveURL(/\/console\/patrols$/);
  const card = worker.locator(`li.point[data-point="${first.id}"]`);
  await expect(card).toContainText(`今天 0/${first.required}`);
  await card.getByRole('button', { name: '在此打卡' }).click();
  await expect(card.locator('.notice.ok')).toContainText('已打卡（距打卡点 6 米）');
  // A route walked on working days only requires nothing on a day off: then nothing counts.
  await expect(card).toContainText(`今天 ${first.required > 0 ? 1 : 0}/${first.required}`);
  // At the first point still, the second is ~hundreds of metres away: refused, in Chinese.
  const other = worker.locator(`li.point[data-point="${second.id}"]`);
  await other.getByRole('button', { name: '在此打卡' }).click();
  await expect(other.locator('.notice.error')).toContainText(`米内（另加定位误差 8 米）`);
  await expect(other).toContainText(`今天 0/${second.required}`);
  const { checkins } = await apiAs(request, 'group_worker', `/api/v1/patrols/${routes[0].id}/checkins`);
  expect(checkins.map((c) => c.point)).toEqual([first.id]);
  await accessible(worker, 'patrols-phone');
  await shot(worker, 'patrols-phone');
  expect(worker.problems).toEqual([]);
  await worker.context().close();
});

test('月度考核: the supervisor reads the 红黑榜 with its formula and picks a month', async ({ browser, request }) => {
  const page = await open(browser, DESKTOP);
  await signInStaff(page, 'supervisor');
  await page.locator('header nav a', { hasText: '月度考核' }).click();
  await expect(page).toHaveURL(/\/console\/appraisal$/);
  await page.getByLabel('考核月份').fill('2026-11');
  await page.getByRole('button', { name: '查看' }).click();
  await expect(page).toHaveURL(/month=2026-11/);
  await expect(page.locator('main h1')).toHaveText('月度考核 2026-11');
  await expect(page.locator('.formula')).toContainText('得分 = 100 × (0.4×按期结案率');
  // The board as the API has it: its rows in its order, the red list marked.
  const api = await apiAs(request, 'supervisor', '/api/v1/appraisal?month=2026-11');
  const names = await page.locator('section[aria-labelledby=board-title] tbody th').allTextContents();
  expect(names).toEqual(api.board.map((b) => b.name));
  await expect(page.locator('tr.mark-red')).toHaveCount(api.board.filter((b) => b.mark === 'red').length);
  const blocks = await page.locator('section[aria-labelledby=blocks-title] tbody tr').count();
  expect(blocks).toBe(api.blocks.length);
  expect(await page.locator('a', { hasText: '导出 Excel' }).getAttribute('href')).toBe('/api/v1/appraisal?month=2026-11&format=xlsx');
  await shot(page, 'appraisal-desktop');
  expect(page.problems).toEqual([]);
  await page.context().close();
});

test('every button shown is allowed: each clicked on a case of its own', async ({ browser, request }) => {
  const cases = [
    ['dispatcher', DESKTOP, []],
    ['dispatcher', DESKTOP, [['dispatcher', 'register']]],
    ['worker', PHONE, [['dispatcher', 'register'], ['dispatcher', 'dispatch']]],
    ['worker', PHONE, [['dispatcher', 'register'], ['dispatcher', 'dispatch'], ['worker', 'accept']]],
    ['supervisor', DESKTOP, [['dispatcher', 'register'], ['dispatcher', 'dispatch']]],
  ];
  let clicked = 0;
  for (const [who, viewport, steps] of cases) {
    const page = await open(browser, viewport);
    await signInStaff(page, who);
    await openCase(page, await freshCase(request, steps));
    const actions = await page.locator('.actions button[data-action]').evaluateAll((bs) => bs.map((b) => b.dataset.action));
    expect(actions.length, `${who} has something to do after ${steps.map((s) => s[1]).join(',') || 'intake'}`).toBeGreaterThan(0);
    for (const action of actions) {
      await openCase(page, await freshCase(request, steps));
      await act(page, action, fillForm);
      clicked++;
    }
    expect(page.actionAnswers.length).toBe(actions.length);
    expect(page.actionAnswers.filter(([s]) => s !== 200)).toEqual([]);
    await page.context().close();
  }
  expect(clicked).toBeGreaterThan(8);
});

test('CSRF: a write without the token and a cross-site form post are refused', async ({ browser, request }) => {
  const id = await freshCase(request);
  const page = await open(browser, DESKTOP);
  await signInStaff(page, 'dispatcher');
  const status = await page.evaluate(async (path) => (await fetch(path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'register' }),
  })).status, `/api/v1/reports/${id}/actions`);
  expect(status, 'the session cookie without X-CSRF-Token').toBe(403);
  // A page on another site posts a form at the case with the dispatcher's browser.
  await page.context().route('http://evil.example/**', (route) => route.fulfill({
    contentType: 'text/html',
    body: `<form id=f method=POST enctype="text/plain" action="${env.base}/api/v1/reports/${id}/actions">` +
      `<input name='{"action":"register","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
  }));
  const answer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/reports/${id}/actions`));
  await page.goto('http://evil.example/');
  expect([401, 403, 415]).toContain((await answer).status());
  const r = await apiAs(request, 'dispatcher', `/api/v1/reports/${id}`);
  expect(r.state, 'the case did not move').toBe('received');
  await page.context().close();
});

test('an ended session keeps what was typed; sign-out', async ({ browser, request }) => {
  const id = await freshCase(request);
  const page = await open(browser, DESKTOP);
  await signInStaff(page, 'dispatcher');
  await openCase(page, id);
  await page.locator('.actions button[data-action="cancel"]').click();
  const reason = page.locator('.action-form textarea[name=reason]');
  await reason.fill('重复上报，与上一件合并');
  // The session ends elsewhere (another tab signs out).
  const token = await page.evaluate(async () => (await (await fetch('/api/v1/session')).json()).csrf_token);
  expect((await page.request.delete('/api/v1/session', { headers: { 'X-CSRF-Token': token } })).status()).toBe(204);
  await page.locator('.action-form button[type=submit]').click();
  await expect(page.locator('.notice.error').first()).toContainText('登录已过期');
  await expect(reason).toHaveValue('重复上报，与上一件合并');
  await page.locator('.session-lost a').click();
  await expect(page).toHaveURL(/\/console\/login\?next=/);
  await page.getByLabel('登录名').fill(env.accounts.dispatcher.login);
  await page.getByLabel('密码').fill(env.accounts.dispatcher.password);
  await page.locator('form[aria-labelledby=staff-title] button[type=submit]').click();
  await expect(page).toHaveURL(new RegExp(`/console/cases/${id}$`));
  await page.locator('.actions button[data-action="cancel"]').click();
  await expect(page.locator('.action-form textarea[name=reason]'), 'the draft is back').toHaveValue('重复上报，与上一件合并');
  // Sign out: the pages ask to sign in again.
  await page.getByRole('button', { name: '退出' }).click();
  await expect(page).toHaveURL(/\/console\/login$/);
  await page.goto('/console/dispatch');
  await expect(page).toHaveURL(/\/console\/login\?next=%2Fconsole%2Fdispatch/);
  await page.context().close();
});

/** Signs in @p login with @p password on the login page; answers the server's status. */
async function signInAs(page, login, password) {
  await page.goto('/console/login');
  await page.getByLabel('登录名').fill(login);
  await page.getByLabel('密码').fill(password);
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/session');
  await page.locator('form[aria-labelledby=staff-title] button[type=submit]').click();
  return (await answer).status();
}

test('账号管理: the admin opens an account, its owner changes the password; reset, disable, enable', async ({ browser, request }) => {
  const admin = await open(browser, DESKTOP);
  await signInStaff(admin, 'admin');
  await admin.getByRole('link', { name: '账号管理' }).click();
  await expect(admin.locator('main h1')).toHaveText('账号管理');
  const rowOf = (login) => admin.locator(`tr[data-login="${login}"]`);
  await expect(rowOf(env.accounts.dispatcher.login).locator('td.state')).toHaveText('正常');
  // His own row offers neither 停用 nor 重置密码 (a reset would end this session), only 修改密码.
  await expect(rowOf(env.accounts.admin.login).getByRole('link', { name: '当前登录：修改密码' })).toHaveCount(1);
  await expect(rowOf(env.accounts.admin.login).getByRole('button')).toHaveCount(0);
  await expect(rowOf(env.accounts.dispatcher.login).getByRole('button')).toHaveText(['重置密码', '停用']);
  // The roster offers only staff without an account: d01 has one, d02 (吴派遣) has none.
  const pick = admin.locator('.account-new select[name=staff_id]');
  await expect(pick.locator('option[value="d02"]')).toHaveCount(1);
  await expect(pick.locator('option[value="d01"]')).toHaveCount(0);
  await pick.selectOption('d02');
  await expect(admin.locator('.account-new input[name=login]'), 'the login is suggested from the staff id').toHaveValue('d02');
  await admin.locator('.account-new input[name=login]').fill('wu.paiqian');
  await admin.getByRole('button', { name: '开通账号' }).click();
  const given = admin.locator('.status output.password');
  await expect(given).toHaveText(/^\S{16}$/);
  const first = await given.textContent();
  await expect(rowOf('wu.paiqian')).toContainText('吴派遣');
  await expect(pick.locator('option[value="d02"]'), 'd02 has an account now').toHaveCount(0);

  // Its owner signs in with the given password and changes it.
  const owner = await open(browser, PHONE);
  expect(await signInAs(owner, 'wu.paiqian', first)).toBe(201);
  await expect(owner.locator('header .who')).toContainText('吴派遣');
  await owner.getByRole('link', { name: '修改密码' }).click();
  await expect(owner.locator('main h1')).toHaveText('修改密码');
  await owner.getByLabel('当前密码').fill('not-the-password');
  await owner.getByLabel('新密码', { exact: true }).fill('吴派遣的新密码2026');
  await owner.getByLabel('再次输入新密码').fill('吴派遣的新密码2026');
  await owner.getByRole('button', { name: '修改密码' }).click();
  await expect(owner.locator('.status .notice.error')).toHaveText('当前密码不正确。');
  await expect(owner.locator('.session-lost'), 'a wrong current password is not an ended session').toHaveCount(0);
  await owner.getByLabel('当前密码').fill(first);
  await owner.getByLabel('再次输入新密码').fill('吴派遣的新密码2025');
  await owner.getByRole('button', { name: '修改密码' }).click();
  await expect(owner.locator('.status .notice.error')).toHaveText('两次输入的新密码不一致。');
  await owner.getByLabel('再次输入新密码').fill('吴派遣的新密码2026');
  await owner.getByRole('button', { name: '修改密码' }).click();
  await expect(owner.locator('.status .notice.ok')).toContainText('密码已修改');
  await accessible(owner, 'password-phone');
  await shot(owner, 'password-owner-phone');
  expect((await request.post('/api/v1/session', { data: { login: 'wu.paiqian', password: first } })).status(),
    'the given password no longer signs in').toBe(401);

  // The admin resets it: a new password, the owner's session ends, the changed one fails.
  await admin.getByLabel('查找').fill('wu.');
  await expect(admin.locator('tbody tr')).toHaveCount(1);
  await rowOf('wu.paiqian').getByRole('button', { name: '重置密码' }).click();
  await rowOf('wu.paiqian').getByRole('button', { name: '确认重置密码' }).click();
  await expect(admin.locator('.status')).toContainText('吴派遣（wu.paiqian）的密码已重置');
  await expect(given).toHaveText(/^\S{16}$/);
  const reset = await given.textContent();
  expect(reset).not.toBe(first);
  await owner.goto('/console/dispatch');
  await expect(owner, 'the reset ended the owner\'s session').toHaveURL(/\/console\/login\?next=/);
  expect(await signInAs(owner, 'wu.paiqian', '吴派遣的新密码2026')).toBe(401);
  expect(await signInAs(owner, 'wu.paiqian', reset)).toBe(201);
  await expect(owner.locator('header .who')).toContainText('吴派遣');

  // Disabled: the session ends at once and signing in fails; enabled: it signs in again.
  await rowOf('wu.paiqian').getByRole('button', { name: '停用' }).click();
  await rowOf('wu.paiqian').getByRole('button', { name: '取消' }).click();
  await expect(rowOf('wu.paiqian').locator('td.state'), 'cancelled: nothing changed').toHaveText('正常');
  await rowOf('wu.paiqian').getByRole('button', { name: '停用' }).click();
  await rowOf('wu.paiqian').getByRole('button', { name: '确认停用' }).click();
  await expect(rowOf('wu.paiqian').locator('td.state')).toHaveText('已停用');
  await owner.goto('/console/dispatch');
  await expect(owner).toHaveURL(/\/console\/login\?next=/);
  expect(await signInAs(owner, 'wu.paiqian', reset)).toBe(401);
  await expect(owner.locator('.notice.error')).toHaveText('登录名或密码不正确。');
  await rowOf('wu.paiqian').getByRole('button', { name: '启用' }).click();
  await expect(rowOf('wu.paiqian').locator('td.state'), 'the refused sign-in is counted')
    .toHaveText('正常（密码已输错 1 次）');
  expect(await signInAs(owner, 'wu.paiqian', reset)).toBe(201);

  // The API agrees with what the page shows.
  const listed = await apiAs(request, 'admin', '/api/v1/admin/accounts?kind=staff');
  const wu = listed.accounts.find((a) => a.login === 'wu.paiqian');
  expect([wu.actor, wu.disabled, wu.failures]).toEqual(['d02', false, 0]);
  await admin.getByLabel('查找').fill('');
  await accessible(admin, 'accounts-desktop');
  await shot(admin, 'accounts-admin-acted');
  expect(admin.problems).toEqual([]);
  expect(owner.problems.filter((p) => !p.startsWith('401'))).toEqual([]);
  await admin.context().close();
  await owner.context().close();
});

test('消息: the 邻长 hears of a new case in his grid, opens it from the message, marks the rest read', async ({ browser, request }) => {
  const id = await freshCase(request);  // 新上报 to the workers of its finest grid: 许秀英
  const before = await apiAs(request, 'worker', '/api/v1/inbox?limit=20');
  expect(before.unread, 'the new case made an unread message').toBeGreaterThan(0);
  expect(before.messages[0].report_id).toBe(id);
  const worker = await open(browser, PHONE);
  await signInStaff(worker, 'worker');
  const badge = worker.locator('header .unread-count');
  const counted = (n) => `${n > 99 ? '99+' : n} 条未读`;  // as the header shows a count (the words for screen readers)
  await expect(badge).toHaveText(counted(before.unread));
  await worker.locator('header a.inbox-link').click();
  await expect(worker.locator('main h1')).toHaveText('消息');
  const items = worker.locator('ul.inbox li.message');
  await expect(items).toHaveCount(before.messages.length);
  expect(await items.evaluateAll((lis) => lis.map((li) => li.dataset.message)), 'the page lists what the API lists, in its order')
    .toEqual(before.messages.map((m) => m.id));
  expect(await worker.locator('ul.inbox li.message.unread').count())
    .toBe(before.messages.filter((m) => !m.read_at).length);
  const first = items.first();
  await expect(first.locator('.title')).toHaveText(before.messages[0].title);
  await expect(first).toHaveClass(/unread/);
  await accessible(worker, 'inbox-phone');
  await shot(worker, 'inbox-worker-unread');

  // Opening the case from the message reads it.
  await first.getByRole('link', { name: '查看案件' }).click();
  await expect(worker).toHaveURL(new RegExp(`/console/cases/${id}$`));
  await expect(worker.locator('#case-title')).toBeVisible();
  await expect.poll(async () => (await apiAs(request, 'worker', '/api/v1/inbox?limit=1')).messages[0].read_at,
    'the message is read once its case is opened').not.toBeNull();
  await expect(badge).toHaveText(counted(before.unread - 1));

  // 全部标为已读 marks what the page showed: a case that arrives meanwhile stays unread.
  await worker.goBack();
  await expect(worker.locator('main h1')).toHaveText('消息');
  await expect(first).not.toHaveClass(/unread/);
  const later = await freshCase(request);
  await worker.getByRole('button', { name: '全部标为已读' }).click();
  await expect(worker.locator('.status .notice.ok')).toContainText('另有 1 条新消息');
  await expect(worker.locator('ul.inbox li.message.unread')).toHaveCount(0);
  await expect(badge).toHaveText(counted(1));
  const meanwhile = await apiAs(request, 'worker', '/api/v1/inbox?limit=1');
  expect([meanwhile.unread, meanwhile.messages[0].report_id, meanwhile.messages[0].read_at]).toEqual([1, later, null]);

  // It shows after a reload, alone under 只看未读.
  await worker.reload();
  await expect(badge).toHaveText(counted(1));
  await worker.getByLabel('只看未读').check();
  await expect(worker).toHaveURL(/\/console\/inbox\?unread=true$/);
  await expect(items).toHaveCount(1);
  await expect(items.first()).toHaveClass(/unread/);
  await items.first().getByRole('button', { name: '标为已读' }).click();
  await expect(items.first()).not.toHaveClass(/unread/);
  await expect(badge).toBeHidden();
  const after = await apiAs(request, 'worker', '/api/v1/inbox?limit=1');
  expect([after.unread, after.messages[0].report_id]).toEqual([0, later]);
  expect(worker.problems).toEqual([]);
  await worker.context().close();
});

test('关注区域: a resident follows his 邻 from the 三亮 box and stops following it on 我的上报', async ({ browser }) => {
  const resident = await open(browser, PHONE);
  await signInResident(resident, '13900139005');
  await clickMapAt(resident, POINT);
  const unit = resident.locator('.sanliang li', { hasText: '许秀英' });
  await expect(unit).toHaveCount(1);
  const follow = unit.getByRole('button');
  await expect(follow).toHaveText('关注');
  await expect(follow).toHaveAttribute('aria-pressed', 'false');
  await follow.click();
  await expect(follow).toHaveText('已关注');
  await expect(follow).toHaveAttribute('aria-pressed', 'true');
  await expect(resident.locator('.sanliang .notice.ok')).toContainText('已关注');
  const grids = async () => (await (await resident.request.get('/api/v1/subscriptions')).json()).subscriptions.map((x) => x.grid);
  expect(await grids(), 'the server keeps the follow').toEqual(['43030200901300105']);

  await resident.goto('/console/mine');
  const item = resident.locator('ul.follows li.follow-item');
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute('data-grid', '43030200901300105');
  await accessible(resident, 'mine-follows-phone');
  await shot(resident, 'mine-resident-follows');
  await item.getByRole('button', { name: /^已关注：/ }).click();
  await expect(item.getByRole('button')).toHaveText('关注');
  await expect(resident.locator('.follows-section .notice.ok')).toContainText('已取消关注');
  expect(await grids(), 'the server dropped it').toEqual([]);
  expect(resident.problems).toEqual([]);
  await resident.context().close();
});

test('every page: accessible (axe-core), drawn at desktop width and at 375 px', async ({ browser, request }) => {
  const id = caseId ?? await freshCase(request);
  const pages = {
    anonymous: ['/console/login'],
    dispatcher: ['/console/dispatch', `/console/cases/${id}`, '/console/map'],
    worker: ['/console/worker', '/console/visits', '/console/inbox'],
    group_worker: ['/console/patrols'],
    supervisor: ['/console/stats', '/console/appraisal', '/console/password'],
    admin: ['/console/accounts'],
    resident: ['/console/report', '/console/mine'],
  };
  for (const [who, paths] of Object.entries(pages)) {
    for (const [size, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
      const page = await open(browser, viewport);
      // A code per phone a minute at most: each sign-in here is another resident.
      if (who === 'resident') await signInResident(page, size === 'desktop' ? '13900139001' : '13900139002');
      else if (who !== 'anonymous') await signInStaff(page, who);
      for (const path of paths) {
        await page.goto(path);
        await expect(page.locator('main h1').first()).toBeVisible();
        if (await page.locator('.maplibregl-canvas').count()) await mapReady(page);
        await accessible(page, `${path} (${who}, ${size})`);
        const name = path.replace('/console/', '').replace(/\/.*/, '') || 'login';
        await shot(page, `${name}-${who}-${size}`);
      }
      expect(page.problems).toEqual([]);
      await page.context().close();
    }
  }
});
