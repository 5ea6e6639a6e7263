#include "wangge/network/nearest.hpp"

#include <algorithm>
#include <cmath>
#include <queue>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::network {
namespace {

using Field = NearestService::Field;

/// Cost of walking @p part_mm of edge @p e in the direction whose full cost is @p full.
std::int64_t partial(std::int64_t full, std::int64_t part_mm, std::int64_t length_mm) {
  if (full >= WalkingGraph::kUnreachable) return WalkingGraph::kUnreachable;
  if (length_mm <= 0) return 0;
  // full * part / length, rounded to the nearest millimetre, without overflow.
  return static_cast<std::int64_t>((static_cast<__int128>(full) * part_mm * 2 + length_mm) /
                                   (2 * length_mm));
}

}  // namespace

NearestService::NearestService(std::shared_ptr<const WalkingGraph> graph,
                               std::vector<ServicePoint> points, WalkingConfig config)
    : graph_(std::move(graph)), points_(std::move(points)), config_(config) {
  types_.push_back("");
  for (const ServicePoint& p : points_)
    for (const std::string& s : p.services)
      if (std::find(types_.begin(), types_.end(), s) == types_.end()) types_.push_back(s);
  if (!graph_) return;
  snapper_ = std::make_unique<Snapper>(*graph_);
  if (points_.size() >= (1u << 23))
    throw Error(ErrorCode::invalid_argument, "too many service points (at most 8,388,607)");
  for (const ServicePoint& p : points_)
    point_snaps_.push_back(snapper_->snap(p.position, config_.max_snap_m));
  for (const std::string& type : types_) {
    std::vector<std::size_t> seeds;
    for (std::size_t i = 0; i < points_.size(); ++i) {
      const auto& s = points_[i].services;
      if (type.empty() || std::find(s.begin(), s.end(), type) != s.end()) seeds.push_back(i);
    }
    fields_.push_back(search(seeds));
  }
}

NearestService::~NearestService() = default;
NearestService::NearestService(NearestService&&) noexcept = default;

std::pair<const Field::Seed*, const Field::Seed*> Field::on_edge(std::uint32_t e) const {
  const auto range = std::equal_range(seeds.begin(), seeds.end(), Seed{e, 0, 0},
                                      [](const Seed& a, const Seed& b) { return a.edge < b.edge; });
  return {seeds.data() + (range.first - seeds.begin()),
          seeds.data() + (range.second - seeds.begin())};
}

Field NearestService::search(const std::vector<std::size_t>& seeds, std::int64_t limit_mm) const {
  const WalkingGraph& g = *graph_;
  Field f;
  f.cost.assign(g.node_count(), WalkingGraph::kUnreachable);
  f.owner.assign(g.node_count(), -1);
  // The queue orders by (cost, owner) packed in one key: costs below 2^40 mm (a million km)
  // and owners below 2^23; ties go to the lower owner, so results are deterministic.
  struct Item {
    std::uint64_t key;
    std::uint32_t node;
    bool operator>(const Item& o) const { return key > o.key; }
  };
  auto key_of = [](std::int64_t c, std::int32_t owner) {
    return (static_cast<std::uint64_t>(c) << 23) | static_cast<std::uint64_t>(owner);
  };
  std::vector<Item> heap;
  heap.reserve(g.node_count() / 4 + 16);
  std::priority_queue<Item, std::vector<Item>, std::greater<>> queue(std::greater<>(),
                                                                     std::move(heap));
  auto offer = [&](std::uint32_t n, std::int64_t c, std::int32_t owner) {
    if (c > limit_mm || c >= (std::int64_t{1} << 40)) return;
    if (c < f.cost[n] || (c == f.cost[n] && owner < f.owner[n])) {
      f.cost[n] = c;
      f.owner[n] = owner;
      queue.push(Item{key_of(c, owner), n});
    }
  };
  for (std::size_t i : seeds) {
    const auto& s = point_snaps_[i];
    if (!s) continue;
    const auto& e = g.edge(s->edge);
    const auto owner = static_cast<std::int32_t>(i);
    f.seeds.push_back({s->edge, s->offset_mm, owner});
    // From u, walk forward along the edge to the point; from v, backward.
    offer(e.u, partial(e.cost_uv, s->offset_mm, e.length_mm), owner);
    offer(e.v, partial(e.cost_vu, e.length_mm - s->offset_mm, e.length_mm), owner);
  }
  std::sort(f.seeds.begin(), f.seeds.end(),
            [](const Field::Seed& a, const Field::Seed& b) { return a.edge < b.edge; });
  while (!queue.empty()) {
    const Item top = queue.top();
    queue.pop();
    const std::uint32_t n = top.node;
    if (top.key != key_of(f.cost[n], f.owner[n])) continue;  // stale
    const std::int64_t c = f.cost[n];
    const std::int32_t owner = f.owner[n];
    for (const auto* a = g.arcs_begin(n); a != g.arcs_end(n); ++a)
      offer(a->from, c + a->cost, owner);
  }
  return f;
}

