#pragma once
// Storage ports. A Store keeps reports with their append-only events, grid generations and
// reference documents. Two adapters implement it: SQLite (the embedded default, one file) and
// PostGIS via libpqxx (for several API nodes); one conformance suite tests both.
//
// Writes go through write(): each call runs in the next group-commit batch of a single writer
// thread — many concurrent writes share one transaction and one fsync — and returns only once
// that batch is durable. A write that throws is rolled back to its own savepoint; the rest of
// its batch commits. Reads run on their own connections and see committed data.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/report.hpp"
#include "wangge/geo/polygon.hpp"
#include "wangge/grid/grid.hpp"
#include "wangge/store/accounts.hpp"
#include "wangge/store/ledger.hpp"
#include "wangge/store/media.hpp"
#include "wangge/store/notifications.hpp"
#include "wangge/store/patrols.hpp"
#include "wangge/store/signals.hpp"
#include "wangge/store/tasks.hpp"
#include "wangge/store/visits.hpp"

namespace wangge::store {

/// What a client's idempotency key was first used for.
struct IdempotencyRecord {
  std::string key;
  std::string request_hash;
  std::string report_id;
};

/// A reply remembered under a client's idempotency key: a retry gets it again.
struct StoredReply {
  std::string request_hash;
  int status = 0;
  std::string body;
};

/// An API key, kept as the SHA-256 of the secret (the secret itself is shown once).
struct ApiKey {
  std::string id;     ///< public id, e.g. "k3f9…"
  std::string hash;   ///< sha256 hex of the secret
  std::string actor;  ///< staff id, "resident:<id>" or "app:<name>"
  std::string role;   ///< the actor's role
  std::string label;
  dispatch::Instant created_at;
  bool revoked = false;
};

/// The store as seen from inside one write (reads see the batch's earlier writes).
class WriteTx {
 public:
  virtual ~WriteTx() = default;
  virtual std::optional<dispatch::Report> report(const std::string& id) = 0;
  /// @throws Error(conflict) when the id or the idempotency key exists already.
  virtual void insert_report(const dispatch::Report& report, const std::string& idempotency_key,
                             const std::string& request_hash) = 0;
  virtual void update_report(const dispatch::Report& report) = 0;
  virtual void append_event(const dispatch::Event& event) = 0;
  virtual std::optional<IdempotencyRecord> idempotency(const std::string& key) = 0;
  /// Open reports of @p category created at or after @p since whose position is in @p box —
  /// the duplicate candidates, with only id, category, state, created_at, position and
  /// duplicate_of filled in: at most @p limit, nearest to the box's centre first, then oldest.
  virtual std::vector<dispatch::Report> open_reports_near(const std::string& category,
                                                          const geo::BBox& box,
                                                          dispatch::Instant since,
                                                          std::size_t limit) = 0;
  /// Ids of running cases that may call for a higher supervision level at @p now: not yet
  /// reminded and past @p remind_fraction of the time between dispatch and due; overdue and
  /// below 督办; at 督办 and due before @p list_before (a bound the caller refines with the work
  /// calendar). At most @p limit, earliest due first.
  virtual std::vector<std::string> supervision_candidates(dispatch::Instant now,
                                                          double remind_fraction,
                                                          dispatch::Instant list_before,
                                                          std::size_t limit) = 0;
  /// Ids of running cases with a whistled department whose 报到 deadline passed before @p now
  /// and was not told of yet (报到超时). At most @p limit, earliest deadline first.
  virtual std::vector<std::string> report_in_candidates(dispatch::Instant now,
                                                        std::size_t limit) = 0;
  virtual std::optional<StoredReply> reply(const std::string& key) = 0;
  virtual void save_reply(const std::string& key, const StoredReply& reply,
                          dispatch::Instant now) = 0;
  /// Marks the photo @p media_id as taken by @p report_id unless a case took it already.
  /// @returns false when no such photo exists.
  virtual bool attach_media(const std::string& media_id, const std::string& report_id) = 0;
  /// Deletes the case @p id (archived: ArchiveRequest) with everything of it, its events,
  /// photos, idempotency keys, inbox messages and their deliveries, if it is still at
  /// @p version. @returns false, deleting nothing, when it changed since (or is gone).
  virtual bool delete_case(const std::string& id, std::int64_t version) = 0;
  /// The outbox: writes @p n (the recipient's inbox entry) and its @p deliveries, in this
  /// transaction. A message or delivery whose id exists already is left as it is (the same
  /// event enqueued twice sends once). @returns how many of @p deliveries were new, and
  /// marks each new one in @p fresh (resized to deliveries.size()) when given.
  virtual std::size_t enqueue(const dispatch::Notification& n,
                              const std::vector<dispatch::Delivery>& deliveries,
                              std::vector<bool>* fresh = nullptr) = 0;
  /// Who follows any of @p grids (关注区域), at most @p limit, in actor order.
  virtual std::vector<std::string> subscribers(const std::vector<std::string>& grids,
                                               std::size_t limit) = 0;
  /// How many deliveries count in the digest window @p window (Delivery::window; this
  /// transaction's included): a digest's count.
  virtual std::size_t deliveries_in_window(const std::string& window) = 0;
  /// The ledger (积分银行): LedgerStore::post inside this transaction, so that an earning is
  /// written with the change that earned it, or not at all.
  virtual dispatch::points::Posted post_points(const LedgerPlan& plan,
                                               const std::string& request_key,
                                               const std::string& request_hash) = 0;
  /// Tasks (圆单, 揭榜挂帅). @throws Error(conflict) for a task id that exists.
  virtual std::optional<dispatch::tasks::Task> task(const std::string& id) = 0;
  virtual void insert_task(const dispatch::tasks::Task& task) = 0;
  virtual void update_task(const dispatch::tasks::Task& task) = 0;
  virtual void append_task_event(const dispatch::tasks::TaskEvent& event) = 0;
  /// Households and visits (入户走访): a household is written whole (imported again: replaced,
  /// keeping when it was registered and what its visits left on it); a visit also moves its
  /// household's last visit.
  /// @throws Error(conflict) for a visit id that exists, Error(not_found) for a visit to an
  /// unknown household.
  virtual void put_household(const dispatch::visits::Household& household) = 0;
  virtual void insert_visit(const dispatch::visits::Visit& visit) = 0;
  /// A patrol check-in (巡查打卡). @throws Error(conflict) for an id that exists.
  virtual void insert_checkin(const dispatch::patrols::CheckIn& checkin) = 0;
};

/// The order of a listing, by creation time (then id, so equal times still page stably), or by
/// update time, oldest first (what changed since an instant: an index range read, whatever
/// the plan; resuming change streams, a node catching up).
enum class ListOrder { newest_first, oldest_first, updated_oldest_first };

/// The most rows one list query returns, and the most it skips with an offset: every listing
/// is one indexed query with a LIMIT, and paging deeper goes by cursor (`after`), which costs
/// the same on every page.
inline constexpr std::size_t kMaxListLimit = 10000;
inline constexpr std::size_t kMaxListOffset = 10000;

struct ReportFilter {
  std::vector<dispatch::ReportState> states;    ///< any of these; empty: all
  std::vector<std::string> categories;          ///< any of these codes; empty: all
  std::vector<std::string> exclude_categories;  ///< none of these codes (private categories)
  std::optional<std::string> grid;              ///< the grid or any grid below it
  std::optional<std::string> finest_grid;       ///< exactly this grid as the report's finest
  std::optional<std::string> leader;
  std::optional<std::string> department;  ///< assigned, or responsible when not dispatched
  std::optional<std::string> submitted_by;
  std::optional<std::string> external_id;  ///< the channel's ticket number
  std::optional<geo::BBox> bbox;
  std::optional<dispatch::Instant> created_from, created_to, updated_from, updated_to;
  bool overdue_only = false;
  dispatch::Instant now;
  ListOrder order = ListOrder::newest_first;
  std::size_t limit = 50;  ///< 1 to kMaxListLimit
  std::size_t offset = 0;  ///< rows skipped (after the cursor, if any): 0 to kMaxListOffset
  std::string after;       ///< the `next` cursor of the previous page (in the same order)
};

struct ReportPage {
  std::vector<dispatch::Report> items;  ///< in the filter's order
  std::string next;                     ///< cursor for the next page; empty at the end
};

/// Open reports of one finest-grid path ("/root/…/leaf/"), counted by the database.
struct GridPathCount {
  std::string grid_path;
  std::size_t open = 0;
  std::size_t overdue = 0;  ///< of them, running and past their due time
};

struct GenerationInfo {
  std::string id;
  dispatch::Instant created_at;
  std::string source;
  std::size_t grids = 0;
  bool active = false;
};

/// The read replica, for /metrics: whether there is one, whether reads that may lag go to it
/// now, and how far behind the primary it was at the last look (each second; negative when it
/// could not be read).
struct ReplicaState {
  bool configured = false;
  bool in_use = false;
  std::chrono::milliseconds lag{-1};
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string kind() const = 0;  ///< "sqlite" or "postgis"
  /// Housekeeping that the passing of time calls for, run by the ticker's node: PostgreSQL
  /// folds the changes of the kept counts of reports by state into their totals (each call)
  /// and makes the monthly partitions of reports and events up to three months ahead (once a
  /// month), and drops the partitions of old months `wangge archive` emptied. SQLite has
  /// nothing to do. @returns lines for the log saying what it did that is worth saying (the
  /// months dropped). @throws Error(unavailable) naming a month that could not be made (its
  /// reports stay in the default partition: found, just not pruned) or the counts not folded
  /// (still right, only more rows to sum).
  virtual std::vector<std::string> maintain(dispatch::Instant now) = 0;

