// wangge users import ROSTER.xlsx|ROSTER.csv — staff and their grids from an office's roster
// (花名册) into the organisation reference data, with the accounts it asks for.
#include <cstdio>
#include <string>

#include "commands.hpp"
#include "wangge/service/roster_import.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

std::string grid_list(const std::vector<std::string>& grids) {
  std::string out;
  for (const std::string& g : grids) out += (out.empty() ? "" : ",") + g;
  return out;
}

void print_changes(const service::RosterImportResult& r) {
  for (const auto& [change, staff] : r.changes) {
    const std::string scope = staff.grids.empty() ? staff.department : grid_list(staff.grids);
    std::printf("  %-8s %-20s %s %-16s %s\n", change.c_str(), staff.id.c_str(),
                text::pad_right(staff.name, 12).c_str(), std::string(to_string(staff.role)).c_str(),
                scope.c_str());
  }
  for (const service::RosterAccount& a : r.accounts)
    std::printf("  account  %-20s for %s\n", a.login.c_str(), a.staff_id.c_str());
}

void print_summary(const service::RosterImportResult& r, bool dry_run) {
  std::string line = r.file + (dry_run ? " (dry run, nothing written)" : "") + ": " +
                     std::to_string(r.added) + " added, " + std::to_string(r.updated) +
                     " updated, " + std::to_string(r.unchanged) + " unchanged";
  if (r.removed > 0) line += ", " + std::to_string(r.removed) + " removed";
  line += "; " + std::to_string(r.accounts.size()) + " account" +
          (r.accounts.size() == 1 ? "" : "s") + (dry_run ? " to create" : " created");
  if (!r.accounts_kept.empty())
    line += ", " + std::to_string(r.accounts_kept.size()) + " already there";
  std::printf("%s\n", line.c_str());
}

void print_passwords(const service::RosterImportResult& r) {
  if (r.accounts.empty()) return;
  std::printf("\n%-24s %-20s %s\n", "login", "staff", "password");
  for (const service::RosterAccount& a : r.accounts)
    std::printf("%-24s %-20s %s\n", a.login.c_str(), a.staff_id.c_str(), a.password.c_str());
  std::fprintf(stderr, "wangge: note: the passwords above are shown only now\n");
}

}  // namespace

Runner add_users_import(CLI::App& users) {
  struct Args {
    StoreOptions store;
    std::string file;
    bool replace = false, dry_run = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = users.add_subcommand(
      "import",
      "Import staff and their grids from a roster (花名册, .xlsx or UTF-8 .csv) into the store's\n"
      "organisation data; a 登录名 column also creates accounts (passwords printed once).\n"
      "Columns (Chinese or English header): 工号/id, 姓名/name, 角色/role, and optionally\n"
      "网格/grids (ids of the active generation, separated by , ， ; ； 、 or spaces),\n"
      "部门/department (id or name) and 登录名/login. Every row is checked first: any error\n"
      "is printed with its row number and nothing changes (exit 2).\n"
      "A running server uses the new staff after `kill -HUP <pid>` or POST /api/v1/admin/reload.\n"
      "Example: wangge users import 花名册.xlsx --dry-run");
  add_store_options(*cmd, a->store);
  cmd->add_option("file", a->file, "The roster: .xlsx (first sheet) or .csv")->required();
  cmd->add_flag("--replace", a->replace,
                "Remove the staff the roster does not list (refused for staff with accounts)");
  cmd->add_flag("--dry-run", a->dry_run, "Print what would change; write nothing");
  return [a, cmd]() -> int {
    if (!cmd->parsed()) return -1;
    auto service = a->store.open();
    service::RosterImportRequest request{a->file, a->replace, a->dry_run, {}, dispatch::now_utc()};
    const service::RosterImportResult r = service::import_roster(*service, request);
    print_notes(r.notes);
    if (a->dry_run) print_changes(r);
    print_summary(r, a->dry_run);
    if (!a->dry_run) print_passwords(r);
    if (r.written)
      print_notes(
          {"a running server uses the new staff after SIGHUP or POST /api/v1/admin/reload"});
    if (!r.account_failures.empty()) {
      std::string failed;
      for (const std::string& f : r.account_failures) failed += "\n  " + f;
      throw Error(ErrorCode::conflict, "the staff were imported, but not every account:" + failed);
    }
    return 0;
  };
}

}  // namespace wangge::cli
