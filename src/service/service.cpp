#include "wangge/service/service.hpp"

#include "grid_snapshot.hpp"

#include <atomic>

#include "wangge/util/error.hpp"

namespace wangge {

std::string_view to_string(LocateStatus s) noexcept {
  switch (s) {
    case LocateStatus::inside:
      return "inside";
    case LocateStatus::outside:
      return "outside";
    case LocateStatus::not_covered:
      return "not_covered";
  }
  return "not_covered";
}

ValidationRun Service::validate_grids(const std::string& path, const ImportOptions& import,
                                      const ValidationOptions& validation) {
  ValidationRun run;
  run.import = import_grids(path, import);
  run.report = validate(run.import.grids, validation);
  // Problems met while reading come first: they explain later geometry findings.
  run.report.findings.insert(run.report.findings.begin(), run.import.problems.begin(),
                             run.import.problems.end());
  return run;
}

std::vector<std::string> Service::load_grids(const std::string& path, const ImportOptions& import,
                                             double outside_tolerance_m) {
  ImportResult result = import_grids(path, import);
  set_grids(std::move(result.grids), outside_tolerance_m);
  return std::move(result.notes);
}

void Service::set_grids(std::vector<Grid> grids, double outside_tolerance_m) {
  auto set = std::make_shared<const GridSet>(GridSet::build(std::move(grids)));
  auto index = std::make_shared<const GridIndex>(set, outside_tolerance_m);
  swap_grids(std::make_shared<const GridSnapshot>(GridSnapshot{std::move(index), ""}));
}

std::shared_ptr<const Service::GridSnapshot> Service::grid_snapshot() const {
  return std::atomic_load(&grids_);
}

void Service::swap_grids(std::shared_ptr<const GridSnapshot> snapshot) {
  std::atomic_store(&grids_, std::move(snapshot));
}

std::shared_ptr<const GridIndex> Service::grid_index() const {
  auto grids = grid_snapshot();
  if (!grids) throw Error(ErrorCode::not_found, "no grids are loaded");
  return grids->index;
}

LocateAnswer Service::locate(geo::LonLat point, geo::Datum datum) const {
  return locate(*grid_index(), point, datum);
}

LocateAnswer Service::locate(const GridIndex& index, geo::LonLat point, geo::Datum datum) {
  LocateAnswer answer(point, datum, geo::to_wgs84(point, datum));
  const Location loc = index.locate(answer.wgs84);
  answer.status = loc.status;
  if (loc.status == LocateStatus::not_covered) return answer;
  const GridSet& set = index.grids();
  answer.on_boundary = loc.on_boundary;
  answer.boundary_distance_m = loc.boundary_distance_m;
  for (std::size_t i : loc.covering) answer.covering.push_back(set[i].id);
  for (std::size_t i : loc.chain) {
    const Grid& g = set[i];
    answer.chain.push_back(
        {g.id, g.code, g.name, set.level(i), set.level_name(set.depth(i)), g.leader});
  }
  return answer;
}

}  // namespace wangge
