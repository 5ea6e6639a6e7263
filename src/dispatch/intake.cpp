#include "wangge/dispatch/intake.hpp"
#include "wangge/dispatch/workflow.hpp"

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "wangge/geo/local_projection.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

void check_text(const std::string& value, const char* field, std::size_t limit) {
  if (value.find('\0') != std::string::npos) {
    throw Error(ErrorCode::invalid_argument, std::string(field) + " contains a NUL byte");
  }
  if (!text::valid_utf8(value))
    throw Error(ErrorCode::invalid_argument, std::string(field) + " is not valid UTF-8");
  if (value.size() > limit) {
    throw Error(ErrorCode::payload_too_large, std::string(field) + " is " +
                                                  std::to_string(value.size()) +
                                                  " bytes; the limit is " + std::to_string(limit));
  }
}

}  // namespace

std::optional<std::string> normalised_phone(std::string_view typed) {
  std::string d;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    const char c = typed[i];
    if (c >= '0' && c <= '9')
      d += c;
    else if (c == '+' && d.empty() && i + 1 < typed.size())
      d += '+';
    else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.')
      return std::nullopt;  // letters, extensions, anything else: not a plain number
  }
  for (std::string_view prefix : {"+86", "0086"})
    if (d.starts_with(prefix)) d.erase(0, prefix.size());
  if (!d.empty() && d[0] == '+') return std::nullopt;  // another country
  if (d.size() == 13 && d.starts_with("861")) d.erase(0, 2);
  if (d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9') return d;
  if (d.size() >= 10 && d.size() <= 12 && d[0] == '0' && d[1] != '0') {
    // Area codes: 010 and 02x have three digits, the rest four; local numbers 7 or 8.
    const std::size_t area = d[1] == '1' || d[1] == '2' ? 3 : 4;
    const std::size_t local = d.size() - area;
    if (local >= 7 && local <= 8) return d.substr(0, area) + "-" + d.substr(area);
  }
  return std::nullopt;
}

bool valid_phone(std::string_view p) {
  return normalised_phone(p).has_value();
}

std::string report_id_month(int year, unsigned month) {
  char stamp[16];
  std::snprintf(stamp, sizeof stamp, "r_%04d%02u", year, month);
  return stamp;
}

std::pair<int, unsigned> report_id_month_of(Instant t) {
  // China Standard Time (UTC+08:00 all year), whatever the calendar's zone: the id's month must
  // not depend on configuration, since it places the row in its partition.
  const std::chrono::year_month_day day{
      std::chrono::floor<std::chrono::days>(t + std::chrono::hours(8))};
  return {static_cast<int>(day.year()), static_cast<unsigned>(day.month())};
}

std::string new_report_id(Instant created) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";  // Crockford base32
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (static_cast<std::uint64_t>(std::random_device{}()) << 32)};
  const auto [year, month] = report_id_month_of(created);
  std::string id = report_id_month(year, month);
  std::uint64_t bits = rng();
  for (int i = 0; i < 12; ++i) {
    id += kAlphabet[bits & 31];
    bits >>= 5;
  }
  return id;
}

const Category& Intake::check_submission(const Submission& s) const {
  const IntakeLimits& limit = ref_.limits;
  // Position, in the declared datum.
  if (!s.lon || !s.lat) throw Error(ErrorCode::invalid_coordinate, "a report needs lon and lat");
  std::string why;
  const auto input = geo::LonLat::try_make(geo::Longitude(*s.lon), geo::Latitude(*s.lat), &why);
  if (!input) throw Error(ErrorCode::invalid_coordinate, why);
  const auto datum = geo::parse_datum(s.datum);
  if (!datum)
    throw Error(ErrorCode::invalid_argument,
                "datum '" + s.datum + "' is not one of wgs84, gcj02, bd09");
  if (s.accuracy_m && !(std::isfinite(*s.accuracy_m) && *s.accuracy_m >= 0 &&
                        *s.accuracy_m <= limit.max_accuracy_m)) {
    // The value is not repeated: as a number it may be anything (1e300), and the rule says it.
    throw Error(ErrorCode::invalid_argument,
                "accuracy_m must be " + number::decimal_rule(0, limit.max_accuracy_m) +
                    " metres (a position vaguer than that is too vague to place a report)");
  }
  // What.
  const Category* category = ref_.categories.find(s.category);
  if (!category)
    throw Error(ErrorCode::invalid_argument, "category '" + s.category + "' does not exist");
  if (!ref_.categories.is_reportable(*category)) {
    throw Error(ErrorCode::invalid_argument, "category '" + s.category + "' (" + category->name +
                                                 ") is a class; report one of its sub-categories");
  }
  check_text(s.text, "text", limit.max_text_bytes);
  if (text::trim(s.text).empty() && s.media.empty())
    throw Error(ErrorCode::invalid_argument,
                "text is empty: describe the problem (or send a photo)");
  if (s.media.size() > limit.max_media) {
    throw Error(ErrorCode::payload_too_large,
                "a report may carry at most " + std::to_string(limit.max_media) +
                    " media URLs; this one has " + std::to_string(s.media.size()));
  }
  for (const std::string& url : s.media) {
    check_text(url, "a media URL", limit.max_media_url_bytes);
    if (!is_media_reference(url)) {
      throw Error(ErrorCode::invalid_argument,
                  "media '" + url.substr(0, 80) +
                      "' is neither an uploaded photo's id (m_…) nor an https URL");
    }
  }
  const auto channel = parse_channel(s.channel);
  if (!channel) {
    throw Error(ErrorCode::invalid_argument,
                "channel '" + s.channel + "' is not one of app, mini_program, patrol, hotline");
  }
  check_text(s.reporter.name, "reporter name", limit.max_name_bytes);
  check_text(s.reporter.phone, "reporter phone", 32);
  check_text(s.reporter.email, "reporter email", 254);
  check_text(s.address, "address", limit.max_address_bytes);
  for (unsigned char c : s.external_id) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':')
      throw Error(ErrorCode::invalid_argument,
                  "external_id may hold only letters, digits and - _ . : (a ticket number)");
  }
  if (s.external_id.size() > 64)
    throw Error(ErrorCode::invalid_argument, "external_id is at most 64 characters");

  return *category;
}

