#pragma once
// Reference data of a deployment: categories, departments, staff and the work calendar, read
// from JSON documents (geodata/sample/{categories,organisation,calendar}.json; formats in
// geodata/README.md), plus the limits intake enforces.

#include <cstddef>
#include <string>
#include <vector>

#include "wangge/dispatch/appraisal.hpp"
#include "wangge/dispatch/calendar.hpp"
#include "wangge/dispatch/category.hpp"
#include "wangge/dispatch/organisation.hpp"
#include "wangge/dispatch/patrols.hpp"
#include "wangge/dispatch/points.hpp"
#include "wangge/dispatch/tasks.hpp"

namespace wangge::dispatch {

/// Limits on what intake accepts (each documented in the README; beyond them: payload-too-large).
struct IntakeLimits {
  std::size_t max_text_bytes = 4000;  ///< Open311's description limit
  std::size_t max_media = 10;
  std::size_t max_media_url_bytes = 2048;
  std::size_t max_name_bytes = 100;
  std::size_t max_address_bytes = 400;  ///< ~130 Chinese characters
  double max_accuracy_m = 5000;         ///< a position vaguer than this is refused
};

/// Rules of the workflow a deployment may tune (categories.json "rules").
struct WorkflowRules {
  /// A rating at or below this (不满意 dissatisfied) reopens the case as 返工 (rework); 0: never.
  int reopen_rating = 2;
  /// 催办 (a reminder) when this fraction of the time between dispatch and the due time has
  /// passed (wall-clock time).
  double remind_fraction = 0.8;
  /// 挂牌督办 (listed supervision) when a case is still open this many working days after its
  /// due time.
  int list_after_work_days = 3;
  /// Working hours a whistled department (吹哨报到) has to report in: the lead by accepting,
  /// a co-handling one (协办) by 报到.
  int report_in_work_hours = 2;
};

struct ReferenceData {
  CategoryTree categories;
  WorkflowRules rules;
  std::vector<Department> departments;
  std::vector<Actor> staff;
  /// 志愿者: residents who take on tasks (圆单, 揭榜挂帅) in their grids once verified.
  std::vector<tasks::Volunteer> volunteers;
  WorkCalendar calendar;
  IntakeLimits limits;
  /// The points bank's earning rules, catalogue and validity (points.json; the default policy
  /// when the reference data has none).
  points::Policy points = points::default_policy();
  /// The patrol routes (巡查线路, patrols.json; none when the reference data has none).
  patrols::Plan patrols;
  /// The appraisal's 红黑榜 weights and property companies (appraisal.json; the defaults and
  /// none without it).
  appraisal::Policy appraisal;
  /// When the categories (the services residents report under) last changed: Open311's
  /// changeset. Set by whoever loads the documents (the store knows; epoch otherwise).
  Instant services_changed_at;

  const Department* department(const std::string& id) const;
  const Actor* staff_member(const std::string& id) const;
  const tasks::Volunteer* volunteer(const std::string& id) const;
};

/// Parses the three documents. @throws Error(invalid_data) naming the document, the entry and
/// the rule; Error(unreadable_source) for text that is not JSON (with the byte offset).
ReferenceData parse_reference(const std::string& categories_json,
                              const std::string& organisation_json,
                              const std::string& calendar_json);

/// Reads categories.json, organisation.json and calendar.json from @p dir.
ReferenceData load_reference(const std::string& dir);

}  // namespace wangge::dispatch
