#pragma once
// Geometry of the sample generator, in a local metric frame (metres east/north of the
// subdistrict's centre): seed spreading, Voronoi units, adjacency, region growing.

#include <cstdint>
#include <vector>

#include "random.hpp"
#include "wangge/geo/polygon.hpp"

namespace wangge::sample {

/// A unit cell: its seed and its closed, snapped ring (metres).
struct Cell {
  geo::XY seed;
  geo::Ring ring;
};

/// A street segment between two snapped vertices, with the inside cells on either side
/// (`right` is -1 on the subdistrict's outer boundary).
struct Segment {
  geo::XY a, b;
  int left = -1;
  int right = -1;
};

struct Tessellation {
  std::vector<Cell> cells;
  std::vector<std::vector<int>> neighbours;  ///< cells sharing an edge
  std::vector<Segment> segments;             ///< every distinct edge of every cell
  geo::XY town_centre;                       ///< where units are densest
};

/// Spreads @p units seeds over an irregular outline of @p area_m2 and returns their Voronoi
/// cells, scaled so the cells' union has exactly @p area_m2 (before 1 cm snapping).
Tessellation tessellate(Random& rng, int units, double area_m2);

/// Grows @p k contiguous regions over @p members (indices into @p t.cells), balancing
/// @p weight (indexed like t.cells) and preferring compact shapes.
/// @returns the region (0..k-1) of each member, in the order of @p members.
std::vector<int> grow_regions(const Tessellation& t, const std::vector<int>& members, int k,
                              const std::vector<double>& weight, Random& rng);

/// Centroid of a closed ring (metres).
geo::XY centroid(const geo::Ring& ring);
/// Area of a closed ring (m², unsigned).
double ring_area(const geo::Ring& ring);

}  // namespace wangge::sample
