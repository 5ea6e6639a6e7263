#include "wangge/grid/export.hpp"

#include "wangge/geo/feature_writer.hpp"

namespace wangge::grid {

void write_grids(const std::vector<Grid>& grids, const std::string& path,
                 const std::string& layer_name) {
  using T = geo::FieldDef::Type;
  const std::vector<geo::FieldDef> fields{{"id"},
                                          {"parent_id"},
                                          {"level_name"},
                                          {"code"},
                                          {"name"},
                                          {"leader_name"},
                                          {"leader_role"},
                                          {"leader_phone"},
                                          {"level", T::integer},
                                          {"households", T::integer},
                                          {"residents", T::integer}};
  auto text = [](const std::string& s) -> geo::FieldValue {
    return s.empty() ? geo::FieldValue{} : geo::FieldValue{s};
  };
  auto number = [](std::optional<long long> v) -> geo::FieldValue {
    return v ? geo::FieldValue{*v} : geo::FieldValue{};
  };
  std::vector<geo::OutFeature> out;
  out.reserve(grids.size());
  for (const Grid& g : grids) {
    out.push_back(geo::OutFeature{
        {text(g.id), text(g.parent_id), text(g.level_name), text(g.code), text(g.name),
         text(g.leader.name), text(g.leader.role), text(g.leader.phone),
         number(g.level ? std::optional<long long>(*g.level) : std::nullopt), number(g.households),
         number(g.residents)},
        g.geometry,
        std::nullopt});
  }
  geo::write_features(path, "", layer_name, geo::GeometryKind::multipolygon, fields, out);
}

}  // namespace wangge::grid
