#pragma once
// wangge::service::Service — the one facade the CLI, the HTTP layer and the tests call. It owns the
// current snapshots (the grid index of the active generation and the reference data, both
// immutable and held by shared_ptr, swapped whole on change) and, once opened on a store,
// runs intake and the dispatch workflow against it.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/intake.hpp"
#include "wangge/dispatch/public_report.hpp"
#include "wangge/dispatch/statistics.hpp"
#include "wangge/dispatch/workflow.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/geo/lonlat.hpp"
#include "wangge/grid/grid_index.hpp"
#include "wangge/grid/import.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/network/nearest.hpp"
#include "wangge/service/exports.hpp"
#include "wangge/service/tile_service.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

class Accounts;
class ApiKeys;
class MediaLibrary;
class Notifications;
class PointsBank;
class Appraisals;
class PatrolBook;
class VisitBook;
class TaskBoard;
class ChangeFeed;

/// One grid of a locate answer's chain.
struct ChainEntry {
  std::string id;
  std::string code;
  std::string name;
  int level = 0;
  std::string level_name;
  grid::Leader leader;
};

/// The answer to "which grid is this point in, and who is responsible".
struct LocateAnswer {
  LocateAnswer(geo::LonLat in, geo::Datum d, geo::LonLat normalised)
      : input(in), datum(d), wgs84(normalised) {}

  geo::LonLat input;  ///< as given, in its datum
  geo::Datum datum = geo::Datum::wgs84;
  geo::LonLat wgs84;  ///< normalised position used for the look-up
  grid::LocateStatus status = grid::LocateStatus::not_covered;
  std::vector<ChainEntry> chain;  ///< finest grid first, then its parents to the root
  bool on_boundary = false;
  std::vector<std::string> covering;  ///< ids of all grids of the finest level covering it
  double boundary_distance_m = 0;
};

std::string_view to_string(grid::LocateStatus s) noexcept;

/// Result of reading and validating a grid source.
struct ValidationRun {
  grid::ImportResult import;
  grid::ValidationReport report;
};

/// Where a service finds its data.
struct ServiceConfig {
  std::string store = "wangge.db";  ///< SQLite path or PostgreSQL URL
  /// Seed data read when the store has none yet: grids.geojson, categories.json,
  /// organisation.json, calendar.json (e.g. geodata/sample).
  std::string data_dir;
  double outside_tolerance_m = 50.0;
  store::StoreOptions store_options;
  /// The walking network (a .bin or an OSM file) and the service points; default
  /// data_dir/streets.osm and data_dir/service_points.geojson when they exist. Without them
  /// reports carry no nearest service point.
  std::string network;
  std::string service_points;
  network::WalkingConfig walking;
  /// The offline basemap (an OpenStreetMap file, see network/basemap.hpp); default the
  /// network when it is an OSM file, else data_dir/streets.osm when it exists.
  std::string basemap;
  /// How reports are shown to the public on every surface (positions rounded).
  dispatch::PrivacyPolicy privacy;
};

/// How to remember the reply to a request under a client's idempotency key (HTTP), so that a
/// retry gets the very same reply: the reply is stored in the same durable write as the change.
struct ReplyOptions {
  std::string key;           ///< the client's key, scoped by the caller (e.g. per API key)
  std::string request_hash;  ///< a retry must carry the same request
  std::function<store::StoredReply(const dispatch::Report&)>
      render;  ///< status and body of the first reply
};

/// The answer to a submission.
struct SubmitResult {
  dispatch::Report report;  ///< the new report; on a replay under a report key, the original
  bool replayed = false;    ///< the idempotency key was seen before
  std::optional<store::StoredReply> reply;  ///< with ReplyOptions: the (original) reply
};

struct ActResult {
  dispatch::Report report;  ///< the changed report (on a replay: as it is now)
  bool replayed = false;
  std::optional<store::StoredReply> reply;
  std::size_t notified = 0;  ///< messages the change wrote to the outbox
};

class Service {
 public:
  Service();
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Opens the store and loads its active grid generation and reference data. A store with
  /// none yet is seeded from config.data_dir (grids imported and activated as a generation,
  /// reference documents imported). @throws Error(unavailable / not_found / invalid_data).
  static std::unique_ptr<Service> open(const ServiceConfig& config);

  /// Reads and validates a grid source. Import problems are merged into the findings.
  /// @throws Error(unreadable_source / invalid_argument) when the source cannot be read.
  static ValidationRun validate_grids(const std::string& path, const grid::ImportOptions& import,
                                      const grid::ValidationOptions& validation);

