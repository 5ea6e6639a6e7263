#include "wangge/dispatch/public_report.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "wangge/util/error.hpp"

namespace wangge::dispatch {

PrivacyPolicy PrivacyPolicy::with_decimals(int decimals) {
  if (decimals < kMinDecimals || decimals > kMaxDecimals) {
    throw Error(ErrorCode::invalid_argument,
                "public decimals must be an integer in [" + std::to_string(kMinDecimals) + ", " +
                    std::to_string(kMaxDecimals) + "], got " + std::to_string(decimals));
  }
  return PrivacyPolicy{decimals};
}

double PrivacyPolicy::round(double v) const {
  return rounded(v, decimals);
}

double rounded(double v, int decimals) {
  const double k = std::pow(10.0, decimals);
  return std::round(v * k) / k;
}

PublicReport public_report(const Report& r, const ReferenceData& ref, const PrivacyPolicy& policy,
                           Instant now) {
  PublicReport p;
  p.id = r.id;
  p.state = r.state;
  p.category = r.category;
  if (const Category* c = ref.categories.find(r.category)) {
    p.category_name = c->name;
    p.category_kind = std::string(to_string(c->kind));
    p.category_class = ref.categories.major_class(*c).name;
  }
  p.channel = r.channel;
  p.text = mask_personal_numbers(r.text);
  p.address = mask_personal_numbers(r.address);
  p.media = r.media;
  p.created_at = r.created_at;
  p.updated_at = r.updated_at;
  p.lon = policy.round(r.position.lon());
  p.lat = policy.round(r.position.lat());
  p.generation = r.generation;
  p.grid_status = r.grid_status;
  p.grid_chain = r.grid_chain;
  p.grid = r.grid_id();
  if (!r.grid_chain.empty()) {
    p.leader_name = r.leader.name;
    p.leader_role = r.leader.role;
  }
  p.on_boundary = r.on_boundary;
  p.boundary_distance_m = r.boundary_distance_m;
  p.nearest_service = r.nearest_service;
  p.responsible = r.responsible;
  p.assignee = r.assignee;
  p.duplicate_of = r.duplicate_of;
  if (r.state == ReportState::cancelled) p.cancel_reason = mask_personal_numbers(r.cancel_reason);
  p.due_at = r.due_at;
  p.registered_at = r.registered_at;
  p.dispatched_at = r.dispatched_at;
  p.accepted_at = r.accepted_at;
  p.handled_at = r.handled_at;
  p.closed_at = r.closed_at;
  p.evaluated_at = r.evaluated_at;
  p.overdue = r.overdue(now);
  p.closed_late = r.closed_late();
  p.rating = r.rating;
  p.rating_comment = mask_personal_numbers(r.rating_comment);
  p.version = r.version;
  return p;
}

StaffReport staff_report(const Report& r, const ReferenceData& ref, const PrivacyPolicy& policy,
                         Instant now) {
  StaffReport s;
  s.pub = public_report(r, ref, policy, now);
  s.own.text = r.text;
  s.own.address = r.address;
  s.own.rating_comment = r.rating_comment;
  if (r.state == ReportState::cancelled) s.own.cancel_reason = r.cancel_reason;
  s.own.position = r.position;
  s.own.reported = r.input;
  s.own.datum = r.datum;
  s.own.accuracy_m = r.accuracy_m;
  s.own.reporter = r.reporter;
  s.own.attributes = r.attributes;
  s.staff.leader_phone = r.leader.phone;
  s.staff.supervision = r.supervision;
  s.staff.rework_count = r.rework_count;
  s.staff.pending_extension = r.pending_extension;
  s.staff.submitted_by = r.submitted_by;
  s.staff.external_id = r.external_id;
  return s;
}

PublicEvent public_event(const Event& e) {
  // Event details anyone may read; reasons, requested extensions and assignee ids stay inside.
  static const char* const kPublicData[] = {"channel", "grid",   "duplicate_of",
                                            "due_at",  "rating", "on_time"};
  PublicEvent p;
  p.seq = e.seq;
  p.at = e.at;
  p.action = e.action;
  p.from = e.from;
  p.to = e.to;
  p.role = e.role;
  p.media = e.media;
  for (const char* key : kPublicData)
    if (auto it = e.data.find(key); it != e.data.end()) p.data.emplace(key, it->second);
  if (auto it = e.data.find("public_reply"); it != e.data.end())
    p.public_reply = mask_personal_numbers(it->second);
  return p;
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// A run of 8 digits that reads as a date (19xx/20xx, month 01–12, day 01–31).
bool looks_like_date(const std::string& digits) {
  if (digits.size() != 8 || !(digits.starts_with("19") || digits.starts_with("20"))) return false;
  const int month = std::stoi(digits.substr(4, 2)), day = std::stoi(digits.substr(6, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

std::string masked(const std::string& digits, char check) {
  std::string all = digits;
  if (check) all += check;
  const std::size_t n = all.size();
  const std::size_t head = n >= 11 ? 3 : 2, tail = n >= 11 ? 4 : 2;
  return all.substr(0, head) + std::string(n - head - tail, '*') + all.substr(n - tail);
}

}  // namespace

std::string mask_personal_numbers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    // A candidate: an optional "+" or "(", then digits joined by single spaces, dashes or a
    // closing parenthesis ("(0731) 5555555", "+86 138-0000-0000").
    const std::size_t start = i;
    std::size_t j = i;
    if (j < text.size() && (text[j] == '+' || text[j] == '(') && j + 1 < text.size() &&
        is_digit(text[j + 1]))
      ++j;
    if (j >= text.size() || !is_digit(text[j]) || (start > 0 && is_digit(text[start - 1]))) {
      out += text[i++];
      continue;
    }
    std::string digits;
    std::size_t end = j;
    std::vector<std::size_t> sizes, ends;  // digits per group, and where each group ends
    while (end < text.size() && is_digit(text[end])) {
      const std::size_t before = digits.size();
      while (end < text.size() && is_digit(text[end])) digits += text[end++];
      sizes.push_back(digits.size() - before);
      ends.push_back(end);
      std::size_t k = end;
      if (k < text.size() && text[k] == ')') ++k;
      if (k < text.size() && (text[k] == ' ' || text[k] == '-')) ++k;
      if (k == end || k >= text.size() || !is_digit(text[k])) break;
      end = k;
    }
    // A date written with separators (2026-12-03, then maybe a time) is not a person's number.
    if (sizes.size() >= 3 && sizes[0] == 4 && sizes[1] == 2 && sizes[2] == 2 &&
        looks_like_date(digits.substr(0, 8))) {
      out.append(text.substr(start, ends[2] - start));
      i = ends[2];
      continue;
    }
    char check = 0;  // an ID number's final X
    if (digits.size() == 17 && end < text.size() && (text[end] == 'X' || text[end] == 'x'))
      check = text[end++];
    std::string number = digits;
    if (text[start] == '+' && number.starts_with("86") && number.size() == 13)
      number = number.substr(2);
    if (number.size() + (check ? 1 : 0) < 7 || looks_like_date(number)) {
      out.append(text.substr(start, end - start));
    } else {
      out += masked(number, check);
    }
    i = end;
  }
  return out;
}

}  // namespace wangge::dispatch
