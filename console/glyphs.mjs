// Glyph PBFs for MapLibre (the style's "glyphs" URL), made at build time from a Debian font
// (fonts-dejavu-core), as sdf-glyph-foundry / fontnik make them: 24 px, a 3 px buffer, a signed
// distance field of radius 8 with cutoff 0.25 (the outline at 191), top = the glyph's top less
// the ascender. Every 256-codepoint range the font covers is written; Chinese characters are not
// in it: MapLibre draws those with the browser's own font (localIdeographFontFamily).
import fs from 'node:fs';
import path from 'node:path';
import opentype from 'opentype.js';

const SIZE = 24, BUFFER = 3, RADIUS = 8, CUTOFF = 0.25;

/** Writes <out>/<stack>/<start>-<end>.pbf for @p fontFile; answers the number of files. */
export function writeGlyphs(fontFile, stack, out) {
  const bytes = fs.readFileSync(fontFile);
  const font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const scale = SIZE / font.unitsPerEm;
  const ascender = Math.ceil(font.ascender * scale);  // FreeType rounds the size's ascender up
  const ranges = new Map();
  for (const code of Object.keys(font.tables.cmap.glyphIndexMap).map(Number)) {
    if (code > 0xffff) continue;
    const r = code >> 8;
    if (!ranges.has(r)) ranges.set(r, []);
    ranges.get(r).push(code);
  }
  const dir = path.join(out, stack);
  fs.mkdirSync(dir, { recursive: true });
  for (const [r, codes] of ranges) {
    const glyphs = codes.sort((a, b) => a - b).map((code) => glyph(font, code, scale, ascender));
    const name = `${r * 256}-${r * 256 + 255}`;
    fs.writeFileSync(path.join(dir, `${name}.pbf`), encode(stack, name, glyphs));
  }
  return ranges.size;
}

/** One glyph: its metrics and signed distance field. */
function glyph(font, code, scale, ascender) {
  const g = font.charToGlyph(String.fromCodePoint(code));
  const advance = Math.round(g.advanceWidth * scale);
  const segments = outline(g.getPath(0, 0, SIZE).commands);  // y grows downwards
  if (!segments.length) return { id: code, width: 0, height: 0, left: 0, top: -ascender, advance, bitmap: null };
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [ax, ay, bx, by] of segments) {
    x0 = Math.min(x0, ax, bx); x1 = Math.max(x1, ax, bx);
    y0 = Math.min(y0, ay, by); y1 = Math.max(y1, ay, by);
  }
  const left = Math.floor(x0), right = Math.ceil(x1), top = Math.floor(y0), bottom = Math.ceil(y1);
  const width = right - left, height = bottom - top;
  const w = width + 2 * BUFFER, h = height + 2 * BUFFER;
  const bitmap = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) {
    const y = top - BUFFER + j + 0.5;
    for (let i = 0; i < w; i++) {
      const x = left - BUFFER + i + 0.5;
      let d = Infinity, winding = 0;
      for (const [ax, ay, bx, by] of segments) {
        d = Math.min(d, toSegment(x, y, ax, ay, bx, by));
        if ((ay <= y) !== (by <= y)) {  // a crossing of the ray to the right
          const t = (y - ay) / (by - ay);
          if (ax + t * (bx - ax) > x) winding += by > ay ? 1 : -1;
        }
      }
      const signed = winding !== 0 ? -d : d;
      const v = 255 - Math.round(signed * (256 / RADIUS) + CUTOFF * 256);
      bitmap[j * w + i] = Math.max(0, Math.min(255, v));
    }
  }
  return { id: code, width, height, left, top: -top - ascender, advance, bitmap };
}

/** The outline as straight segments (curves in 8 steps; every contour closed). */
function outline(commands) {
  const segs = [];
  let sx = 0, sy = 0, cx = 0, cy = 0, open = false;
  const line = (x, y) => { if (x !== cx || y !== cy) segs.push([cx, cy, x, y]); cx = x; cy = y; };
  const close = () => { if (open) line(sx, sy); open = false; };
  for (const c of commands) {
    if (c.type === 'M') { close(); sx = cx = c.x; sy = cy = c.y; open = true; }
    else if (c.type === 'L') line(c.x, c.y);
    else if (c.type === 'Q') {
      const [px, py] = [cx, cy];
      for (let k = 1; k <= 8; k++) {
        const t = k / 8, u = 1 - t;
        line(u * u * px + 2 * u * t * c.x1 + t * t * c.x, u * u * py + 2 * u * t * c.y1 + t * t * c.y);
      }
    } else if (c.type === 'C') {
      const [px, py] = [cx, cy];
      for (let k = 1; k <= 8; k++) {
        const t = k / 8, u = 1 - t;
        line(u * u * u * px + 3 * u * u * t * c.x1 + 3 * u * t * t * c.x2 + t * t * t * c.x,
          u * u * u * py + 3 * u * u * t * c.y1 + 3 * u * t * t * c.y2 + t * t * t * c.y);
      }
    } else if (c.type === 'Z') close();
  }
  close();
  return segs;
}

function toSegment(x, y, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len)) : 0;
  const ex = ax + t * dx - x, ey = ay + t * dy - y;
  return Math.sqrt(ex * ex + ey * ey);
}

// Protocol buffers, the few wire types the glyphs message needs.
function varint(out, n) {
  while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); }
  out.push(n);
}
const zigzag = (n) => (n < 0 ? -2 * n - 1 : 2 * n);
function field(out, number, type) { varint(out, number * 8 + type); }
function bytesField(out, number, data) { field(out, number, 2); varint(out, data.length); for (const b of data) out.push(b); }

/** glyphs { stacks = 1: fontstack { name = 1, range = 2, glyphs = 3: glyph { id = 1, bitmap = 2,
 *  width = 3, height = 4, left = 5 (sint32), top = 6 (sint32), advance = 7 } } } */
function encode(stack, range, glyphs) {
  const fontstack = [];
  bytesField(fontstack, 1, Buffer.from(stack));
  bytesField(fontstack, 2, Buffer.from(range));
  for (const g of glyphs) {
    const m = [];
    field(m, 1, 0); varint(m, g.id);
    if (g.bitmap) bytesField(m, 2, g.bitmap);
    field(m, 3, 0); varint(m, g.width);
    field(m, 4, 0); varint(m, g.height);
    field(m, 5, 0); varint(m, zigzag(g.left));
    field(m, 6, 0); varint(m, zigzag(g.top));
    field(m, 7, 0); varint(m, g.advance);
    bytesField(fontstack, 3, m);
  }
  const out = [];
  bytesField(out, 1, fontstack);
  return Buffer.from(out);
}
