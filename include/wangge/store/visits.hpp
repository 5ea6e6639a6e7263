#pragma once
// wangge::store::VisitStore — households (户) under their 邻 and the visits grid workers pay them
// (入户走访). A household row carries when it was last visited (someone at home) and last
// tried, kept in the same write as each visit, so a listing of what is due reads one row per
// household and no visit history.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/visits.hpp"

namespace wangge::store {

/// A household with what its visits left on it.
struct HouseholdRow {
  dispatch::visits::Household household;
  std::optional<dispatch::Instant> last_visit;    ///< the last visit that found someone at home
  std::optional<dispatch::Instant> last_attempt;  ///< the last visit of any outcome
};

struct HouseholdFilter {
  std::vector<std::string> in_grids;  ///< under one of these grids; empty: every household
  std::optional<dispatch::visits::Flag> flag;
  std::size_t limit = 100;  ///< 1 to 20,000
  std::string after;        ///< the last id of the previous page (ids ascending)
};

struct HouseholdPage {
  std::vector<HouseholdRow> items;  ///< by id
  std::string next;                 ///< empty at the end
};

struct VisitFilter {
  std::string household;                      ///< one household's; empty: any
  std::vector<std::string> in_grids;          ///< under one of these grids; empty: any
  std::string visitor;                        ///< one worker's; empty: any
  std::optional<dispatch::Instant> from, to;  ///< at in [from, to)
  std::size_t limit = 50;                     ///< 1 to 1,000
  std::string after;                          ///< the `next` of the previous page
};

struct VisitPage {
  std::vector<dispatch::visits::Visit> items;  ///< newest first
  std::string next;
};

/// The households under one finest grid path and, of them, those nobody found at home since a
/// time (visit coverage: 本月未走访, not visited this month).
struct GridPathVisits {
  std::string grid_path;
  std::size_t households = 0;
  std::size_t not_visited = 0;
};

class VisitStore {
 public:
  virtual ~VisitStore() = default;
  virtual std::optional<HouseholdRow> household(const std::string& id) = 0;
  /// @throws Error(invalid_argument) for a limit outside 1–20,000.
  virtual HouseholdPage households(const HouseholdFilter& filter) = 0;
  virtual std::size_t household_count() = 0;
  /// Per finest grid path holding households: how many, and how many have had no visit that
  /// found someone at home at or after @p since. One row per path (bounded by the grids).
  virtual std::vector<GridPathVisits> visit_coverage(dispatch::Instant since) = 0;
  virtual std::optional<dispatch::visits::Visit> visit(const std::string& id) = 0;
  /// @throws Error(invalid_argument) for a malformed cursor or a limit outside 1–1,000.
  virtual VisitPage visits(const VisitFilter& filter) = 0;
};

}  // namespace wangge::store