  /// Runs @p fn in the next group-commit batch and returns once its batch is durable.
  /// Rethrows what @p fn throws (its writes rolled back); Error(unavailable) when the commit
  /// itself fails (nothing of the batch was written).
  virtual void write(const std::function<void(WriteTx&)>& fn) = 0;

  virtual std::optional<dispatch::Report> report(const std::string& id) = 0;
  virtual std::vector<dispatch::Event> events(const std::string& report_id) = 0;
  /// One page of the reports matching @p filter, in its order: one indexed query with a LIMIT,
  /// every filter in SQL. @throws Error(invalid_argument) for a malformed cursor, a limit of 0
  /// or above kMaxListLimit, or an offset above kMaxListOffset; Error(unavailable) when the
  /// query runs past the read budget (StoreOptions::read_budget).
  virtual ReportPage list(const ReportFilter& filter) = 0;
  /// How many reports match @p filter (its order, cursor, offset and limit aside), counting no
  /// further than @p at_most: at_most means "at least that many". Bounded like list().
  virtual std::size_t count(const ReportFilter& filter, std::size_t at_most) = 0;
  /// The reports created in [from, to), oldest first, at most @p max_rows of them (for
  /// statistics: a caller asks for one more than it takes, to know the period holds more).
  virtual std::vector<dispatch::Report> reports_created(dispatch::Instant from,
                                                        dispatch::Instant to,
                                                        std::size_t max_rows) = 0;
  virtual std::size_t report_count() = 0;
  /// Ended cases (closed, evaluated, cancelled) created and ended before @p before, oldest
  /// first, at most @p limit: what an archive takes. Not bounded by the read budget.
  virtual std::vector<dispatch::Report> ended_before(dispatch::Instant before,
                                                     std::size_t limit) = 0;

