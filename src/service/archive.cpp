// `wangge archive`: the ended cases older than the retention period leave the store for a
// GeoPackage (reports as points, their events, their photos as BLOBs), read back before any
// case is deleted; a case that changed after it was read stays in the store, whole.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "wangge/geo/feature_writer.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

using T = geo::FieldDef::Type;

geo::FieldValue when(const std::optional<dispatch::Instant>& t, const dispatch::TimeZone& zone) {
  return t ? geo::FieldValue{dispatch::format_iso(*t, zone)} : geo::FieldValue{};
}

geo::OutLayer reports_layer(bool contacts) {
  geo::OutLayer l{"reports", geo::GeometryKind::point, {}, {}};
  l.fields = {{"id"},
              {"category"},
              {"state"},
              {"channel"},
              {"created_at"},
              {"registered_at"},
              {"dispatched_at"},
              {"accepted_at"},
              {"handled_at"},
              {"closed_at"},
              {"evaluated_at"},
              {"due_at"},
              {"grid"},
              {"grid_chain"},
              {"generation"},
              {"leader_name"},
              {"responsible"},
              {"assignee"},
              {"duplicate_of"},
              {"external_id"},
              {"supervision"},
              {"rework_count", T::integer},
              {"rating", T::integer},
              {"rating_comment"},
              {"cancel_reason"},
              {"text"},
              {"address"},
              {"attributes"},
              {"whistle"},
              {"followers", T::integer},
              {"events", T::integer}};
  if (contacts)
    l.fields.insert(l.fields.end(), {{"reporter_name"}, {"reporter_phone"}, {"reporter_email"}});
  return l;
}

geo::OutFeature report_row(const dispatch::Report& r, const dispatch::TimeZone& zone,
                           bool contacts) {
  std::string chain;
  for (const std::string& g : r.grid_chain) chain += (chain.empty() ? "" : ",") + g;
  nlohmann::json attributes = r.attributes, whistle = nlohmann::json::array();
  for (const dispatch::WhistledDepartment& d : r.whistle)
    whistle.push_back({{"department", d.department}, {"name", d.name}, {"lead", d.lead}});
  geo::OutFeature f{
      {geo::text_value(r.id),
       geo::text_value(r.category),
       geo::text_value(std::string(to_string(r.state))),
       geo::text_value(std::string(to_string(r.channel))),
       when(r.created_at, zone),
       when(r.registered_at, zone),
       when(r.dispatched_at, zone),
       when(r.accepted_at, zone),
       when(r.handled_at, zone),
       when(r.closed_at, zone),
       when(r.evaluated_at, zone),
       when(r.due_at, zone),
       geo::text_value(r.grid_id()),
       geo::text_value(chain),
       geo::text_value(r.generation),
       geo::text_value(r.leader.name),
       geo::text_value(r.responsible.name),
       geo::text_value(r.assignee.name),
       geo::text_value(r.duplicate_of),
       geo::text_value(r.external_id),
       geo::text_value(std::string(to_string(r.supervision))),
       geo::FieldValue{static_cast<long long>(r.rework_count)},
       r.rating ? geo::FieldValue{static_cast<long long>(*r.rating)} : geo::FieldValue{},
       geo::text_value(r.rating_comment),
       geo::text_value(r.cancel_reason),
       geo::text_value(r.text),
       geo::text_value(r.address),
       r.attributes.empty() ? geo::FieldValue{} : geo::FieldValue{attributes.dump()},
       r.whistle.empty() ? geo::FieldValue{} : geo::FieldValue{whistle.dump()},
       geo::FieldValue{static_cast<long long>(r.followers.size())},
       geo::FieldValue{static_cast<long long>(r.version)}},
      {},
      geo::XY{r.position.lon(), r.position.lat()}};
  if (contacts) {
    for (const std::string* s : {&r.reporter.name, &r.reporter.phone, &r.reporter.email})
      f.values.push_back(geo::text_value(*s));
  }
  return f;
}

geo::OutFeature event_row(const dispatch::Event& e, const dispatch::TimeZone& zone) {
  const nlohmann::json data = e.data;
  return {{geo::text_value(e.report_id), geo::FieldValue{static_cast<long long>(e.seq)},
           geo::FieldValue{dispatch::format_iso(e.at, zone)}, geo::text_value(e.actor_id),
           geo::text_value(std::string(to_string(e.role))), geo::text_value(e.action),
           geo::text_value(std::string(to_string(e.from))),
           geo::text_value(std::string(to_string(e.to))), geo::text_value(e.note),
           e.data.empty() ? geo::FieldValue{} : geo::FieldValue{data.dump()}},
          {},
          std::nullopt};
}

