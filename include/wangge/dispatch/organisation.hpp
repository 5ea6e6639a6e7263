#pragma once
// Who acts on reports: departments (责任方) and people with roles. A grid worker or leader is
// scoped to grids (and everything below them); department staff to their department.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wangge::dispatch {

enum class Role {
  resident,          ///< submits reports, follows and evaluates their own
  grid_worker,       ///< 网格员 / 网格长 / 片长 …: acts on cases in their grids
  department_staff,  ///< 责任部门: acts on cases dispatched to their department
  dispatcher,        ///< 派遣员: screens, dispatches, closes
  supervisor,        ///< 监督/督办: also approves extensions, suspends, resumes
  admin,
  /// 党员: a party member listed in the organisation; reports, follows and rates like a
  /// resident, and may also blow the whistle (吹哨) on his own case.
  party_member,
};

/// Whether @p r acts on cases as a resident does: sees, follows, rates and reopens only what
/// they reported (residents and party members).
constexpr bool reports_as_resident(Role r) noexcept {
  return r == Role::resident || r == Role::party_member;
}

/// Whether @p r works in the grid-management centre (指挥中心): dispatchers, supervisors and
/// admins, whose scope is every grid.
constexpr bool in_office(Role r) noexcept {
  return r == Role::dispatcher || r == Role::supervisor || r == Role::admin;
}

/// Whether any of @p grids is on @p chain (a place's grid and those above it): whether a worker
/// of @p grids answers for that place.
bool covers(const std::vector<std::string>& grids, const std::vector<std::string>& chain);

std::string_view to_string(Role r) noexcept;
std::optional<Role> parse_role(std::string_view s);
/// Every role name, for messages.
std::string role_names();

struct Department {
  std::string id;
  std::string name;
};

/// A person or system acting on a report.
struct Actor {
  std::string id;
  std::string name;
  Role role = Role::resident;
  std::vector<std::string> grids;  ///< grid_worker: the grids they answer for (and below)
  std::string department;          ///< department_staff: their department id
  /// Reads as the public (an anonymous caller, a public map or export): sees every case of a
  /// public category, in its public view only, and none of the others.
  bool anonymous = false;
  /// A resident acting through an app key (on behalf of an account, or anonymously): the app's
  /// actor id ("app:wechat"), which owns what the app uploaded for them.
  std::string via = {};

  /// The ticker that raises supervision (督办) events.
  static Actor system();
  /// The public: anonymous API calls, Open311, OGC, report tiles, exports without personal data.
  static Actor public_viewer();
  /// The resident @p account of the app whose key is @p app ("app:wechat"), as the app acts on
  /// that resident's behalf: "resident:wechat:<account>", a resident who sees, follows, rates
  /// and reopens only the reports made under that account.
  /// @throws Error(forbidden) when @p app is not an app key's actor;
  ///         Error(invalid_argument) for an account id that is empty, longer than 64 bytes, or
  ///         holds anything but letters, digits and . _ - @
  static Actor on_behalf_of(const Actor& app, const std::string& account);
};

/// The grids @p by's reads of a grid worker's ledgers (patrols, households, visits) are narrowed
/// to: none for the office (every grid), a grid worker's own grids; @p what names the ledgers in
/// the errors ("patrols"). @throws Error(unauthorized) for a caller not signed in,
/// Error(forbidden) for anyone else.
std::vector<std::string> ledger_scope(const Actor& by, std::string_view what);

}  // namespace wangge::dispatch
