// tiles_bench GRIDS N SEED OUT_LIST — encodes N random grid tiles (z10-z16 over the grids'
// extent) with wangge's MVT encoder, cold (no cache), the way the server's grids layer does,
// and prints ms per tile and bytes per tile. Writes the tile list ("z x y" lines) for PostGIS
// and wrk to use the very same tiles.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "wangge/grid/import.hpp"
#include "wangge/tiles/mvt.hpp"

using namespace wangge;

int main(int argc, char** argv) {
  mallopt(M_TRIM_THRESHOLD, 256 << 20);  // as `wangge serve` configures the heap
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (argc != 5) {
    std::fprintf(stderr, "usage: tiles_bench GRIDS N SEED OUT_LIST\n");
    return 2;
  }
  const std::vector<grid::Grid> grids = grid::import_grids(argv[1], grid::ImportOptions{}).grids;
  const int n = std::atoi(argv[2]);
  std::mt19937 rng(static_cast<unsigned>(std::atoi(argv[3])));
  geo::BBox all;
  std::vector<geo::BBox> boxes;
  std::vector<geo::MultiPolygon> mercator;  // projected once, as the server does
  std::vector<std::vector<tiles::PreparedPolygon>> by_zoom(17);  // and prepared once per zoom
  for (const grid::Grid& g : grids) {
    boxes.push_back(geo::bbox_of(g.geometry));
    all.extend(boxes.back());
    mercator.push_back(tiles::to_mercator(g.geometry));
  }
  std::vector<tiles::TileId> list;
  std::uniform_int_distribution<int> zoom(10, 16);
  std::uniform_real_distribution<double> ux(all.min_x, all.max_x), uy(all.min_y, all.max_y);
  for (int i = 0; i < n; ++i) list.push_back(tiles::tile_of({ux(rng), uy(rng)}, zoom(rng)));
  std::ofstream out(argv[4]);
  for (const auto& t : list) out << t.z << ' ' << t.x << ' ' << t.y << '\n';

  std::size_t bytes = 0, features = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& t : list) {
    auto& simplified = by_zoom[static_cast<std::size_t>(t.z)];
    if (simplified.empty()) {  // once per zoom, timed with the tiles
      for (const geo::MultiPolygon& m : mercator)
        simplified.push_back(tiles::prepare_for_zoom(m, t.z));
    }
    const geo::BBox b = tiles::lonlat_bounds(t);
    const double px = (b.max_x - b.min_x) * 64 / 4096, py = (b.max_y - b.min_y) * 64 / 4096;
    tiles::LayerEncoder enc("grids", t, 4096, 64, 0);
    for (std::size_t i = 0; i < grids.size(); ++i) {
      const geo::BBox& g = boxes[i];
      if (g.max_x < b.min_x - px || g.min_x > b.max_x + px || g.max_y < b.min_y - py ||
          g.min_y > b.max_y + py)
        continue;
      const grid::Grid& grid = grids[i];
      if (enc.add_prepared(tiles::feature_id(grid.id), simplified[i],
                           {{"id", grid.id},
                            {"code", grid.code},
                            {"name", grid.name},
                            {"level", std::int64_t{grid.level.value_or(0)}},
                            {"leader_name", grid.leader.name}}))
        ++features;
    }
    bytes += enc.finish().size();
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("wangge %d tiles %.4f ms/tile %.0f bytes/tile %zu features\n", n, secs * 1000 / n,
              static_cast<double>(bytes) / n, features);
  return 0;
}
