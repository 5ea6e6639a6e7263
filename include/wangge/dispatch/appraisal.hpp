#pragma once
// Appraisal (考核): the month of each grid worker and each block — cases (按期率, 满意率, from
// the statistics' formulas), visits done against those due (入户走访), patrols done and missed
// (巡查), points earned — and the 红黑榜 (red and black list) of departments and property
// companies (物业公司), ranked by a score whose weights the subdistrict sets (appraisal.json)
// and whose formula is printed beside the table.
//
// The rules here are pure: the service gathers the month's rows and applies these.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/calendar.hpp"
#include "wangge/dispatch/statistics.hpp"
#include "wangge/dispatch/visits.hpp"

namespace wangge::dispatch::appraisal {

/// The weights of the 红黑榜's score; each 0 to 1, at least one above 0.
struct Weights {
  double on_time = 0.4;       ///< 按期结案率
  double satisfaction = 0.4;  ///< 满意率
  double closure = 0.2;       ///< 结案率
  double rework = 0;          ///< 1 − 返工率
};

/// A property company (物业公司) answers for the cases in the grids it manages.
struct PropertyCompany {
  std::string id, name;
  std::vector<std::string> grids;
};

struct Policy {
  Weights weights;
  std::size_t red = 3;        ///< the best this many ranked go on the red list (红榜)
  std::size_t black = 3;      ///< the worst this many ranked go on the black list (黑榜)
  std::size_t min_cases = 5;  ///< fewer cases due to close than this: listed, not ranked
  std::vector<PropertyCompany> property_companies;
};

/// Parses appraisal.json: {"weights": {on_time, satisfaction, closure, rework}, "red", "black",
/// "min_cases", "property_companies": [{id, name, grids}]}; anything absent keeps its default.
/// @throws Error(invalid_data) naming the entry and the rule; Error(unreadable_source) for text
/// that is not JSON.
Policy parse_policy(const std::string& json_text);

/// The formula as people read it: "得分 = 100 × (0.4×按期结案率 + 0.4×满意率 + 0.2×结案率) ÷
/// 权重之和 （无数据的指标连同其权重不计）".
std::string formula(const Weights& w);

/// 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates @p row has (a rate without a denominator is left
/// out with its weight); std::nullopt when it has none of the weighted rates.
std::optional<double> score(const StatsRow& row, const Weights& w);

enum class Mark { none, red, black };
std::string_view to_string(Mark m) noexcept;

/// One party on the 红黑榜.
struct BoardRow {
  std::string kind;  ///< "department" or "property"
  std::string id, name;
  StatsRow cases;
  std::optional<double> score;
  std::size_t rank = 0;  ///< 1 = best; 0 = not ranked (too few cases, or no rates)
  Mark mark = Mark::none;
};

/// Ranks @p rows in place and sorts them best first (unranked last, by id): by score, ties by
/// 按期结案率 then id; only rows with at least min_cases cases due to close and a score are
/// ranked; the first `red` ranked are red, the last `black` ranked black (never both: with
/// fewer ranked than red + black, the black list takes what the red list left).
void rank(std::vector<BoardRow>& rows, const Policy& policy);

/// A household's visits over one month.
struct VisitTally {
  std::size_t households = 0;  ///< registered by the month's end
  std::size_t due = 0;         ///< 应访: due a visit before the month ends
  std::size_t done = 0;        ///< 已访: of those, visited (someone at home) in the month
  std::size_t overdue = 0;     ///< 逾期未访: due, not visited, and past due by the month's end
                               ///< (or now, in the current month)
  std::size_t visits = 0;      ///< visits recorded in the month (any outcome)

  VisitTally& operator+=(const VisitTally& o);
};

/// How household @p h fared in the month [@p start, @p end): @p last_before is its last visit
/// that found someone before @p start (std::nullopt: none); @p visited_in_month whether one
/// did in the month. A household registered after @p end counts for nothing.
VisitTally tally_household(const visits::Household& h, std::optional<Instant> last_before,
                           bool visited_in_month, Instant start, Instant end, Instant now,
                           const visits::Policy& policy, const WorkCalendar& calendar);

}  // namespace wangge::dispatch::appraisal
