#pragma once
// The PostgreSQL schema wangge keeps (private to the store module): its migrations, run once
// by whichever process opens the database first, and the SQL of the kept counts by state.

#include <cstddef>
#include <string>

namespace wangge::store {

/// Brings the database of @p conninfo to the latest schema version (or @p up_to, 0 for the
/// latest), under an advisory lock (one process migrates at a time), and makes the months'
/// partitions around today's. @throws Error(unavailable) without PostGIS or on a failure.
void migrate(const std::string& conninfo, std::size_t up_to);

/// Folds the deltas into the totals in one statement. Two at once cannot count a row twice: the
/// second's DELETE waits on the rows the first took and finds them gone.
inline constexpr char kFoldStateCounts[] = R"sql(
WITH moved AS (DELETE FROM report_state_deltas RETURNING state, n)
INSERT INTO report_state_totals (state, n) SELECT state, SUM(n) FROM moved GROUP BY state
ON CONFLICT (state) DO UPDATE SET n = report_state_totals.n + EXCLUDED.n
)sql";

/// The number of reports in each state from the kept counts (migration 25, pg_schema.cpp).
inline constexpr char kCountByState[] = R"sql(
SELECT state, SUM(n)::BIGINT FROM (SELECT state, n FROM report_state_totals
                                   UNION ALL SELECT state, n FROM report_state_deltas) AS counts
GROUP BY state HAVING SUM(n) <> 0 ORDER BY state
)sql";

}  // namespace wangge::store
