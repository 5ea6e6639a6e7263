#include "wangge/service/roster_import.hpp"

#include <filesystem>
#include <map>

#include "wangge/service/accounts.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

/// Login → the staff id (or resident spec) it signs in as.
using Owners = std::map<std::string, std::string>;

dispatch::RosterContext context_for(const Service& service, const std::string& file,
                                    const Owners& owners) {
  dispatch::RosterContext ctx;
  ctx.file = file;
  ctx.departments = service.reference()->departments;
  ctx.is_grid = [index = service.grid_index()](const std::string& grid) {
    return index->grids().find(grid).has_value();
  };
  ctx.login_problem = [&owners](const std::string& login, const std::string& id) {
    try {
      Accounts::check_login(login);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    const auto it = owners.find(login);
    if (it == owners.end() || it->second == id) return std::string();
    return "the login exists already, for " + it->second;
  };
  return ctx;
}

[[noreturn]] void refuse_rows(const std::string& file, const std::vector<std::string>& errors) {
  std::string message = file + ": nothing was imported; " + std::to_string(errors.size()) +
                        (errors.size() == 1 ? " problem:" : " problems:");
  for (const std::string& e : errors) message += "\n  " + e;
  throw Error(ErrorCode::invalid_data, message);
}

/// Refuses to remove staff that accounts still sign in as.
void check_removals(const RosterImportResult& r, const dispatch::RosterMerge& merge,
                    const Owners& owners) {
  std::string held;
  for (const std::string& id : merge.removed) {
    for (const auto& [login, owner] : owners)
      if (owner == id) held += (held.empty() ? "" : ", ") + id + " (login " + login + ")";
  }
  if (held.empty()) return;
  throw Error(ErrorCode::conflict,
              r.file +
                  ": nothing was imported; --replace would remove staff who still have "
                  "accounts: " +
                  held + ". Keep them in the roster, or disable their accounts and keep them");
}

void describe_changes(RosterImportResult& r, const dispatch::RosterMerge& merge,
                      const dispatch::Roster& roster, const dispatch::ReferenceData& before) {
  r.added = merge.added.size();
  r.updated = merge.updated.size();
  r.unchanged = merge.unchanged.size();
  r.removed = merge.removed.size();
  std::map<std::string, const dispatch::Actor*> rows;
  for (const dispatch::RosterEntry& e : roster.entries) rows.emplace(e.staff.id, &e.staff);
  for (const std::string& id : merge.added) r.changes.emplace_back("added", *rows.at(id));
  for (const std::string& id : merge.updated) r.changes.emplace_back("updated", *rows.at(id));
  for (const std::string& id : merge.removed) {
    const dispatch::Actor* a = before.staff_member(id);
    r.changes.emplace_back("removed",
                           a ? *a : dispatch::Actor{id, "", dispatch::Role::resident, {}, {}});
  }
}

void plan_accounts(RosterImportResult& r, const dispatch::Roster& roster, const Owners& owners) {
  for (const dispatch::RosterEntry& e : roster.entries) {
    if (e.login.empty()) continue;
    if (owners.contains(e.login))
      r.accounts_kept.push_back(e.login);  // already this staff member's (checked by the parser)
    else
      r.accounts.push_back({e.login, e.staff.id, ""});
  }
}

/// Creates the planned accounts; a failure (a login taken by another process since the check)
/// is recorded and the others are still made, so that no generated password is lost.
void create_accounts(RosterImportResult& r, Accounts& accounts, dispatch::Instant now) {
  for (RosterAccount& a : r.accounts) {
    try {
      a.password = accounts.add_staff(a.login, a.staff_id, "", now);
    } catch (const Error& e) {
      r.account_failures.push_back(a.login + ": " + e.what());
    }
  }
  std::erase_if(r.accounts, [](const RosterAccount& a) { return a.password.empty(); });
}

}  // namespace

RosterImportResult import_roster(Service& service, const RosterImportRequest& request) {
  RosterImportResult r;
  r.file = std::filesystem::path(request.path).filename().string();
  const geo::OfficeTable table = geo::read_office_table(request.path, request.limits);
  r.notes = table.notes;
  Accounts& accounts = service.accounts();
  Owners owners;
  for (const store::Account& a : accounts.list()) owners.emplace(a.login, a.actor);
  const auto before = service.reference();
  const dispatch::Roster roster =
      dispatch::parse_roster(table, context_for(service, r.file, owners));
  r.notes.insert(r.notes.end(), roster.notes.begin(), roster.notes.end());
  if (!roster.errors.empty()) refuse_rows(r.file, roster.errors);
  const dispatch::RosterMerge merge = dispatch::merge_roster(
      service.reference_document("organisation"), roster.entries, request.replace);
  check_removals(r, merge, owners);
  describe_changes(r, merge, roster, *before);
  plan_accounts(r, roster, owners);
  if (request.dry_run) return r;
  if (!r.changes.empty()) {
    service.import_organisation(merge.organisation_json, request.now);
    r.written = true;
  }
  create_accounts(r, accounts, request.now);
  return r;
}

}  // namespace wangge::service
