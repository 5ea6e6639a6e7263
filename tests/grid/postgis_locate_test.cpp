// Integration test: GridIndex against a real PostGIS (ST_Covers) on the committed sample.
//
// The sample's 370 grids and 20,000 random points (fixed seed; 1,000 of them grid vertices,
// exactly on boundaries) go into temporary tables of the database named by WANGGE_TEST_PG
// (scripts/test starts PostgreSQL + PostGIS and sets it). Coordinates travel as WKT and
// float8 text with 17 significant digits, so PostGIS sees the very same doubles. For every
// point PostGIS lists the grids that cover it; the index must agree: the same finest level,
// the same set of covering grids there, and off boundaries the same chain at every level.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <set>

#include "wangge/grid/grid_index.hpp"
#include "wangge/grid/import.hpp"

namespace wangge::grid {
namespace {

std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string wkt_of(const geo::MultiPolygon& g) {
  std::string s = "MULTIPOLYGON(";
  auto ring = [&](const geo::Ring& r) {
    s += '(';
    for (std::size_t i = 0; i < r.size(); ++i)
      s += (i ? "," : "") + exact(r[i].x) + " " + exact(r[i].y);
    s += ')';
  };
  for (std::size_t p = 0; p < g.polygons.size(); ++p) {
    s += p ? ",(" : "(";
    ring(g.polygons[p].outer);
    for (const geo::Ring& h : g.polygons[p].holes) s += ",", ring(h);
    s += ')';
  }
  return s + ")";
}

std::string array_of(const std::vector<double>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + exact(v[i]);
  return s + "}";
}

TEST(PostgisCrossCheck, LocateAgreesWithStCoversOnTheSample) {
  const char* conninfo = std::getenv("WANGGE_TEST_PG");
  ASSERT_NE(conninfo, nullptr)
      << "WANGGE_TEST_PG is not set: run scripts/test, which starts PostgreSQL + PostGIS and "
         "sets it (or run only the unit tests: ctest -L unit)";
  ImportResult r = import_grids(WANGGE_SOURCE_DIR "/geodata/sample/grids.geojson", {});
  auto set = std::make_shared<const GridSet>(GridSet::build(std::move(r.grids)));
  const GridIndex index(set, 0.0);

  pqxx::connection conn(conninfo);
  pqxx::work tx(conn);
  tx.exec0("CREATE TEMP TABLE grids (i integer PRIMARY KEY, geom geometry(MultiPolygon, 4326))");
  for (std::size_t i = 0; i < set->size(); ++i) {
    tx.exec_params0("INSERT INTO grids VALUES ($1, ST_GeomFromText($2, 4326))", static_cast<int>(i),
                    wkt_of((*set)[i].geometry));
  }
  tx.exec0("CREATE INDEX ON grids USING gist (geom)");

  geo::BBox box;
  for (const Grid& g : set->grids()) box.extend(geo::bbox_of(g.geometry));
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> ux(box.min_x, box.max_x), uy(box.min_y, box.max_y);
  std::uniform_int_distribution<std::size_t> pick(0, set->size() - 1);
  std::vector<double> xs, ys;
  for (int k = 0; k < 20000; ++k) {
    if (k % 20 == 0) {
      const geo::Ring& ring = (*set)[pick(rng)].geometry.polygons.front().outer;
      const geo::XY v = ring[std::uniform_int_distribution<std::size_t>(0, ring.size() - 2)(rng)];
      xs.push_back(v.x), ys.push_back(v.y);
    } else {
      xs.push_back(ux(rng)), ys.push_back(uy(rng));
    }
  }
  tx.exec_params0(
      "CREATE TEMP TABLE points AS SELECT (ordinality - 1)::integer AS k, "
      "ST_SetSRID(ST_MakePoint(x, y), 4326) AS geom "
      "FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS t(x, y)",
      array_of(xs), array_of(ys));
  tx.exec0("CREATE INDEX ON points USING gist (geom)");
  // Every (point, grid) pair PostGIS says covers it, plus whether the point is on the grid's
  // boundary (covered but not contained).
  const pqxx::result rows = tx.exec(
      "SELECT p.k, g.i, NOT ST_Contains(g.geom, p.geom) FROM points p "
      "JOIN grids g ON ST_Covers(g.geom, p.geom)");
  std::map<int, std::vector<std::size_t>> covered;
  std::set<int> on_boundary;
  for (const auto& row : rows) {
    covered[row[0].as<int>()].push_back(row[1].as<std::size_t>());
    if (row[2].as<bool>()) on_boundary.insert(row[0].as<int>());
  }

  std::size_t agreed = 0, boundary = 0, uncovered = 0;
  for (int k = 0; k < static_cast<int>(xs.size()); ++k) {
    const Location loc = index.locate(geo::LonLat::trusted(xs[k], ys[k]));
    const std::string where =
        "point " + std::to_string(k) + " (" + exact(xs[k]) + ", " + exact(ys[k]) + ")";
    auto it = covered.find(k);
    if (it == covered.end()) {
      ++uncovered;
      EXPECT_EQ(loc.status, LocateStatus::not_covered) << where;
      continue;
    }
    ASSERT_EQ(loc.status, LocateStatus::inside) << where;
    int finest = 0;
    for (std::size_t i : it->second) finest = std::max(finest, set->depth(i));
    std::set<std::size_t> finest_set;
    for (std::size_t i : it->second)
      if (set->depth(i) == finest) finest_set.insert(i);
    EXPECT_EQ(std::set<std::size_t>(loc.covering.begin(), loc.covering.end()), finest_set) << where;
    EXPECT_TRUE(finest_set.count(loc.grid)) << where;
    if (on_boundary.count(k)) {
      ++boundary;
      continue;
    }
    std::vector<std::size_t> chain = it->second;
    std::sort(chain.begin(), chain.end(),
              [&](std::size_t a, std::size_t b) { return set->depth(a) > set->depth(b); });
    EXPECT_EQ(chain, loc.chain) << where;
    if (chain == loc.chain) ++agreed;
  }
  std::printf("PostGIS %s: %zu interior points agree, %zu on boundaries, %zu uncovered\n",
              tx.exec1("SELECT postgis_lib_version()")[0].as<std::string>().c_str(), agreed,
              boundary, uncovered);
  EXPECT_GT(agreed, 10000u);  // the outline fills ~60% of its box
  EXPECT_GE(boundary, 1000u);
  EXPECT_GT(uncovered, 100u);
}

}  // namespace
}  // namespace wangge::grid
