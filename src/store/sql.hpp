#pragma once
// SQL text both adapters share (written with '?' placeholders; the PostGIS adapter renumbers
// them to $1, $2, …). Values are always bound, never spliced into the text.

#include <string>

#include "codec.hpp"
#include "wangge/store/store.hpp"

namespace wangge::store::sql {

struct Query {
  std::string text;
  Row params;
};

std::string insert_report();
std::string update_report();  ///< report columns (minus id) then id
std::string select_report();  ///< one id
std::string insert_event();
std::string select_events();  ///< one report id, by seq
std::string select_idempotency();
std::string insert_report_key();
/// Duplicate candidates: only candidate_columns(), decoded with decode_candidate().
Query open_reports_near(const std::string& category, const geo::BBox& box, dispatch::Instant since,
                        std::size_t limit);
const std::vector<std::string>& candidate_columns();
/// A report with only id, category, state, created_at, position and duplicate_of set.
dispatch::Report decode_candidate(const Row& row);
/// Running cases that may call for a higher supervision level at @p now (催办 at
/// @p remind_fraction of the time allowed, 督办 overdue, 挂牌督办 for a 督办 case due before
/// @p list_before): the workflow decides; at most @p limit, earliest due first.
Query supervision_candidates(dispatch::Instant now, double remind_fraction,
                             dispatch::Instant list_before, std::size_t limit);
/// Running cases with a whistled department whose 报到 deadline passed before @p now, not
/// told of yet (reports.report_in_due): at most @p limit, earliest deadline first.
Query report_in_candidates(dispatch::Instant now, std::size_t limit);
/// The filtered page in the filter's order (one row more than the limit, to know whether more
/// follow). @throws Error(invalid_argument) for a malformed cursor, a limit outside 1 to
/// kMaxListLimit or an offset above kMaxListOffset.
Query list(const ReportFilter& filter);
/// COUNT(*) of the rows matching @p filter (cursor, order, offset and limit aside), up to
/// @p at_most.
Query count(const ReportFilter& filter, std::size_t at_most);
/// The cursor that continues after @p r.
std::string cursor_after(const dispatch::Report& r, ListOrder order);
Query reports_created(dispatch::Instant from, dispatch::Instant to, std::size_t max_rows);
/// Store::ended_before.
Query ended_before(dispatch::Instant before, std::size_t limit);

std::string select_reply();
std::string insert_reply();
std::string insert_api_key();
std::string select_api_key_by_hash();
std::string select_api_keys();
std::string revoke_api_key();
std::string count_by_state();
/// grid_path, open reports, overdue among them (one parameter: now, in milliseconds).
Query open_counts_by_path(dispatch::Instant now);
GridPathCount decode_path_count(const Row& row);
ApiKey decode_api_key(const Row& row);

/// The migrations where the dialects differ after their first three, each adapter's own text.
struct OwnMigrations {
  std::string partition_by_month;  ///< 22: PostgreSQL partitions reports and events by month
  std::string state_counts;        ///< 25: PostgreSQL keeps the count of reports in each state
  std::string deltas_vacuum;       ///< 26: PostgreSQL vacuums the folded deltas often
};
/// Every migration from the fourth, in order: the shared ones, whose text both dialects run as
/// it is (types both read the same way: TEXT, BIGINT), and @p own's in their places. Each
/// adapter appends them to its own first three.
std::vector<std::string> migrations_from_fourth(const OwnMigrations& own);

std::string select_account();                   ///< one login
std::string select_accounts(AccountKind kind);  ///< every account of @p kind, by login
std::string insert_account();
std::string update_account();  ///< the columns after login, then login
Account decode_account(const Row& row);
std::string insert_session();
std::string select_session();  ///< one hash
SessionRecord decode_session(const Row& row);
std::string select_login_code();  ///< one phone
std::string upsert_login_code();
LoginCode decode_login_code(const Row& row);

/// Our consistency checks: each query returns one text column describing a problem per row.
const std::vector<std::string>& integrity_checks();

/// '?' → '$1', '$2', … (our SQL has no '?' in literals).
std::string dollar_placeholders(const std::string& text);

}  // namespace wangge::store::sql