std::pair<std::int64_t, std::int32_t> NearestService::cost_from(const Field& f,
                                                                const Snap& s) const {
  const WalkingGraph& g = *graph_;
  const auto& e = g.edge(s.edge);
  std::int64_t best = WalkingGraph::kUnreachable;
  std::int32_t owner = -1;
  auto consider = [&](std::int64_t c, std::int32_t o) {
    if (c >= WalkingGraph::kUnreachable || o < 0) return;
    if (c < best || (c == best && o < owner)) best = c, owner = o;
  };
  // Walk to u (backward along the edge), or to v (forward), then on to the nearest.
  const std::int64_t to_u = partial(e.cost_vu, s.offset_mm, e.length_mm);
  const std::int64_t to_v = partial(e.cost_uv, e.length_mm - s.offset_mm, e.length_mm);
  if (to_u < WalkingGraph::kUnreachable && f.cost[e.u] < WalkingGraph::kUnreachable)
    consider(to_u + f.cost[e.u], f.owner[e.u]);
  if (to_v < WalkingGraph::kUnreachable && f.cost[e.v] < WalkingGraph::kUnreachable)
    consider(to_v + f.cost[e.v], f.owner[e.v]);
  // A service point on the same edge, walked to directly.
  const auto [first, last] = f.on_edge(s.edge);
  for (const Field::Seed* seed = first; seed != last; ++seed) {
    const std::int64_t offset = seed->offset_mm;
    const std::int32_t o = seed->owner;
    const std::int64_t c = offset >= s.offset_mm
                               ? partial(e.cost_uv, offset - s.offset_mm, e.length_mm)
                               : partial(e.cost_vu, s.offset_mm - offset, e.length_mm);
    consider(c, o);
  }
  return {best, owner};
}

const Field& NearestService::field(std::string_view type) const {
  const auto t = std::find(types_.begin(), types_.end(), type);
  if (t == types_.end() || fields_.empty()) {
    throw Error(ErrorCode::invalid_argument,
                "service type '" + std::string(type) + "' is offered by no service point");
  }
  return fields_[static_cast<std::size_t>(t - types_.begin())];
}

NearestAnswer NearestService::lookup_snapped(const Snap& snap, std::string_view type) const {
  NearestAnswer a;
  a.snap = snap;
  a.on_network = true;
  const auto t = std::find(types_.begin(), types_.end(), type);
  if (t == types_.end()) return a;
  const auto [cost, owner] = cost_from(fields_[static_cast<std::size_t>(t - types_.begin())], snap);
  if (owner < 0) return a;  // nothing reachable from here
  a.point = &points_[static_cast<std::size_t>(owner)];
  a.network_mm = cost;
  const std::int64_t total = cost + number::narrow_round(snap.distance_m * 1000.0);  // ≤ max snap
  a.walk_m = static_cast<double>(total) / 1000.0;
  a.minutes = config_.minutes(total);
  a.within_circle = total <= config_.threshold_mm();
  return a;
}

NearestAnswer NearestService::lookup(geo::LonLat position, std::string_view type) const {
  if (snapper_) {
    if (auto s = snapper_->snap(position, config_.max_snap_m)) return lookup_snapped(*s, type);
  }
  // Off the network (or no network): the crow-fly distance times the detour factor, flagged.
  NearestAnswer a;
  a.straight_line = true;
  double best = 0;
  for (const ServicePoint& p : points_) {
    if (!type.empty() && std::find(p.services.begin(), p.services.end(), type) == p.services.end())
      continue;
    const double d = geo::local_distance_m(position, p.position) * config_.detour_factor;
    if (!a.point || d < best) best = d, a.point = &p;
  }
  if (!a.point) return a;
  a.walk_m = best;
  a.minutes = best / (config_.speed_kmh * 1000.0 / 60.0);
  // A crow-fly distance between valid lon/lat (< 2.1e7 m) times the detour factor, in mm.
  a.within_circle = number::narrow_round(best * 1000.0) <= config_.threshold_mm();
  return a;
}

}  // namespace wangge::network
