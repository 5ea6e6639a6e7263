#pragma once
// The sample's street network: every unit border is a street, classed by what it separates
// (outline → primary, blocks → secondary/tertiary, groups → residential, units → footway),
// chained into OSM ways and written as OSM XML.

#include <string>
#include <vector>

#include "random.hpp"
#include "tessellation.hpp"
#include "wangge/geo/local_projection.hpp"

namespace wangge::sample {

struct Way {
  std::vector<geo::XY> points;  ///< metres
  std::string highway;
  std::string name;
};

/// Chains the tessellation's segments into ways. @p block and @p group give each cell's block
/// and group index.
std::vector<Way> build_streets(const Tessellation& t, const std::vector<int>& block,
                               const std::vector<int>& group, Random& rng);

struct StreetStats {
  std::size_t nodes = 0;
  std::size_t ways = 0;
  double km = 0;
};

/// Writes @p ways as OSM XML (nodes shared between ways by position).
StreetStats write_osm(const std::string& path, const std::vector<Way>& ways,
                      const geo::LocalProjection& proj);

}  // namespace wangge::sample
