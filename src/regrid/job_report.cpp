// The metrics of a re-gridding run, as JSON and as a readable table.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "wangge/regrid/job.hpp"

namespace wangge::regrid {
namespace {

struct Totals {
  std::size_t grids = 0, in_band = 0;
  std::int64_t households = 0, min_h = 0, max_h = 0, moved = 0;
  double mean = 0, cv = 0, pp_min = 1, pp_mean = 0, border = 0, street = 0;
  double gap = 0, overlap = 0, escape = 0;
  int noncontiguous = 0, multipart = 0, infeasible = 0;
  std::size_t vacant = 0, unplaced = 0;
};

Totals totals(const RegridJob& job, const RegridOutcome& o) {
  Totals t;
  std::vector<std::int64_t> h;
  double pp_sum = 0;
  for (const ParentPlan& p : o.plans) {
    if (p.failure) continue;  // nothing of it is written; its figures may be half-made
    for (const grid::Grid& g : p.grids) h.push_back(g.households.value_or(0));
    pp_sum += p.pp_mean * static_cast<double>(p.grids.size());
    if (!p.grids.empty()) t.pp_min = std::min(t.pp_min, p.pp_min);
    t.border += p.border_m;
    t.street += p.street_border_m;
    t.gap += p.gap_m2;
    t.overlap += p.overlap_m2;
    t.escape += p.escape_m2;
    t.noncontiguous += p.metrics.noncontiguous;
    t.multipart += p.multipart;
    t.infeasible += !p.feasible;
    t.moved += p.households_moved;
    t.vacant += p.vacant.size();
    t.unplaced += p.unplaced.size();
  }
  t.grids = h.size();
  if (h.empty()) return t;
  t.min_h = *std::min_element(h.begin(), h.end());
  t.max_h = *std::max_element(h.begin(), h.end());
  for (auto v : h) {
    t.households += v;
    t.in_band += v >= job.parent.band.min && v <= job.parent.band.max;
  }
  t.mean = static_cast<double>(t.households) / static_cast<double>(h.size());
  double var = 0;
  for (auto v : h) var += (static_cast<double>(v) - t.mean) * (static_cast<double>(v) - t.mean);
  t.cv = t.mean > 0 ? std::sqrt(var / static_cast<double>(h.size())) / t.mean : 0;
  t.pp_mean = pp_sum / static_cast<double>(h.size());
  return t;
}

}  // namespace

nlohmann::json metrics_json(const RegridJob& job, const RegridOutcome& o) {
  const Totals t = totals(job, o);
  nlohmann::json parents = nlohmann::json::array();
  for (std::size_t i = 0; i < o.plans.size(); ++i) {
    const ParentPlan& p = o.plans[i];
    nlohmann::json grids = nlohmann::json::array();
    for (std::size_t g = 0; g < p.grids.size(); ++g) {
      grids.push_back({{"code", p.grids[g].code},
                       {"households", p.grids[g].households.value_or(0)},
                       {"leader", p.grids[g].leader.name},
                       {"leader_from", p.leader_from[g]}});
    }
    parents.push_back({{"parent", o.parent_codes[i]},
                       {"failed", p.failure ? nlohmann::json(*p.failure) : nlohmann::json()},
                       {"repairs", p.repairs},
                       {"households", p.households},
                       {"street_blocks", p.blocks},
                       {"units", p.units},
                       {"grids", p.grids.size()},
                       {"feasible", p.feasible},
                       {"problems", p.problems},
                       {"households_min", p.metrics.min_h},
                       {"households_max", p.metrics.max_h},
                       {"share_in_band", p.metrics.share_in_band},
                       {"noncontiguous", p.metrics.noncontiguous},
                       {"multipart", p.multipart},
                       {"polsby_popper_min", p.pp_min},
                       {"polsby_popper_mean", p.pp_mean},
                       {"street_share", p.border_m > 0 ? p.street_border_m / p.border_m : 1.0},
                       {"gap_m2", p.gap_m2},
                       {"overlap_m2", p.overlap_m2},
                       {"escape_m2", p.escape_m2},
                       {"households_moved", p.households_moved},
                       {"vacant", p.vacant},
                       {"unplaced_leaders", p.unplaced},
                       {"seconds", p.seconds},
                       {"new_grids", grids}});
  }
  nlohmann::json failed = nlohmann::json::array();
  for (std::size_t i = 0; i < o.plans.size(); ++i) {
    if (o.plans[i].failure)
      failed.push_back({{"parent", o.parent_codes[i]}, {"reason", *o.plans[i].failure}});
  }
  nlohmann::json changes = nlohmann::json::array();
  for (const ReportChange& c : o.changes) {
    changes.push_back({{"report", c.report},
                       {"old_grid", c.old_grid},
                       {"old_leader", c.old_leader},
                       {"new_grid", c.new_grid},
                       {"new_leader", c.new_leader}});
  }
  return {{"band",
           {{"min", job.parent.band.min},
            {"max", job.parent.band.max},
            {"target", job.parent.band.target}}},
          {"parents", parents},
          {"failed_parents", failed},
          {"notes", o.notes},
          {"totals",
           {{"parents", o.plans.size()},
            {"failed_parents", o.failed_parents()},
            {"infeasible_parents", t.infeasible},
            {"grids", t.grids},
            {"households", t.households},
            {"households_min", t.min_h},
            {"households_max", t.max_h},
            {"households_mean", t.mean},
            {"households_cv", t.cv},
            {"share_in_band",
             t.grids ? static_cast<double>(t.in_band) / static_cast<double>(t.grids) : 0.0},
            {"noncontiguous", t.noncontiguous},
            {"multipart", t.multipart},
            {"gap_m2", t.gap},
            {"overlap_m2", t.overlap},
            {"escape_m2", t.escape},
            {"polsby_popper_min", t.pp_min},
            {"polsby_popper_mean", t.pp_mean},
            {"street_share", t.border > 0 ? t.street / t.border : 1.0},
            {"households_moved", t.moved},
            {"vacant_grids", t.vacant},
            {"unplaced_leaders", t.unplaced},
            {"validated", job.only_new ? "per parent" : "whole generation"},
            {"seconds", o.seconds}}},
          {"report_changes",
           {{"checked", o.reports_checked}, {"changed", o.changes.size()}, {"reports", changes}}}};
}

std::string metrics_table(const RegridJob& job, const RegridOutcome& o) {
  const Totals t = totals(job, o);
  std::string s;
  char line[256];
  auto add = [&](const char* label, const std::string& value) {
    std::snprintf(line, sizeof line, "  %-34s %s\n", label, value.c_str());
    s += line;
  };
  auto num = [](double v, int decimals) {
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", decimals, v);
    return std::string(b);
  };
  const std::size_t failed = o.failed_parents();
  s += "re-gridded " + (failed ? std::to_string(o.plans.size() - failed) + " of " : std::string()) +
       std::to_string(o.plans.size()) + " parents into " + std::to_string(t.grids) + " grids of " +
       std::to_string(job.parent.band.min) + "-" + std::to_string(job.parent.band.max) +
       " households in " + num(o.seconds, 2) + " s" +
       (failed ? " (" + std::to_string(failed) + " failed: they keep their old grids)" : "") + "\n";
  add("grids in band",
      std::to_string(t.in_band) + " of " + std::to_string(t.grids) + " (" +
          num(t.grids ? 100.0 * static_cast<double>(t.in_band) / static_cast<double>(t.grids) : 0,
              1) +
          "%)");
  add("households min / mean / max",
      std::to_string(t.min_h) + " / " + num(t.mean, 1) + " / " + std::to_string(t.max_h));
  add("households CV", num(t.cv, 3));
  add("non-contiguous grids (graph)", std::to_string(t.noncontiguous));
  add("multi-part grid polygons", std::to_string(t.multipart));
  add("gaps / overlaps / outside parent",
      num(t.gap, 3) + " / " + num(t.overlap, 3) + " / " + num(t.escape, 3) + " m²");
  add("Polsby-Popper min / mean", num(t.pp_min, 3) + " / " + num(t.pp_mean, 3));
  add("internal borders along streets", num(t.border > 0 ? 100 * t.street / t.border : 100, 1) +
                                            "% of " + num(t.border / 1000, 2) + " km");
  add("households moved vs old grids",
      std::to_string(t.moved) + " of " + std::to_string(t.households));
  add("leaders carried / vacant grids",
      std::to_string(t.grids - t.vacant) + " / " + std::to_string(t.vacant));
  add("old leaders without a grid", std::to_string(t.unplaced));
  add("parents where the band is infeasible", std::to_string(t.infeasible));
  if (o.reports_checked)
    add("open reports whose grid/leader change",
        std::to_string(o.changes.size()) + " of " + std::to_string(o.reports_checked));
  add("parents failed (old grids kept)", std::to_string(failed));
  add("validation of the new generation", job.only_new ? "ok (per parent)" : "ok");
  for (std::size_t i = 0; i < o.plans.size(); ++i) {
    const ParentPlan& p = o.plans[i];
    if (p.failure) s += "  ! " + o.parent_codes[i] + ": FAILED: " + *p.failure + "\n";
    for (const std::string& r : p.repairs) s += "  ~ " + o.parent_codes[i] + ": " + r + "\n";
    for (const std::string& m : p.problems) s += "  ! " + o.parent_codes[i] + ": " + m + "\n";
  }
  return s;
}

}  // namespace wangge::regrid
