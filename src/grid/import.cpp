#include "wangge/grid/import.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <memory>

#include "wangge/geo/gdal.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::grid {
namespace {

struct ResolvedField {
  const char* attribute;
  int index = -1;  // -1: not mapped
};

int resolve(OGRFeatureDefn* defn, const std::optional<std::string>& requested,
            std::initializer_list<const char*> defaults, const char* attribute,
            const std::string& layer, std::vector<std::string>& used) {
  if (requested) {
    const int idx = defn->GetFieldIndex(requested->c_str());
    if (idx < 0) {
      std::string names;
      for (int i = 0; i < defn->GetFieldCount(); ++i) {
        names += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
      }
      throw Error(ErrorCode::invalid_argument,
                  std::string("--") + attribute + "-field '" + *requested +
                      "' is not a field of layer '" + layer +
                      "'; its fields are: " + (names.empty() ? "(none)" : names));
    }
    used.push_back(std::string(attribute) + " <- " + *requested);
    return idx;
  }
  for (const char* name : defaults) {
    const int idx = defn->GetFieldIndex(name);
    if (idx >= 0) {
      used.push_back(std::string(attribute) + " <- " + name);
      return idx;
    }
  }
  return -1;
}

std::string field_text(OGRFeature& f, int idx) {
  if (idx < 0 || !f.IsFieldSetAndNotNull(idx)) return {};
  return std::string(text::trim(f.GetFieldAsString(idx)));
}

// Appends the polygonal parts of @p geom to @p out, transformed to WGS-84.
// @returns an error text when the geometry is not polygonal or cannot be transformed.
std::optional<std::string> read_polygons(const OGRGeometry* geom, const gdal::ToWgs84& to_wgs84,
                                         geo::MultiPolygon& out) {
  if (!geom) return "has no geometry";
  const OGRwkbGeometryType type = wkbFlatten(geom->getGeometryType());
  if (type == wkbCurvePolygon || type == wkbMultiSurface) {
    std::unique_ptr<OGRGeometry> linear(geom->getLinearGeometry());
    return read_polygons(linear.get(), to_wgs84, out);
  }
  if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
    const auto* coll = geom->toGeometryCollection();
    for (const OGRGeometry* part : *coll) {
      if (auto err = read_polygons(part, to_wgs84, out)) return err;
    }
    return std::nullopt;
  }
  if (type != wkbPolygon) {
    const char* name = type == wkbPoint             ? "Point"
                       : type == wkbLineString      ? "LineString"
                       : type == wkbMultiPoint      ? "MultiPoint"
                       : type == wkbMultiLineString ? "MultiLineString"
                                                    : OGRGeometryTypeToName(type);
    return std::string("has a ") + name + " geometry; grids must be polygons";
  }
  const auto* poly = geom->toPolygon();
  if (poly->IsEmpty()) return std::nullopt;
  std::optional<std::string> failure;
  auto convert = [&](const OGRLinearRing* ring) {
    geo::Ring r;
    r.reserve(static_cast<std::size_t>(ring->getNumPoints()));
    for (int i = 0; i < ring->getNumPoints(); ++i) {
      double x = ring->getX(i);
      double y = ring->getY(i);
      if (std::isfinite(x) && std::isfinite(y) && !to_wgs84.apply(x, y) && !failure) {
        failure = "has a vertex (" + std::to_string(ring->getX(i)) + ", " +
                  std::to_string(ring->getY(i)) + ") that cannot be transformed to WGS-84 (" +
                  to_wgs84.description() + ")";
      }
      r.push_back({x, y});
    }
    if (!r.empty() && !(r.front() == r.back())) r.push_back(r.front());
    return r;
  };
  geo::Polygon p;
  p.outer = convert(poly->getExteriorRing());
  for (int i = 0; i < poly->getNumInteriorRings(); ++i)
    p.holes.push_back(convert(poly->getInteriorRing(i)));
  out.polygons.push_back(std::move(p));
  return failure;
}

/// @p t as a whole number: "12", or "12.0" from drivers that type numbers as Real.
std::optional<long long> whole_number(const std::string& t) {
  if (auto v = text::parse_integer(t)) return v;
  const auto d = text::parse_double(t);
  if (d && *d == std::floor(*d)) return number::to_integer<long long>(*d);  // not 1e19, nan
  return std::nullopt;
}

/// Whether a parent field value is JSON (an object or array) rather than an id.
bool looks_like_json(const std::string& value) {
  return !value.empty() && (value.front() == '{' || value.front() == '[');
}

