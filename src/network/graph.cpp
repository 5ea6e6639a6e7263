#include "wangge/network/graph.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"

namespace wangge::network {
namespace {

constexpr char kMagic[8] = {'W', 'A', 'N', 'G', 'G', 'E', 'N', 'W'};
constexpr std::uint32_t kVersion = 1;
static_assert(sizeof(WalkingGraph::Edge) == 40, "the file layout depends on it");
static_assert(sizeof(geo::XY) == 16, "the file layout depends on it");

struct UnionFind {
  explicit UnionFind(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0u); }
  std::uint32_t find(std::uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void join(std::uint32_t a, std::uint32_t b) { parent[find(a)] = find(b); }
  std::vector<std::uint32_t> parent;
};

}  // namespace

WalkingGraph::WalkingGraph(geo::LonLat origin, std::vector<geo::XY> nodes_m,
                           std::vector<Edge> edges, std::vector<geo::XY> geometry_m,
                           const FootProfile& profile)
    : origin_(origin), frame_(origin), profile_(profile) {
  // Connected pieces and how much street each has.
  UnionFind pieces(nodes_m.size());
  for (const Edge& e : edges) pieces.join(e.u, e.v);
  std::vector<double> piece_m(nodes_m.size(), 0.0);
  for (const Edge& e : edges)
    piece_m[pieces.find(e.u)] += static_cast<double>(e.length_mm) / 1000.0;
  std::uint32_t largest = 0;
  for (std::uint32_t n = 0; n < nodes_m.size(); ++n)
    if (piece_m[n] > piece_m[largest]) largest = n;
  std::vector<bool> keep_piece(nodes_m.size(), false);
  for (std::uint32_t n = 0; n < nodes_m.size(); ++n) {
    if (pieces.find(n) != n || piece_m[n] <= 0) continue;
    keep_piece[n] = piece_m[n] >= profile.min_component_m || n == largest;
    if (!keep_piece[n]) {
      ++stats_.dropped_pieces;
      stats_.dropped_km += piece_m[n] / 1000.0;
    }
  }
  // Renumber the kept nodes, copy the kept edges with their geometry.
  std::vector<std::uint32_t> new_id(nodes_m.size(), kNone);
  for (const Edge& e : edges) {
    if (!keep_piece[pieces.find(e.u)]) continue;
    for (std::uint32_t n : {e.u, e.v}) {
      if (new_id[n] == kNone) {
        new_id[n] = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(nodes_m[n]);
      }
    }
    Edge kept = e;
    kept.u = new_id[e.u];
    kept.v = new_id[e.v];
    kept.geometry_begin = static_cast<std::uint32_t>(geometry_.size());
    geometry_.insert(geometry_.end(), geometry_m.begin() + e.geometry_begin,
                     geometry_m.begin() + e.geometry_end);
    kept.geometry_end = static_cast<std::uint32_t>(geometry_.size());
    edges_.push_back(kept);
  }
  index();
}

void WalkingGraph::index() {
  arc_offsets_.assign(nodes_.size() + 1, 0);
  for (const Edge& e : edges_) {
    if (e.cost_uv < kUnreachable) ++arc_offsets_[e.v + 1];
    if (e.cost_vu < kUnreachable) ++arc_offsets_[e.u + 1];
  }
  std::partial_sum(arc_offsets_.begin(), arc_offsets_.end(), arc_offsets_.begin());
  arcs_.resize(arc_offsets_.back());
  std::vector<std::uint32_t> fill(arc_offsets_.begin(), arc_offsets_.end() - 1);
  for (std::uint32_t i = 0; i < edges_.size(); ++i) {
    const Edge& e = edges_[i];
    if (e.cost_uv < kUnreachable) arcs_[fill[e.v]++] = Arc{e.u, i, e.cost_uv};
    if (e.cost_vu < kUnreachable) arcs_[fill[e.u]++] = Arc{e.v, i, e.cost_vu};
  }
  bounds_ = geo::BBox{};
  for (const geo::XY& p : geometry_) bounds_.extend(p);
  stats_.nodes = nodes_.size();
  stats_.edges = edges_.size();
  double mm = 0;
  for (const Edge& e : edges_) mm += static_cast<double>(e.length_mm);
  stats_.km = mm / 1e6;
}

geo::LonLat WalkingGraph::to_lonlat(geo::XY m) const {
  return geo::LonLat::trusted(frame_.lon_of(m.x), frame_.lat_of(m.y));
}

geo::XY WalkingGraph::to_metres(geo::LonLat p) const {
  const geo::Metres m = frame_.to_metres(p.lon(), p.lat());
  return {m.x, m.y};
}

void WalkingGraph::save(const std::string& path) const {
  AtomicFile out(path);
  auto put = [&](const void* data, std::size_t bytes) {
    out.write(std::string_view(static_cast<const char*>(data), bytes));
  };
  auto put_u64 = [&](std::uint64_t v) { put(&v, 8); };
  auto put_f64 = [&](double v) { put(&v, 8); };
  put(kMagic, 8);
  put(&kVersion, 4);
  put_f64(origin_.lon());
  put_f64(origin_.lat());
  put_f64(profile_.steps_factor);
  put_f64(profile_.min_component_m);
  put_u64(stats_.dropped_pieces);
  put_f64(stats_.dropped_km);
  put_u64(nodes_.size());
  put(nodes_.data(), nodes_.size() * sizeof(geo::XY));
  put_u64(edges_.size());
  put(edges_.data(), edges_.size() * sizeof(Edge));
  put_u64(geometry_.size());
  put(geometry_.data(), geometry_.size() * sizeof(geo::XY));
  out.commit();
}

WalkingGraph WalkingGraph::load(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f)
    throw Error(ErrorCode::unreadable_source,
                "cannot open the network file '" + path + "': " + std::strerror(errno));
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  auto fail = [&](const std::string& why) -> void {
    throw Error(ErrorCode::unreadable_source,
                "'" + path + "' is not a wangge network file: " + why);
  };
  auto get = [&](void* data, std::size_t bytes) {
    if (std::fread(data, 1, bytes, f) != bytes) fail("it is truncated");
  };
  auto get_u64 = [&] {
    std::uint64_t v;
    get(&v, 8);
    return v;
  };
  auto get_f64 = [&] {
    double v;
    get(&v, 8);
    return v;
  };
  char magic[8];
  get(magic, 8);
  if (std::memcmp(magic, kMagic, 8) != 0)
    fail("wrong magic number (build one with `wangge import network`)");
  std::uint32_t version;
  get(&version, 4);
  if (version != kVersion)
    fail("format version " + std::to_string(version) + ", this wangge reads " +
         std::to_string(kVersion));
  WalkingGraph g;
  const double lon = get_f64(), lat = get_f64();
  if (!std::isfinite(lon) || !std::isfinite(lat) || std::abs(lon) > 180 || std::abs(lat) > 90)
    fail("a bad origin");
  g.origin_ = geo::LonLat::trusted(lon, lat);
  g.frame_ = geo::LocalProjection(g.origin_);
  g.profile_.steps_factor = get_f64();
  g.profile_.min_component_m = get_f64();
  g.stats_.dropped_pieces = get_u64();
  g.stats_.dropped_km = get_f64();
  auto array = [&](auto& v) {
    const std::uint64_t n = get_u64();
    if (n > (1ull << 32)) fail("an impossible element count");
    v.resize(n);
    get(v.data(), n * sizeof(v[0]));
  };
  array(g.nodes_);
  array(g.edges_);
  array(g.geometry_);
  for (const Edge& e : g.edges_) {
    if (e.u >= g.nodes_.size() || e.v >= g.nodes_.size() || e.geometry_begin >= e.geometry_end ||
        e.geometry_end > g.geometry_.size() || e.length_mm < 0) {
      fail("an edge refers outside the file");
    }
  }
  g.index();
  return g;
}

}  // namespace wangge::network
