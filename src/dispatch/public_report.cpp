#include "wangge/dispatch/public_report.hpp"

#include <cmath>

#include "wangge/util/error.hpp"

namespace wangge {

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
  p.text = r.text;
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
  if (r.state == ReportState::cancelled) p.cancel_reason = r.cancel_reason;
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
  p.rating_comment = r.rating_comment;
  p.version = r.version;
  return p;
}

}  // namespace wangge
