#include "wangge/util/error.hpp"

#include <array>

namespace wangge {
namespace {

// Indexed by ErrorCode; the static_assert below keeps the table and the enum in step.
constexpr std::array<ErrorInfo, 14> kCatalogue{{
    {"invalid-argument", 400, 2, "Invalid argument"},
    {"invalid-coordinate", 422, 2, "Invalid coordinate"},
    {"unreadable-source", 422, 2, "Source cannot be read"},
    {"invalid-data", 422, 2, "Invalid data"},
    {"invalid-topology", 422, 2, "Grid hierarchy cannot be indexed"},
    {"not-found", 404, 2, "Not found"},
    {"internal", 500, 70, "Internal error"},
    {"forbidden", 403, 2, "Not allowed"},
    {"conflict", 409, 2, "Not allowed in the current state"},
    {"idempotency-key-reused", 422, 2, "Idempotency key reused with a different request"},
    {"payload-too-large", 413, 2, "Too large"},
    {"unauthorized", 401, 2, "Authentication required"},
    {"rate-limited", 429, 2, "Too many requests"},
    {"unavailable", 503, 75, "Service unavailable"},
}};
static_assert(kCatalogue.size() == static_cast<std::size_t>(kLastErrorCode) + 1,
              "every ErrorCode needs a catalogue entry");

}  // namespace

const ErrorInfo& describe(ErrorCode code) noexcept {
  return kCatalogue[static_cast<std::size_t>(code)];
}

}  // namespace wangge
