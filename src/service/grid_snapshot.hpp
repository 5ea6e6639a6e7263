#pragma once
// The one grid snapshot of a Service: the index of the active generation and that generation's
// id, immutable, swapped whole (locate, intake, scopes and tiles all read the same one).

#include <memory>
#include <string>

#include "wangge/service/service.hpp"

namespace wangge::service {

struct Service::GridSnapshot {
  std::shared_ptr<const grid::GridIndex> index;
  std::string generation;  ///< "" for grids set without a store (set_grids, load_grids)
};

}  // namespace wangge::service
