// Repair and improvement of a plan for one component: merge-and-re-split (ReCom) of grids that
// are outside the band with their neighbours, greedy boundary moves that keep the donor
// connected, and ReCom of adjacent pairs for street-following borders and compact shapes.
// Contiguity is preserved by every step: a move keeps the donor connected (checked by a search
// that stops once all of the unit's donor neighbours are reached) and the recipient touches the
// unit; re-split pieces are subtrees of spanning trees.
#include <algorithm>
#include <cassert>
#include <cmath>

#include "local_graph.hpp"

namespace wangge::regrid::detail {

double grid_term(std::int64_t households, double area_m2, double perimeter_m, const Goal& goal) {
  const double mean = goal.mean > 0 ? goal.mean : 1;
  const double dev = (static_cast<double>(households) - goal.mean) / mean;
  const double pp =
      perimeter_m > 0 ? std::min(1.0, 4 * kPi * area_m2 / (perimeter_m * perimeter_m)) : 1.0;
  return kViolationWeight * static_cast<double>(violation(households, goal)) +
         kBalanceWeight * dev * dev + kCompactnessWeight * (1 - pp);
}

Plan make_plan(const LocalGraph& graph, const std::vector<std::vector<int>>& pieces) {
  Plan plan;
  const std::size_t k = pieces.size();
  plan.grid.assign(static_cast<std::size_t>(graph.size()), -1);
  plan.households.assign(k, 0);
  plan.area_m2.assign(k, 0);
  plan.perimeter_m.assign(k, 0);
  plan.units.assign(k, 0);
  for (std::size_t g = 0; g < k; ++g)
    for (int v : pieces[g]) plan.grid[v] = static_cast<int>(g);
  for (int v = 0; v < graph.size(); ++v) {
    const int g = plan.grid[v];
    assert(g >= 0);
    plan.households[g] += graph.households[v];
    plan.area_m2[g] += graph.area_m2[v];
    plan.perimeter_m[g] += graph.perimeter_m[v];
    ++plan.units[g];
    for (const Arc* a = graph.begin(v); a != graph.end(v); ++a) {
      if (plan.grid[a->to] == g)
        plan.perimeter_m[g] -= a->shared_m;  // each shared border is seen from both sides
      else
        plan.cut += 0.5 * graph.cut_cost(*a);
    }
  }
  return plan;
}

double objective(const Plan& plan, const Goal& goal) {
  double total = plan.cut;
  for (std::size_t g = 0; g < plan.households.size(); ++g)
    total += grid_term(plan.households[g], plan.area_m2[g], plan.perimeter_m[g], goal);
  return total;
}

namespace {

constexpr int kMovePasses = 30;
constexpr int kSplitTries = 3;        // re-splits drawn per merged group
constexpr int kLargestGroup = 5;      // grids merged at most to repair one out-of-band grid
constexpr int kPairStepsPerGrid = 4;  // shape-improving ReCom steps per grid

class Improver {
 public:
  Improver(const LocalGraph& graph, const Goal& goal, Plan& plan, TreeSplitter& splitter,
           Random& random, const Deadline& deadline)
      : graph_(graph),
        goal_(goal),
        plan_(plan),
        splitter_(splitter),
        random_(random),
        deadline_(deadline),
        stamp_(static_cast<std::size_t>(graph.size()), 0) {}

  void run() {
    repair_band();
    move_units();
    reshape_pairs();
    move_units();
    repair_band();
  }

 private:
  bool in_band(int g) const { return violation(plan_.households[g], goal_) == 0; }
  double term(int g) const {
    return grid_term(plan_.households[g], plan_.area_m2[g], plan_.perimeter_m[g], goal_);
  }
  int grids() const { return static_cast<int>(plan_.households.size()); }

  std::vector<int> neighbour_grids(const std::vector<int>& group) const {
    std::vector<int> out;
    for (int v = 0; v < graph_.size(); ++v) {
      if (std::find(group.begin(), group.end(), plan_.grid[v]) == group.end()) continue;
      for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a) {
        const int h = plan_.grid[a->to];
        if (std::find(group.begin(), group.end(), h) == group.end() &&
            std::find(out.begin(), out.end(), h) == out.end())
          out.push_back(h);
      }
    }
    return out;
  }

