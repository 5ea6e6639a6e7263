#pragma once
// The work calendar: working hours per weekday, public holidays and make-up working days
// (调休), read in the subdistrict's time zone. Deadlines in working hours or working days are
// computed on it, so a case dispatched on Friday at 17:00 with a 4-working-hour deadline is
// due on Monday morning, and one dispatched before the National Day holiday waits it out.

#include <array>
#include <chrono>
#include <set>
#include <vector>

#include "wangge/dispatch/time.hpp"

namespace wangge::dispatch {

/// A working period within one day, in minutes after local midnight: [begin, end).
struct WorkWindow {
  std::chrono::minutes begin;
  std::chrono::minutes end;
};

class WorkCalendar {
 public:
  using Day = std::chrono::local_days;

  /// The common Chinese office calendar: Mon–Fri 08:30–12:00 and 14:30–17:30, no holidays.
  WorkCalendar();
  /// @param week      windows per weekday, index 0 = Sunday … 6 = Saturday (std::chrono order)
  /// @param holidays  days off whatever their weekday
  /// @param make_up   days worked whatever their weekday (调休); they use @p make_up_hours
  /// @throws Error(invalid_data) when a window is empty, reversed, overlapping or beyond 24:00.
  WorkCalendar(TimeZone zone, std::array<std::vector<WorkWindow>, 7> week, std::set<Day> holidays,
               std::set<Day> make_up, std::vector<WorkWindow> make_up_hours);

  const TimeZone& zone() const noexcept { return zone_; }

  /// The working windows of local day @p d (empty on a day off).
  const std::vector<WorkWindow>& windows(Day d) const;
  bool is_working_day(Day d) const { return !windows(d).empty(); }

  /// The instant @p work of working time after @p start (start may be outside working hours:
  /// counting begins at the next window).
  /// @throws Error(invalid_data) when the calendar has no working time in the next ten years.
  Instant add_work_time(Instant start, std::chrono::minutes work) const;
  /// The same local time @p days working days after @p start's working moment (moved to the
  /// next window first when outside working hours; clamped to the day's last window end).
  Instant add_work_days(Instant start, int days) const;
  /// Working time in [a, b) (zero when b <= a).
  std::chrono::minutes work_time_between(Instant a, Instant b) const;

  /// The local calendar day of @p t.
  Day day_of(Instant t) const;

 private:
  TimeZone zone_;
  std::array<std::vector<WorkWindow>, 7> week_;
  std::set<Day> holidays_;
  std::set<Day> make_up_;
  std::vector<WorkWindow> make_up_hours_;
};

}  // namespace wangge::dispatch