/// The first of @p values (one per grid of @p grids) that is neither empty nor @p usable, as
/// "feature N: 'value'", or std::nullopt when all are.
template <class Usable>
std::optional<std::string> first_unusable(const std::vector<Grid>& grids,
                                          const std::vector<std::string>& values,
                                          const Usable& usable) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string& v = values[i];
    if (v.empty() || usable(v)) continue;
    const std::string shown = v.size() > 40 ? v.substr(0, 40) + "…" : v;
    return "feature " + std::to_string(grids[i].fid) + ": '" + shown + "'";
  }
  return std::nullopt;
}

/// Replaces the "<attribute> <- ..." entry of @p used by @p entry.
void replace_used(std::vector<std::string>& used, const std::string& attribute,
                  const std::string& entry) {
  for (std::string& u : used)
    if (u.rfind(attribute + " <- ", 0) == 0) u = entry;
}

/// A parent field holding JSON objects or arrays holds no ids: a mapped one is refused, a
/// default one is not used (the layer reads as one level) with a note.
/// @throws Error(invalid_argument) for a mapped one.
void check_parent_ids(ImportResult& result, const FieldMapping& m, const OGRFieldDefn& field) {
  std::vector<std::string> ids;
  ids.reserve(result.grids.size());
  for (const Grid& g : result.grids) ids.push_back(g.parent_id);
  auto bad =
      first_unusable(result.grids, ids, [](const std::string& v) { return !looks_like_json(v); });
  if (!bad && field.GetSubType() == OFSTJSON) bad = "its type is JSON";
  if (!bad) return;
  const std::string name = field.GetNameRef();
  if (m.parent) {
    throw Error(ErrorCode::invalid_argument,
                "--parent-field '" + name + "' holds JSON objects or arrays, not grid ids (" +
                    *bad + "); map the field holding the parent's id, or --flat for one level");
  }
  for (Grid& g : result.grids) g.parent_id.clear();
  result.notes.push_back("field '" + name + "' holds JSON objects or arrays, not parent ids (" +
                         *bad +
                         "): not used, the layer is read as one level; map the parent's id "
                         "with --parent-field, or say --flat");
  replace_used(result.fields_used, "parent", "parent <- none ('" + name + "' holds JSON)");
}

}  // namespace

std::string_view to_string(Severity s) noexcept {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "info";
  }
  return "error";
}