  /// Stores @p grids as a new, inactive generation. @returns its id.
  virtual std::string save_generation(const std::vector<grid::Grid>& grids,
                                      const std::string& source, dispatch::Instant now) = 0;
  /// @throws Error(not_found) for an unknown generation.
  virtual void activate_generation(const std::string& id) = 0;
  virtual std::optional<std::string> active_generation() = 0;
  virtual std::vector<grid::Grid> load_generation(const std::string& id) = 0;
  virtual std::vector<GenerationInfo> generations() = 0;

  /// Reference documents by name ("categories", "organisation", "calendar").
  virtual void put_reference(const std::string& name, const std::string& body,
                             dispatch::Instant now) = 0;
  virtual std::optional<std::string> reference(const std::string& name) = 0;
  /// When the document last changed (an import of the same text keeps the time).
  virtual std::optional<dispatch::Instant> reference_updated_at(const std::string& name) = 0;

  virtual void put_api_key(const ApiKey& key) = 0;
  /// The key with this secret hash, revoked or not.
  virtual std::optional<ApiKey> api_key_by_hash(const std::string& hash) = 0;
  virtual std::vector<ApiKey> api_keys() = 0;
  /// @throws Error(not_found) for an unknown id.
  virtual void revoke_api_key(const std::string& id) = 0;
  /// Sign-in accounts, sessions and one-time codes (a port of its own).
  virtual AccountStore& accounts() = 0;
  /// Uploaded photos (a port of its own).
  virtual MediaStore& media() = 0;
  /// The outbox and the inbox (a port of its own).
  virtual NotificationStore& notifications() = 0;
  /// The points bank's ledger (a port of its own).
  virtual LedgerStore& ledger() = 0;
  /// Tasks residents and volunteers take on (a port of its own).
  virtual TaskStore& tasks() = 0;
  /// Households and their visits (a port of its own).
  virtual VisitStore& visits() = 0;
  /// Patrol check-ins (a port of its own).
  virtual PatrolStore& patrols() = 0;
  /// What this process tells the others sharing the database, and hears from them.
  virtual Signals& signals() = 0;
  /// Open reports per finest-grid path, aggregated in the database (one row per path that has
  /// any; at most as many rows as grids), with those overdue at @p now.
  virtual std::vector<GridPathCount> open_counts_by_path(dispatch::Instant now) = 0;
  /// Reports per state (for /metrics): on PostgreSQL from counts kept as reports change, so it
  /// costs the same at 10 M reports as at 10; on SQLite a count of the rows.
  virtual std::vector<std::pair<std::string, std::size_t>> count_by_state() = 0;
  /// Bytes of memory the store's library holds in this process (SQLite: its page caches and
  /// statements, bounded by the cache size per connection; PostgreSQL: 0, the server holds them).
  virtual std::size_t memory_bytes() const = 0;
  /// The read replica's state, for /metrics.
  virtual ReplicaState replica_state() const { return {}; }