  /// Merges the grids of @p group and re-splits them; keeps the result when it lowers the
  /// band violation (repairing) or the objective without raising the violation (reshaping).
  bool recombine(const std::vector<int>& group, bool repairing) {
    std::vector<int> nodes;
    for (int v = 0; v < graph_.size(); ++v)
      if (std::find(group.begin(), group.end(), plan_.grid[v]) != group.end()) nodes.push_back(v);
    if (nodes.size() < group.size() || !connected(nodes)) return false;
    std::int64_t old_violation = 0;
    double old_score = internal_cut(nodes, plan_.grid);
    for (int g : group)
      old_violation += violation(plan_.households[g], goal_), old_score += term(g);

    std::vector<int> labels = plan_.grid;
    bool accepted = false;
    for (int attempt = 0; attempt < kSplitTries; ++attempt) {
      const auto pieces = splitter_.split(nodes, static_cast<int>(group.size()), goal_);
      for (std::size_t i = 0; i < pieces.size(); ++i)
        for (int v : pieces[i]) labels[v] = group[i];
      std::int64_t new_violation = 0;
      double new_score = internal_cut(nodes, labels);
      for (const auto& piece : pieces) {
        std::int64_t h = 0;
        double area = 0, perimeter = 0;
        for (int v : piece) {
          h += graph_.households[v], area += graph_.area_m2[v], perimeter += graph_.perimeter_m[v];
          for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a)
            if (labels[a->to] == labels[v]) perimeter -= a->shared_m;
        }
        new_violation += violation(h, goal_);
        new_score += grid_term(h, area, perimeter, goal_);
      }
      const bool better = repairing
                              ? new_violation < old_violation
                              : new_violation <= old_violation && new_score < old_score - 1e-9;
      if (!better) continue;
      apply(nodes, labels, group);
      old_violation = new_violation, old_score = new_score;
      accepted = true;
      if (repairing && new_violation == 0) break;
    }
    return accepted;
  }

  /// Whether @p nodes induce a connected subgraph. A group's grids can stop touching after an
  /// earlier re-split changed one of them (the caller's neighbour list is then stale).
  bool connected(const std::vector<int>& nodes) {
    ++epoch_;
    for (int v : nodes) stamp_[v] = epoch_;
    const unsigned member = epoch_;
    ++epoch_;
    std::vector<int>& todo = queue_;
    todo.assign(1, nodes.front());
    stamp_[nodes.front()] = epoch_;
    for (std::size_t i = 0; i < todo.size(); ++i) {
      for (const Arc* a = graph_.begin(todo[i]); a != graph_.end(todo[i]); ++a) {
        if (stamp_[a->to] != member) continue;
        stamp_[a->to] = epoch_;
        todo.push_back(a->to);
      }
    }
    return todo.size() == nodes.size();
  }

