// The Service's composition: it is built, opened on a store (seeded from the data directory
// when the store is empty), and hands out the focused services built over it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>

#include "grid_snapshot.hpp"
#include "service_state.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/network/service_points.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::service {

Service::Service() : origin_(new_origin()) {
  const auto grids = [this]() -> std::shared_ptr<const grid::GridIndex> {
    const auto snapshot = grid_snapshot();
    return snapshot ? snapshot->index : nullptr;
  };
  TileSource source;
  source.grids = grids;
  source.generation = [this] { return dispatch_ ? active_generation() : std::string("g0"); };
  source.nearest = [this] { return dispatch_ ? nearest() : nullptr; };
  source.reference = [this] { return dispatch_ ? reference() : nullptr; };
  source.privacy = [this]() -> const dispatch::PrivacyPolicy& { return privacy(); };
  source.public_reports = [this](store::ReportFilter f, std::size_t at_most,
                                 const std::function<void(const dispatch::Report&)>& fn) {
    if (!dispatch_) return std::size_t{0};
    return each_report(std::move(f), dispatch::Actor::public_viewer(), at_most, fn);
  };
  source.open_counts = [this](dispatch::Instant now) {
    return dispatch_ ? store().open_counts_by_path(now) : std::vector<store::GridPathCount>{};
  };
  source.visit_coverage =
      [this](dispatch::Instant since) -> std::optional<std::vector<store::GridPathVisits>> {
    if (!dispatch_) return std::nullopt;
    return store().visits().visit_coverage(since);
  };
  tiles_ = std::make_unique<TileService>(std::move(source));
  ExportSource out;
  out.grids = grids;
  out.nearest = [this] { return dispatch_ ? nearest() : nullptr; };
  out.isochrones = [this] { return tiles_->isochrones(); };
  out.reference = [this] { return reference(); };
  out.privacy = [this]() -> const dispatch::PrivacyPolicy& { return privacy(); };
  out.reports = [this](store::ReportFilter f, const dispatch::Actor& viewer, std::size_t at_most,
                       const std::function<void(const dispatch::Report&)>& fn) {
    return each_report(std::move(f), viewer, at_most, fn);
  };
  exports_ = std::make_unique<Exports>(std::move(out));
}

const Exports& Service::exports() const {
  return *exports_;
}

TileService& Service::tiles() const {
  return *tiles_;
}

void Service::report_changed(const dispatch::Report& r) {
  report_changed_here(r);
  tell("report", r.id);
}

void Service::report_changed_here(const dispatch::Report& r) {
  if (dispatch_) changes().publish(r);
  tiles_->report_changed(r);
}

void Service::reports_changed() {
  tiles_->reports_changed();
  tell("reports", "");
}
Service::~Service() {
  leave_cluster();
}

