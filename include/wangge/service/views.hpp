#pragma once
// JSON views of the dispatch objects, shared by the CLI and the HTTP layer so both show the
// same fields under the same names. Personal data (the reporter's name and phone, leaders'
// phones) appears only in the staff view.

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "wangge/dispatch/public_report.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/report.hpp"
#include "wangge/dispatch/statistics.hpp"

namespace wangge::service {

enum class Audience {
  public_view,  ///< anyone: no personal data; the PublicReport projection
  owner,        ///< the resident who reported it: their own contact details too
  staff,        ///< staff who may see the case: everything
};

struct ViewOptions {
  Audience audience = Audience::public_view;
  dispatch::PrivacyPolicy privacy;  ///< how the public view is cut (one policy: public_report.hpp)
  dispatch::Instant now;            ///< for `overdue`
  /// The caller, when known: the view then lists `allowed_actions`, what this caller may do
  /// to the case now and the fields each action needs (a client shows these as its buttons).
  const dispatch::Actor* actor = nullptr;
};

nlohmann::json report_view(const dispatch::Report& r, const dispatch::ReferenceData& ref,
                           const ViewOptions& options);
nlohmann::json event_view(const dispatch::Event& e, const dispatch::ReferenceData& ref,
                          const ViewOptions& options);
nlohmann::json stats_view(const std::vector<dispatch::StatsRow>& rows);

}  // namespace wangge::service
