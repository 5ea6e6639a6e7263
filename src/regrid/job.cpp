// The `wangge regrid` job: parents in parallel, failed parents isolated, the new generation
// validated, the diff of open reports.
#include "wangge/regrid/job.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "job_inputs.hpp"
#include "wangge/geo/geos.hpp"
#include "wangge/grid/import.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/parallel.hpp"
#include "wangge/util/progress.hpp"

namespace wangge::regrid {
namespace {

/// The parents of the job: grids of the parent level (only those asked for, if any).
/// @throws Error(not_found / invalid_data) naming the parent or level missing.
std::vector<const grid::Grid*> select_parents(const RegridJob& job,
                                              const std::vector<grid::Grid>& grids,
                                              const std::vector<std::string>& notes) {
  std::vector<const grid::Grid*> parents;
  for (const grid::Grid& g : grids) {
    if (g.level.value_or(-1) != job.parent_level) continue;
    if (!job.parent_ids.empty() &&
        std::find(job.parent_ids.begin(), job.parent_ids.end(), g.id) == job.parent_ids.end() &&
        std::find(job.parent_ids.begin(), job.parent_ids.end(), g.code) == job.parent_ids.end())
      continue;
    parents.push_back(&g);
  }
  for (const std::string& id : job.parent_ids) {
    const bool found = std::any_of(parents.begin(), parents.end(), [&](const grid::Grid* p) {
      return p->id == id || p->code == id;
    });
    if (!found)
      throw Error(ErrorCode::not_found, "parents: no grid '" + id + "' at level " +
                                            std::to_string(job.parent_level) + " in " +
                                            job.parents);
  }
  if (parents.empty()) {
    std::string why;  // e.g. a level field of text, which was not read
    for (const std::string& n : notes) why += "; " + n;
    throw Error(ErrorCode::invalid_data, "parents: " + job.parents + " has no grid at level " +
                                             std::to_string(job.parent_level) +
                                             " (--parent-level)" + why);
  }
  return parents;
}

/// Gives each grid without a level number its depth in the hierarchy (0 for a root), as the
/// validator counts levels, so that a layer of one level without a level field has parents at
/// level 0. @returns how many grids had no level.
std::size_t fill_missing_levels(std::vector<grid::Grid>& grids) {
  std::unordered_map<std::string, const grid::Grid*> by_id;
  for (const grid::Grid& g : grids) by_id.emplace(g.id, &g);
  std::vector<int> depth(grids.size(), 0);
  for (std::size_t i = 0; i < grids.size(); ++i) {
    const grid::Grid* cur = &grids[i];
    // (a cycle or a missing parent ends the walk: the validator reports those)
    for (int guard = 0; guard < 64 && !cur->parent_id.empty(); ++guard) {
      const auto up = by_id.find(cur->parent_id);
      if (up == by_id.end()) break;
      cur = up->second;
      ++depth[i];
    }
  }
  std::size_t filled = 0;
  for (std::size_t i = 0; i < grids.size(); ++i) {
    if (grids[i].level) continue;
    grids[i].level = depth[i];
    ++filled;
  }
  return filled;
}

/// Invalid parent polygons are bad input: named, all of them, before any work.
void check_parent_polygons(const std::vector<const grid::Grid*>& parents,
                           const std::string& source) {
  const geos::Context ctx;
  std::string bad;
  int count = 0;
  for (const grid::Grid* p : parents) {
    const geos::Geometry g = geos::to_geos(ctx, p->geometry);
    if (auto why = geos::invalidity(ctx, g.get())) {
      if (++count <= 5)
        bad += "; " + grid::describe(*p) + ": " + why->reason + " near (" +
               std::to_string(why->where.x) + ", " + std::to_string(why->where.y) + ")";
    }
  }
  if (count)
    throw Error(ErrorCode::invalid_data,
                "parents: " + std::to_string(count) + " parent polygon(s) in " + source +
                    " are invalid (rule invalid-geometry)" + bad +
                    "; repair them first: wangge validate " + source + " --fix --out FILE");
}

/// The new generation: every input grid outside the subtrees of the parents re-gridded
/// (failed parents keep their old grids), then the new grids; with @p only_new, the new grids.
std::vector<grid::Grid> assemble(const std::vector<grid::Grid>& grids,
                                 const std::vector<const grid::Grid*>& parents,
                                 const std::vector<ParentPlan>& plans, bool only_new) {
  std::vector<grid::Grid> out;
  if (!only_new) {
    std::vector<std::string> done;
    for (std::size_t i = 0; i < parents.size(); ++i)
      if (!plans[i].failure) done.push_back(parents[i]->id);
    auto replaced = [&](const grid::Grid& g) {  // g descends from a parent re-gridded now
      const grid::Grid* cur = &g;
      for (int guard = 0; cur && guard < 64; ++guard) {
        if (std::find(done.begin(), done.end(), cur->parent_id) != done.end()) return true;
        const grid::Grid* up = nullptr;
        for (const grid::Grid& h : grids)
          if (h.id == cur->parent_id) up = &h;
        cur = up;
      }
      return false;
    };
    for (const grid::Grid& g : grids)
      if (!replaced(g)) out.push_back(g);
  }
  for (const ParentPlan& plan : plans)
    for (const grid::Grid& g : plan.grids) out.push_back(g);
  return out;
}

/// Validates the whole generation; a parent whose new grids break a rule fails with it (and
/// keeps its old grids), until the generation is clean.
/// @throws Error(invalid_data) when what breaks a rule is grids carried over from the input.
std::vector<grid::Grid> validated_generation(const RegridJob& job,
                                             const std::vector<grid::Grid>& grids,
                                             const std::vector<const grid::Grid*>& parents,
                                             std::vector<ParentPlan>& plans) {
  for (;;) {
    std::vector<grid::Grid> generation = assemble(grids, parents, plans, false);
    std::vector<grid::Grid> copy = generation;
    const grid::ValidationReport report = grid::validate(copy, grid::ValidationOptions{});
    if (report.errors() == 0) return generation;
    bool blamed = false;
    std::string input_errors;
    for (const grid::Finding& f : report.findings) {
      if (f.severity != grid::Severity::error) continue;
      bool ours = false;
      for (std::size_t i = 0; i < plans.size(); ++i) {
        for (const grid::Grid& g : plans[i].grids) {
          if (std::find(f.grid_ids.begin(), f.grid_ids.end(), g.id) == f.grid_ids.end()) continue;
          ours = true;
          if (!plans[i].failure)
            plans[i].failure = "the new generation fails validation: [" + f.rule + "] " + f.message;
        }
      }
      blamed |= ours;
      if (!ours && input_errors.empty()) input_errors = "[" + f.rule + "] " + f.message;
    }
    for (ParentPlan& p : plans)
      if (p.failure) p.grids.clear();
    if (!blamed)
      throw Error(ErrorCode::invalid_data,
                  "parents: the grids of " + job.parents +
                      " that are carried over unchanged fail validation (" +
                      std::to_string(report.errors()) + " errors; the first: " + input_errors +
                      "); check them with wangge validate " + job.parents);
  }
}

/// The open reports in parents re-gridded now whose grid or leader changes, and how many
/// reports lie in those parents.
std::pair<std::vector<ReportChange>, std::size_t> report_changes(
    const std::vector<ReportPoint>& reports, const std::vector<grid::Grid>& grids,
    const std::vector<const grid::Grid*>& parents, const std::vector<ParentPlan>& plans) {
  std::vector<ReportChange> changes;
  std::size_t checked = 0;
  for (const ReportPoint& r : reports) {
    for (std::size_t i = 0; i < parents.size(); ++i) {
      if (geo::locate_point(parents[i]->geometry, r.at) != geo::PointLocation::inside) continue;
      if (plans[i].failure) break;  // its grids stay as they are
      ++checked;
      ReportChange c{r.id, "", "", "", ""};
      for (const grid::Grid& g : grids) {
        if (g.parent_id == parents[i]->id &&
            geo::locate_point(g.geometry, r.at) != geo::PointLocation::outside) {
          c.old_grid = g.code.empty() ? g.id : g.code;
          c.old_leader = g.leader.name;
          break;
        }
      }
      for (const grid::Grid& g : plans[i].grids) {
        if (geo::locate_point(g.geometry, r.at) != geo::PointLocation::outside) {
          c.new_grid = g.code;
          c.new_leader = g.leader.name;
          break;
        }
      }
      if (c.old_grid != c.new_grid || c.old_leader != c.new_leader) changes.push_back(std::move(c));
      break;
    }
  }
  return {std::move(changes), checked};
}

}  // namespace

std::size_t RegridOutcome::failed_parents() const {
  return static_cast<std::size_t>(
      std::count_if(plans.begin(), plans.end(), [](const ParentPlan& p) { return p.failure; }));
}

RegridOutcome run_regrid(const RegridJob& job, const std::atomic<bool>* interrupted) {
  const auto started = std::chrono::steady_clock::now();
  const Band& band = job.parent.band;
  if (band.min > band.max || band.min < 0 || band.max <= 0)
    throw Error(ErrorCode::invalid_argument, "the band needs 0 <= --min <= --max, --max > 0");
  if (!(job.parent.time_budget_s >= 0) || !std::isfinite(job.parent.time_budget_s))
    throw Error(ErrorCode::invalid_argument, "--time-budget must be finite and >= 0 seconds");
  grid::ImportResult source = grid::import_grids(job.parents, grid::ImportOptions{});
  for (const grid::Finding& f : source.problems) {
    if (f.rule == "bad-geometry") throw Error(ErrorCode::invalid_data, "parents: " + f.message);
  }
  if (const std::size_t filled = fill_missing_levels(source.grids)) {
    source.notes.push_back(std::to_string(filled) + " of the grids in " + job.parents +
                           " have no level number: their level is their depth in the hierarchy "
                           "(0 for a grid without a parent)");
  }
  const std::vector<grid::Grid>& grids = source.grids;
  const std::vector<const grid::Grid*> parents = select_parents(job, grids, source.notes);
  check_parent_polygons(parents, job.parents);
  RegridOutcome out;
  out.notes = source.notes;
  UnitsRead units = read_units(job.units, job.households_field);
  for (std::string& n : units.notes) out.notes.push_back(std::move(n));
  const std::vector<Building>& buildings = units.buildings;
  const std::vector<Road> roads = job.roads.empty() ? std::vector<Road>{} : read_roads(job.roads);
  // Read before the work, so that a bad file is refused at once.
  const std::vector<ReportPoint> reports =
      job.reports.empty() ? std::vector<ReportPoint>{} : read_reports(job.reports);

  out.plans.resize(parents.size());
  ProgressBar progress("parents", parents.size());
  const unsigned threads = job.threads ? job.threads : default_thread_count();
  parallel_for(parents.size(), threads, 1, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      if (interrupted && interrupted->load())
        throw Error(ErrorCode::unavailable, "interrupted: nothing was written");
      std::vector<const grid::Grid*> children;
      for (const grid::Grid& g : grids) {
        if (g.parent_id == parents[i]->id) children.push_back(&g);
      }
      ParentOptions o = job.parent;
      o.seed = job.parent.seed + i;  // independent streams, reproducible per parent
      out.plans[i] = regrid_parent(*parents[i], children, buildings, roads, o);
      progress.advance();
    }
  });
  if (interrupted && interrupted->load())
    throw Error(ErrorCode::unavailable, "interrupted: nothing was written");
  progress.finish();
  for (const grid::Grid* p : parents) out.parent_codes.push_back(p->code.empty() ? p->id : p->code);

  // Each parent's grids were validated with it alone; the whole generation is validated too
  // (ids and codes across parents, the hierarchy), unless only the new grids are wanted.
  out.generation = job.only_new ? assemble(grids, parents, out.plans, true)
                                : validated_generation(job, grids, parents, out.plans);

  std::tie(out.changes, out.reports_checked) = report_changes(reports, grids, parents, out.plans);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return out;
}

}  // namespace wangge::regrid
