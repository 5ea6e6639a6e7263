#pragma once
// The public read model of a report (公开视图, what anyone may see of a case) under the one
// privacy policy. Every surface that shows a report to someone who is not staff on the case —
// the v1 API's public view, Open311, OGC API Features, the vector tiles, exports without
// personal data (and the console and notifications to come) — renders a PublicReport, so a
// privacy rule is changed here and nowhere else.
//
// What is never public: the reporter's name and phone, who submitted it, the position as
// reported (before datum conversion) and its accuracy, leaders' phones, the actors of events,
// supervision, rework and extension requests. Positions are rounded. Why a case was cancelled
// is public (a resident is told "重复上报", duplicate report), as FixMyStreet shows its states.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/report.hpp"

namespace wangge::dispatch {

/// The privacy policy for reports shown to the public.
struct PrivacyPolicy {
  static constexpr int kDefaultDecimals = 4;
  static constexpr int kMinDecimals = 0;
  static constexpr int kMaxDecimals = 9;

  /// Public positions are rounded to this many decimal degrees: 4 ≈ 11 m, enough for a map,
  /// not a front door.
  int decimals = kDefaultDecimals;

  /// Figures about households (visit coverage: how many on record, how many not visited this
  /// month) are shown to the public only for a grid with at least this many on record: of
  /// fewer, "not visited" would come close to telling of one home.
  static constexpr std::int64_t kMinHouseholdsShown = 10;

  /// @throws Error(invalid_argument) naming the range when @p decimals is outside it.
  static PrivacyPolicy with_decimals(int decimals);

  /// @p v rounded to the policy's precision.
  double round(double v) const;
};

/// @p v rounded to @p decimals decimal places.
double rounded(double v, int decimals);

/// What anyone may see of one report.
struct PublicReport {
  std::string id;
  ReportState state = ReportState::received;
  std::string category;                                      ///< code
  std::string category_name, category_kind, category_class;  ///< "" for an unknown code
  Channel channel = Channel::app;
  std::string text;
  std::string address;  ///< the reporter's words, personal numbers masked; "" when none given
  std::vector<std::string> media;
  Instant created_at, updated_at;
  double lon = 0, lat = 0;  ///< WGS-84, rounded to the policy's precision

  std::string generation;
  grid::LocateStatus grid_status = grid::LocateStatus::not_covered;
  std::vector<std::string> grid_chain;  ///< finest first
  std::string grid;                     ///< the finest grid, "" when not covered
  std::string leader_name, leader_role;
  bool on_boundary = false;
  double boundary_distance_m = 0;
  std::optional<NearestServiceInfo> nearest_service;

  Assignee responsible, assignee;
  std::string duplicate_of;
  std::string cancel_reason;  ///< "" unless cancelled
  std::optional<Instant> due_at, registered_at, dispatched_at, accepted_at, handled_at, closed_at,
      evaluated_at;
  bool overdue = false, closed_late = false;
  std::optional<int> rating;
  std::string rating_comment;
  int version = 0;
};

/// The public projection of @p r at @p now (for `overdue`).
PublicReport public_report(const Report& r, const ReferenceData& ref, const PrivacyPolicy& policy,
                           Instant now);

/// What the people a case concerns read beyond its public projection, from the same one place.
/// Its reporter reads the `own` fields (what they gave: the words and position as written,
/// their contact, the answers); staff on the case read those and the `staff` ones (the
/// leader's phone, supervision, rework, an extension request, who submitted it, the channel's
/// ticket). Which of the two a caller may read is the workflow's object-level rule
/// (Workflow::can_see), decided before; this says what each one is.
struct StaffReport {
  PublicReport pub;  ///< everything anyone sees
  struct Own {
    std::string text, address, rating_comment;
    std::string cancel_reason;                          ///< as written, "" unless cancelled
    geo::LonLat position = geo::LonLat::trusted(0, 0);  ///< WGS-84, exact
    geo::LonLat reported = geo::LonLat::trusted(0, 0);  ///< as given, in `datum`
    geo::Datum datum = geo::Datum::wgs84;
    std::optional<double> accuracy_m;
    Reporter reporter;
    std::map<std::string, std::string> attributes;  ///< answers; may say who or where exactly
  } own;
  struct Staff {
    std::string leader_phone;
    SupervisionLevel supervision = SupervisionLevel::none;
    int rework_count = 0;
    std::optional<ExtensionRequest> pending_extension;
    std::string submitted_by, external_id;
  } staff;
};

/// The projection of @p r for its reporter and staff (StaffReport), at @p now.
StaffReport staff_report(const Report& r, const ReferenceData& ref, const PrivacyPolicy& policy,
                         Instant now);

/// What anyone (and the reporter) may see of one event of a case: never the staff note, the
/// actor, or a reason given between staff; the `public_reply` (答复) written for the public.
struct PublicEvent {
  int seq = 0;
  Instant at;
  std::string action;
  ReportState from = ReportState::received, to = ReportState::received;
  Role role = Role::resident;
  std::string public_reply;  ///< personal numbers masked
  std::vector<std::string> media;
  std::map<std::string, std::string> data;  ///< only the keys the public may read
};

PublicEvent public_event(const Event& e);

/// @p text with the personal numbers typed into it masked: mobile phones (138****8000, also
/// written "+86 138 0000 0000" or "138-0000-0000"), landlines ("(0731) 5555555"), ID card
/// numbers (18 characters, the last may be X) and any other run of 7 or more digits, keeping
/// the first and last few digits. Dates (2026-12-03, 20261203) and times are left alone.
std::string mask_personal_numbers(std::string_view text);

}  // namespace wangge::dispatch