  /// Reads a grid source and makes it the current snapshot. @returns the reader's notes (a
  /// bare JSON array read as a FeatureCollection, a field left out), for the user to see.
  /// @throws Error(invalid_topology) when the hierarchy cannot be indexed.
  std::vector<std::string> load_grids(const std::string& path, const grid::ImportOptions& import,
                                      double outside_tolerance_m = 50.0);
  /// Makes @p grids the current snapshot (used by tests and importers).
  void set_grids(std::vector<grid::Grid> grids, double outside_tolerance_m = 50.0);

  /// The current snapshot; @throws Error(not_found) when no grids are loaded.
  std::shared_ptr<const grid::GridIndex> grid_index() const;

  /// Locates a point given in @p datum. Thread-safe.
  LocateAnswer locate(geo::LonLat point, geo::Datum datum = geo::Datum::wgs84) const;
  /// Same, on an explicit snapshot (hot loops take the snapshot once).
  static LocateAnswer locate(const grid::GridIndex& index, geo::LonLat point, geo::Datum datum);

  // ---- dispatch (needs open()) ------------------------------------------------------------

  /// Validates, locates and durably records a new report (its first event: submit). With an
  /// idempotency key, a retry with the same request returns the original report.
  /// @throws the intake's errors; Error(idempotency_mismatch) for a key reused with another
  /// request.
  SubmitResult submit(const dispatch::Submission& submission, const dispatch::Actor& by,
                      const std::string& idempotency_key, dispatch::Instant now,
                      const ReplyOptions* reply = nullptr);
  /// Applies a workflow action durably and returns the changed report.
  /// @throws Error(not_found) for an unknown id or one the actor may not see, and the workflow's
  /// errors.
  dispatch::Report act(const std::string& report_id, const dispatch::ActionRequest& request,
                       const dispatch::Actor& by, dispatch::Instant now);
  /// The same, remembering the reply under an idempotency key. @throws as act(), and
  /// Error(idempotency_mismatch) for a key reused with another request.
  ActResult act(const std::string& report_id, const dispatch::ActionRequest& request,
                const dispatch::Actor& by, dispatch::Instant now, const ReplyOptions& reply);
  /// One step of a recorded history.
  struct Step {
    dispatch::ActionRequest request;
    dispatch::Actor by;
    dispatch::Instant at;
  };
  /// Applies several actions to one report in one durable write (all or none): for importing
  /// or simulating a history. @throws as act().
  dispatch::Report replay(const std::string& report_id, const std::vector<Step>& steps);
  /// The report if @p viewer may see it.
  std::optional<dispatch::Report> report(const std::string& id, const dispatch::Actor& viewer);
  /// The report's events. @throws Error(not_found) as report().
  std::vector<dispatch::Event> events(const std::string& id, const dispatch::Actor& viewer);
  /// A page of the reports @p viewer may see (residents: their own; grid workers: their grids;
  /// department staff: their department's), matching @p filter.
  store::ReportPage list(store::ReportFilter filter, const dispatch::Actor& viewer);
  /// The one walk over many reports (report tiles, exports, batch tools): calls @p fn for each
  /// report
  /// @p viewer may see matching @p filter, in its order, page by page through the store's
  /// keyset cursor (filter.limit rows per query), for at most @p at_most reports.
  /// @returns how many it visited.
  std::size_t each_report(store::ReportFilter filter, const dispatch::Actor& viewer,
                          std::size_t at_most,
                          const std::function<void(const dispatch::Report&)>& fn);
  /// How many of the reports @p viewer may see match @p filter, counting no further than
  /// @p at_most (see Store::count).
  std::size_t count(store::ReportFilter filter, const dispatch::Actor& viewer, std::size_t at_most);
  /// Statistics over the reports created in [query.from, query.to).
  /// @throws Error(invalid_argument) when the period holds more than query.max_reports.
  std::vector<dispatch::StatsRow> stats(const dispatch::StatsQuery& query);
  /// The supervision ticker: raises the supervision levels that came due (催办, 督办, 挂牌督办)
  /// and a 报到超时 event on every running case whose whistled departments let their 报到
  /// deadline pass (once per department). @returns how many events were raised.
  std::size_t tick(dispatch::Instant now);
  /// Moves the ended cases of ArchiveRequest into a GeoPackage, reads the file back, then
  /// deletes each case still as it was written (see ArchiveResult). Writes no file when none
  /// is due. @throws Error(invalid_argument) for a path that exists or is not .gpkg, or a limit
  /// out of range.
  ArchiveResult archive(const ArchiveRequest& request);
  /// The store's housekeeping as time passes (store::Store::maintain), run before each tick.
  std::vector<std::string> maintain(dispatch::Instant now);

