#include "wangge/dispatch/time.hpp"

#include <array>
#include <cstdio>

#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

using namespace std::chrono;

std::optional<minutes> parse_offset(std::string_view s) {
  // "+08:00", "+0800", "+08", "-05:30"
  if (s.empty() || (s[0] != '+' && s[0] != '-')) return std::nullopt;
  const int sign = s[0] == '-' ? -1 : 1;
  s.remove_prefix(1);
  std::string digits;
  for (char c : s)
    if (c != ':') digits.push_back(c);
  if (digits.size() != 2 && digits.size() != 4) return std::nullopt;
  for (char c : digits)
    if (c < '0' || c > '9') return std::nullopt;
  const int h = std::stoi(digits.substr(0, 2));
  const int m = digits.size() == 4 ? std::stoi(digits.substr(2, 2)) : 0;
  if (h > 14 || m > 59) return std::nullopt;
  return minutes(sign * (h * 60 + m));
}

bool read_int(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<TimeZone> TimeZone::named(std::string_view name) {
  static const std::array<std::pair<std::string_view, int>, 9> kFixed{{{"Asia/Shanghai", 480},
                                                                       {"Asia/Chongqing", 480},
                                                                       {"Asia/Harbin", 480},
                                                                       {"Asia/Urumqi", 360},
                                                                       {"Asia/Hong_Kong", 480},
                                                                       {"Asia/Macau", 480},
                                                                       {"Asia/Taipei", 480},
                                                                       {"UTC", 0},
                                                                       {"Etc/UTC", 0}}};
  for (const auto& [zone, offset] : kFixed) {
    if (zone == name) return TimeZone{std::string(name), minutes(offset)};
  }
  std::string_view rest = name;
  if (rest.substr(0, 3) == "UTC" || rest.substr(0, 3) == "GMT") rest.remove_prefix(3);
  if (rest.size() >= 2 && (rest[0] == '+' || rest[0] == '-') && rest.size() <= 3) {
    // "UTC+8", "+8"
    std::string padded{rest[0]};
    if (rest.size() == 2) padded += '0';
    padded += rest.substr(1);
    if (auto off = parse_offset(padded)) return TimeZone{std::string(name), *off};
  }
  if (auto off = parse_offset(rest)) return TimeZone{std::string(name), *off};
  return std::nullopt;
}

std::string format_iso(Instant t, const TimeZone& zone) {
  const auto local = zone.to_local(t);
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> hms{floor<seconds>(local - day)};
  const int off = static_cast<int>(zone.offset.count());
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                off < 0 ? '-' : '+', std::abs(off) / 60, std::abs(off) % 60);
  return buf;
}

std::optional<Instant> parse_iso(std::string_view s, const TimeZone& zone) {
  s = text::trim(s);
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!read_int(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !read_int(s, 5, 2, mo) ||
      s[7] != '-' || !read_int(s, 8, 2, d)) {
    return std::nullopt;
  }
  std::size_t pos = 10;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    if (!read_int(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !read_int(s, pos + 4, 2, mi)) {
      return std::nullopt;
    }
    pos += 6;
    if (pos < s.size() && s[pos] == ':') {
      if (!read_int(s, pos + 1, 2, sec)) return std::nullopt;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        std::size_t digits = 0;
        ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
          if (digits < 3) ms = ms * 10 + (s[pos] - '0');
          ++digits, ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (std::size_t k = digits; k < 3; ++k) ms *= 10;
      }
    }
  }
  const year_month_day ymd{year(y), month(static_cast<unsigned>(mo)),
                           day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  minutes offset = zone.offset;
  const std::string_view tail = s.substr(pos);
  if (tail == "Z" || tail == "z")
    offset = minutes(0);
  else if (!tail.empty()) {
    auto off = parse_offset(tail);
    if (!off) return std::nullopt;
    offset = *off;
  }
  const auto local =
      local_days(ymd) + hours(h) + minutes(mi) + seconds(std::min(sec, 59)) + milliseconds(ms);
  return Instant((local - offset).time_since_epoch());
}

Instant now_utc() noexcept {
  return time_point_cast<Milliseconds>(system_clock::now());
}

}  // namespace wangge::dispatch
