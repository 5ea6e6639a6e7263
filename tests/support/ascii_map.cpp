#include "ascii_map.hpp"

#include <algorithm>
#include <set>

#include "wangge/geo/geos.hpp"

namespace wangge::testing {

AsciiMap::AsciiMap(std::string_view drawing, double cell, geo::XY north_west)
    : cell_(cell), north_west_(north_west) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= drawing.size()) {
    const auto end = drawing.find('\n', start);
    std::string line(drawing.substr(
        start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (line.find_first_not_of(' ') != std::string::npos) lines.push_back(line);
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  std::size_t indent = std::string::npos;
  for (const auto& l : lines) indent = std::min(indent, l.find_first_not_of(' '));
  for (auto& l : lines) rows_.push_back(l.substr(indent));
}

geo::XY AsciiMap::corner(int row, int col) const {
  return {north_west_.x + col * cell_, north_west_.y - row * cell_};
}

geo::XY AsciiMap::centre(double row, double col) const {
  return {north_west_.x + (col + 0.5) * cell_, north_west_.y - (row + 0.5) * cell_};
}

geo::MultiPolygon AsciiMap::area(char letter) const {
  geos::Context ctx;
  std::vector<GEOSGeometry*> cells;
  for (int r = 0; r < rows(); ++r) {
    for (int c = 0; c < static_cast<int>(rows_[r].size()); ++c) {
      if (rows_[r][c] != letter) continue;
      const geo::XY nw = corner(r, c), se = corner(r + 1, c + 1);
      geo::Polygon square{{nw, {se.x, nw.y}, se, {nw.x, se.y}, nw}, {}};
      cells.push_back(geos::to_geos(ctx, geo::MultiPolygon{{square}}).release());
    }
  }
  geos::Geometry all = geos::own(
      ctx, GEOSGeom_createCollection_r(ctx.handle(), GEOS_GEOMETRYCOLLECTION, cells.data(),
                                       static_cast<unsigned>(cells.size())));
  geos::Geometry merged = geos::own(ctx, GEOSUnaryUnion_r(ctx.handle(), all.get()));
  return geos::from_geos(ctx, merged.get());
}

grid::Grid AsciiMap::grid(char letter, const std::string& parent,
                          const std::string& level_name) const {
  grid::Grid g;
  g.id = std::string(1, letter);
  g.code = g.id;
  g.name = "grid " + g.id;
  g.parent_id = parent;
  g.level_name = level_name;
  g.leader = {"leader " + g.id, "邻长", "00000000000"};
  g.geometry = area(letter);
  return g;
}

std::vector<grid::Grid> AsciiMap::grids(const std::string& parent,
                                        const std::string& level_name) const {
  std::set<char> letters;
  for (const auto& row : rows_)
    for (char ch : row)
      if (ch != ' ' && ch != '.') letters.insert(ch);
  std::vector<grid::Grid> out;
  for (char ch : letters) out.push_back(grid(ch, parent, level_name));
  return out;
}

}  // namespace wangge::testing
