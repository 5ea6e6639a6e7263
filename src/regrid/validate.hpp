#pragma once
// The preconditions of partition(), checked on the data as it arrives.

#include "wangge/regrid/partition.hpp"

namespace wangge::regrid::detail {

/// @throws Error(invalid_argument) for a band or options that break their rules, and
///         Error(invalid_data) for a unit graph that does (the message names the unit).
void validate(const UnitGraph& graph, const Band& band, const PartitionOptions& options);

}  // namespace wangge::regrid::detail
