#include "wangge/dispatch/calendar.hpp"

#include <algorithm>

#include "wangge/util/error.hpp"

namespace wangge::dispatch {
namespace {

using namespace std::chrono;
using std::chrono::minutes;

constexpr int kSearchDays = 3660;  // ten years: a calendar without work there is broken

std::vector<WorkWindow> office_hours() {
  return {{minutes(8 * 60 + 30), minutes(12 * 60)}, {minutes(14 * 60 + 30), minutes(17 * 60 + 30)}};
}

void check_windows(const std::vector<WorkWindow>& windows, const char* what) {
  for (std::size_t i = 0; i < windows.size(); ++i) {
    const WorkWindow& w = windows[i];
    if (w.begin < minutes(0) || w.end > minutes(24 * 60) || w.begin >= w.end) {
      throw Error(ErrorCode::invalid_data,
                  std::string("working hours of ") + what +
                      ": a window must start before it ends, within 00:00–24:00");
    }
    if (i > 0 && windows[i - 1].end > w.begin) {
      throw Error(ErrorCode::invalid_data, std::string("working hours of ") + what +
                                               ": windows must be in order and must not overlap");
    }
  }
}

}  // namespace

WorkCalendar::WorkCalendar() {
  for (int d = 1; d <= 5; ++d) week_[static_cast<std::size_t>(d)] = office_hours();
  make_up_hours_ = office_hours();
}

WorkCalendar::WorkCalendar(TimeZone zone, std::array<std::vector<WorkWindow>, 7> week,
                           std::set<Day> holidays, std::set<Day> make_up,
                           std::vector<WorkWindow> make_up_hours)
    : zone_(std::move(zone)),
      week_(std::move(week)),
      holidays_(std::move(holidays)),
      make_up_(std::move(make_up)),
      make_up_hours_(std::move(make_up_hours)) {
  static const char* kNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                 "Thursday", "Friday", "Saturday"};
  for (std::size_t d = 0; d < 7; ++d) check_windows(week_[d], kNames[d]);
  check_windows(make_up_hours_, "make-up working days");
  for (const Day& d : make_up_) {
    if (holidays_.count(d)) {
      throw Error(
          ErrorCode::invalid_data,
          "a day cannot be both a holiday and a make-up working day (" +
              format_iso(zone_.to_instant(local_time<Milliseconds>(d.time_since_epoch())), zone_)
                  .substr(0, 10) +
              ")");
    }
  }
  if (!make_up_.empty() && make_up_hours_.empty()) {
    throw Error(ErrorCode::invalid_data, "make-up working days need working hours");
  }
}

const std::vector<WorkWindow>& WorkCalendar::windows(Day d) const {
  static const std::vector<WorkWindow> kNone;
  if (holidays_.count(d)) return kNone;
  if (make_up_.count(d)) return make_up_hours_;
  return week_[weekday(d).c_encoding()];
}

WorkCalendar::Day WorkCalendar::day_of(Instant t) const {
  return floor<days>(zone_.to_local(t));
}

Instant WorkCalendar::add_work_time(Instant start, minutes work) const {
  auto local = zone_.to_local(start);
  Day day = floor<days>(local);
  Milliseconds remaining = work;
  for (int i = 0; i < kSearchDays; ++i, day += days(1)) {
    for (const WorkWindow& w : windows(day)) {
      const auto begin = local_time<Milliseconds>(day + w.begin);
      const auto end = local_time<Milliseconds>(day + w.end);
      if (local >= end) continue;
      const auto from = std::max(local, begin);
      if (remaining <= end - from) return zone_.to_instant(from + remaining);
      remaining -= end - from;
      local = end;
    }
  }
  throw Error(ErrorCode::invalid_data,
              "the work calendar has no working time in the next ten years");
}

Instant WorkCalendar::add_work_days(Instant start, int count) const {
  // Move to the working moment the count starts from.
  const Instant begin = add_work_time(start, minutes(0));
  auto local = zone_.to_local(begin);
  Day day = floor<days>(local);
  const auto time_of_day = local - local_time<Milliseconds>(day);
  for (int found = 0, i = 0; found < count; ++i) {
    if (i > kSearchDays)
      throw Error(ErrorCode::invalid_data, "the work calendar has no working days");
    day += days(1);
    if (is_working_day(day)) ++found;
  }
  const std::vector<WorkWindow>& w = windows(day);
  if (count == 0 || w.empty()) return begin;
  const Milliseconds last_end = w.back().end;
  const Milliseconds first_begin = w.front().begin;
  const Milliseconds at = std::clamp<Milliseconds>(time_of_day, first_begin, last_end);
  return zone_.to_instant(local_time<Milliseconds>(day) + at);
}

minutes WorkCalendar::work_time_between(Instant a, Instant b) const {
  if (b <= a) return minutes(0);
  const auto la = zone_.to_local(a);
  const auto lb = zone_.to_local(b);
  Milliseconds total{0};
  for (Day day = floor<days>(la); local_time<Milliseconds>(day) < lb; day += days(1)) {
    for (const WorkWindow& w : windows(day)) {
      const auto begin = std::max(la, local_time<Milliseconds>(day + w.begin));
      const auto end = std::min(lb, local_time<Milliseconds>(day + w.end));
      if (end > begin) total += end - begin;
    }
  }
  return floor<minutes>(total);
}

}  // namespace wangge::dispatch
