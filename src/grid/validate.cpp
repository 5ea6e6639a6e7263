#include "wangge/grid/validate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "wangge/geo/geos.hpp"
#include "wangge/util/error.hpp"

namespace wangge::grid {
namespace {

std::string place(geo::XY p) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.6f, %.6f)", p.x, p.y);
  return buf;
}

std::string square_metres(double a) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.1f m²", a);
  return buf;
}

class Validator {
 public:
  Validator(std::vector<Grid>& grids, const ValidationOptions& options)
      : grids_(grids), options_(options) {}

  ValidationReport run() {
    check_geometry();
    check_identity();
    resolve_structure();
    summarise_levels();
    check_families();
    return std::move(report_);
  }

 private:
  void add(std::string rule, std::string message, std::vector<std::size_t> who,
           std::optional<geo::XY> where = std::nullopt, std::optional<double> area = std::nullopt,
           Severity severity = Severity::error) {
    Finding f;
    f.rule = std::move(rule);
    f.severity = severity;
    f.message = std::move(message);
    for (std::size_t i : who) f.grid_ids.push_back(grids_[i].id);
    if (!who.empty() && grids_[who.front()].fid >= 0) f.fid = grids_[who.front()].fid;
    f.where = where;
    f.area_m2 = area;
    report_.findings.push_back(std::move(f));
  }

