#pragma once
// Households and the visits grid workers pay them (入户走访, issue 17). A household is a record
// under its 邻 (the finest grid): address, size, flags such as 独居老人 (an elderly person living
// alone), and a contact; its address and contact are personal data, shown only to whoever may
// see them (the grid workers of its grids and the office). Every household is due a visit
// every so many working days of the work calendar (sooner when flagged for closer care); a
// visit records who went, when, what was found, and may raise a case at once (a follow-up).
//
// The rules here are pure: the store keeps households and visits, the service applies these.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/calendar.hpp"
#include "wangge/dispatch/organisation.hpp"
#include "wangge/dispatch/points.hpp"
#include "wangge/dispatch/time.hpp"
#include "wangge/geo/office_table.hpp"

namespace wangge::dispatch::visits {

enum class Flag {
  elderly_alone,  ///< 独居老人
  empty_nest,     ///< 空巢老人
  disabled,       ///< 残疾人
  low_income,     ///< 低保户
  left_behind,    ///< 留守儿童
  special_care,   ///< 重点关注
};
std::string_view to_string(Flag f) noexcept;
/// The flag's Chinese name (独居老人 …), as residents and workers read it.
std::string_view label(Flag f) noexcept;
std::optional<Flag> parse_flag(std::string_view s);

enum class Outcome {
  ok,        ///< 正常: nothing to follow up
  concern,   ///< 发现问题: something was found (a follow-up case may go with it)
  not_home,  ///< 未遇: nobody at home; the visit is still due
};
std::string_view to_string(Outcome o) noexcept;
std::optional<Outcome> parse_outcome(std::string_view s);

struct Household {
  std::string id;
  std::string unit;                     ///< the 邻 it is registered under
  std::vector<std::string> grid_chain;  ///< the unit first, then its parents (set on import)
  std::string address;                  ///< personal: building, entrance, door
  int size = 1;                         ///< people living there
  std::vector<Flag> flags;
  std::string contact_name, contact_phone;  ///< personal
  std::optional<double> lon, lat;           ///< WGS-84, its building (for a follow-up case)
  Instant registered_at;

  bool has(Flag f) const;
};

/// How often households are visited, in working days of the work calendar.
struct Policy {
  int every_work_days = 20;        ///< every household: about once a month
  int closer_every_work_days = 5;  ///< flagged for closer care: about once a week
  std::vector<Flag> closer{Flag::elderly_alone, Flag::special_care};
};

/// Working days between visits @p h is due.
int interval(const Household& h, const Policy& policy);
/// When @p h is next due a visit: @p interval working days after its last visit that found
/// someone at home (or after it was registered). A visit that found nobody does not count.
Instant next_due(const Household& h, std::optional<Instant> last_visit, const Policy& policy,
                 const WorkCalendar& calendar);

struct Visit {
  std::string id;
  std::string household;
  std::vector<std::string> grid_chain;  ///< the household's, when the visit was made
  std::string visitor;                  ///< the grid worker's actor id
  Instant at;                           ///< when the visit took place
  Instant recorded_at;
  Outcome outcome = Outcome::ok;
  std::string notes;
  std::string follow_up;  ///< the id of the case raised from it, if any
};

/// What a worker records.
struct VisitDraft {
  std::string household;
  std::optional<Instant> at;  ///< default: now
  Outcome outcome = Outcome::ok;
  std::string notes;
};

inline constexpr std::size_t kMaxNotes = 2000;
inline constexpr std::size_t kMaxAddress = 200, kMaxContactName = 64, kMaxPhone = 20;
inline constexpr int kMaxHouseholdSize = 50;
/// A visit is recorded within this long after it took place (a phone that was offline).
inline constexpr auto kLateRecording = std::chrono::hours(24 * 7);

/// Whether @p by may see @p h (and its personal fields): grid workers of its grids, and the
/// office (dispatchers, supervisors, admins).
bool may_see(const Household& h, const Actor& by);

/// A new visit of @p h by @p by. @throws Error(forbidden) when @p by is not a grid worker of
/// one of the household's grids (a household in another grid), Error(invalid_argument) for
/// notes that are too long or not text, a time in the future or more than kLateRecording ago,
/// and a concern recorded without notes.
Visit record(const Household& h, const VisitDraft& draft, const Actor& by, const std::string& id,
             Instant now);

/// What a visit earns its visitor (the points rule "visit"): once per household per calendar
/// month of @p zone, under "visit:<household>:<yyyy-mm>"; nothing for a visit that found
/// nobody at home.
std::optional<points::EarnRequest> earning_for(const Visit& v, const TimeZone& zone);

/// Checks an imported household: id 1–64 of [A-Za-z0-9_-], a unit, size 1–kMaxHouseholdSize,
/// address, name and phone within their limits and valid text, a phone of digits, '+' and '-',
/// lon/lat both or neither and in range. @throws Error(invalid_argument) naming the field.
void check(const Household& h);

/// Households read from an office table (a .xlsx or .csv roster of 户): the first row names the
/// columns, in English or Chinese — id 户编号, unit 所属邻, address 地址, size 人数, flags 标签
/// (names or 独居老人…, separated by ',' '，' '、' or ';'), contact_name 联系人, contact_phone
/// 联系电话, lon 经度, lat 纬度; id and unit are required. Each row is read and checked (check())
/// on its own: a bad row is named in errors ("<file> row N: …") and the others are kept.
struct HouseholdTable {
  std::vector<Household> households;  ///< grid_chain empty: the caller resolves the unit
  std::vector<std::size_t> rows;      ///< each household's row in the file
  std::vector<std::string> errors;
};
HouseholdTable parse_households(const geo::OfficeTable& table, const std::string& file,
                                Instant now);

}  // namespace wangge::dispatch::visits
