#pragma once
// The visit book (入户走访台账) as people use it, over the households-and-visits port
// (store/visits.hpp) and the rules (dispatch/visits.hpp): import the households of a roster,
// list them with when each is next due a visit on the work calendar, record a visit (with a
// follow-up case raised at the household's place at once, and the points the visit earns in
// the same write), read the visits.
//
// Who: grid workers see and visit the households of their grids; the office (dispatchers,
// supervisors, admins) sees every household and every visit. Households are personal data:
// nobody else gets them (404 for one, 403 for a listing).

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/intake.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/visits.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

/// A household as its worker reads it: with its last visit and when the next is due.
struct HouseholdView {
  store::HouseholdRow row;
  int interval_work_days = 0;
  dispatch::Instant due;
  bool overdue = false;
};

struct HouseholdQuery {
  std::string grid;  ///< only under this grid (within the viewer's own); "" for all one may see
  std::optional<dispatch::visits::Flag> flag;
  bool overdue_only = false;  ///< only those past due (read in pages of 2,000, filtered)
  std::size_t limit = 100;    ///< 1 to 1,000
  std::string after;          ///< the `next` of the previous page
};

struct HouseholdList {
  std::vector<HouseholdView> items;
  std::string next;
};

/// What a worker records: the visit, and optionally a case to raise from it.
struct VisitRecording {
  dispatch::visits::VisitDraft draft;
  std::optional<dispatch::Submission> follow_up;  ///< category and text; placed at the household
};

struct VisitResult {
  dispatch::visits::Visit visit;
  std::optional<dispatch::Report> follow_up;
  bool earned = false;  ///< the visit earned its visitor points (the first this month)
};

struct HouseholdImport {
  std::size_t imported = 0;
  std::vector<std::string> errors;  ///< one a bad row ("<file> row N: …"); the others imported
};

class VisitBook {
 public:
  using Reference = std::function<std::shared_ptr<const dispatch::ReferenceData>()>;
  /// The grid chain (it first) of a grid id; empty for an unknown id.
  using Chain = std::function<std::vector<std::string>(const std::string&)>;
  /// Raises a case (Service::submit) as @p by; @returns the new report.
  using RaiseCase = std::function<dispatch::Report(
      const dispatch::Submission&, const dispatch::Actor& by, dispatch::Instant now)>;

  /// Told after a visit that found someone changed the coverage of @p grid_chain, or with an
  /// empty chain after an import (the grids tiles' visit figures).
  using Changed = std::function<void(const std::vector<std::string>& grid_chain)>;

  VisitBook(store::Store& store, Reference reference, Chain chain, RaiseCase raise,
            Changed changed = {});

  /// How often households are visited.
  const dispatch::visits::Policy& policy() const noexcept { return policy_; }

  /// Imports the households of @p table (see parse_households) in one write; a row whose unit is
  /// not a grid of the active generation is named in errors and left out, like any bad row.
  /// @throws Error(forbidden) unless @p by is an admin or supervisor (or the operator).
  HouseholdImport import(const geo::OfficeTable& table, const std::string& file,
                         const dispatch::Actor& by, dispatch::Instant now);
  /// @throws Error(not_found) when it does not exist or @p by may not see it.
  HouseholdView household(const std::string& id, const dispatch::Actor& by, dispatch::Instant now);
  /// @throws Error(forbidden) for a viewer who sees no households, or a grid outside his own;
  /// Error(invalid_argument) for a bad limit or cursor.
  HouseholdList households(const HouseholdQuery& query, const dispatch::Actor& by,
                           dispatch::Instant now);
  /// Records a visit (and raises its follow-up case first, when asked).
  /// @throws Error(not_found) for a household @p by may not see, the rules' errors, and the
  /// intake's for the follow-up (nothing written then).
  VisitResult record(const VisitRecording& recording, const dispatch::Actor& by,
                     dispatch::Instant now);
  /// @throws Error(not_found) when it does not exist or @p by may not see it.
  dispatch::visits::Visit visit(const std::string& id, const dispatch::Actor& by);
  /// The visits @p by may see, narrowed by @p filter.
  store::VisitPage visits(store::VisitFilter filter, const dispatch::Actor& by);

 private:
  HouseholdView view_of(store::HouseholdRow row, dispatch::Instant now) const;

  store::Store& store_;
  Reference reference_;
  Chain chain_;
  RaiseCase raise_;
  Changed changed_;
  dispatch::visits::Policy policy_;
};

}  // namespace wangge::service