/// Deletes @p cases from @p store, each only at the version written into the archive, in
/// slices so that other writes interleave with a large archive; counts them into @p result.
void delete_archived(store::Store& store, const std::vector<dispatch::Report>& cases,
                     ArchiveResult& result) {
  constexpr std::size_t kSlice = 200;
  for (std::size_t from = 0; from < cases.size(); from += kSlice) {
    const std::size_t to = std::min(cases.size(), from + kSlice);
    std::vector<std::string> changed;
    std::size_t deleted = 0;
    store.write([&](store::WriteTx& tx) {
      changed.clear();
      deleted = 0;
      for (std::size_t i = from; i < to; ++i) {
        if (tx.delete_case(cases[i].id, cases[i].version))
          ++deleted;
        else
          changed.push_back(cases[i].id);
      }
    });
    result.deleted += deleted;
    result.changed.insert(result.changed.end(), changed.begin(), changed.end());
  }
}

}  // namespace

ArchiveResult Service::archive(const ArchiveRequest& req) {
  namespace fs = std::filesystem;
  const fs::path path(req.path);
  if (path.extension() != ".gpkg")
    throw Error(ErrorCode::invalid_argument,
                "--out must name a GeoPackage (.gpkg), not '" + req.path + "'");
  if (fs::exists(path))
    throw Error(ErrorCode::invalid_argument,
                "'" + req.path + "' exists: an archive is never replaced; name a new file");
  if (req.limit < 1 || req.limit > 100000)
    throw Error(ErrorCode::invalid_argument, "--limit must be from 1 to 100000");
  ArchiveResult result;
  std::vector<dispatch::Report> cases = store().ended_before(req.before, req.limit + 1);
  result.more = cases.size() > req.limit;
  if (result.more) cases.resize(req.limit);
  if (cases.empty()) return result;

  const dispatch::TimeZone& zone = reference()->calendar.zone();
  geo::OutLayer reports = reports_layer(req.contacts);
  geo::OutLayer events{"events",
                       geo::GeometryKind::none,
                       {{"report_id"},
                        {"seq", T::integer},
                        {"at"},
                        {"actor"},
                        {"role"},
                        {"action"},
                        {"from_state"},
                        {"to_state"},
                        {"note"},
                        {"data"}},
                       {}};
  geo::OutLayer photos{"photos",
                       geo::GeometryKind::none,
                       {{"id"},
                        {"report_id"},
                        {"created_at"},
                        {"width", T::integer},
                        {"height", T::integer},
                        {"sha256"},
                        {"jpeg", T::binary}},
                       {}};
  for (const dispatch::Report& r : cases) {
    reports.features.push_back(report_row(r, zone, req.contacts));
    for (const dispatch::Event& e : store().events(r.id))
      events.features.push_back(event_row(e, zone));
    for (const store::MediaRecord& m : store().media().media_of(r.id)) {
      auto bytes = store().media().media_bytes(m.id, false);
      photos.features.push_back(
          {{geo::text_value(m.id), geo::text_value(m.report_id),
            geo::FieldValue{dispatch::format_iso(m.created_at, zone)},
            geo::FieldValue{static_cast<long long>(m.width)},
            geo::FieldValue{static_cast<long long>(m.height)}, geo::text_value(m.etag),
            bytes ? geo::FieldValue{geo::Bytes{std::move(*bytes)}} : geo::FieldValue{}},
           {},
           std::nullopt});
    }
  }
  result.cases = reports.features.size();
  result.events = events.features.size();
  result.photos = photos.features.size();
  geo::write_layers(req.path, "GPKG", {reports, events, photos});

  // Read back: the file must hold every row before a case leaves the store.
  for (const auto& [layer, count] : geo::count_features(req.path)) {
    const std::size_t want = layer == "reports"  ? result.cases
                             : layer == "events" ? result.events
                                                 : result.photos;
    if (static_cast<std::size_t>(count) != want)
      throw Error(ErrorCode::internal, "the archive's layer " + layer + " holds " +
                                           std::to_string(count) + " rows, not " +
                                           std::to_string(want) + ": nothing was deleted");
  }
  if (req.keep) return result;
  delete_archived(store(), cases, result);
  if (result.deleted > 0) {
    reports_changed();  // tiles and other nodes: cases left the store
    // A month left empty is dropped now rather than at the ticker's next monthly pass.
    try {
      result.housekeeping = store().maintain(dispatch::now_utc());
    } catch (const Error& e) {
      result.housekeeping.push_back(std::string("the store's housekeeping failed: ") + e.what());
    }
  }
  return result;
}

}  // namespace wangge::service