  /// Imports and validates a grid source as a new generation; with @p activate, switches to it.
  /// @throws Error(invalid_data) listing the first findings when the grids do not validate.
  std::string import_generation(const std::string& path, const grid::ImportOptions& options,
                                bool activate, dispatch::Instant now);
  /// Makes a stored generation the active one and swaps the index. @throws Error(not_found).
  void activate_generation(const std::string& id);
  /// Imports categories.json, organisation.json and calendar.json from @p dir into the store
  /// and swaps the reference snapshot. @throws the parser's errors (nothing stored then).
  void import_reference(const std::string& dir, dispatch::Instant now);
  /// Reads the reference documents from the store again (after `wangge import reference` by
  /// another process) and swaps the snapshot: categories, staff and the calendar change without
  /// a restart. @returns the snapshot now in use. @throws Error(unavailable) when the store
  /// cannot be read, the parser's errors for bad documents (the old snapshot stays then).
  std::shared_ptr<const dispatch::ReferenceData> reload_reference();
  /// The stored text of the reference document @p name ("categories", "organisation",
  /// "calendar"). @throws Error(not_found) when the store holds none.
  std::string reference_document(const std::string& name) const;
  /// Stores @p organisation_json as the organisation document in one write, after checking it
  /// with the stored categories and calendar exactly as import_reference checks its documents,
  /// and swaps this service's snapshot (another process, such as a running server, reads it on
  /// its next reload_reference). @throws the parser's errors (nothing stored then).
  void import_organisation(const std::string& organisation_json, dispatch::Instant now);

  /// API keys: create, list, revoke, resolve a secret (api_keys.hpp; needs open()).
  ApiKeys& keys() const;
  /// Sign-in accounts, sessions and one-time codes (needs open()).
  Accounts& accounts() const;
  /// Uploaded photos: uploads, who may see them, what a case may cite (needs open()).
  MediaLibrary& media() const;
  /// Notifications: the outbox, the inbox, deliveries and their runner (needs open()).
  Notifications& notifications() const;
  /// Households and their visits (入户走访台账; visit_book.hpp; needs open()).
  VisitBook& visits() const;
  /// Patrol routes and their check-ins (巡查台账; patrol_book.hpp; needs open()).
  PatrolBook& patrols() const;
  /// The monthly appraisal and the 红黑榜 (月度考核; appraisals.hpp; needs open()).
  Appraisals& appraisals() const;
  /// The points bank (积分银行): accounts, earnings, awards, redemptions, reversals, expiry.
  PointsBank& points() const;
  /// The task board (圆单, 揭榜挂帅).
  TaskBoard& tasks() const;
  /// Committed report changes, live (needs open()): what GET /api/v1/events/stream sends.
  ChangeFeed& changes() const;
  /// Whether @p viewer may see @p r: the workflow's scope rule, and for the public
  /// (Actor::anonymous) only cases of public categories.
  bool visible(const dispatch::Report& r, const dispatch::Actor& viewer) const;
  /// Whether the service was opened on a store (open()), not only given grids.
  bool has_store() const noexcept { return dispatch_ != nullptr; }
  std::shared_ptr<const dispatch::ReferenceData> reference() const;
  /// How reports are shown to the public (ServiceConfig::privacy), on every surface.
  const dispatch::PrivacyPolicy& privacy() const;
  /// The nearest-service snapshot, or null when no network and service points are loaded.
  std::shared_ptr<const network::NearestService> nearest() const;
  /// Loads a network and service points and swaps the nearest-service snapshot.
  void load_network(const std::string& network, const std::string& service_points,
                    const network::WalkingConfig& walking);
  std::string active_generation() const;
  /// The stored generations, newest first as the store lists them.
  std::vector<store::GenerationInfo> generations();
  /// "sqlite" or "postgis". @throws Error(internal) when not opened on a store.
  std::string store_kind() const;
  /// One read from the store (a primary-key look-up), for readiness.
  /// @throws Error(unavailable) when the store does not answer.
  void probe_store() const;
  /// Reports per state (for /metrics).
  std::vector<std::pair<std::string, std::size_t>> reports_by_state();
  /// Bytes the store's library holds in this process (Store::memory_bytes; for /metrics).
  std::size_t store_memory_bytes() const;
  /// What is inconsistent in the store, a line each (store::Store::check_integrity; reads
  /// every row).
  std::vector<std::string> check_store() const;
  /// The store's read replica (Store::replica_state; for /metrics).
  store::ReplicaState store_replica() const;
  /// The vector tiles, the walking areas and the offline basemap (tile_service.hpp).
  TileService& tiles() const;
  /// Layers to GIS files, statistics to office tables (exports.hpp).
  const Exports& exports() const;
  /// Who acts: a staff member of organisation.json by id, or "resident:<id>" for a resident
  /// account. @throws Error(forbidden) for an unknown id.
  dispatch::Actor actor(const std::string& spec) const;

