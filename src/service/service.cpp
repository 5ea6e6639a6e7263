#include "wangge/service/service.hpp"

#include "grid_snapshot.hpp"

#include <atomic>

#include "wangge/util/error.hpp"

namespace wangge::service {

std::string_view to_string(grid::LocateStatus s) noexcept {
  switch (s) {
    case grid::LocateStatus::inside:
      return "inside";
    case grid::LocateStatus::outside:
      return "outside";
    case grid::LocateStatus::not_covered:
      return "not_covered";
  }
  return "not_covered";
}

ValidationRun Service::validate_grids(const std::string& path, const grid::ImportOptions& import,
                                      const grid::ValidationOptions& validation) {
  ValidationRun run;
  run.import = grid::import_grids(path, import);
  run.report = grid::validate(run.import.grids, validation);
  // Problems met while reading come first: they explain later geometry findings.
  run.report.findings.insert(run.report.findings.begin(), run.import.problems.begin(),
                             run.import.problems.end());
  return run;
}

std::vector<std::string> Service::load_grids(const std::string& path,
                                             const grid::ImportOptions& import,
                                             double outside_tolerance_m) {
  grid::ImportResult result = grid::import_grids(path, import);
  set_grids(std::move(result.grids), outside_tolerance_m);
  return std::move(result.notes);
}

void Service::set_grids(std::vector<grid::Grid> grids, double outside_tolerance_m) {
  auto set = std::make_shared<const grid::GridSet>(grid::GridSet::build(std::move(grids)));
  auto index = std::make_shared<const grid::GridIndex>(set, outside_tolerance_m);
  swap_grids(std::make_shared<const GridSnapshot>(GridSnapshot{std::move(index), ""}));
}

std::shared_ptr<const Service::GridSnapshot> Service::grid_snapshot() const {
  return std::atomic_load(&grids_);
}

void Service::swap_grids(std::shared_ptr<const GridSnapshot> snapshot) {
  std::atomic_store(&grids_, std::move(snapshot));
}

std::shared_ptr<const grid::GridIndex> Service::grid_index() const {
  auto grids = grid_snapshot();
  if (!grids) throw Error(ErrorCode::not_found, "no grids are loaded");
  return grids->index;
}

LocateAnswer Service::locate(geo::LonLat point, geo::Datum datum) const {
  return locate(*grid_index(), point, datum);
}

LocateAnswer Service::locate(const grid::GridIndex& index, geo::LonLat point, geo::Datum datum) {
  LocateAnswer answer(point, datum, geo::to_wgs84(point, datum));
  const grid::Location loc = index.locate(answer.wgs84);
  answer.status = loc.status;
  if (loc.status == grid::LocateStatus::not_covered) return answer;
  const grid::GridSet& set = index.grids();
  answer.on_boundary = loc.on_boundary;
  answer.boundary_distance_m = loc.boundary_distance_m;
  for (std::size_t i : loc.covering) answer.covering.push_back(set[i].id);
  for (std::size_t i : loc.chain) {
    const grid::Grid& g = set[i];
    answer.chain.push_back(
        {g.id, g.code, g.name, set.level(i), set.level_name(set.depth(i)), g.leader});
  }
  return answer;
}

}  // namespace wangge::service