void Service::build_services(Service& svc, Dispatch& d) {
  d.accounts = std::make_unique<Accounts>(
      d.store->accounts(), [svc = &svc](const std::string& spec) { return svc->actor(spec); });
  d.keys = std::make_unique<ApiKeys>(
      *d.store, [svc = &svc](const std::string& spec) { return svc->actor(spec); },
      [svc = &svc] { return svc->reference(); },
      [svc = &svc] { svc->accounts().note_revocation(); });
  d.accounts->set_tell([svc = &svc] { svc->tell("revocation", ""); });
  d.media = std::make_unique<MediaLibrary>(
      d.store->media(), [svc = &svc](const std::string& id, const dispatch::Actor& viewer) {
        // A case's photos are in its public view too: whoever may read that sees them.
        return svc->report(id, viewer).has_value() ||
               svc->report(id, dispatch::Actor::public_viewer()).has_value();
      });
  // A change stream resumed on another node (or after a restart) reads what it missed here.
  d.feed->set_history(
      [store = d.store.get()](dispatch::Instant since,
                              std::size_t limit) -> std::optional<std::vector<dispatch::Report>> {
        store::ReportPage page = changed_since(*store, since, limit);
        if (!page.next.empty()) return std::nullopt;  // more than a replay carries
        return std::move(page.items);
      });
  d.notifications = std::make_unique<Notifications>(*d.store);
  d.notifications->set_leader_check([svc = &svc] { return svc->leads(); });
  d.notifications->set_grid_check([svc = &svc](const std::string& id) {
    const auto index = svc->grid_index();
    return index && index->grids().find(id).has_value();
  });
  d.points = std::make_unique<PointsBank>(*d.store, [svc = &svc] { return svc->reference(); });
  // The grid chain (it first, to the root) of a grid id of the active generation.
  const auto chain_of = [svc = &svc](const std::string& id) {
    std::vector<std::string> chain;
    const auto index = svc->grid_index();
    for (auto i = index->grids().find(id); i && chain.size() < 64;
         i = index->grids().find(index->grids()[*i].parent_id))
      chain.push_back(index->grids()[*i].id);
    return chain;
  };
  d.tasks = std::make_unique<TaskBoard>(
      *d.store, [svc = &svc] { return svc->reference(); },
      [svc = &svc](geo::LonLat p, geo::Datum datum) {
        std::vector<std::string> chain;
        for (const ChainEntry& e : svc->locate(p, datum).chain) chain.push_back(e.id);
        return chain;
      },
      chain_of);
  d.visits = std::make_unique<VisitBook>(
      *d.store, [svc = &svc] { return svc->reference(); }, chain_of,
      [svc = &svc](const dispatch::Submission& s, const dispatch::Actor& by,
                   dispatch::Instant now) { return svc->submit(s, by, "", now).report; },
      [svc = &svc](const std::vector<std::string>& grid_chain) {
        svc->tiles().visits_changed(grid_chain);
        std::string chain;
        for (const std::string& g : grid_chain) (chain += chain.empty() ? "" : ",") += g;
        svc->tell("visit", chain);
      });
  d.patrols = std::make_unique<PatrolBook>(
      *d.store, [svc = &svc] { return svc->reference(); }, chain_of);
  d.appraisals = std::make_unique<Appraisals>(
      *d.store, [svc = &svc] { return svc->reference(); },
      [svc = &svc] { return svc->grid_index(); },
      [svc = &svc](dispatch::Instant from, dispatch::Instant to) {
        // The statistics' bound: a month holding more reports is refused, not read.
        auto reports = svc->store().reports_created(from, to, dispatch::kMaxStatsReports + 1);
        if (reports.size() > dispatch::kMaxStatsReports)
          throw Error(ErrorCode::invalid_argument, "the month holds more than " +
                                                       std::to_string(dispatch::kMaxStatsReports) +
                                                       " reports, the most one appraisal reads");
        return reports;
      },
      *d.patrols);
}

