#pragma once
// Report intake: a submission from outside is validated field by field, its position
// normalised to WGS-84 and located in the active grid generation, a duplicate suggested
// among open reports nearby, and the responsible party chosen by the category's rule. A point
// outside every grid is accepted into the dispatcher's unassigned queue, never dropped.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/report.hpp"
#include "wangge/grid/grid_index.hpp"
#include "wangge/network/nearest.hpp"

namespace wangge::dispatch {

/// What a client sends, as text and numbers not yet checked.
struct Submission {
  std::optional<double> lon;
  std::optional<double> lat;
  std::string datum = "wgs84";
  std::optional<double> accuracy_m;
  std::string category;
  std::string text;
  std::vector<std::string> media;
  std::string channel = "app";
  Reporter reporter;
  /// The ticket number of the channel it came through (a 12345 hotline 工单号): unique per
  /// channel — the same ticket submitted twice is one case.
  std::string external_id;
  /// Where, in the reporter's words ("人民路12号门口"); the position still decides the grid.
  std::string address;
  /// Answers to the category's questions (Open311 attribute[code]).
  AttributeAnswers attributes;
  UnknownAttributes unknown_attributes = UnknownAttributes::refuse;
};

class Intake {
 public:
  /// @p ref, @p index and @p nearest (optional) must outlive the intake; @p generation names
  /// the index's grid set.
  Intake(const ReferenceData& ref, const grid::GridIndex& index, std::string generation,
         const network::NearestService* nearest = nullptr)
      : ref_(ref), index_(index), generation_(std::move(generation)), nearest_(nearest) {}

  /// Validates @p s and builds the new report (state received, version 0).
  /// @throws Error(invalid_coordinate) for a missing, non-finite or out-of-range position;
  ///         Error(invalid_argument) for an unknown datum, category or channel, empty text,
  ///         an invalid phone, accuracy or media URL, NUL bytes or invalid UTF-8;
  ///         Error(payload_too_large) for text, names or media beyond IntakeLimits.
  Report build(const Submission& s, const Actor& submitter, Instant now, std::string id) const;

  /// The open report among @p candidates that @p report most probably repeats: same category,
  /// open, within the category's radius and age; the nearest (then the oldest).
  std::optional<std::string> find_duplicate(const Report& report,
                                            const std::vector<Report>& candidates) const;

 private:
  /// The fields of @p s, one by one (see build). @returns the category it names.
  const Category& check_submission(const Submission& s) const;
  /// Locates @p r (grid chain, leader, boundary, nearest service point) and chooses the party
  /// responsible by @p category's rule.
  void place(Report& r, const Category& category) const;

  const ReferenceData& ref_;
  const grid::GridIndex& index_;
  std::string generation_;
  const network::NearestService* nearest_;
};

/// @p phone as a Chinese mobile (13800138000) or landline (0731-5555555, 010-12345678) in its
/// canonical form, whatever spaces, dashes, dots, parentheses or +86 / 0086 prefix it was
/// typed with; std::nullopt when it is neither.
std::optional<std::string> normalised_phone(std::string_view phone);

/// Whether @p phone normalises (see normalised_phone).
bool valid_phone(std::string_view phone);

/// A report id: "r_", the month of @p created in China Standard Time (UTC+08:00) as YYYYMM,
/// and 12 random characters of Crockford base32 (60 bits, unguessable): "r_202612k9m2pqxwz4h7".
/// Ids sort by month, so PostgreSQL keeps a month's reports and events in one partition and
/// finds a case's partition from its id. Ids made before this scheme ("r" and 15 base32
/// characters) never begin "r_" and stay in the partitions for them.
std::string new_report_id(Instant created);

/// The month (year, 1–12) that @p t falls in, in China Standard Time: the month in its id.
std::pair<int, unsigned> report_id_month_of(Instant t);

/// "r_YYYYMM": where the ids of that month begin (a partition's bound).
std::string report_id_month(int year, unsigned month);

}  // namespace wangge::dispatch
