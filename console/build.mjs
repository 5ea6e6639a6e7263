// Builds the web console into the directory named by the first argument (default dist/):
// index.html, and under assets/ our bundle (esbuild, minified) and MapLibre GL's CSP build,
// each file named by its content hash so that a browser may keep it for a year.
// Run by CMake (cmake/Console.cmake) at build time; nothing is fetched.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(here, 'dist'));
const assets = path.join(out, 'assets');
// The map's labels: glyphs of DejaVu Sans (Debian's fonts-dejavu-core), made again only when the
// font or their maker changed (they take seconds); everything else is rebuilt each time.
const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const STACK = 'DejaVu Sans Book';
if (!fs.existsSync(FONT)) throw new Error(`${FONT} is missing: install Debian's fonts-dejavu-core`);
for (const f of fs.existsSync(out) ? fs.readdirSync(out) : []) {
  if (f !== 'assets') fs.rmSync(path.join(out, f), { recursive: true, force: true });
}
for (const f of fs.existsSync(assets) ? fs.readdirSync(assets) : []) {
  if (f !== 'glyphs') fs.rmSync(path.join(assets, f), { recursive: true, force: true });
}
fs.mkdirSync(assets, { recursive: true });
const glyphDir = path.join(assets, 'glyphs');
const glyphKey = createHash('sha256').update(fs.readFileSync(FONT))
  .update(fs.readFileSync(path.join(here, 'glyphs.mjs'))).digest('hex');
const stamp = path.join(glyphDir, '.made-from');
if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== glyphKey) {
  fs.rmSync(glyphDir, { recursive: true, force: true });
  const { writeGlyphs } = await import('./glyphs.mjs');
  writeGlyphs(FONT, STACK, glyphDir);
  fs.writeFileSync(stamp, glyphKey);
}

/** Writes @p bytes as assets/<stem>.<hash><ext> and answers its URL. */
function hashed(name, bytes) {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 10);
  const ext = path.extname(name);
  const file = `${path.basename(name, ext)}.${hash}${ext}`;
  fs.writeFileSync(path.join(assets, file), bytes);
  return `/console/assets/${file}`;
}

const built = await esbuild.build({
  entryPoints: [path.join(here, 'src/main.js'), path.join(here, 'src/app.css')],
  bundle: true,
  minify: true,
  write: false,
  format: 'iife',
  target: ['chrome100', 'safari15', 'firefox100'],
  legalComments: 'none',
  outdir: 'out',
  logLevel: 'warning',
});
const urls = {};
for (const f of built.outputFiles) {
  const ext = path.extname(f.path);
  urls[ext === '.js' ? 'app_js' : 'app_css'] = hashed(`app${ext}`, f.contents);
}
const maplibre = path.join(here, 'node_modules/maplibre-gl/dist');
urls.maplibre_js = hashed('maplibre-gl.js', fs.readFileSync(path.join(maplibre, 'maplibre-gl-csp.js')));
urls.maplibre_worker = hashed('maplibre-gl-worker.js',
  fs.readFileSync(path.join(maplibre, 'maplibre-gl-csp-worker.js')));
urls.maplibre_css = hashed('maplibre-gl.css', fs.readFileSync(path.join(maplibre, 'maplibre-gl.css')));
fs.copyFileSync(path.join(maplibre, 'LICENSE.txt'), path.join(assets, 'maplibre-gl-LICENSE.txt'));

// The map's sprite (console/sprite.mjs), named by its content like every asset: MapLibre asks
// for <name>.json and .png, and <name>@2x.json and .png on dense screens.
{
  const { sprite } = await import('./sprite.mjs');
  const one = sprite(1), two = sprite(2);
  const hash = createHash('sha256').update(one.json).update(one.png).update(two.json).update(two.png)
    .digest('hex').slice(0, 10);
  for (const [suffix, s] of [['', one], ['@2x', two]]) {
    fs.writeFileSync(path.join(assets, `sprite.${hash}${suffix}.json`), s.json);
    fs.writeFileSync(path.join(assets, `sprite.${hash}${suffix}.png`), s.png);
  }
  urls.sprite = `/console/assets/sprite.${hash}`;
}

// The map's style document for other MapLibre clients (GET /console/style.json): the console's
// own style, its sources by TileJSON URL; the server puts its public address for ORIGIN. Two
// variants: with the offline basemap, and for a server without one.
const { mapStyle, LAYERS, REPORTS, LABELS } = await import('./src/map.js');
const ORIGIN = 'https://wangge-origin.invalid';
const tilejson = (layers) => ({ url: `${ORIGIN}/tiles/${layers}.json` });
for (const [file, basemap] of [['style.json', tilejson('basemap')], ['style-without-basemap.json', null]]) {
  fs.writeFileSync(path.join(out, file),
    JSON.stringify(mapStyle(ORIGIN, { shapes: tilejson(LAYERS), reports: tilejson(REPORTS), labels: tilejson(LABELS) },
      { basemap, sprite: urls.sprite }), null, 1));
}

let html = fs.readFileSync(path.join(here, 'src/index.html'), 'utf8');
html = html.replace(/\{\{(\w+)\}\}/g, (m, key) => {
  if (!(key in urls)) throw new Error(`index.html names an unknown asset ${m}`);
  return urls[key];
});
fs.writeFileSync(path.join(out, 'index.html'), html);
