// Recursive spanning-tree bisection (after GerryChain's `recursive_tree_part` and region-aware
// `bipartition_tree`). A random spanning tree is drawn with Kruskal on a random edge order in
// which every street edge comes after every non-street edge, so the tree crosses streets as
// rarely as the graph allows and cutting one of its edges tends to separate whole street
// blocks. Every tree edge is a candidate cut: both sides are connected by construction. The
// cut cost of all candidates is computed in one pass from offline lowest common ancestors:
// cost(subtree) = sum of its nodes' border costs - 2 × cost of the edges whose LCA is inside.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "local_graph.hpp"

namespace wangge::regrid::detail {

namespace {

constexpr int kStrictTreesWanted = 3;  // trees with an in-band cut to choose the best among
constexpr int kStrictAttempts = 24;    // trees drawn before accepting a merely feasible cut
constexpr int kMaxAttempts = 48;       // trees drawn before accepting any cut

int find_root(std::vector<int>& parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

}  // namespace

/// The best candidate cut seen so far: level 0 keeps both sides comfortably in band, level 1
/// keeps them feasible (parts × min <= households <= parts × max), level 2 neither.
struct TreeSplitter::Cut {
  int level = 3;
  double score = std::numeric_limits<double>::infinity();
  std::vector<int> subtree;  // graph nodes of the cut-off subtree
  bool subtree_is_left = true;
  /// Whether a candidate of @p other_level and @p other_score beats this cut.
  bool improved_by(int other_level, double other_score) const {
    return other_level < level || (other_level == level && other_score < score);
  }
};

TreeSplitter::TreeSplitter(const LocalGraph& graph, Random& random)
    : graph_(graph), random_(random), position_(static_cast<std::size_t>(graph.size()), -1) {}

std::vector<std::vector<int>> TreeSplitter::split(const std::vector<int>& nodes, int parts,
                                                  const Goal& goal) {
  assert(parts >= 1 && parts <= static_cast<int>(nodes.size()));
  if (parts == 1) return {nodes};
  if (parts == static_cast<int>(nodes.size())) {
    std::vector<std::vector<int>> singletons;
    for (int v : nodes) singletons.push_back({v});
    return singletons;
  }
  const int left_parts = parts / 2, right_parts = parts - left_parts;
  auto halves = bisect(nodes, left_parts, right_parts, goal);
  auto pieces = split(halves[0], left_parts, goal);
  auto right = split(halves[1], right_parts, goal);
  pieces.insert(pieces.end(), std::make_move_iterator(right.begin()),
                std::make_move_iterator(right.end()));
  return pieces;
}

std::vector<std::vector<int>> TreeSplitter::bisect(const std::vector<int>& nodes, int left_parts,
                                                   int right_parts, const Goal& goal) {
  const int n = static_cast<int>(nodes.size());
  nodes_ = nodes;
  for (int i = 0; i < n; ++i) position_[nodes[i]] = i;
  edges_.clear();
  for (int i = 0; i < n; ++i) {
    for (const Arc* a = graph_.begin(nodes[i]); a != graph_.end(nodes[i]); ++a) {
      const int j = position_[a->to];
      if (j > i) edges_.push_back({i, j, graph_.cut_cost(*a), a->street});
    }
  }
  first_edge_.assign(n + 1, 0);
  incident_.resize(2 * edges_.size());
  for (const Edge& e : edges_) ++first_edge_[e.a + 1], ++first_edge_[e.b + 1];
  for (int i = 0; i < n; ++i) first_edge_[i + 1] += first_edge_[i];
  next_child_.assign(first_edge_.begin(), first_edge_.end() - 1);  // fill cursors
  for (int e = 0; e < static_cast<int>(edges_.size()); ++e)
    incident_[next_child_[edges_[e].a]++] = e, incident_[next_child_[edges_[e].b]++] = e;
  Cut best;
  int strict_trees = 0;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    draw_tree(n);
    if (scan_tree(n, left_parts, right_parts, goal, best) == 0) ++strict_trees;
    if (strict_trees >= kStrictTreesWanted) break;
    if (attempt + 1 >= kStrictAttempts && best.level <= 1) break;
  }
  assert(!best.subtree.empty());
  std::vector<std::vector<int>> halves(2);
  std::vector<int>& inside = halves[best.subtree_is_left ? 0 : 1];
  std::vector<int>& outside = halves[best.subtree_is_left ? 1 : 0];
  inside = best.subtree;
  for (int v : inside) position_[v] = -2;
  for (int v : nodes)
    if (position_[v] != -2) outside.push_back(v);
  for (int v : nodes) position_[v] = -1;
  return halves;
}

void TreeSplitter::draw_tree(int n) {
  // A random order with every street edge after every non-street one: Kruskal on random
  // weights plus a street surcharge larger than any weight.
  order_.clear();
  street_edges_.clear();
  for (int e = 0; e < static_cast<int>(edges_.size()); ++e)
    (edges_[e].street ? street_edges_ : order_).push_back(e);
  random_.shuffle(order_);
  random_.shuffle(street_edges_);
  order_.insert(order_.end(), street_edges_.begin(), street_edges_.end());

  union_find_.resize(n);
  for (int i = 0; i < n; ++i) union_find_[i] = i;
  tree_.resize(std::max<std::size_t>(tree_.size(), n));
  for (int i = 0; i < n; ++i) tree_[i].clear();
  int joined = 0;
  for (int e : order_) {
    const int ra = find_root(union_find_, edges_[e].a), rb = find_root(union_find_, edges_[e].b);
    if (ra == rb) continue;
    union_find_[ra] = rb;
    tree_[edges_[e].a].push_back(edges_[e].b);
    tree_[edges_[e].b].push_back(edges_[e].a);
    if (++joined == n - 1) break;
  }
  assert(joined == n - 1 && "the node set of a split must be connected");
}

int TreeSplitter::scan_tree(int n, int left_parts, int right_parts, const Goal& goal, Cut& best) {
  // Iterative DFS from a random root: preorder ranges of subtrees, subtree households, and
  // Tarjan's offline LCA of every graph edge to get every subtree's cut cost.
  parent_.assign(n, -1);
  subtree_end_.assign(n, 0);
  weight_below_.assign(n, 0);
  cost_below_.assign(n, 0);
  ancestor_.resize(n);
  tin_.assign(n, 0);
  next_child_.assign(n, 0);
  finished_.assign(n, 0);
  for (int i = 0; i < n; ++i) union_find_[i] = i, ancestor_[i] = i;
  for (const Edge& e : edges_) cost_below_[e.a] += e.cost, cost_below_[e.b] += e.cost;

  std::vector<int>& preorder = preorder_;
  preorder.clear();
  std::vector<int>& stack = stack_;
  stack.assign(1, random_.below(n));
  preorder.push_back(stack.back());
  while (!stack.empty()) {
    const int u = stack.back();
    if (next_child_[u] < static_cast<int>(tree_[u].size())) {
      const int c = tree_[u][next_child_[u]++];
      if (c == parent_[u]) continue;
      parent_[c] = u;
      tin_[c] = static_cast<int>(preorder.size());
      preorder.push_back(c);
      stack.push_back(c);
      continue;
    }
    finished_[u] = 1;
    weight_below_[u] += graph_.households[nodes_[u]];
    for (int k = first_edge_[u]; k < first_edge_[u + 1]; ++k) {
      const Edge& e = edges_[incident_[k]];
      const int other = e.a == u ? e.b : e.a;
      if (finished_[other]) cost_below_[ancestor_[find_root(union_find_, other)]] -= 2 * e.cost;
    }
    subtree_end_[u] = static_cast<int>(preorder.size());
    stack.pop_back();
    if (!stack.empty()) {
      const int p = stack.back();
      weight_below_[p] += weight_below_[u];
      cost_below_[p] += cost_below_[u];
      union_find_[find_root(union_find_, u)] = find_root(union_find_, p);
      ancestor_[find_root(union_find_, p)] = p;
    }
  }
  // cost_below_[u] now holds the cut cost of u's subtree: its nodes' border costs minus twice
  // the edges inside (the LCA of an inside edge is in the subtree and was subtracted there).

  const std::int64_t total = weight_below_[preorder[0]];
  const double mean = goal.mean > 0 ? goal.mean : 1;
  auto side_level = [&](std::int64_t w, int parts) {
    if (parts == 1) return goal.min <= w && w <= goal.max ? 0 : violation(w, goal) == 0 ? 1 : 2;
    const double avg = static_cast<double>(w) / parts;
    if (avg >= goal.mean - 0.5 * (goal.mean - goal.min) &&
        avg <= goal.mean + 0.5 * (goal.max - goal.mean))
      return 0;
    return parts * goal.min <= w && w <= parts * goal.max ? 1 : 2;
  };
  auto side_violation = [&](std::int64_t w, int parts) {
    return std::max<std::int64_t>(0, parts * goal.min - w) +
           std::max<std::int64_t>(0, w - parts * goal.max);
  };
  auto side_balance = [&](std::int64_t w, int parts) {
    const double dev = (static_cast<double>(w) / parts - goal.mean) / mean;
    return parts * dev * dev;
  };
  int tree_level = 3;
  for (int u : preorder) {
    if (parent_[u] < 0) continue;
    const std::int64_t inside = weight_below_[u], outside = total - inside;
    const int inside_nodes = subtree_end_[u] - tin_[u], outside_nodes = n - inside_nodes;
    for (int option = 0; option < (left_parts == right_parts ? 1 : 2); ++option) {
      const int in_parts = option == 0 ? left_parts : right_parts;
      const int out_parts = option == 0 ? right_parts : left_parts;
      if (inside_nodes < in_parts || outside_nodes < out_parts) continue;
      const int level = std::max(side_level(inside, in_parts), side_level(outside, out_parts));
      tree_level = std::min(tree_level, level);
      const double score =
          kViolationWeight * static_cast<double>(side_violation(inside, in_parts) +
                                                 side_violation(outside, out_parts)) +
          kBalanceWeight * (side_balance(inside, in_parts) + side_balance(outside, out_parts)) +
          cost_below_[u];
      if (!best.improved_by(level, score)) continue;
      best.level = level;
      best.score = score;
      best.subtree_is_left = option == 0;
      best.subtree.clear();
      for (int t = tin_[u]; t < subtree_end_[u]; ++t) best.subtree.push_back(nodes_[preorder[t]]);
    }
  }
  return tree_level;
}

}  // namespace wangge::regrid::detail
