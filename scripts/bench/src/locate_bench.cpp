// locate_bench GRIDS POINTS.csv [--threads N]: the in-memory GridIndex alone, without file
// parsing or output formatting. Reads the points (lon,lat columns) first, then times
// GridIndex::locate over all of them on one thread, and on N threads (default: all cores).
// Prints one JSON object: points, grids, per-thread and total rates, and a checksum of the
// assigned grids so a run that does no work cannot look fast.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "wangge/grid/grid_index.hpp"
#include "wangge/grid/import.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/parallel.hpp"
#include "wangge/util/text.hpp"

using namespace wangge;

namespace {

std::vector<geo::LonLat> read_points(const std::string& path) {
  const std::string content = text::read_file(path);
  csv::Reader reader(content);
  auto header = reader.next();
  std::size_t lon = 1, lat = 2;
  for (std::size_t i = 0; header && i < header->fields.size(); ++i) {
    if (header->fields[i] == "lon") lon = i;
    if (header->fields[i] == "lat") lat = i;
  }
  std::vector<geo::LonLat> points;
  while (auto rec = reader.next()) {
    auto x = text::parse_double(rec->fields.at(lon));
    auto y = text::parse_double(rec->fields.at(lat));
    if (x && y) {
      if (auto p = geo::LonLat::try_make(geo::Longitude(*x), geo::Latitude(*y)))
        points.push_back(*p);
    }
  }
  return points;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: locate_bench GRIDS POINTS.csv [--threads N]\n");
    return 2;
  }
  unsigned threads = default_thread_count();
  if (argc == 5 && std::string(argv[3]) == "--threads")
    threads = static_cast<unsigned>(std::atoi(argv[4]));
  grid::ImportResult grids = grid::import_grids(argv[1], {});
  auto set = std::make_shared<const grid::GridSet>(grid::GridSet::build(std::move(grids.grids)));
  const grid::GridIndex index(set, 50.0);
  const std::vector<geo::LonLat> points = read_points(argv[2]);

  // One thread: the per-core rate.
  std::size_t checksum = 0, covered = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (const geo::LonLat& p : points) {
    const grid::Location loc = index.locate(p);
    if (loc.status != grid::LocateStatus::not_covered) {
      ++covered;
      checksum += loc.grid;
    }
  }
  const double one = seconds_since(t0);

  // All threads.
  std::vector<std::size_t> sums((points.size() + 65535) / 65536, 0);
  t0 = std::chrono::steady_clock::now();
  parallel_for(points.size(), threads, 65536, [&](std::size_t begin, std::size_t end) {
    std::size_t s = 0;
    for (std::size_t k = begin; k < end; ++k) {
      const grid::Location loc = index.locate(points[k]);
      if (loc.status != grid::LocateStatus::not_covered) s += loc.grid;
    }
    sums[begin / 65536] = s;
  });
  const double all = seconds_since(t0);
  std::size_t checksum_all = 0;
  for (std::size_t s : sums) checksum_all += s;

  std::printf(
      "{\"points\": %zu, \"grids\": %zu, \"covered\": %zu, \"one_thread_seconds\": %.4f, "
      "\"points_per_second_per_core\": %.0f, \"threads\": %u, \"all_threads_seconds\": %.4f, "
      "\"points_per_second\": %.0f, \"checksum_agrees\": %s}\n",
      points.size(), set->size(), covered, one, points.size() / one, threads, all,
      points.size() / all, checksum == checksum_all ? "true" : "false");
  return checksum == checksum_all ? 0 : 1;
}