std::unique_ptr<Service> Service::open(const ServiceConfig& config) {
  auto service = std::make_unique<Service>();
  auto d = std::make_unique<Dispatch>();
  d->config = config;
  d->store = store::open_store(config.store, config.store_options);
  build_services(*service, *d);
  service->dispatch_ = std::move(d);
  Dispatch& dispatch = *service->dispatch_;
  const dispatch::Instant now = dispatch::now_utc();

  dispatch.ref = reference_from_store(*dispatch.store);
  if (!dispatch.ref) {
    if (config.data_dir.empty()) {
      throw Error(ErrorCode::not_found,
                  "the store has no reference data: import it with `wangge import reference DIR`");
    }
    service->import_reference(config.data_dir, now);
  }
  if (auto active = dispatch.store->active_generation()) {
    service->activate_generation(*active);
  } else {
    const std::string grids = config.data_dir + "/grids.geojson";
    if (config.data_dir.empty() || !std::filesystem::exists(grids)) {
      throw Error(ErrorCode::not_found,
                  "the store has no active grid generation: import one with `wangge import grids "
                  "SRC --activate`");
    }
    service->import_generation(grids, {}, true, now);
  }
  // The households (户) of the data, when the store has none yet.
  const std::string households = config.data_dir + "/households.csv";
  if (!config.data_dir.empty() && std::filesystem::exists(households) &&
      dispatch.store->visits().household_count() == 0) {
    const HouseholdImport seeded = service->visits().import(
        geo::read_office_table(households), "households.csv", dispatch::Actor::system(), now);
    if (!seeded.errors.empty())
      throw Error(ErrorCode::invalid_data, seeded.errors.front() + " (and " +
                                               std::to_string(seeded.errors.size() - 1) + " more)");
  }
  std::string network = config.network, points = config.service_points;
  if (network.empty() && !config.data_dir.empty() &&
      std::filesystem::exists(config.data_dir + "/streets.osm")) {
    network = config.data_dir + "/streets.osm";
  }
  if (points.empty() && !config.data_dir.empty() &&
      std::filesystem::exists(config.data_dir + "/service_points.geojson")) {
    points = config.data_dir + "/service_points.geojson";
  }
  if (!network.empty() && !points.empty()) service->load_network(network, points, config.walking);
  // The offline basemap: named, else the network's OSM file, else the data's streets.
  std::string basemap = config.basemap;
  const auto is_osm = [](const std::string& path) {
    for (const char* ext : {".osm", ".osm.pbf", ".pbf", ".osm.bz2"}) {
      const std::string e = ext;
      if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
        return true;
    }
    return false;
  };
  if (!basemap.empty()) {
    service->tiles().load_basemap(basemap);  // named: a bad file stops the start, named
  } else if (is_osm(network)) {
    // The network's file by default: one with no street or building to draw leaves the map
    // without a basemap, and the server starts.
    try {
      service->tiles().load_basemap(network);
    } catch (const Error&) {
    }
  }
  return service;
}

ChangeFeed& Service::changes() const {
  store();
  return *dispatch_->feed;
}

VisitBook& Service::visits() const {
  if (!dispatch_) throw Error(ErrorCode::internal, "the service was not opened on a store");
  return *dispatch_->visits;
}

Appraisals& Service::appraisals() const {
  store();
  return *dispatch_->appraisals;
}

PatrolBook& Service::patrols() const {
  store();
  return *dispatch_->patrols;
}

TaskBoard& Service::tasks() const {
  store();
  return *dispatch_->tasks;
}

PointsBank& Service::points() const {
  store();
  return *dispatch_->points;
}

Notifications& Service::notifications() const {
  store();
  return *dispatch_->notifications;
}

MediaLibrary& Service::media() const {
  if (!dispatch_) throw Error(ErrorCode::internal, "media needs a store (Service::open)");
  return *dispatch_->media;
}

ApiKeys& Service::keys() const {
  if (!dispatch_) throw Error(ErrorCode::internal, "the service was not opened on a store");
  return *dispatch_->keys;
}

Accounts& Service::accounts() const {
  if (!dispatch_) throw Error(ErrorCode::internal, "the service was not opened on a store");
  return *dispatch_->accounts;
}

store::Store& Service::store() const {
  if (!dispatch_) throw Error(ErrorCode::internal, "the service was not opened on a store");
  return *dispatch_->store;
}

std::string Service::store_kind() const {
  return store().kind();
}

void Service::probe_store() const {
  store().report("readiness-probe");  // a bounded primary-key read; no such report
}

std::vector<std::pair<std::string, std::size_t>> Service::reports_by_state() {
  return store().count_by_state();
}

std::size_t Service::store_memory_bytes() const {
  return store().memory_bytes();
}

std::vector<std::string> Service::check_store() const {
  return store().check_integrity();
}

store::ReplicaState Service::store_replica() const {
  return store().replica_state();
}

}  // namespace wangge::service
