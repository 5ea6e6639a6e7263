#include "wangge/dispatch/organisation.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "wangge/util/error.hpp"

namespace wangge::dispatch {
namespace {
constexpr std::array<std::string_view, 7> kRoleNames{
    "resident",   "grid_worker", "department_staff", "dispatcher",
    "supervisor", "admin",       "party_member"};
}

std::string_view to_string(Role r) noexcept {
  return kRoleNames[static_cast<std::size_t>(r)];
}

std::optional<Role> parse_role(std::string_view s) {
  for (std::size_t i = 0; i < kRoleNames.size(); ++i)
    if (kRoleNames[i] == s) return static_cast<Role>(i);
  return std::nullopt;
}

bool covers(const std::vector<std::string>& grids, const std::vector<std::string>& chain) {
  return std::any_of(grids.begin(), grids.end(), [&](const std::string& g) {
    return std::find(chain.begin(), chain.end(), g) != chain.end();
  });
}

std::vector<std::string> ledger_scope(const Actor& by, std::string_view what) {
  if (by.anonymous || by.id.empty())
    throw Error(ErrorCode::unauthorized, std::string(what) + " need a signed-in worker or a key");
  if (in_office(by.role)) return {};
  if (by.role == Role::grid_worker && !by.grids.empty()) return by.grids;
  throw Error(ErrorCode::forbidden,
              std::string(what) + " are for grid workers and the office (网格员, 指挥中心)");
}

std::string role_names() {
  std::string out;
  for (auto n : kRoleNames) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

Actor Actor::system() {
  return Actor{"system", "督办 ticker", Role::admin, {}, {}};
}

Actor Actor::on_behalf_of(const Actor& app, const std::string& account) {
  if (!app.id.starts_with("app:"))
    throw Error(ErrorCode::forbidden, "only an app key may act on behalf of a resident's account");
  auto ok = [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@';
  };
  if (account.empty() || account.size() > 64 || !std::all_of(account.begin(), account.end(), ok))
    throw Error(ErrorCode::invalid_argument,
                "account_id must be 1 to 64 letters, digits or . _ - @");
  Actor a;
  a.id = "resident:" + app.id.substr(4) + ":" + account;
  a.name = account;
  a.role = Role::resident;
  a.via = app.id;
  return a;
}

Actor Actor::public_viewer() {
  Actor a{"a-public", "public", Role::admin, {}, {}};
  a.anonymous = true;
  return a;
}

}  // namespace wangge::dispatch