Report Intake::build(const Submission& s, const Actor& submitter, Instant now,
                     std::string id) const {
  const Category* category = &check_submission(s);
  // Checked above: the position, datum and channel parse.
  const geo::LonLat input = geo::LonLat::checked(geo::Longitude(*s.lon), geo::Latitude(*s.lat));
  const geo::Datum datum = *geo::parse_datum(s.datum);
  const Channel channel = *parse_channel(s.channel);
  auto attributes =
      check_attributes(*category, s.attributes, s.unknown_attributes, ref_.calendar.zone());

  Report r;
  r.id = std::move(id);
  r.created_at = r.updated_at = now;
  r.category = category->code;
  r.channel = channel;
  // 随手拍 (a snapshot): a photo says what is wrong; the category names it.
  r.text = text::trim(s.text).empty() ? "随手拍：" + category->name : s.text;
  r.media = s.media;
  r.submitted_by = submitter.id;
  r.reporter = s.reporter;
  r.external_id = s.external_id;
  r.address = std::string(text::trim(s.address));
  r.attributes = std::move(attributes);
  // A phone typed in any usual way is kept in its canonical form; one that is still odd is
  // kept as given (the staff view flags it) rather than losing the report over it.
  if (auto phone = normalised_phone(s.reporter.phone)) r.reporter.phone = *phone;
  r.input = input;
  r.datum = datum;
  r.position = geo::to_wgs84(input, datum);
  r.accuracy_m = s.accuracy_m;
  r.generation = generation_;

  place(r, *category);
  return r;
}

void Intake::place(Report& r, const Category& category) const {
  const grid::Location loc = index_.locate(r.position);
  r.grid_status = loc.status;
  const grid::GridSet& set = index_.grids();
  if (loc.status != grid::LocateStatus::not_covered) {
    for (std::size_t g : loc.chain) r.grid_chain.push_back(set[g].id);
    r.leader = set[loc.grid].leader;
    r.on_boundary = loc.on_boundary;
    r.boundary_distance_m = loc.boundary_distance_m;
  }
  if (nearest_) {
    const network::NearestAnswer a = nearest_->lookup(r.position);
    if (a.point) {
      r.nearest_service = NearestServiceInfo{a.point->id, a.point->name,   a.walk_m,
                                             a.minutes,   a.within_circle, a.straight_line};
    }
  }
  // Responsibility: 事件 locality first, 部件 owner first; the locality is the last resort.
  Assignee locality;
  if (!r.grid_chain.empty()) {
    const grid::Grid& leaf = set[loc.grid];
    locality = {
        Assignee::Kind::grid, leaf.id,
        leaf.name +
            (leaf.leader.name.empty() ? "" : " " + leaf.leader.role + " " + leaf.leader.name)};
  }
  Assignee owner;
  if (const Department* d =
          category.department.empty() ? nullptr : ref_.department(category.department)) {
    owner = {Assignee::Kind::department, d->id, d->name};
  }
  if (*category.rule == ResponsibilityRule::owner_first)
    r.responsible = owner.kind != Assignee::Kind::none ? owner : locality;
  else
    r.responsible = locality.kind != Assignee::Kind::none ? locality : owner;
}

std::optional<std::string> Intake::find_duplicate(const Report& report,
                                                  const std::vector<Report>& candidates) const {
  const Category* c = ref_.categories.find(report.category);
  if (!c) return std::nullopt;
  const double radius = *c->duplicate_radius_m;
  const Instant oldest = report.created_at - *c->duplicate_age;
  const Report* best = nullptr;
  double best_d = 0;
  for (const Report& other : candidates) {
    if (other.id == report.id || other.category != report.category || !is_open(other.state))
      continue;
    if (other.state == ReportState::cancelled || other.created_at < oldest ||
        other.created_at > report.created_at)
      continue;
    const double d = geo::haversine_m(report.position, other.position);
    if (d > radius) continue;
    if (!best || d < best_d || (d == best_d && other.created_at < best->created_at)) {
      best = &other;
      best_d = d;
    }
  }
  if (!best) return std::nullopt;
  // Point at the original, not at another duplicate of it.
  return best->duplicate_of.empty() ? best->id : best->duplicate_of;
}

}  // namespace wangge::dispatch
