// Households and visits (入户走访; see visits.hpp).
#include "wangge/dispatch/visits.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch::visits {
namespace {

constexpr std::array<std::string_view, 6> kFlags{"elderly_alone", "empty_nest",  "disabled",
                                                 "low_income",    "left_behind", "special_care"};
constexpr std::array<std::string_view, 6> kLabels{"独居老人", "空巢老人", "残疾人",
                                                  "低保户",   "留守儿童", "重点关注"};
constexpr std::array<std::string_view, 3> kOutcomes{"ok", "concern", "not_home"};

template <class E, std::size_t N>
std::optional<E> parse(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<E>(i);
  return std::nullopt;
}

void check_text(const std::string& value, const std::string& field, std::size_t max) {
  if (value.size() > max)
    throw Error(ErrorCode::invalid_argument,
                field + " must be at most " + std::to_string(max) + " bytes");
  if (!text::valid_utf8(value))
    throw Error(ErrorCode::invalid_argument, field + " must be UTF-8 text");
  for (const unsigned char c : value)
    if (c < 0x20 && c != '\n' && c != '\t')
      throw Error(ErrorCode::invalid_argument, field + " must not hold control characters");
}

}  // namespace

std::string_view to_string(Flag f) noexcept {
  return kFlags[static_cast<std::size_t>(f)];
}
std::string_view label(Flag f) noexcept {
  return kLabels[static_cast<std::size_t>(f)];
}
std::optional<Flag> parse_flag(std::string_view s) {
  if (auto f = parse<Flag>(kFlags, s)) return f;
  return parse<Flag>(kLabels, s);  // an office's roster names them in Chinese
}
std::string_view to_string(Outcome o) noexcept {
  return kOutcomes[static_cast<std::size_t>(o)];
}
std::optional<Outcome> parse_outcome(std::string_view s) {
  return parse<Outcome>(kOutcomes, s);
}

bool Household::has(Flag f) const {
  return std::find(flags.begin(), flags.end(), f) != flags.end();
}

int interval(const Household& h, const Policy& policy) {
  for (const Flag f : policy.closer)
    if (h.has(f)) return policy.closer_every_work_days;
  return policy.every_work_days;
}

Instant next_due(const Household& h, std::optional<Instant> last_visit, const Policy& policy,
                 const WorkCalendar& calendar) {
  const Instant from = last_visit ? std::max(*last_visit, h.registered_at) : h.registered_at;
  return calendar.add_work_days(from, interval(h, policy));
}

bool may_see(const Household& h, const Actor& by) {
  if (by.anonymous || by.id.empty()) return false;
  if (in_office(by.role)) return true;
  return by.role == Role::grid_worker && covers(by.grids, h.grid_chain);
}

Visit record(const Household& h, const VisitDraft& d, const Actor& by, const std::string& id,
             Instant now) {
  if (by.role != Role::grid_worker || by.id.empty())
    throw Error(ErrorCode::forbidden, "visits are recorded by grid workers (网格员), not by " +
                                          std::string(to_string(by.role)));
  if (!covers(by.grids, h.grid_chain))
    throw Error(ErrorCode::forbidden, "household " + h.id + " is in 邻 " + h.unit +
                                          ", outside the grids " + by.id + " answers for");
  check_text(d.notes, "notes", kMaxNotes);
  if (d.outcome == Outcome::concern && d.notes.empty())
    throw Error(ErrorCode::invalid_argument, "notes are required when the visit found a concern");
  const Instant at = d.at.value_or(now);
  if (at > now + std::chrono::minutes(5))
    throw Error(ErrorCode::invalid_argument, "at is in the future");
  if (at < now - kLateRecording)
    throw Error(ErrorCode::invalid_argument,
                "at is more than 7 days ago: a visit is recorded within a week");
  if (at < h.registered_at)
    throw Error(ErrorCode::invalid_argument, "at is before household " + h.id + " was registered");
  Visit v;
  v.id = id;
  v.household = h.id;
  v.grid_chain = h.grid_chain;
  v.visitor = by.id;
  v.at = at;
  v.recorded_at = now;
  v.outcome = d.outcome;
  v.notes = d.notes;
  return v;
}

std::optional<points::EarnRequest> earning_for(const Visit& v, const TimeZone& zone) {
  if (v.outcome == Outcome::not_home || v.visitor.empty()) return std::nullopt;
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(zone.to_local(v.at))};
  char month[16];
  std::snprintf(month, sizeof month, "%04d-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()));
  return points::EarnRequest{v.visitor, "visit",       "visit:" + v.household + ":" + month,
                             1,         v.recorded_at, "system"};
}

