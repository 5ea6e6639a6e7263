#pragma once
// The monthly appraisal (月度考核) as the office reads it: each grid worker's and each block's
// month — cases with the statistics' rates, visits done against those due, patrols done and
// missed, points earned — and the 红黑榜 of departments and property companies with the score's
// formula (dispatch/appraisal.hpp); the same as an XLSX workbook for the office's files.
//
// Who: the office (dispatchers, supervisors, admins). Nobody else.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "wangge/dispatch/appraisal.hpp"
#include "wangge/dispatch/patrols.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/grid/grid_index.hpp"
#include "wangge/service/patrol_book.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

/// One worker's or one block's month.
struct AppraisalRow {
  std::string id;     ///< the worker's staff id, or the block's grid id
  std::string name;   ///< the worker's name, or the block's
  std::string title;  ///< the worker's title (片长, 网格员, 邻长 …); "" for a block
  std::vector<std::string> grids;  ///< the grids a worker answers for; the block itself
  dispatch::StatsRow cases;        ///< reports created in the month in those grids (and below)
  dispatch::appraisal::VisitTally visits;
  dispatch::patrols::Tally patrols;  ///< of the routes in those grids (and below)
  std::int64_t points = 0;           ///< earned and awarded in the month (a block: its workers')
};

struct AppraisalReport {
  std::string month;  ///< "2026-11"
  dispatch::Instant from, to;
  std::vector<AppraisalRow> workers;                 ///< by staff id
  std::vector<AppraisalRow> blocks;                  ///< by grid id
  std::vector<dispatch::appraisal::BoardRow> board;  ///< best first
  std::string formula;
  dispatch::appraisal::Policy policy;
};

class Appraisals {
 public:
  using Reference = std::function<std::shared_ptr<const dispatch::ReferenceData>()>;
  using Grids = std::function<std::shared_ptr<const grid::GridIndex>()>;
  /// The reports created in [from, to), at most the statistics' bound
  /// (@throws Error(invalid_argument) beyond it).
  using Reports =
      std::function<std::vector<dispatch::Report>(dispatch::Instant from, dispatch::Instant to)>;

  Appraisals(store::Store& store, Reference reference, Grids grids, Reports reports,
             PatrolBook& patrols);

  /// The month @p month ("YYYY-MM", local to the work calendar) as of @p now.
  /// @throws Error(unauthorized) for an anonymous caller, Error(forbidden) for anyone but the
  /// office, Error(invalid_argument) for a malformed month or one that has not begun.
  AppraisalReport month(const std::string& month, const dispatch::Actor& by, dispatch::Instant now);

 private:
  store::Store& store_;
  Reference reference_;
  Grids grids_;
  Reports reports_;
  PatrolBook& patrols_;
};

}  // namespace wangge::service
