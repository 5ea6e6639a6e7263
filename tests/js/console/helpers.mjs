// What the console tests share: the accounts the driver made, signing in as each role, the
// resident's SMS code from the outbox log, the map (click at a place, read its pixels), the
// API as a role sees it (for independent figures), axe-core, screenshots.
import { expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

export const env = {
  base: process.env.WANGGE_BASE,
  accounts: JSON.parse(process.env.WANGGE_ACCOUNTS ?? '{}'),
  keys: JSON.parse(process.env.WANGGE_KEYS ?? '{}'),
  outbox: process.env.WANGGE_OUTBOX,
  photo: process.env.WANGGE_PHOTO,
  artefacts: process.env.WANGGE_ARTEFACTS ?? 'artefacts',
};

export const PHONE = { width: 375, height: 740 };
export const DESKTOP = { width: 1366, height: 820 };
export const POINT = [112.926891, 27.8576002];      // in unit 43030200901300105 (邻长 许秀英)
export const BLOCK = '430302009013';                 // its 片区 (block)

/** A new browser context of @p viewport; every console error and 4xx/5xx is recorded. */
export async function open(browser, viewport = DESKTOP, options = {}) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options });
  const page = await context.newPage();
  page.problems = [];
  page.actionAnswers = [];
  page.tileAnswers = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  // An error the page logs (a style MapLibre refuses, say), beyond a refused request's own line.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(`console: ${m.text().slice(0, 300)}`);
  });
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/tiles/')) page.tileAnswers.push([r.status(), url.pathname, url.search]);
    if (/\/api\/v1\/reports\/[^/]+\/actions$/.test(url.pathname)) page.actionAnswers.push([r.status(), url.pathname]);
    // The console's own files (pages, scripts, glyphs) are all there.
    if (url.pathname.startsWith('/console/') && r.status() >= 400) page.problems.push(`${r.status()} ${url.pathname}`);
  });
  return page;
}

export async function signInStaff(page, who) {
  const { login, password } = env.accounts[who];
  await page.goto('/');
  await expect(page).toHaveURL(/\/console\/login/);
  await page.getByLabel('登录名').fill(login);
  await page.getByLabel('密码').fill(password);
  await page.locator('form[aria-labelledby=staff-title] button[type=submit]').click();
  await expect(page.locator('header .who')).toContainText('退出');
}

function codes() {
  if (!fs.existsSync(env.outbox)) return [];
  return fs.readFileSync(env.outbox, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

export async function signInResident(page, phone) {
  await page.goto('/console/login');
  await page.getByLabel('手机号').fill(phone);
  const before = codes().length;
  await page.getByRole('button', { name: '获取验证码' }).click();
  await expect(page.locator('.notice.ok')).toContainText('验证码已发送');
  const sms = codes().slice(before).find((m) => m.to.endsWith(phone));
  expect(sms, 'an SMS with the code in the outbox log').toBeTruthy();
  const code = sms.text.match(/\d{6}/)[0];
  await page.getByLabel('验证码').fill(code);
  await page.locator('form[aria-labelledby=resident-title] button[type=submit]').click();
  await expect(page.locator('header .who')).toContainText('居民');
}

/** Waits for the page's map to have drawn its tiles. */
export async function mapReady(page) {
  await page.waitForFunction(() => window.__wanggeMap && window.__wanggeMap.loaded() && window.__wanggeMap.areTilesLoaded(),
    null, { timeout: 30_000 });
}

/** Clicks the page's map at [lon, lat] (centred there at zoom 16 first). */
export async function clickMapAt(page, [lon, lat]) {
  await mapReady(page);
  await page.evaluate(([x, y]) => window.__wanggeMap.jumpTo({ center: [x, y], zoom: 16 }), [lon, lat]);
  await mapReady(page);
  const at = await page.evaluate(([x, y]) => {
    const m = window.__wanggeMap;
    const p = m.project([x, y]);
    const r = m.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [lon, lat]);
  await page.mouse.click(at.x, at.y);
}

/** How many distinct colours the map's canvas shows (a blank map has one or two). */
export async function mapColours(page) {
  await mapReady(page);
  const png = PNG.sync.read(await page.locator('.maplibregl-canvas').screenshot());
  const seen = new Set();
  for (let i = 0; i < png.data.length; i += 4 * 7) seen.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
  return seen.size;
}

/** The API as @p who's key sees it (an independent reading of the figures the pages show). */
export async function apiAs(request, who, pathAndQuery) {
  const r = await request.get(pathAndQuery, { headers: { Authorization: `Bearer ${env.keys[who]}` } });
  expect(r.status(), `${pathAndQuery} as ${who}`).toBe(200);
  return r.json();
}

/** axe-core on the page as it stands: no serious or critical violation. */
export async function accessible(page, name) {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

export async function shot(page, name) {
  const dir = path.join(env.artefacts, 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: false });
}
