// Decodes MVT files with @mapbox/vector-tile (the decoder of Mapbox GL / MapLibre's lineage),
// independently of wangge's own decoder and of GDAL. Prints one JSON object:
// {file: {layer: {extent, version, features: [{id, type, properties, rings}]}}}
// usage: node decode_tiles.mjs FILE...
import { readFileSync } from 'node:fs';
import { VectorTile } from '@mapbox/vector-tile';
import Protobuf from 'pbf';

const out = {};
for (const file of process.argv.slice(2)) {
  const tile = new VectorTile(new Protobuf(readFileSync(file)));
  const layers = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    const features = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      const geometry = f.loadGeometry();
      features.push({ id: f.id, safe_id: Number.isSafeInteger(f.id), type: f.type, properties: f.properties,
                      rings: geometry.length,
                      points: geometry.reduce((n, r) => n + r.length, 0) });
    }
    layers[name] = { extent: layer.extent, version: layer.version, features };
  }
  out[file] = layers;
}
process.stdout.write(JSON.stringify(out));
