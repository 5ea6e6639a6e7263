// `wangge export`: grids, reports, service points and isochrones to GIS files through GDAL,
// with the public attributes; personal fields only for an admin who asks for them.
#include <cmath>
#include <limits>

#include "wangge/geo/feature_writer.hpp"
#include "wangge/service/service.hpp"
#include "wangge/service/views.hpp"
#include "wangge/util/error.hpp"

namespace wangge {
namespace {

using T = FieldDef::Type;

FieldValue text(const std::string& s) {
  return s.empty() ? FieldValue{} : FieldValue{s};
}

}  // namespace

std::size_t Service::export_layer(const ExportRequest& req) {
  if (req.personal && req.by.role != Role::admin) {
    throw Error(ErrorCode::forbidden,
                "personal fields are exported for an admin only (--as <admin id>), not for " +
                    std::string(to_string(req.by.role)) + " '" + req.by.id + "'");
  }
  std::vector<FieldDef> fields;
  std::vector<OutFeature> out;
  GeometryKind kind = GeometryKind::multipolygon;
  if (req.what == "grids") {
    const auto index = grid_index();
    const GridSet& set = index->grids();
    fields = {{"id"},
              {"parent_id"},
              {"code"},
              {"name"},
              {"level", T::integer},
              {"level_name"},
              {"leader_name"},
              {"leader_role"},
              {"households", T::integer},
              {"residents", T::integer},
              {"area_m2", T::real}};
    if (req.personal) fields.push_back({"leader_phone"});
    for (std::size_t i = 0; i < set.size(); ++i) {
      const Grid& g = set[i];
      OutFeature f{{text(g.id), text(g.parent_id), text(g.code.empty() ? g.id : g.code),
                    text(g.name), FieldValue{static_cast<long long>(set.level(i))},
                    text(set.level_name(set.depth(i))), text(g.leader.name), text(g.leader.role),
                    g.households ? FieldValue{*g.households} : FieldValue{},
                    g.residents ? FieldValue{*g.residents} : FieldValue{},
                    FieldValue{std::round(area_m2(g.geometry))}},
                   g.geometry,
                   std::nullopt};
      if (req.personal) f.values.push_back(text(g.leader.phone));
      out.push_back(std::move(f));
    }
  } else if (req.what == "service-points") {
    kind = GeometryKind::point;
    fields = {{"id"}, {"name"}, {"kind"}, {"services"}, {"opening_hours"}, {"address"}};
    if (const auto net = nearest()) {
      for (const ServicePoint& sp : net->points()) {
        std::string services;
        for (const std::string& s : sp.services) services += (services.empty() ? "" : ",") + s;
        out.push_back(OutFeature{{text(sp.id), text(sp.name), text(sp.kind), text(services),
                                  text(sp.opening_hours), text(sp.address)},
                                 {},
                                 XY{sp.position.lon(), sp.position.lat()}});
      }
    } else {
      throw Error(ErrorCode::not_found,
                  "no service points are loaded (give --data with service_points.geojson)");
    }
  } else if (req.what == "isochrones") {
    const auto net = nearest();
    if (!net)
      throw Error(ErrorCode::not_found,
                  "no walking network is loaded (give --data with streets.osm)");
    fields = {{"service_point"},
              {"name"},
              {"minutes", T::real},
              {"speed_kmh", T::real},
              {"area_m2", T::real}};
    for (const auto& [sp, area] : isochrones()) {
      out.push_back(
          OutFeature{{text(sp.id), text(sp.name), FieldValue{net->config().threshold_minutes},
                      FieldValue{net->config().speed_kmh}, FieldValue{std::round(area_m2(area))}},
                     area,
                     std::nullopt});
    }
  } else if (req.what == "reports") {
    kind = GeometryKind::point;
    const auto ref = reference();
    const TimeZone& zone = ref->calendar.zone();
    fields = {{"id"},
              {"category"},
              {"category_name"},
              {"state"},
              {"channel"},
              {"created_at"},
              {"updated_at"},
              {"due_at"},
              {"closed_at"},
              {"overdue", T::boolean},
              {"closed_late", T::boolean},
              {"grid"},
              {"leader_name"},
              {"responsible"},
              {"duplicate_of"},
              {"rating", T::integer}};
    if (req.personal) {
      fields.push_back({"text"});
      fields.push_back({"reporter_name"});
      fields.push_back({"reporter_phone"});
    }
    // With personal data (staff only): every case; without: what the public may see.
    Actor all{"a-export", "export", Role::admin, {}, {}};
    if (!req.personal) all = Actor::public_viewer();
    ReportFilter f;
    f.now = req.now;
    f.order = ListOrder::oldest_first;
    f.limit = 1000;
    each_report(f, all, std::numeric_limits<std::size_t>::max(), [&](const Report& r) {
      const PublicReport p = public_report(r, *ref, privacy(), req.now);
      auto when = [&](const std::optional<Instant>& t) {
        return t ? text(format_iso(*t, zone)) : FieldValue{};
      };
      OutFeature o{
          {text(p.id), text(p.category), text(p.category_name),
           text(std::string(to_string(p.state))), text(std::string(to_string(p.channel))),
           text(format_iso(p.created_at, zone)), text(format_iso(p.updated_at, zone)),
           when(p.due_at), when(p.closed_at), FieldValue{p.overdue}, FieldValue{p.closed_late},
           text(p.grid), text(p.leader_name), text(p.responsible.name), text(p.duplicate_of),
           p.rating ? FieldValue{static_cast<long long>(*p.rating)} : FieldValue{}},
          {},
          req.personal ? XY{r.position.lon(), r.position.lat()} : XY{p.lon, p.lat}};
      if (req.personal) {
        o.values.push_back(text(r.text));
        o.values.push_back(text(r.reporter.name));
        o.values.push_back(text(r.reporter.phone));
      }
      out.push_back(std::move(o));
    });
  } else {
    throw Error(
        ErrorCode::invalid_argument,
        "cannot export '" + req.what + "': choose grids, reports, service-points or isochrones");
  }
  const std::string layer = req.what == "service-points" ? "service_points" : req.what;
  write_features(req.path, req.driver, layer, kind, fields, out);
  return out.size();
}

}  // namespace wangge
