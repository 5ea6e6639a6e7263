// The README's pictures (docs/console-*.png), taken from the demo's server: run scripts/demo,
// then  node tests/js/docs-screenshots.mjs <dispatcher password> [URL]  (from tests/js).
import { chromium } from '@playwright/test';
import fs from 'node:fs';

const [password, base = 'http://127.0.0.1:8080'] = process.argv.slice(2);
const docs = new URL('../../docs/', import.meta.url).pathname;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
const ready = (page) => page.waitForFunction(() => window.__wanggeMap?.loaded() && window.__wanggeMap.areTilesLoaded());
const at = (page, [lon, lat]) => page.evaluate(([x, y]) => {
  const m = window.__wanggeMap, p = m.project([x, y]), r = m.getCanvas().getBoundingClientRect();
  return { x: r.left + p.x, y: r.top + p.y };
}, [lon, lat]);
const POINT = [112.926891, 27.8576002];

// The grid centre: the overdue queue beside the map, a grid's chain of leaders open.
const desk = await browser.newPage({ viewport: { width: 1366, height: 800 } });
await desk.goto(`${base}/console/login`);
await desk.getByLabel('登录名').fill('zhou.paiqian');
await desk.getByLabel('密码').fill(password);
await desk.locator('form[aria-labelledby=staff-title] button[type=submit]').click();
await desk.waitForURL('**/console/dispatch');
await desk.goto(`${base}/console/dispatch?tab=overdue`);
await desk.locator('ul.queue li').first().waitFor();
await ready(desk);
await desk.evaluate(([x, y]) => window.__wanggeMap.jumpTo({ center: [x + 0.004, y + 0.002], zoom: 15 }), POINT);
await ready(desk);
const p = await at(desk, POINT);
await desk.mouse.click(p.x, p.y);
await desk.locator('.maplibregl-popup').waitFor();
await desk.waitForTimeout(300);  // the popup's fade-in: a picture, not a test
await desk.screenshot({ path: `${docs}/console-dispatcher.png` });

// A resident on a phone: the pin placed, the grid's leaders (三亮) shown.
const phone = await browser.newPage({ viewport: { width: 375, height: 1080 } });
await phone.goto(`${base}/console/login`);
const mobile = `137${String(Date.now() % 1e8).padStart(8, '0')}`;  // a code a minute per phone
await phone.getByLabel('手机号').fill(mobile);
const outbox = process.env.OUTBOX ?? new URL('../../out/outbox.jsonl', import.meta.url).pathname;
const before = fs.existsSync(outbox) ? fs.readFileSync(outbox, 'utf8').split('\n').filter(Boolean).length : 0;
await phone.getByRole('button', { name: '获取验证码' }).click();
await phone.locator('.notice.ok').waitFor();
const line = fs.readFileSync(outbox, 'utf8').split('\n').filter(Boolean).slice(before).find((l) => l.includes(mobile));
await phone.getByLabel('验证码').fill(JSON.parse(line).text.match(/\d{6}/)[0]);
await phone.locator('form[aria-labelledby=resident-title] button[type=submit]').click();
await phone.waitForURL('**/console/report');
await phone.getByLabel('问题类别').selectOption('0101');
await phone.getByLabel('问题描述').fill('小区东门垃圾桶满溢，已经两天没有清运。');
await ready(phone);
await phone.evaluate(([x, y]) => window.__wanggeMap.jumpTo({ center: [x, y], zoom: 16 }), POINT);
await ready(phone);
const q = await at(phone, POINT);
await phone.mouse.click(q.x, q.y);
await phone.locator('.sanliang').waitFor();
await ready(phone);
await phone.evaluate(() => window.scrollTo(0, 0));
await phone.screenshot({ path: `${docs}/console-resident.png` });
await browser.close();
console.log(`written: ${docs}console-dispatcher.png, ${docs}console-resident.png`);
