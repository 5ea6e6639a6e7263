// The console's speed in Debian's Chromium (run by scripts/bench/console, which starts the
// server): time to a usable dispatcher console — the queue on screen and the map's first tile
// of ours drawn — cold (a new browser profile: nothing cached) and warm (a reload), against the
// same browser loading the trivial endpoint (/healthz) in the same run; what is sent, gzipped,
// ours and MapLibre's apart; and the common path by keyboard (Enter, r, d).
import { chromium, request as pwRequest } from '@playwright/test';

const base = process.env.WANGGE_BASE;
const { login, password } = JSON.parse(process.env.WANGGE_DISPATCHER);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });

async function signedInContext() {
  const api = await pwRequest.newContext({ baseURL: base });
  const r = await api.post('/api/v1/session', { data: { login, password } });
  if (r.status() !== 201) throw new Error(`sign-in: ${r.status()}`);
  const state = await api.storageState();
  await api.dispose();
  return browser.newContext({ storageState: state, viewport: { width: 1366, height: 820 } });
}

const parts = { queue: [], tile: [] };
async function usable(page) {
  await page.waitForFunction(() => performance.getEntriesByName('wangge:queue').length &&
    performance.getEntriesByName('wangge:first-tile').length, null, { timeout: 30000 });
  const [queue, tile] = await page.evaluate(() => [performance.getEntriesByName('wangge:queue')[0].startTime,
    performance.getEntriesByName('wangge:first-tile')[0].startTime]);
  parts.queue.push(queue);
  parts.tile.push(tile);
  return Math.max(queue, tile);
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const cold = [], warm = [], trivialCold = [], trivialWarm = [];
let sent = null;
for (let i = 0; i < ROUNDS; i++) {
  const context = await signedInContext();
  const page = await context.newPage();
  await page.goto(`${base}/console/dispatch`);
  cold.push(await usable(page));
  if (!sent) {
    sent = await page.evaluate(() => {
      const out = { ours: 0, maplibre: 0, other: 0 };
      for (const e of performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'))) {
        const path = new URL(e.name).pathname;
        if (!/\.(js|css)$/.test(path) && !path.startsWith('/console/dispatch')) continue;
        const key = path.includes('maplibre') ? 'maplibre' : 'ours';
        out[key] += e.encodedBodySize;
      }
      return out;
    });
  }
  await page.reload();
  warm.push(await usable(page));
  await context.close();
  // The trivial endpoint in a fresh profile and again: the browser's own floor on this machine.
  const bare = await browser.newContext();
  const p2 = await bare.newPage();
  await p2.goto(`${base}/healthz`);
  trivialCold.push(await p2.evaluate(() => performance.getEntriesByType('navigation')[0].responseEnd));
  await p2.reload();
  trivialWarm.push(await p2.evaluate(() => performance.getEntriesByType('navigation')[0].responseEnd));
  await bare.close();
}

// The floor for the map: MapLibre alone in the same browser, a background-only style, from
// its script loaded to the first frame (WebGL here is software: SwiftShader, no GPU).
const html = await (await fetch(`${base}/console/`)).text();
const maplibreJs = html.match(/src="([^"]*maplibre-gl[^"]*\.js)"/)[1];
const maplibreWorker = html.match(/name="maplibre-worker" content="([^"]*)"/)[1];
const floor = [];
for (let i = 0; i < ROUNDS; i++) {
  const bare = await browser.newContext({ viewport: { width: 1366, height: 820 } });
  const p = await bare.newPage();
  await p.goto(`${base}/healthz`);
  const t = await p.evaluate(async ([js, worker]) => {
    const start = performance.now();
    await new Promise((ok) => { const s = document.createElement('script'); s.src = js; s.onload = ok; document.head.append(s); });
    window.maplibregl.setWorkerUrl(worker);
    const div = document.createElement('div');
    div.style.cssText = 'width:780px;height:700px';
    document.body.append(div);
    const map = new window.maplibregl.Map({ container: div, center: [112.93, 27.86], zoom: 14,
      style: { version: 8, sources: {}, layers: [{ id: 'bg', type: 'background', paint: { 'background-color': '#eee' } }] } });
    await new Promise((ok) => map.once('load', ok));
    return performance.now() - start;
  }, [maplibreJs, maplibreWorker]);
  floor.push(t);
  await bare.close();
}

// The common path by keyboard on the oldest case to register: Enter (open), r (受理), d (派遣).
const context = await signedInContext();
const page = await context.newPage();
await page.goto(`${base}/console/dispatch?tab=received`);
await usable(page);
const t0 = Date.now();
await page.keyboard.press('Enter');
await page.locator('.actions button[data-action="register"]').waitFor();
const opened = Date.now() - t0;
await page.keyboard.press('r');
await page.locator('#case-title .state', { hasText: '已立案' }).waitFor();
const registered = Date.now() - t0;
await page.keyboard.press('d');
await page.locator('#case-title .state', { hasText: '已派遣' }).waitFor();
const dispatched = Date.now() - t0;
await browser.close();

const ms = (x) => `${x.toFixed(0)} ms`;
const kb = (x) => `${(x / 1024).toFixed(1)} KB`;
console.log(`time to a usable dispatcher console (queue shown and the first grid tile drawn), ${ROUNDS} rounds, medians:`);
console.log(`  cold (new profile)  ours ${ms(median(cold))}   trivial endpoint ${ms(median(trivialCold))}   ratio ${(median(cold) / median(trivialCold)).toFixed(1)}   target < 2000 ms`);
console.log(`  warm (reload)       ours ${ms(median(warm))}   trivial endpoint ${ms(median(trivialWarm))}   ratio ${(median(warm) / median(trivialWarm)).toFixed(1)}   target < 1000 ms`);
console.log(`  all rounds: cold ${cold.map(ms).join(', ')}; warm ${warm.map(ms).join(', ')}`);
console.log(`  of which (cold, warm alternate): queue shown ${parts.queue.map(ms).join(', ')}; first tile drawn ${parts.tile.map(ms).join(', ')}`);
console.log(`  MapLibre GL alone (a background-only style, from its script to the first frame): ${ms(median(floor))} — the floor of the map on this machine`);
console.log(`sent, gzipped (page, scripts, styles): ours ${kb(sent.ours)} (target ≤ 150 KB), MapLibre GL ${kb(sent.maplibre)}`);
console.log(`common path by keyboard (Enter, r, d; 3 keys, 0 clicks): opened ${ms(opened)}, registered ${ms(registered)}, dispatched ${ms(dispatched)} after the first key`);
