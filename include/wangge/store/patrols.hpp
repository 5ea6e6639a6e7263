#pragma once
// wangge::store::PatrolStore — the check-ins grid workers make on their patrol routes (巡查).
// The routes themselves are reference data (patrols.json); only what happened is stored.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/patrols.hpp"

namespace wangge::store {

struct CheckInFilter {
  std::string route;                          ///< one route's; empty: any
  std::string worker;                         ///< one worker's; empty: any
  std::vector<std::string> in_grids;          ///< under one of these grids; empty: any
  std::optional<dispatch::Instant> from, to;  ///< at in [from, to)
  std::size_t limit = 50;                     ///< 1 to 5,000
  std::string after;                          ///< the `next` of the previous page
};

struct CheckInPage {
  std::vector<dispatch::patrols::CheckIn> items;  ///< newest first
  std::string next;                               ///< empty at the end
};

class PatrolStore {
 public:
  virtual ~PatrolStore() = default;
  virtual std::optional<dispatch::patrols::CheckIn> checkin(const std::string& id) = 0;
  /// @throws Error(invalid_argument) for a malformed cursor or a limit outside 1–5,000.
  virtual CheckInPage checkins(const CheckInFilter& filter) = 0;
};

}  // namespace wangge::store
