#include "wangge/util/error.hpp"

#include <array>

namespace wangge {
namespace {

// Indexed by ErrorCode; the static_assert below keeps the table and the enum in step.
constexpr std::array<ErrorInfo, 15> kCatalogue{{
    {"invalid-argument", "Invalid argument"},
    {"invalid-coordinate", "Invalid coordinate"},
    {"unreadable-source", "Source cannot be read"},
    {"invalid-data", "Invalid data"},
    {"invalid-topology", "Grid hierarchy cannot be indexed"},
    {"not-found", "Not found"},
    {"internal", "Internal error"},
    {"forbidden", "Not allowed"},
    {"conflict", "Not allowed in the current state"},
    {"idempotency-key-reused", "Idempotency key reused with a different request"},
    {"payload-too-large", "Too large"},
    {"unauthorized", "Authentication required"},
    {"rate-limited", "Too many requests"},
    {"unavailable", "Service unavailable"},
    {"unsupported-media-type", "Unsupported media type"},
}};
static_assert(kCatalogue.size() == static_cast<std::size_t>(kLastErrorCode) + 1,
              "every ErrorCode needs a catalogue entry");

}  // namespace

const ErrorInfo& describe(ErrorCode code) noexcept {
  return kCatalogue[static_cast<std::size_t>(code)];
}

}  // namespace wangge