void check(const Household& h) {
  const std::string of = "household " + h.id.substr(0, 64) + ": ";
  if (h.id.empty() || h.id.size() > 64 ||
      !std::all_of(h.id.begin(), h.id.end(),
                   [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; }))
    throw Error(ErrorCode::invalid_argument,
                "household id must be 1 to 64 letters, digits, '-' or '_'");
  if (h.unit.empty()) throw Error(ErrorCode::invalid_argument, of + "unit is required");
  if (h.size < 1 || h.size > kMaxHouseholdSize)
    throw Error(ErrorCode::invalid_argument,
                of + "size must be 1 to " + std::to_string(kMaxHouseholdSize));
  check_text(h.address, of + "address", kMaxAddress);
  check_text(h.contact_name, of + "contact_name", kMaxContactName);
  if (h.contact_phone.size() > kMaxPhone ||
      !std::all_of(h.contact_phone.begin(), h.contact_phone.end(), [](unsigned char c) {
        return std::isdigit(c) || c == '+' || c == '-' || c == ' ';
      }))
    throw Error(ErrorCode::invalid_argument,
                of + "contact_phone must be digits, '+', '-' or spaces, at most 20");
  if (h.lon.has_value() != h.lat.has_value())
    throw Error(ErrorCode::invalid_argument, of + "lon and lat go together");
  if (h.lon && (!std::isfinite(*h.lon) || !std::isfinite(*h.lat) || std::abs(*h.lon) > 180 ||
                std::abs(*h.lat) > 90))
    throw Error(ErrorCode::invalid_argument, of + "lon must be within ±180 and lat within ±90");
}

}  // namespace wangge::dispatch::visits

namespace wangge::dispatch::visits {
namespace {

enum class Column { id, unit, address, size, flags, contact_name, contact_phone, lon, lat };
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kColumns{{
    {"id", "户编号"},
    {"unit", "所属邻"},
    {"address", "地址"},
    {"size", "人数"},
    {"flags", "标签"},
    {"contact_name", "联系人"},
    {"contact_phone", "联系电话"},
    {"lon", "经度"},
    {"lat", "纬度"},
}};

std::string trimmed(std::string s) {
  const auto blank = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && blank(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

/// The flags of a cell: names separated by ',' '，' '、' or ';'.
std::vector<Flag> flags_of(const std::string& cell, std::string& bad) {
  std::string text = cell;
  for (const std::string_view sep : {"，", "、", "；"}) {
    for (auto at = text.find(sep); at != std::string::npos; at = text.find(sep))
      text.replace(at, sep.size(), ",");
  }
  std::vector<Flag> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto end = std::min(text.find_first_of(",;", at), text.size());
    const std::string name = trimmed(text.substr(at, end - at));
    if (!name.empty()) {
      if (auto f = parse_flag(name)) {
        if (std::find(out.begin(), out.end(), *f) == out.end()) out.push_back(*f);
      } else if (bad.empty()) {
        bad = name;
      }
    }
    at = end + 1;
  }
  return out;
}

std::optional<double> number_of(const std::string& cell, const char* column) {
  if (cell.empty()) return std::nullopt;
  const auto v = text::parse_double(cell);
  if (!v || !std::isfinite(*v))
    throw Error(ErrorCode::invalid_argument,
                std::string(column) + " '" + cell.substr(0, 32) + "' is not a number");
  return v;
}

}  // namespace

HouseholdTable parse_households(const geo::OfficeTable& table, const std::string& file,
                                Instant now) {
  HouseholdTable out;
  if (table.rows.empty()) {
    out.errors.push_back(file + ": the table is empty");
    return out;
  }
  std::array<std::optional<std::size_t>, kColumns.size()> at;
  const geo::TableRow& header = table.rows.front();
  for (std::size_t i = 0; i < header.cells.size(); ++i) {
    const std::string h = trimmed(header.cells[i]);
    for (std::size_t c = 0; c < kColumns.size(); ++c)
      if (h == kColumns[c].first || h == kColumns[c].second) at[c] = i;
  }
  if (!at[static_cast<std::size_t>(Column::id)] || !at[static_cast<std::size_t>(Column::unit)]) {
    out.errors.push_back(file +
                         ": the first row must name the columns, with id (户编号) and "
                         "unit (所属邻) among them");
    return out;
  }
  std::set<std::string> seen;
  for (std::size_t r = 1; r < table.rows.size(); ++r) {
    const geo::TableRow& row = table.rows[r];
    const auto cell = [&](Column c) {
      const auto i = at[static_cast<std::size_t>(c)];
      return i && *i < row.cells.size() ? trimmed(row.cells[*i]) : std::string();
    };
    try {
      Household h;
      h.id = cell(Column::id);
      h.unit = cell(Column::unit);
      h.address = cell(Column::address);
      const auto size = number_of(cell(Column::size), "size");
      if (size && (*size != std::floor(*size) || *size < 1 || *size > kMaxHouseholdSize))
        throw Error(ErrorCode::invalid_argument,
                    "size must be a whole number from 1 to " + std::to_string(kMaxHouseholdSize));
      // A whole number from 1 to kMaxHouseholdSize, checked above.
      h.size = size ? number::narrow<int>(*size) : 1;
      std::string bad;
      h.flags = flags_of(cell(Column::flags), bad);
      if (!bad.empty())
        throw Error(
            ErrorCode::invalid_argument,
            "flags: '" + bad.substr(0, 32) +
                "' is not one of elderly_alone 独居老人, empty_nest 空巢老人, disabled 残疾人, "
                "low_income 低保户, left_behind 留守儿童, special_care 重点关注");
      h.contact_name = cell(Column::contact_name);
      h.contact_phone = cell(Column::contact_phone);
      h.lon = number_of(cell(Column::lon), "lon");
      h.lat = number_of(cell(Column::lat), "lat");
      h.registered_at = now;
      check(h);
      if (!seen.insert(h.id).second)
        throw Error(ErrorCode::invalid_argument, "household " + h.id + " is listed twice");
      out.households.push_back(std::move(h));
      out.rows.push_back(row.row);
    } catch (const Error& e) {
      out.errors.push_back(file + " row " + std::to_string(row.row) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace wangge::dispatch::visits
