#pragma once
// The one implementation of the store over SQL that both adapters share: every query whose
// text and meaning agree on SQLite and PostgreSQL (sql.hpp) is run and decoded here, once.
// An adapter supplies only what differs: how a statement runs on its connection
// (SqlSession::rows / run), how a read gets a connection and its budget (SqlStore::read), and
// what its dialect needs on its own (grid geometry, the integrity check, migrations).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codec.hpp"
#include "sql.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store {

/// "" for NULL, the text otherwise.
std::string text_of(const Value& v);
/// The integer in column @p i of @p row, 0 for NULL (or any other type).
std::int64_t int_at(const Row& row, std::size_t i);

/// The real in column @p i of @p row (an integer widened); std::nullopt for NULL.
std::optional<double> real_at(const Row& row, std::size_t i);
/// Appends " AND (grid_path under one of @p grids)" to @p where (nothing for none), with its
/// patterns to @p params.
void add_under(const std::vector<std::string>& grids, std::string& where, Row& params);

/// A grid chain stored as a JSON list of ids. @throws Error(internal) when it is not one.
std::vector<std::string> grid_chain_of(const Value& v);

/// A keyset cursor "<ms>.<id>" of a listing ordered by a time then an id, newest first.
struct TimeCursor {
  std::int64_t ms = 0;
  std::string id;
};
/// @throws Error(invalid_argument) when @p after is not such a cursor.
TimeCursor parse_time_cursor(const std::string& after);
/// The cursor "<ms>.<id>" of a page that ends with @p id at @p at.
std::string time_cursor(dispatch::Instant at, const std::string& id);

/// Appends " AND <column> = ?" to @p where, and @p value to @p params, unless @p value is empty.
void add_equal(const char* column, const std::string& value, std::string& where, Row& params);

/// One page of a ledger listed newest first by the time column @p time, then id.
struct NewestFirst {
  const char* time;                           ///< the column ("at", "created_at")
  std::optional<dispatch::Instant> from, to;  ///< time in [from, to)
  std::string after;                          ///< the previous page's cursor, or ""
  std::size_t limit = 0;
};
/// Appends @p page's window and cursor to @p where, and their values and the limit to
/// @p params. @returns @p where followed by the order and the limit.
/// @throws Error(invalid_argument) for a malformed cursor.
std::string newest_first(const NewestFirst& page, std::string where, Row& params);

/// Statements through one connection: the writer's WriteTx, and each reader's queries.
class SqlSession : public WriteTx {
 public:
  /// Runs the statement @p text, whose values are marked '?' and bound from @p params in
  /// order; @returns the rows it yields.
  virtual std::vector<Row> rows(const std::string& text, const Row& params) = 0;
  /// Runs a statement that returns no rows; @returns how many rows it changed.
  virtual std::size_t run(const std::string& text, const Row& params) = 0;

  std::vector<dispatch::Report> decode_all(const sql::Query& q);

  std::optional<dispatch::Report> report(const std::string& id) override;
  void insert_report(const dispatch::Report& r, const std::string& key,
                     const std::string& hash) override;
  void update_report(const dispatch::Report& r) override;
  void append_event(const dispatch::Event& e) override;
  std::optional<IdempotencyRecord> idempotency(const std::string& key) override;
  std::vector<dispatch::Report> open_reports_near(const std::string& category, const geo::BBox& box,
                                                  dispatch::Instant since,
                                                  std::size_t limit) override;
  std::vector<std::string> supervision_candidates(dispatch::Instant now, double remind_fraction,
                                                  dispatch::Instant list_before,
                                                  std::size_t limit) override;
  std::vector<std::string> report_in_candidates(dispatch::Instant now, std::size_t limit) override;
  std::optional<StoredReply> reply(const std::string& key) override;
  void save_reply(const std::string& key, const StoredReply& r, dispatch::Instant now) override;
  bool attach_media(const std::string& media_id,
                    const std::string& report_id) override;  // sql_media.cpp
  bool delete_case(const std::string& id, std::int64_t version) override;
  std::size_t enqueue(const dispatch::Notification& n,
                      const std::vector<dispatch::Delivery>& deliveries,
                      std::vector<bool>* fresh) override;  // sql_notifications.cpp
  std::vector<std::string> subscribers(const std::vector<std::string>& grids,
                                       std::size_t limit) override;      // sql_notifications.cpp
  std::size_t deliveries_in_window(const std::string& window) override;  // sql_notifications.cpp
  dispatch::points::Posted post_points(const LedgerPlan& plan, const std::string& request_key,
                                       const std::string& request_hash) override;  // sql_ledger.cpp
  // sql_tasks.cpp
  std::optional<dispatch::tasks::Task> task(const std::string& id) override;
  void insert_task(const dispatch::tasks::Task& task) override;
  void update_task(const dispatch::tasks::Task& task) override;
  void append_task_event(const dispatch::tasks::TaskEvent& event) override;
  // sql_visits.cpp
  void put_household(const dispatch::visits::Household& household) override;
  void insert_visit(const dispatch::visits::Visit& visit) override;
  void insert_checkin(const dispatch::patrols::CheckIn& checkin) override;  // sql_patrols.cpp