  /// Problems found by the database's own check and by ours (every report's events numbered
  /// 1…version with no gap; no event without its report). Empty when sound.
  virtual std::vector<std::string> check_integrity() = 0;
};

struct StoreOptions {
  bool group_commit = true;      ///< false: one transaction (and fsync) per write
  std::size_t max_batch = 1024;  ///< writes per group-commit transaction
  std::size_t readers = 4;       ///< read connections
  /// The longest one read of a request may run (report, events, list, count, reports_created,
  /// report_count, api_key_by_hash, count_by_state): PostgreSQL's statement_timeout on the read
  /// connections, SQLite's progress handler. A read past it is interrupted: Error(unavailable).
  /// Loading a generation or the reference documents, the key list and the integrity check
  /// (start-up and maintenance, sized by the data) are not bounded.
  std::chrono::microseconds read_budget = std::chrono::seconds(5);
  /// The migration to stop after (0: the latest). For tests of a migration: they make a
  /// database as an earlier version left it, then open it again without this.
  std::size_t schema_version = 0;
  /// PostgreSQL: a read replica (a libpq string; a multi-host one with
  /// target_session_attrs=prefer-standby follows a failover) for the reads that may lag:
  /// listings, counts, statistics, tile counts, reports per state. Used while it is at most
  /// read_staleness behind the primary (a heartbeat, each second), else the primary serves
  /// them. "" = every read on the primary.
  std::string read_replica;
  std::chrono::milliseconds read_staleness = std::chrono::seconds(5);
};

/// Opens (creating and migrating when needed) the store at @p location: a PostgreSQL URL
/// ("postgresql://…", "postgres://…") or libpq key=value string ("host=… dbname=…") selects
/// PostGIS; anything else is a SQLite file path.
/// @throws Error(unavailable) when the database cannot be reached or opened.
std::unique_ptr<Store> open_store(const std::string& location, const StoreOptions& options = {});

/// Whether @p location names a PostgreSQL database.
bool is_postgres_location(const std::string& location);

}  // namespace wangge::store
