#include "assignment_columns.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {

enum AssignmentColumns::Column : int {
  // Per grid, in the order of raw_/escaped_:
  grid_id,
  grid_code,
  grid_name,
  grid_level,
  grid_chain,
  leader_name,
  leader_role,
  leader_phone,
  leader_chain,
  // Per point:
  grid_status,
  on_boundary,
  covering,
  boundary_distance_m,
  error
};

namespace {

const std::vector<std::string> kNames = {
    "grid_status", "grid_id",     "grid_code",           "grid_name",    "grid_level",
    "grid_chain",  "leader_name", "leader_role",         "leader_phone", "leader_chain",
    "on_boundary", "covering",    "boundary_distance_m", "error"};

bool per_grid(int c) {
  return c < 9;
}  // grid_id .. leader_chain

const char* status_of(const grid::Location& loc) {
  return loc.status == grid::LocateStatus::inside    ? "inside"
         : loc.status == grid::LocateStatus::outside ? "outside"
                                                     : "not_covered";
}

std::string centimetres(double metres) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, metres, std::chars_format::fixed, 2);
  return std::string(buf, r.ptr);
}

}  // namespace

const std::vector<std::string>& all_assignment_columns() {
  return kNames;
}

AssignmentColumns::AssignmentColumns(const grid::GridSet& set,
                                     const std::vector<std::string>& names)
    : set_(set), names_(names.empty() ? kNames : names) {
  static const Column kByName[] = {grid_status,         grid_id,      grid_code,   grid_name,
                                   grid_level,          grid_chain,   leader_name, leader_role,
                                   leader_phone,        leader_chain, on_boundary, covering,
                                   boundary_distance_m, error};
  std::set<std::string> seen;
  for (const std::string& name : names_) {
    const auto it = std::find(kNames.begin(), kNames.end(), name);
    if (it == kNames.end() || !seen.insert(name).second) {
      std::string known;
      for (const auto& k : kNames) known += (known.empty() ? "" : ", ") + k;
      throw Error(ErrorCode::invalid_argument,
                  "column '" + name + "' is " +
                      (it == kNames.end() ? "not an assignment column" : "listed twice") +
                      "; the columns are: " + known);
    }
    columns_.push_back(kByName[it - kNames.begin()]);
  }

  raw_.resize(set.size());
  escaped_.resize(set.size());
  for (std::size_t i = 0; i < set.size(); ++i) {
    std::vector<std::size_t> chain;
    for (std::optional<std::size_t> g = i; g; g = set.parent(*g)) chain.push_back(*g);
    const grid::Grid& leaf = set[i];
    auto& f = raw_[i];
    f[grid_id] = leaf.id;
    f[grid_code] = leaf.code;
    f[grid_name] = leaf.name;
    f[grid_level] = std::to_string(set.level(i));
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      if (!f[grid_chain].empty()) f[grid_chain] += '>';
      f[grid_chain] += set[*it].code.empty() ? set[*it].id : set[*it].code;
    }
    f[leader_name] = leaf.leader.name;
    f[leader_role] = leaf.leader.role;
    f[leader_phone] = leaf.leader.phone;
    for (std::size_t g : chain) {
      const grid::Leader& l = set[g].leader;
      if (l.name.empty()) continue;
      if (!f[leader_chain].empty()) f[leader_chain] += "; ";
      f[leader_chain] += (l.role.empty() ? set.level_name(set.depth(g)) : l.role) + " " + l.name;
    }
    std::size_t size = 0;
    for (std::size_t c = 0; c < kPerGrid; ++c) {
      escaped_[i][c] = csv::escape(f[c]);
      if (std::find(columns_.begin(), columns_.end(), static_cast<Column>(c)) != columns_.end()) {
        size += escaped_[i][c].size();
      }
    }
    // Per-point columns: status, boolean, one covering id, a distance: 64 bytes is ample.
    max_csv_size_ =
        std::max(max_csv_size_, size + escaped_[i][grid_id].size() + columns_.size() + 64);
  }
}

std::string AssignmentColumns::value(Column c, const grid::Location& loc) const {
  if (c == grid_status) return status_of(loc);
  if (c == error || loc.status == grid::LocateStatus::not_covered) return {};
  if (per_grid(c)) return raw_[loc.grid][c];
  if (c == on_boundary) return loc.on_boundary ? "true" : "false";
  if (c == boundary_distance_m) return centimetres(loc.boundary_distance_m);
  std::string ids;  // covering
  for (std::size_t i : loc.covering) ids += (ids.empty() ? "" : "|") + set_[i].id;
  return ids;
}

std::vector<std::string> AssignmentColumns::values(const grid::Location& loc) const {
  std::vector<std::string> out;
  for (Column c : columns_) out.push_back(value(c, loc));
  return out;
}

std::vector<std::string> AssignmentColumns::rejected(const std::string& reason) const {
  std::vector<std::string> out;
  for (Column c : columns_) out.push_back(c == grid_status ? "rejected" : c == error ? reason : "");
  return out;
}

void AssignmentColumns::append_csv(const grid::Location& loc, std::string& out) const {
  for (Column c : columns_) {
    out += ',';
    if (per_grid(c) && loc.status != grid::LocateStatus::not_covered) {
      out += escaped_[loc.grid][c];
    } else if (c == covering && loc.covering.size() == 1) {
      out += escaped_[loc.covering.front()][grid_id];
    } else {
      out += csv::escape(value(c, loc));
    }
  }
}

}  // namespace wangge::service