  /// Numbers a new generation of @p grid_count grids ("g1", "g2", …) and records it; the
  /// adapters then write its grids (their geometry columns differ). @returns its id.
  std::string add_generation(const std::string& source, std::size_t grid_count,
                             dispatch::Instant now);

  /// Serialises postings to the ledger across processes until the transaction ends (once per
  /// transaction; PostgreSQL: an advisory lock, SQLite's writer is alone already).
  void lock_ledger() {
    if (ledger_locked_) return;
    acquire_ledger_lock();
    ledger_locked_ = true;
  }
  /// A new transaction: no lock held, nothing of the ledger remembered.
  void begin_transaction() noexcept {
    ledger_locked_ = false;
    ledger_tail_.reset();
  }
  /// A job rolled back to its savepoint: what it appended to the ledger is gone (the lock
  /// stays to the end of the transaction).
  void rolled_back_job() noexcept { ledger_tail_.reset(); }

  /// The ledger's last entry (number, time) as this transaction last saw or wrote it, while it
  /// holds the ledger's lock (postings of one batch skip reading it again).
  std::optional<std::pair<std::int64_t, dispatch::Instant>> ledger_tail_;

 protected:
  virtual void acquire_ledger_lock() {}

 private:
  bool ledger_locked_ = false;
};

