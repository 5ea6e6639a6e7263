// The console under a configured GCJ-02 raster basemap (AMap/Tencent style), run by
// tests/e2e/console_test.py against a server started with --raster-basemap (a tile server on
// loopback) and --raster-basemap-datum gcj02 (`--grep @gcj02`; the other specs run without it):
// - the raster tiles are drawn and every overlay (tiles, GeoJSON) is asked in GCJ-02;
// - the phone's GPS position (WGS-84) is put on the map in GCJ-02, the 三亮 of that place are
//   the right ones, and the report it makes is stored back in WGS-84 within a metre;
// - a grid click at the shifted place names its leader; the canvas is not blank.
// The GCJ-02 shift the test expects is computed here, independently of the console's code.
import { test, expect } from '@playwright/test';
import { open, signInStaff, signInResident, mapColours, clickMapAt, apiAs, shot, POINT, PHONE, DESKTOP } from './helpers.mjs';

/** WGS-84 → GCJ-02 (the published formula), written apart from console/src/map.js. */
function gcj02([lon, lat]) {
  const a = 6378245.0, ee = 0.00669342162296594323, { PI, sin, sqrt, abs, cos } = Math;
  const x = lon - 105, y = lat - 35;
  let dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt(abs(x))
    + (20 * sin(6 * x * PI) + 20 * sin(2 * x * PI)) * 2 / 3
    + (20 * sin(y * PI) + 40 * sin(y / 3 * PI)) * 2 / 3
    + (160 * sin(y / 12 * PI) + 320 * sin(y * PI / 30)) * 2 / 3;
  let dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt(abs(x))
    + (20 * sin(6 * x * PI) + 20 * sin(2 * x * PI)) * 2 / 3
    + (20 * sin(x * PI) + 40 * sin(x / 3 * PI)) * 2 / 3
    + (150 * sin(x / 12 * PI) + 300 * sin(x / 30 * PI)) * 2 / 3;
  const rad = lat / 180 * PI, magic = 1 - ee * sin(rad) ** 2, sm = sqrt(magic);
  dlat = dlat * 180 / ((a * (1 - ee)) / (magic * sm) * PI);
  dlon = dlon * 180 / (a / sm * cos(rad) * PI);
  return [lon + dlon, lat + dlat];
}

const metres = ([a, b], [c, d]) => Math.hypot((a - c) * 111320 * Math.cos(b * Math.PI / 180), (b - d) * 110540);

test('@gcj02 under a GCJ-02 raster basemap the overlays, the pin and the report agree', async ({ browser, request }) => {
  const settings = await (await request.get('/console/settings.json')).json();
  expect(settings.raster_basemap?.datum, 'the server was started with a GCJ-02 basemap').toBe('gcj02');
  const rasterOrigin = new URL(settings.raster_basemap.tiles[0]).origin;
  const shifted = gcj02(POINT);
  expect(metres(shifted, POINT), 'GCJ-02 is hundreds of metres off here').toBeGreaterThan(200);

  // A resident whose phone says it stands at POINT (WGS-84, as GPS is).
  const resident = await open(browser, PHONE, {
    geolocation: { longitude: POINT[0], latitude: POINT[1], accuracy: 5 }, permissions: ['geolocation'] });
  const raster = [];
  resident.on('response', (r) => { if (r.url().startsWith(rasterOrigin)) raster.push(r.status()); });
  await signInResident(resident, '13900139777');
  await expect(resident).toHaveURL(/\/console\/report$/);
  await resident.getByRole('button', { name: '使用我的位置' }).click();
  await expect(resident.locator('.sanliang'), '三亮 of the GPS position').toContainText('许秀英');
  const pinned = [Number(await resident.locator('input[name=lon]').inputValue()),
    Number(await resident.locator('input[name=lat]').inputValue())];
  expect(metres(pinned, shifted), 'the pin is the GPS position in GCJ-02').toBeLessThan(0.5);
  await resident.getByLabel('问题类别').selectOption('0101');
  await resident.getByLabel('问题描述').fill('高德底图下的上报');
  await resident.getByRole('button', { name: '提交上报' }).click();
  const done = resident.locator('.notice.ok');
  await expect(done).toContainText('上报成功');
  const id = (await done.textContent()).match(/编号 ([A-Za-z0-9_]+)/)[1];
  const stored = await apiAs(request, 'dispatcher', `/api/v1/reports/${id}`);
  expect(metres([stored.location.lon, stored.location.lat], POINT), 'stored in WGS-84').toBeLessThan(1);
  expect(stored.location.reported.datum).toBe('gcj02');
  expect(stored.assignment.chain).toContain('43030200901300105');
  expect(raster.length, 'raster basemap tiles were fetched').toBeGreaterThan(0);
  expect(raster.filter((s) => s !== 200)).toEqual([]);
  await shot(resident, 'report-phone-gcj02');

  // The dispatcher's map: every overlay tile in GCJ-02, drawn, a click at the shifted place.
  const dispatcher = await open(browser, DESKTOP);
  await signInStaff(dispatcher, 'dispatcher');
  await expect(dispatcher.locator('ul.queue')).toBeVisible();
  expect(await mapColours(dispatcher), 'the map canvas is not blank').toBeGreaterThan(20);
  expect(dispatcher.tileAnswers.length).toBeGreaterThan(0);
  expect(dispatcher.tileAnswers.filter(([s]) => ![200, 204, 304].includes(s))).toEqual([]);
  // (The WGS-84 TileJSONs are asked beside the settings, so as not to wait for them; the
  // tiles drawn are the GCJ-02 ones.)
  const tiles = dispatcher.tileAnswers.filter(([, p]) => p.endsWith('.mvt'));
  expect(tiles.length).toBeGreaterThan(0);
  expect(tiles.filter(([, , q]) => !q.includes('datum=gcj02')), 'every overlay tile in GCJ-02').toEqual([]);
  expect(dispatcher.tileAnswers.some(([, p]) => p.startsWith('/tiles/basemap')), 'no offline basemap under a raster one').toBe(false);
  await clickMapAt(dispatcher, shifted);
  await expect(dispatcher.locator('.maplibregl-popup .grid-card')).toContainText('许秀英');
  await shot(dispatcher, 'dispatch-desktop-gcj02');
  expect(dispatcher.problems).toEqual([]);
  expect(resident.problems).toEqual([]);
  await resident.context().close();
  await dispatcher.context().close();
});