  double internal_cut(const std::vector<int>& nodes, const std::vector<int>& labels) const {
    double cut = 0;
    for (int v : nodes)
      for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a)
        if (labels[a->to] != labels[v]) cut += 0.5 * graph_.cut_cost(*a);
    return cut;  // borders leaving the group count the same before and after a re-split
  }

  void apply(const std::vector<int>& nodes, const std::vector<int>& labels,
             const std::vector<int>& group) {
    plan_.cut -= internal_cut(nodes, plan_.grid);
    for (int v : nodes) plan_.grid[v] = labels[v];
    plan_.cut += internal_cut(nodes, plan_.grid);
    for (int g : group)
      plan_.households[g] = 0, plan_.area_m2[g] = 0, plan_.perimeter_m[g] = 0, plan_.units[g] = 0;
    for (int v : nodes) {
      const int g = plan_.grid[v];
      plan_.households[g] += graph_.households[v];
      plan_.area_m2[g] += graph_.area_m2[v];
      plan_.perimeter_m[g] += graph_.perimeter_m[v];
      ++plan_.units[g];
      for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a)
        if (plan_.grid[a->to] == g) plan_.perimeter_m[g] -= a->shared_m;
    }
  }

  /// ReCom for grids outside the band: with each neighbour in turn, then with a growing group
  /// of neighbours chosen to pull the group's mean towards the goal.
  void repair_band() {
    for (int round = 0; round < 4 && !deadline_.passed(); ++round) {
      bool progress = false;
      for (int g = 0; g < grids(); ++g) {
        if (in_band(g) || deadline_.passed()) continue;
        const bool light = plan_.households[g] < goal_.min;
        auto by_pull = [&](int a, int b) {
          return light ? plan_.households[a] > plan_.households[b]
                       : plan_.households[a] < plan_.households[b];
        };
        std::vector<int> neighbours = neighbour_grids({g});
        std::sort(neighbours.begin(), neighbours.end(), by_pull);
        bool fixed = false;
        for (int h : neighbours) {
          if (!recombine({g, h}, true)) continue;
          progress = true;
          if ((fixed = in_band(g) && in_band(h))) break;
        }
        std::vector<int> group{g};
        while (!fixed && static_cast<int>(group.size()) < kLargestGroup) {
          auto around = neighbour_grids(group);
          if (around.empty()) break;
          group.push_back(*std::min_element(around.begin(), around.end(), by_pull));
          if (recombine(group, true)) {
            progress = true;
            fixed = std::all_of(group.begin(), group.end(), [&](int x) { return in_band(x); });
          }
        }
      }
      if (!progress) break;
    }
  }

  /// Shape: ReCom of a random adjacent pair, kept only when the objective improves.
  void reshape_pairs() {
    const int steps = kPairStepsPerGrid * grids();
    for (int step = 0; step < steps && !deadline_.passed(); ++step) {
      const int v = random_.below(graph_.size());
      for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a) {
        if (plan_.grid[a->to] == plan_.grid[v]) continue;
        recombine({plan_.grid[v], plan_.grid[a->to]}, false);
        break;
      }
    }
  }

  /// Whether grid g stays connected without node v (search from one of v's neighbours in g
  /// until all of them are reached).
  bool donor_stays_connected(int v, int g) {
    std::vector<int>& todo = queue_;
    todo.clear();
    int targets = 0;
    ++epoch_;
    for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a)
      if (plan_.grid[a->to] == g && stamp_[a->to] != epoch_) stamp_[a->to] = epoch_, ++targets;
    if (targets <= 1) return true;
    ++epoch_;
    stamp_[v] = epoch_;
    for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a)
      if (plan_.grid[a->to] == g) {
        todo.push_back(a->to);
        stamp_[a->to] = epoch_;
        break;
      }
    int reached = 0;
    for (std::size_t i = 0; i < todo.size(); ++i) {
      const int u = todo[i];
      if (touches(u, v)) ++reached;
      if (reached == targets) return true;
      for (const Arc* a = graph_.begin(u); a != graph_.end(u); ++a)
        if (plan_.grid[a->to] == g && stamp_[a->to] != epoch_) {
          stamp_[a->to] = epoch_;
          todo.push_back(a->to);
        }
    }
    return false;
  }
  bool touches(int u, int v) const {
    for (const Arc* a = graph_.begin(u); a != graph_.end(u); ++a)
      if (a->to == v) return true;
    return false;
  }

  /// Greedy boundary moves: each unit goes to the neighbouring grid that lowers the objective
  /// most, if its grid stays connected and both grids stay in band once in band.
  void move_units() {
    std::vector<int> order(static_cast<std::size_t>(graph_.size()));
    for (int v = 0; v < graph_.size(); ++v) order[v] = v;
    struct Option {
      int grid;
      double shared_m, cost;
    };
    std::vector<Option> options;
    for (int pass = 0; pass < kMovePasses && !deadline_.passed(); ++pass) {
      random_.shuffle(order);
      int moved = 0;
      for (int v : order) {
        const int g = plan_.grid[v];
        if (plan_.units[g] == 1) continue;
        options.clear();
        double shared_g = 0, cost_g = 0;
        for (const Arc* a = graph_.begin(v); a != graph_.end(v); ++a) {
          const int h = plan_.grid[a->to];
          if (h == g) {
            shared_g += a->shared_m, cost_g += graph_.cut_cost(*a);
            continue;
          }
          auto it = std::find_if(options.begin(), options.end(),
                                 [h](const Option& o) { return o.grid == h; });
          if (it == options.end()) options.push_back({h, 0, 0}), it = options.end() - 1;
          it->shared_m += a->shared_m, it->cost += graph_.cut_cost(*a);
        }
        if (options.empty()) continue;
        const std::int64_t w = graph_.households[v];
        if (in_band(g) && plan_.households[g] - w < goal_.min) continue;
        const double area = graph_.area_m2[v], per = graph_.perimeter_m[v];
        const double donor_delta = grid_term(plan_.households[g] - w, plan_.area_m2[g] - area,
                                             plan_.perimeter_m[g] - per + 2 * shared_g, goal_) -
                                   term(g);
        const Option* best = nullptr;
        double best_delta = -1e-9;
        for (const Option& o : options) {
          const int h = o.grid;
          if (in_band(h) && plan_.households[h] + w > goal_.max) continue;
          const double delta = donor_delta +
                               grid_term(plan_.households[h] + w, plan_.area_m2[h] + area,
                                         plan_.perimeter_m[h] + per - 2 * o.shared_m, goal_) -
                               term(h) + cost_g - o.cost;
          if (delta < best_delta) best_delta = delta, best = &o;
        }
        if (!best || !donor_stays_connected(v, g)) continue;
        const int h = best->grid;
        plan_.households[g] -= w, plan_.households[h] += w;
        plan_.area_m2[g] -= area, plan_.area_m2[h] += area;
        plan_.perimeter_m[g] += 2 * shared_g - per;
        plan_.perimeter_m[h] += per - 2 * best->shared_m;
        --plan_.units[g], ++plan_.units[h];
        plan_.cut += cost_g - best->cost;
        plan_.grid[v] = h;
        ++moved;
      }
      if (moved == 0) break;
    }
  }

  const LocalGraph& graph_;
  const Goal& goal_;
  Plan& plan_;
  TreeSplitter& splitter_;
  Random& random_;
  const Deadline& deadline_;
  std::vector<unsigned> stamp_;
  unsigned epoch_ = 0;
  std::vector<int> queue_;
};

}  // namespace

void improve(const LocalGraph& graph, const Goal& goal, Plan& plan, TreeSplitter& splitter,
             Random& random, const Deadline& deadline) {
  Improver(graph, goal, plan, splitter, random, deadline).run();
}

}  // namespace wangge::regrid::detail