/// The Store methods both dialects answer with the same SQL.
class SqlStore : public Store,
                 public AccountStore,
                 public MediaStore,
                 public NotificationStore,
                 public LedgerStore,
                 public TaskStore,
                 public VisitStore,
                 public PatrolStore {
 public:
  std::optional<dispatch::Report> report(const std::string& id) override;
  std::vector<dispatch::Event> events(const std::string& report_id) override;
  ReportPage list(const ReportFilter& filter) override;
  std::size_t count(const ReportFilter& filter, std::size_t at_most) override;
  std::vector<dispatch::Report> reports_created(dispatch::Instant from, dispatch::Instant to,
                                                std::size_t max_rows) override;
  std::size_t report_count() override;
  std::vector<dispatch::Report> ended_before(dispatch::Instant before, std::size_t limit) override;
  void activate_generation(const std::string& id) override;
  std::optional<std::string> active_generation() override;
  std::vector<GenerationInfo> generations() override;
  void put_reference(const std::string& name, const std::string& body,
                     dispatch::Instant now) override;
  std::optional<std::string> reference(const std::string& name) override;
  std::optional<dispatch::Instant> reference_updated_at(const std::string& name) override;
  void put_api_key(const ApiKey& key) override;
  std::optional<ApiKey> api_key_by_hash(const std::string& hash) override;
  std::vector<ApiKey> api_keys() override;
  void revoke_api_key(const std::string& id) override;
  std::vector<GridPathCount> open_counts_by_path(dispatch::Instant now) override;
  std::vector<std::pair<std::string, std::size_t>> count_by_state() override;
  AccountStore& accounts() override { return *this; }
  MediaStore& media() override { return *this; }
  NotificationStore& notifications() override { return *this; }
  LedgerStore& ledger() override { return *this; }
  TaskStore& tasks() override { return *this; }
  VisitStore& visits() override { return *this; }
  PatrolStore& patrols() override { return *this; }

  // AccountStore (sql_accounts.cpp)
  void insert_account(const Account& account) override;
  std::optional<Account> account(const std::string& login) override;
  std::vector<Account> all_accounts(AccountKind kind) override;
  std::optional<Account> update_account(const std::string& login,
                                        const std::function<void(Account&)>& change) override;
  void insert_session(const SessionRecord& session) override;
  std::optional<SessionRecord> session(const std::string& hash) override;
  void revoke_session(const std::string& hash) override;
  std::size_t revoke_sessions(const std::string& login, const std::string& keep_hash) override;
  void update_login_code(const std::string& phone,
                         const std::function<bool(std::optional<LoginCode>&)>& change) override;

  // MediaStore (sql_media.cpp)
  void insert_media(const MediaRecord& record, const std::string& display,
                    const std::string& thumbnail) override;
  std::optional<MediaRecord> media(const std::string& id) override;
  std::vector<MediaRecord> media_of(const std::string& report_id) override;
  std::optional<std::string> media_bytes(const std::string& id, bool thumbnail) override;
  std::size_t media_count_since(const std::string& owner, dispatch::Instant since) override;
  bool delete_unattached(const std::string& id) override;
  std::size_t delete_unattached_media(dispatch::Instant before) override;

  // NotificationStore (sql_notifications.cpp)
  std::vector<DueDelivery> due_deliveries(dispatch::Instant now, std::size_t limit) override;
  void record_outcomes(const std::vector<DeliveryOutcome>& outcomes) override;
  std::optional<dispatch::Instant> next_due() override;
  std::vector<DueDelivery> digest_members(const std::string& digest) override;
  std::vector<dispatch::Notification> inbox(const InboxQuery& query) override;
  std::size_t unread_count(const std::string& recipient) override;
  bool mark_read(const std::string& id, const std::string& recipient,
                 dispatch::Instant now) override;
  std::size_t mark_all_read(
      const std::string& recipient, dispatch::Instant now,
      const std::optional<std::pair<dispatch::Instant, std::string>>& through) override;
  std::optional<dispatch::Notification> notification(const std::string& id) override;
  std::vector<dispatch::Delivery> deliveries(std::optional<dispatch::DeliveryState> state,
                                             std::size_t limit) override;
  std::optional<dispatch::Delivery> delivery(const std::string& id) override;
  bool resend(const std::string& id, dispatch::Instant now) override;
  std::size_t purge_deliveries(dispatch::Instant before, std::size_t limit) override;
  std::vector<std::pair<std::string, std::size_t>> delivery_counts() override;
  std::vector<std::pair<std::string, dispatch::Instant>> subscriptions(
      const std::string& actor) override;
  bool subscribe(const std::string& actor, const std::string& grid, dispatch::Instant now,
                 std::size_t at_most) override;
  bool unsubscribe(const std::string& actor, const std::string& grid) override;

  // LedgerStore (sql_ledger.cpp)
  dispatch::points::Posted post(const LedgerPlan& plan, const std::string& request_key,
                                const std::string& request_hash) override;
  std::optional<dispatch::points::Entry> ledger_entry(const std::string& id) override;
  std::vector<dispatch::points::Entry> ledger_entries(const LedgerQuery& query) override;
  std::vector<dispatch::points::Entry> person_entries(const std::string& person,
                                                      std::size_t at_most) override;
  PointsSummary points_summary(const std::string& person) override;
  std::vector<std::pair<std::string, std::int64_t>> holders(const std::string& after,
                                                            std::size_t limit) override;
  std::vector<std::pair<std::string, std::int64_t>> earned_between(dispatch::Instant from,
                                                                   dispatch::Instant to) override;
  std::pair<std::int64_t, std::size_t> ledger_totals() override;

  // TaskStore (sql_tasks.cpp)
  std::optional<dispatch::tasks::Task> task(const std::string& id) override;
  std::vector<dispatch::tasks::TaskEvent> task_events(const std::string& id) override;
  TaskPage tasks(const TaskFilter& filter) override;
  // VisitStore (sql_visits.cpp)
  std::optional<HouseholdRow> household(const std::string& id) override;
  HouseholdPage households(const HouseholdFilter& filter) override;
  std::size_t household_count() override;
  std::vector<GridPathVisits> visit_coverage(dispatch::Instant since) override;
  std::optional<dispatch::visits::Visit> visit(const std::string& id) override;
  VisitPage visits(const VisitFilter& filter) override;
  // PatrolStore (sql_patrols.cpp)
  std::optional<dispatch::patrols::CheckIn> checkin(const std::string& id) override;
  CheckInPage checkins(const CheckInFilter& filter) override;

 private:
  /// " FOR UPDATE" on PostgreSQL (rows read to be changed in a write stay locked), "" on SQLite.
  std::string for_update() const { return kind() == "postgis" ? " FOR UPDATE" : ""; }

 public:
 protected:
  using Reader = std::function<void(SqlSession&)>;
  /// Runs @p fn on a read connection within the read budget (StoreOptions::read_budget): the
  /// reads a request makes.
  virtual void read(const Reader& fn) = 0;
  /// The same without the budget: start-up and maintenance (a generation, reference documents,
  /// the key list, the integrity check), whose size is the data's, not a request's.
  virtual void read_unbounded(const Reader& fn) = 0;
  /// A read that may lag the last writes by the configured staleness (StoreOptions::
  /// read_replica): listings, counts, statistics. On the primary unless a replica is fresh.
  virtual void read_lagging(const Reader& fn) { read(fn); }
  template <class Fn>
  auto read_lagging_value(Fn&& fn) {
    std::optional<decltype(fn(std::declval<SqlSession&>()))> out;
    read_lagging([&](SqlSession& s) { out.emplace(fn(s)); });
    return std::move(*out);
  }
  /// Runs @p fn inside the next group-commit batch (write() with the adapter's session).
  void write_sql(const std::function<void(SqlSession&)>& fn);

  template <class Fn>
  auto read_value(Fn&& fn) {
    std::optional<decltype(fn(std::declval<SqlSession&>()))> out;
    read([&](SqlSession& s) { out.emplace(fn(s)); });
    return std::move(*out);
  }
  template <class Fn>
  auto read_value_unbounded(Fn&& fn) {
    std::optional<decltype(fn(std::declval<SqlSession&>()))> out;
    read_unbounded([&](SqlSession& s) { out.emplace(fn(s)); });
    return std::move(*out);
  }
};

}  // namespace wangge::store
