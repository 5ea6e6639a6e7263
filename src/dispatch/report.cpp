#include "wangge/dispatch/report.hpp"

#include <algorithm>

#include <array>

namespace wangge::dispatch {
namespace {
constexpr std::array<std::string_view, 9> kStates{"received",   "registered", "cancelled",
                                                  "dispatched", "accepted",   "handled",
                                                  "closed",     "evaluated",  "suspended"};
constexpr std::array<std::string_view, 4> kChannels{"app", "mini_program", "patrol", "hotline"};
}  // namespace

std::string_view to_string(SupervisionLevel l) noexcept {
  switch (l) {
    case SupervisionLevel::none:
      return "none";
    case SupervisionLevel::reminded:
      return "reminded";
    case SupervisionLevel::supervised:
      return "supervised";
    case SupervisionLevel::listed:
      return "listed";
  }
  return "";
}

std::string_view label_zh(SupervisionLevel l) noexcept {
  switch (l) {
    case SupervisionLevel::none:
      return "";
    case SupervisionLevel::reminded:
      return "催办";
    case SupervisionLevel::supervised:
      return "督办";
    case SupervisionLevel::listed:
      return "挂牌督办";
  }
  return "";
}

std::string_view label_zh(ReportState s) noexcept {
  switch (s) {
    case ReportState::received:
      return "待受理";
    case ReportState::registered:
      return "已立案";
    case ReportState::cancelled:
      return "已取消";
    case ReportState::dispatched:
      return "已派遣";
    case ReportState::accepted:
      return "处置中";
    case ReportState::handled:
      return "已处置";
    case ReportState::closed:
      return "已结案";
    case ReportState::evaluated:
      return "已评价";
    case ReportState::suspended:
      return "已挂起";
  }
  return "";
}

std::string_view to_string(ReportState s) noexcept {
  return kStates[static_cast<std::size_t>(s)];
}

std::optional<ReportState> parse_report_state(std::string_view s) {
  for (std::size_t i = 0; i < kStates.size(); ++i)
    if (kStates[i] == s) return static_cast<ReportState>(i);
  return std::nullopt;
}

bool is_open(ReportState s) noexcept {
  return s != ReportState::cancelled && s != ReportState::closed && s != ReportState::evaluated;
}

std::vector<ReportState> open_states() {
  std::vector<ReportState> out;
  for (std::size_t i = 0; i < kStates.size(); ++i)
    if (is_open(static_cast<ReportState>(i))) out.push_back(static_cast<ReportState>(i));
  return out;
}

std::vector<ReportState> closed_states() {
  std::vector<ReportState> out;
  for (std::size_t i = 0; i < kStates.size(); ++i)
    if (!is_open(static_cast<ReportState>(i))) out.push_back(static_cast<ReportState>(i));
  return out;
}

bool is_running(ReportState s) noexcept {
  return s == ReportState::dispatched || s == ReportState::accepted || s == ReportState::handled;
}

std::string_view to_string(Channel c) noexcept {
  return kChannels[static_cast<std::size_t>(c)];
}

std::optional<Channel> parse_channel(std::string_view s) {
  if (s == "mini-program") return Channel::mini_program;
  for (std::size_t i = 0; i < kChannels.size(); ++i)
    if (kChannels[i] == s) return static_cast<Channel>(i);
  return std::nullopt;
}

std::string_view to_string(Assignee::Kind k) noexcept {
  switch (k) {
    case Assignee::Kind::none:
      return "none";
    case Assignee::Kind::grid:
      return "grid";
    case Assignee::Kind::department:
      return "department";
  }
  return "none";
}

const std::string& Report::grid_id() const {
  static const std::string kNone;
  return grid_chain.empty() ? kNone : grid_chain.front();
}

bool Report::followed_by(const std::string& actor_id) const {
  return !actor_id.empty() &&
         std::find(followers.begin(), followers.end(), actor_id) != followers.end();
}

std::optional<Instant> report_in_waiting(const std::vector<WhistledDepartment>& whistle) {
  std::optional<Instant> earliest;
  for (const WhistledDepartment& w : whistle)
    if (!w.reported_in_at && !w.missed && (!earliest || w.report_in_due < *earliest))
      earliest = w.report_in_due;
  return earliest;
}

}  // namespace wangge::dispatch
