#pragma once
// `wangge users import`: a staff roster (花名册, .xlsx or .csv) into the organisation reference
// data of a store, and the sign-in accounts its 登录名 column asks for. The rows and their rules
// are dispatch/roster.hpp's; this is the order of the steps and what is checked against the
// store (grids of the active generation, departments, existing accounts).

#include <string>
#include <utility>
#include <vector>

#include "wangge/dispatch/roster.hpp"
#include "wangge/dispatch/time.hpp"
#include "wangge/geo/office_table.hpp"

namespace wangge::service {

class Service;

struct RosterImportRequest {
  std::string path;      ///< .xlsx or .csv
  bool replace = false;  ///< remove the staff the roster does not list
  bool dry_run = false;  ///< check and compare only: nothing is written, no account created
  geo::OfficeTableLimits limits;
  dispatch::Instant now;
};

/// An account the roster asked for. The password is generated and shown only now ("" in a dry
/// run).
struct RosterAccount {
  std::string login;
  std::string staff_id;
  std::string password;
};

struct RosterImportResult {
  std::string file;  ///< the roster's file name, for messages
  std::size_t added = 0, updated = 0, unchanged = 0, removed = 0;
  /// What changes, in order: "added", "updated" or "removed", and the staff member as the
  /// roster gives them (removed: as the organisation had them).
  std::vector<std::pair<std::string, dispatch::Actor>> changes;
  std::vector<RosterAccount> accounts;     ///< created (dry run: to be created)
  std::vector<std::string> accounts_kept;  ///< logins that already were their staff member's
  /// Accounts that could not be created after the organisation was written (a login taken
  /// meanwhile by another process): "login: reason".
  std::vector<std::string> account_failures;
  std::vector<std::string> notes;  ///< for the user (columns ignored, sheets not read)
  bool written = false;            ///< the organisation document was stored
};

/// Imports the roster at request.path into the organisation document of @p service's store
/// (needs Service::open): every row is read and checked first, against the active generation's
/// grids, organisation.json's departments and the existing accounts (a 登录名 that exists is
/// fine only when it is already that staff member's, and is then left alone); then the staff are
/// merged (merge_roster) and the new document stored through Service::import_organisation in one
/// write, and the accounts asked for are created with generated passwords. A roster that changes
/// nothing writes nothing. A running server sees the new staff after its reference reload
/// (SIGHUP or POST /api/v1/admin/reload).
/// @throws Error(invalid_data) listing every broken rule of every row, one a line, when any row
///         is bad; Error(conflict) when request.replace would remove staff that accounts still
///         sign in as (listed); the reader's errors (read_office_table). Nothing is stored then.
RosterImportResult import_roster(Service& service, const RosterImportRequest& request);

}  // namespace wangge::service
