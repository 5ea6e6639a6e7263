#include "wangge/dispatch/organisation.hpp"

#include <array>

namespace wangge {
namespace {
constexpr std::array<std::string_view, 6> kRoleNames{
    "resident", "grid_worker", "department_staff", "dispatcher", "supervisor", "admin"};
}

std::string_view to_string(Role r) noexcept {
  return kRoleNames[static_cast<std::size_t>(r)];
}

std::optional<Role> parse_role(std::string_view s) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i)
    if (kRoleNames[i] == s) return static_cast<Role>(i);
  return std::nullopt;
}

std::string role_names() {
  std::string out;
  for (auto n : kRoleNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Actor Actor::system() {
  return Actor{"system", "督办 ticker", Role::admin, {}, {}};
}

}  // namespace wangge