ImportResult import_grids(const std::string& path, const ImportOptions& options) {
  gdal::OpenedVector source = gdal::open_vector_with_notes(path);
  gdal::Dataset& ds = source.dataset;
  OGRLayer* layer = nullptr;
  if (options.layer) {
    layer = ds->GetLayerByName(options.layer->c_str());
    if (!layer) {
      std::string names;
      for (int i = 0; i < ds->GetLayerCount(); ++i)
        names += (i ? ", " : "") + std::string(ds->GetLayer(i)->GetName());
      throw Error(ErrorCode::unreadable_source,
                  "'" + path + "' has no layer '" + *options.layer + "'; layers: " + names);
    }
  } else {
    if (ds->GetLayerCount() == 0) {
      throw Error(ErrorCode::unreadable_source, "'" + path + "' has no vector layer");
    }
    layer = ds->GetLayer(0);
  }
  ImportResult result;
  result.notes = std::move(source.notes);
  result.layer = layer->GetName();
  OGRFeatureDefn* defn = layer->GetLayerDefn();
  const FieldMapping& m = options.fields;
  auto& used = result.fields_used;
  // Defaults include the names Shapefile truncates to 10 characters (leader_nam ...).
  const int f_id = resolve(defn, m.id, {"id", "grid_id"}, "id", result.layer, used);
  if (m.flat && m.parent) {
    throw Error(ErrorCode::invalid_argument, "--flat reads one level, but --parent-field '" +
                                                 *m.parent +
                                                 "' asks for parent links: give one or the other");
  }
  const int f_parent =
      m.flat ? -1 : resolve(defn, m.parent, {"parent_id", "parent"}, "parent", result.layer, used);
  if (m.flat) used.push_back("parent <- none (one level)");
  const int f_level = resolve(defn, m.level, {"level"}, "level", result.layer, used);
  // A default level field is used only if every value is a whole number (checked after
  // reading): a level of "district" is not a level number.
  const bool level_by_default = f_level >= 0 && !m.level;
  std::vector<std::string> level_texts;
  const int f_level_name =
      resolve(defn, m.level_name, {"level_name"}, "level-name", result.layer, used);
  const int f_code = resolve(defn, m.code, {"code", "grid_code"}, "code", result.layer, used);
  const int f_name = resolve(defn, m.name, {"name"}, "name", result.layer, used);
  const int f_leader = resolve(defn, m.leader_name, {"leader_name", "leader_nam", "leader"},
                               "leader-name", result.layer, used);
  const int f_role = resolve(defn, m.leader_role, {"leader_role", "leader_rol"}, "leader-role",
                             result.layer, used);
  const int f_phone = resolve(defn, m.leader_phone, {"leader_phone", "leader_pho"}, "leader-phone",
                              result.layer, used);
  const int f_households =
      resolve(defn, m.households, {"households"}, "households", result.layer, used);
  const int f_residents =
      resolve(defn, m.residents, {"residents", "population"}, "residents", result.layer, used);
  if (f_id < 0) used.push_back("id <- feature id");

  const OGRSpatialReference* srs = layer->GetSpatialRef();
  const geo::Datum datum = options.datum.value_or(gdal::datum_of(srs).value_or(geo::Datum::wgs84));
  gdal::ToWgs84 to_wgs84(srs, datum);
  result.crs = to_wgs84.description();

  auto problem = [&](const Grid& g, std::string rule, std::string message) {
    Finding f;
    f.rule = std::move(rule);
    f.message = describe(g) + " " + message;
    f.grid_ids = {g.id};
    f.fid = g.fid;
    result.problems.push_back(std::move(f));
  };

  layer->ResetReading();
  for (auto& feature : *layer) {
    Grid g;
    g.fid = feature->GetFID();
    g.id = f_id >= 0 ? field_text(*feature, f_id) : std::to_string(g.fid);
    if (g.id.empty()) {
      g.id = "#" + std::to_string(g.fid);
      problem(g, "missing-id", "has an empty id field; it is named by its feature id here");
    }
    g.parent_id = field_text(*feature, f_parent);
    g.level_name = field_text(*feature, f_level_name);
    g.code = field_text(*feature, f_code);
    g.name = field_text(*feature, f_name);
    g.leader = {field_text(*feature, f_leader), field_text(*feature, f_role),
                field_text(*feature, f_phone)};
    auto integer = [&](const std::string& t, const char* what) -> std::optional<long long> {
      if (t.empty()) return std::nullopt;
      const auto v = whole_number(t);
      if (!v || *v < 0)
        problem(g, "bad-attribute",
                std::string("has ") + what + " '" + t + "', which is not a whole number >= 0");
      return v && *v >= 0 ? v : std::nullopt;
    };
    if (level_by_default) {
      level_texts.push_back(field_text(*feature, f_level));
    } else if (auto lv = integer(field_text(*feature, f_level), "level")) {
      g.level = static_cast<int>(*lv);
    }
    g.households = integer(field_text(*feature, f_households), "households");
    g.residents = integer(field_text(*feature, f_residents), "residents");
    if (auto err = read_polygons(feature->GetGeometryRef(), to_wgs84, g.geometry)) {
      problem(g, "bad-geometry", *err);
      g.geometry = {};
    }
    result.grids.push_back(std::move(g));
  }
  if (result.grids.empty()) {
    throw Error(ErrorCode::invalid_data,
                "layer '" + result.layer + "' of '" + path + "' has no features: nothing to read");
  }
  if (f_parent >= 0) check_parent_ids(result, m, *defn->GetFieldDefn(f_parent));
  if (level_by_default) {
    const std::string name = defn->GetFieldDefn(f_level)->GetNameRef();
    auto words = first_unusable(result.grids, level_texts,
                                [](const std::string& t) { return whole_number(t).has_value(); });
    if (words) {
      result.notes.push_back("field '" + name + "' holds text, not level numbers (" + *words +
                             "): not used, the depth of each grid comes from its parent links; "
                             "map the level number with --level-field");
      replace_used(used, "level", "level <- none ('" + name + "' holds text)");
    } else {
      for (std::size_t i = 0; i < level_texts.size(); ++i) {
        const auto v = whole_number(level_texts[i]);
        if (v && *v >= 0) {
          result.grids[i].level = static_cast<int>(*v);
        } else if (v) {
          problem(result.grids[i], "bad-attribute",
                  "has level '" + level_texts[i] + "', which is not a whole number >= 0");
        }
      }
    }
  }
  return result;
}

}  // namespace wangge::grid