  // ---- several processes on one database (cluster.cpp) -----------------------------------

  /// Follows what the other processes on the same database change — the active generation,
  /// the reference data, revocations, reports and visits — within about a second, reading
  /// again all of it after a time it could not hear them; and takes the lease of the jobs a
  /// cluster runs once when it is free. Every change this service makes is told to them in
  /// turn (also without joining: a command-line process tells the servers). On a store no
  /// other process shares (SQLite) it does nothing and this process leads.
  /// @throws Error(unavailable) when the database cannot be reached.
  void join_cluster();
  /// Stops following (and gives the lease up); the destructor does it too.
  void leave_cluster();
  /// Whether this process runs the jobs a cluster runs once: the 督办 ticker and the outbox's
  /// delivery (true when it has not joined a cluster).
  bool leads() const noexcept;

 private:
  /// The store: only the service talks to it (the CLI and HTTP call the methods above).
  store::Store& store() const;
  struct Dispatch;
  /// Builds the focused services over @p d's store (composition.cpp).
  static void build_services(Service& svc, Dispatch& d);
  struct GridSnapshot;  // service/grid_snapshot.hpp
  /// The current grid snapshot, or null before any grids are loaded.
  std::shared_ptr<const GridSnapshot> grid_snapshot() const;
  void swap_grids(std::shared_ptr<const GridSnapshot> snapshot);
  /// Inside @p tx: the messages @p e (just applied to @p r) owes (Notifications::enqueue).
  std::size_t notify(store::WriteTx& tx, const dispatch::Report& r, const dispatch::Event& e,
                     const dispatch::ReferenceData& ref, dispatch::Instant now,
                     store::Enqueued& out) const;
  /// Called after a committed change of @p r (tiles and counts that show it go stale).
  void report_changed(const dispatch::Report& r);
  /// Called after a change of many reports at once.
  void reports_changed();
  /// report_changed, told by another process: here only.
  void report_changed_here(const dispatch::Report& r);
  /// Tells the other processes on the database of a change of @p kind ("generation",
  /// "reference", "revocation", "report", "reports", "visit") to @p what, after it was
  /// committed. Never throws: a failure is logged (they read everything again when they lose
  /// and regain the database, and the change itself stands).
  void tell(std::string_view kind, const std::string& what) const;
  /// What another process told (a signal's payload), applied here.
  void heard(const std::string& payload);
  /// Reads again all that another process may have changed while this one did not hear; with
  /// @p since (when it last heard them), also sends the reports changed since on this node's
  /// change streams (replay_changes_since).
  void catch_up(std::optional<dispatch::Instant> since = std::nullopt);
  /// The reports changed since @p since, published on this node's change feed in the order of
  /// their creation; when more changed than one listing holds (kMaxListLimit), the listeners
  /// are told to reload instead.
  void replay_changes_since(dispatch::Instant since);
  /// The store's active generation, indexed and swapped in when it is not this one's (no
  /// write: activate_generation is what changes it).
  void follow_generation();
  /// The generation @p id loaded and indexed, ready to swap in.
  std::shared_ptr<const GridSnapshot> snapshot_of(const std::string& id) const;
  /// The active grids (index and generation): one snapshot, swapped atomically.
  std::shared_ptr<const GridSnapshot> grids_;
  std::unique_ptr<Dispatch> dispatch_;
  std::unique_ptr<TileService> tiles_;
  std::unique_ptr<Exports> exports_;
  /// This process among those sharing the database: its own signals come back to it unheeded.
  std::string origin_;
  struct Cluster;
  std::unique_ptr<Cluster> cluster_;  // last: stopped before anything it calls goes
};

}  // namespace wangge::service
