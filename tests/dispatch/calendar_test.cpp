#include "wangge/dispatch/calendar.hpp"

#include <gtest/gtest.h>

#include "wangge/dispatch/reference.hpp"
#include "wangge/util/error.hpp"

namespace wangge::dispatch {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const TimeZone kShanghai = *TimeZone::named("Asia/Shanghai");

Instant at(const char* local) {
  return *parse_iso(local, kShanghai);
}
std::string show(Instant t) {
  return format_iso(t, kShanghai);
}

/// The sample calendar: Mon–Fri 08:30–12:00 and 14:30–17:30, the 2026 holidays and make-up days.
const WorkCalendar& sample() {
  static const ReferenceData ref = load_reference(WANGGE_SOURCE_DIR "/geodata/sample");
  return ref.calendar;
}

TEST(TimeZone, ParsesNamesAndOffsetsAndRefusesZonesWithDaylightSaving) {
  EXPECT_EQ(TimeZone::named("Asia/Shanghai")->offset, minutes(480));
  EXPECT_EQ(TimeZone::named("Asia/Urumqi")->offset, minutes(360));
  EXPECT_EQ(TimeZone::named("+05:30")->offset, minutes(330));
  EXPECT_EQ(TimeZone::named("UTC+8")->offset, minutes(480));
  EXPECT_FALSE(TimeZone::named("Europe/Berlin"));
  EXPECT_FALSE(TimeZone::named("+25:00"));
}

TEST(TimeZone, FormatsAndParsesIso8601WithOffsets) {
  const Instant t = at("2026-11-23T09:30:00+08:00");
  EXPECT_EQ(show(t), "2026-11-23T09:30:00+08:00");
  EXPECT_EQ(*parse_iso("2026-11-23T01:30:00Z", kShanghai), t);
  EXPECT_EQ(*parse_iso("2026-11-23 09:30", kShanghai), t);  // no offset: read in the zone
  EXPECT_EQ(*parse_iso("2026-11-23T09:30:00.250+08:00", kShanghai), t + Milliseconds(250));
  for (const char* bad :
       {"2026-13-01", "2026-02-30T10:00", "yesterday", "2026-11-23T25:00", "2026-11-23T09:30+99"}) {
    EXPECT_FALSE(parse_iso(bad, kShanghai)) << bad;
  }
}

TEST(WorkCalendar, WorkingHoursSkipLunchNightsAndWeekends) {
  const WorkCalendar& c = sample();
  // Friday 17:00 + 4 working hours: 30 min on Friday, 3.5 h on Monday morning.
  EXPECT_EQ(show(c.add_work_time(at("2026-11-20T17:00"), hours(4))), "2026-11-23T12:00:00+08:00");
  // Across lunch: 11:00 + 2 h = 1 h before lunch, 1 h after.
  EXPECT_EQ(show(c.add_work_time(at("2026-11-23T11:00"), hours(2))), "2026-11-23T15:30:00+08:00");
  // Reported on Sunday night: the count starts on Monday at 08:30.
  EXPECT_EQ(show(c.add_work_time(at("2026-11-22T23:00"), hours(1))), "2026-11-23T09:30:00+08:00");
  EXPECT_EQ(c.work_time_between(at("2026-11-20T17:00"), at("2026-11-23T09:00")), minutes(60));
  EXPECT_EQ(c.work_time_between(at("2026-11-23T09:00"), at("2026-11-20T17:00")), minutes(0));
}

TEST(WorkCalendar, HolidaysAreOffAndMakeUpDaysAreWorked) {
  const WorkCalendar& c = sample();
  // 16:00 on the eve of National Day: 1.5 h that day, the rest after the week off.
  EXPECT_EQ(show(c.add_work_time(at("2026-09-30T16:00"), hours(4))), "2026-10-08T11:00:00+08:00");
  // Saturday 10 October 2026 is a make-up working day (调休).
  EXPECT_TRUE(c.is_working_day(c.day_of(at("2026-10-10T12:00"))));
  EXPECT_EQ(show(c.add_work_time(at("2026-10-09T17:00"), hours(2))), "2026-10-10T10:00:00+08:00");
  EXPECT_FALSE(c.is_working_day(c.day_of(at("2026-10-05T12:00"))));  // a Monday in the holiday
}

TEST(WorkCalendar, WorkingDaysKeepTheTimeOfDay) {
  const WorkCalendar& c = sample();
  EXPECT_EQ(show(c.add_work_days(at("2026-11-23T10:00"), 2)), "2026-11-25T10:00:00+08:00");
  EXPECT_EQ(show(c.add_work_days(at("2026-11-20T10:00"), 1)), "2026-11-23T10:00:00+08:00");
  // From a Saturday: the count starts at Monday 08:30.
  EXPECT_EQ(show(c.add_work_days(at("2026-11-21T09:00"), 1)), "2026-11-24T08:30:00+08:00");
  // 20 working days from 2026-09-28 skip the National Day week and count the make-up Saturday.
  EXPECT_EQ(show(c.add_work_days(at("2026-09-28T10:00"), 20)), "2026-10-30T10:00:00+08:00");
}

TEST(WorkCalendar, RefusesBrokenWorkingHours) {
  std::array<std::vector<WorkWindow>, 7> week;
  week[1] = {{minutes(600), minutes(540)}};  // ends before it starts
  EXPECT_THROW(WorkCalendar(kShanghai, week, {}, {}, {}), Error);
  week[1] = {{minutes(480), minutes(720)}, {minutes(700), minutes(900)}};  // overlapping
  EXPECT_THROW(WorkCalendar(kShanghai, week, {}, {}, {}), Error);
  // No working time at all: deadlines cannot be computed, and say so.
  const WorkCalendar never(kShanghai, {}, {}, {}, {});
  try {
    never.add_work_time(at("2026-11-23T10:00"), hours(1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no working time"), std::string::npos);
  }
}

}  // namespace
}  // namespace wangge::dispatch