  void check_geometry() {
    const std::size_t n = grids_.size();
    usable_.assign(n, false);
    geos_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      Grid& g = grids_[i];
      geo::XY bad{0, 0};
      if (!geo::coordinates_in_range(g.geometry, &bad)) {
        std::string hint;
        if (std::isfinite(bad.x) && std::isfinite(bad.y) &&
            (std::abs(bad.x) > 180 || std::abs(bad.y) > 90)) {
          hint = std::abs(bad.x) > 1000 || std::abs(bad.y) > 1000
                     ? "; the values look projected: give the layer its CRS (e.g. a .prj file)"
                     : "";
        }
        add("coordinate-range",
            describe(g) + " has a vertex " + place(bad) +
                " that is not a finite lon/lat in [-180,180] x [-90,90]" + hint,
            {i}, std::nullopt);
        continue;
      }
      if (g.geometry.empty()) {
        add("empty-geometry", describe(g) + " has no geometry", {i});
        continue;
      }
      geos::Geometry geom = geos::to_geos(ctx_, g.geometry);
      if (auto bad_geom = geos::invalidity(ctx_, geom.get())) {
        if (!options_.fix) {
          add("invalid-geometry",
              describe(g) + " is not a valid polygon: " + bad_geom->reason + " at " +
                  place(bad_geom->where),
              {i}, bad_geom->where);
          continue;
        }
        const double before = area_m2(g.geometry);
        geos::Geometry fixed = geos::own(ctx_, GEOSMakeValid_r(ctx_.handle(), geom.get()));
        geo::MultiPolygon repaired = geos::from_geos(ctx_, fixed.get());
        const double after = area_m2(repaired);
        Finding f;
        f.rule = "repaired";
        f.severity = Severity::info;
        f.message = describe(g) + ": " + bad_geom->reason + " at " + place(bad_geom->where) +
                    " repaired by MakeValid; area " + square_metres(before) + " -> " +
                    square_metres(after) + ", " + std::to_string(repaired.polygons.size()) +
                    " polygon part(s)";
        f.grid_ids = {g.id};
        f.where = bad_geom->where;
        report_.repairs.push_back(std::move(f));
        g.geometry = std::move(repaired);
        if (g.geometry.empty()) {
          add("empty-geometry", describe(g) + " has no area left after repair", {i});
          continue;
        }
        geom = geos::to_geos(ctx_, g.geometry);
      }
      if (area_m2(g.geometry) <= 0.0) {
        add("empty-geometry", describe(g) + " has no area (degenerate polygon)", {i});
        continue;
      }
      geos_[i] = std::move(geom);
      usable_[i] = true;
    }
  }

  void check_identity() {
    std::unordered_map<std::string, std::size_t> ids, codes;
    for (std::size_t i = 0; i < grids_.size(); ++i) {
      auto [it, fresh] = ids.emplace(grids_[i].id, i);
      if (!fresh) {
        add("duplicate-id",
            describe(grids_[i]) + " repeats the id of " + describe(grids_[it->second]),
            {it->second, i});
      }
      if (grids_[i].code.empty()) continue;
      auto [ct, cfresh] = codes.emplace(grids_[i].code, i);
      if (!cfresh) {
        add("duplicate-code",
            describe(grids_[i]) + " repeats code '" + grids_[i].code + "' of " +
                describe(grids_[ct->second]),
            {ct->second, i});
      }
    }
    first_by_id_ = std::move(ids);
  }

  void resolve_structure() {
    const std::size_t n = grids_.size();
    parent_.assign(n, -1);
    for (std::size_t i = 0; i < n; ++i) {
      const Grid& g = grids_[i];
      if (g.parent_id.empty()) continue;
      auto it = first_by_id_.find(g.parent_id);
      if (it == first_by_id_.end()) {
        add("missing-parent",
            describe(g) + " names parent '" + g.parent_id + "', which does not exist", {i});
        continue;
      }
      if (it->second == i) {
        add("parent-cycle", describe(g) + " names itself as its parent", {i});
        continue;
      }
      parent_[i] = static_cast<std::ptrdiff_t>(it->second);
    }
    depth_.assign(n, -1);
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<std::size_t> path;
      std::ptrdiff_t cur = static_cast<std::ptrdiff_t>(i);
      while (cur >= 0 && depth_[cur] < 0 && path.size() <= n) {
        path.push_back(static_cast<std::size_t>(cur));
        cur = parent_[cur];
      }
      if (path.size() > n) {
        add("parent-cycle", describe(grids_[i]) + " never reaches a root by its parent links", {i});
        for (std::size_t p : path) {
          depth_[p] = 0;
          parent_[p] = -1;
        }
        continue;
      }
      int d = cur >= 0 ? depth_[cur] + 1 : 0;
      for (auto it = path.rbegin(); it != path.rend(); ++it) depth_[*it] = d++;
    }
  }

  void summarise_levels() {
    std::map<int, LevelSummary> levels;
    for (std::size_t i = 0; i < grids_.size(); ++i) {
      LevelSummary& s = levels[depth_[i]];
      s.depth = depth_[i];
      if (s.name.empty()) s.name = grids_[i].level_name;
      ++s.count;
      if (usable_[i]) s.area_km2 += area_m2(grids_[i].geometry) / 1e6;
    }
    for (auto& [d, s] : levels) {
      if (s.name.empty()) s.name = "level " + std::to_string(d);
      report_.levels.push_back(s);
    }
  }

  double area_of(const GEOSGeometry* g) { return area_m2(geos::from_geos(ctx_, g)); }

  void check_families() {
    std::map<std::ptrdiff_t, std::vector<std::size_t>> families;  // parent (-1: roots) → children
    for (std::size_t i = 0; i < grids_.size(); ++i) families[parent_[i]].push_back(i);
    for (auto& [parent, children] : families) {
      if (parent >= 0) check_children_in_parent(static_cast<std::size_t>(parent), children);
      check_sibling_overlaps(children);
      if (parent >= 0) check_gaps(static_cast<std::size_t>(parent), children);
    }
  }

  void check_children_in_parent(std::size_t parent, const std::vector<std::size_t>& children) {
    if (!usable_[parent]) return;
    for (std::size_t c : children) {
      if (!usable_[c]) continue;
      geos::Geometry outside =
          geos::own(ctx_, GEOSDifference_r(ctx_.handle(), geos_[c].get(), geos_[parent].get()));
      const double area = area_of(outside.get());
      if (area <= options_.overlap_tolerance_m2) continue;
      const auto where = geos::point_on_surface(ctx_, outside.get());
      const double total = area_m2(grids_[c].geometry);
      if (area >= total - options_.overlap_tolerance_m2) {
        add("outside-parent",
            describe(grids_[c]) + " lies entirely outside its parent " + describe(grids_[parent]) +
                (where ? " (near " + place(*where) + ")" : ""),
            {c, parent}, where, area);
      } else {
        add("straddles-parent",
            describe(grids_[c]) + " extends " + square_metres(area) + " outside its parent " +
                describe(grids_[parent]) + (where ? " near " + place(*where) : ""),
            {c, parent}, where, area);
      }
    }
  }

  void check_sibling_overlaps(const std::vector<std::size_t>& siblings) {
    // Sweep over boxes sorted by min x so only box-overlapping pairs are intersected.
    std::vector<std::pair<geo::BBox, std::size_t>> boxes;
    for (std::size_t s : siblings)
      if (usable_[s]) boxes.emplace_back(geo::bbox_of(grids_[s].geometry), s);
    std::sort(boxes.begin(), boxes.end(),
              [](const auto& a, const auto& b) { return a.first.min_x < b.first.min_x; });
    for (std::size_t a = 0; a < boxes.size(); ++a) {
      for (std::size_t b = a + 1; b < boxes.size() && boxes[b].first.min_x <= boxes[a].first.max_x;
           ++b) {
        const geo::BBox& A = boxes[a].first;
        const geo::BBox& B = boxes[b].first;
        if (B.min_y > A.max_y || B.max_y < A.min_y) continue;
        const std::size_t i = std::min(boxes[a].second, boxes[b].second);
        const std::size_t j = std::max(boxes[a].second, boxes[b].second);
        geos::Geometry overlap =
            geos::own(ctx_, GEOSIntersection_r(ctx_.handle(), geos_[i].get(), geos_[j].get()));
        const double area = area_of(overlap.get());
        if (area <= options_.overlap_tolerance_m2) continue;
        const auto where = geos::point_on_surface(ctx_, overlap.get());
        add("sibling-overlap",
            describe(grids_[i]) + " and " + describe(grids_[j]) + " overlap by " +
                square_metres(area) + (where ? " near " + place(*where) : ""),
            {i, j}, where, area);
      }
    }
  }

  void check_gaps(std::size_t parent, const std::vector<std::size_t>& children) {
    if (!usable_[parent]) return;
    std::vector<GEOSGeometry*> parts;
    for (std::size_t c : children)
      if (usable_[c]) parts.push_back(GEOSGeom_clone_r(ctx_.handle(), geos_[c].get()));
    if (parts.empty()) return;
    geos::Geometry collection = geos::own(
        ctx_, GEOSGeom_createCollection_r(ctx_.handle(), GEOS_GEOMETRYCOLLECTION, parts.data(),
                                          static_cast<unsigned>(parts.size())));
    geos::Geometry covered = geos::own(ctx_, GEOSUnaryUnion_r(ctx_.handle(), collection.get()));
    geos::Geometry gaps =
        geos::own(ctx_, GEOSDifference_r(ctx_.handle(), geos_[parent].get(), covered.get()));
    const geo::MultiPolygon pieces = geos::from_geos(ctx_, gaps.get());
    for (const geo::Polygon& piece : pieces.polygons) {
      geo::MultiPolygon one{{piece}};
      const double area = area_m2(one);
      if (area <= options_.gap_tolerance_m2) continue;
      geos::Geometry g = geos::to_geos(ctx_, one);
      const auto where = geos::point_on_surface(ctx_, g.get());
      add("gap-in-parent",
          describe(grids_[parent]) + " has a gap of " + square_metres(area) +
              " covered by none of its " + std::to_string(children.size()) + " children" +
              (where ? " near " + place(*where) : ""),
          {parent}, where, area);
    }
  }

  std::vector<Grid>& grids_;
  const ValidationOptions& options_;
  geos::Context ctx_;
  ValidationReport report_;
  std::vector<bool> usable_;
  std::vector<geos::Geometry> geos_;
  std::unordered_map<std::string, std::size_t> first_by_id_;
  std::vector<std::ptrdiff_t> parent_;
  std::vector<int> depth_;
};

}  // namespace

std::size_t ValidationReport::errors() const {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(),
                    [](const Finding& f) { return f.severity == Severity::error; }));
}

ValidationReport validate(std::vector<Grid>& grids, const ValidationOptions& options) {
  return Validator(grids, options).run();
}

}  // namespace wangge::grid
