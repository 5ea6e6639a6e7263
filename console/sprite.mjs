// The map's sprite, drawn at build time (no image files, no internet): a service point's sign
// (a green disc with a white house, as on a 党群服务中心's board) at 1× and 2×, as the PNG and
// JSON pair MapLibre loads (sprite.json/.png, sprite@2x.json/.png). Shapes are rasterised with
// 4×4 supersampling and written as PNG with node's zlib; nothing else is needed.
import zlib from 'node:zlib';

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(bytes) {
  let c = -1;
  for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGBA pixels (width × height × 4) as a PNG file. */
export function png(width, height, rgba) {
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    rows[y * (width * 4 + 1)] = 0;  // filter: none
    Buffer.from(rgba.buffer, y * width * 4, width * 4).copy(rows, y * (width * 4 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);  // 8-bit RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** The service point's sign in a size × size square: [r, g, b, a] at (x, y) in 0..1 units. */
function servicePoint(x, y) {
  const dx = x - 0.5, dy = y - 0.5, r = Math.hypot(dx, dy);
  if (r > 0.48) return null;
  if (r > 0.40) return [255, 255, 255, 255];  // white ring
  const roof = y >= 0.24 && y <= 0.48 && Math.abs(x - 0.5) <= (y - 0.24) * 1.05;
  const walls = x >= 0.32 && x <= 0.68 && y >= 0.47 && y <= 0.74;
  const door = x >= 0.45 && x <= 0.55 && y >= 0.58 && y <= 0.74;
  if ((roof || walls) && !door) return [255, 255, 255, 255];
  return [31, 111, 67, 255];  // #1f6f43, the service points' green
}

function draw(size, shape) {
  const px = new Uint8Array(size * size * 4);
  const n = 4;  // supersampling per axis
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shape((x + (sx + 0.5) / n) / size, (y + (sy + 0.5) / n) / size);
          if (!c) continue;
          r += c[0] * c[3]; g += c[1] * c[3]; b += c[2] * c[3]; a += c[3];
        }
      }
      const i = (y * size + x) * 4;
      if (a > 0) px.set([r / a, g / a, b / a, a / (n * n)].map(Math.round), i);
    }
  }
  return px;
}

/** The sprite at @p ratio (1 or 2): { json, png }. */
export function sprite(ratio) {
  const size = 22 * ratio;
  return {
    json: JSON.stringify({ 'service-point': { x: 0, y: 0, width: size, height: size, pixelRatio: ratio } }),
    png: png(size, size, draw(size, servicePoint)),
  };
}
