// wangge users add|list|reset|disable|enable — staff accounts that sign in to the console.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {

Runner add_users_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string login, staff;
    bool password_stdin = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "users",
      "Staff accounts for signing in with login + password (argon2id hashes; residents sign in\n"
      "by phone and one-time code and need no account here).\n"
      "Example: wangge users add zhangwei --staff d01       # prints a generated password\n"
      "         wangge users reset zhangwei                 # a new one, shown once\n"
      "         wangge users disable zhangwei               # its sessions end at once\n"
      "         wangge users import 花名册.xlsx --dry-run    # staff, grids and accounts");
  cmd->require_subcommand(1);
  CLI::App* add = cmd->add_subcommand("add", "Add an account for a member of staff");
  add_store_options(*add, a->store);
  add->add_option("login", a->login, "Login: 2-64 of a-z 0-9 . _ - @")->required();
  add->add_option("--staff", a->staff, "Staff id in organisation.json (e.g. d01)")->required();
  add->add_flag("--password-stdin", a->password_stdin,
                "Read the password from the first line of standard input (else one is generated)");
  CLI::App* list = cmd->add_subcommand("list", "List accounts (never their passwords)");
  add_store_options(*list, a->store);
  CLI::App* reset = cmd->add_subcommand(
      "reset", "A new generated password (shown once); unlocks the account, ends its sessions");
  add_store_options(*reset, a->store);
  reset->add_option("login", a->login, "Login")->required();
  CLI::App* disable = cmd->add_subcommand("disable", "Disable an account; its sessions end");
  add_store_options(*disable, a->store);
  disable->add_option("login", a->login, "Login")->required();
  CLI::App* enable = cmd->add_subcommand("enable", "Enable a disabled account");
  add_store_options(*enable, a->store);
  enable->add_option("login", a->login, "Login")->required();
  const Runner import_roster = add_users_import(*cmd);
  return [=]() -> int {
    if (const int status = import_roster(); status >= 0) return status;
    auto service = a->store.open();
    service::Accounts& accounts = service->accounts();
    const dispatch::Instant now = dispatch::now_utc();
    if (add->parsed()) {
      std::string password;
      if (a->password_stdin) {
        std::getline(std::cin, password);
        if (password.empty())
          throw Error(ErrorCode::invalid_argument, "--password-stdin: standard input is empty");
      }
      const std::string shown = accounts.add_staff(a->login, a->staff, password, now);
      if (password.empty()) std::printf("%s\n", shown.c_str());
      std::fprintf(stderr, "account %s for %s added%s\n", a->login.c_str(), a->staff.c_str(),
                   password.empty() ? "; the password above is shown only now" : "");
      return 0;
    }
    if (reset->parsed()) {
      std::printf("%s\n", accounts.reset_password(a->login, now).c_str());
      std::fprintf(stderr, "account %s: new password above (shown only now); sessions ended\n",
                   a->login.c_str());
      return 0;
    }
    if (disable->parsed() || enable->parsed()) {
      accounts.set_disabled(a->login, disable->parsed(), now);
      std::printf("account %s %s\n", a->login.c_str(), disable->parsed() ? "disabled" : "enabled");
      return 0;
    }
    const auto ref = service->reference();
    for (const store::Account& acc : accounts.list()) {
      const dispatch::Actor* staff = ref->staff_member(acc.actor);
      std::printf("%-24s %-28s %-16s %s%s\n", acc.login.c_str(), acc.actor.c_str(),
                  staff ? std::string(to_string(staff->role)).c_str() : "resident",
                  acc.disabled ? "DISABLED" : "active", acc.locked_until > now ? " (locked)" : "");
    }
    return 0;
  };
}

}  // namespace wangge::cli
