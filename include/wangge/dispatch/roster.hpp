#pragma once
// A staff roster (花名册) as an office keeps it in Excel: one row per member of staff with their
// 工号, 姓名, 角色, 网格, 部门 and optionally a 登录名, read into organisation.json's staff. Every
// rule is checked on every row before anything changes, and each broken rule is reported with
// the sheet row it is on ("roster.xlsx row 7 (工号 g12): 网格 '430302009999' is not a grid of the
// active generation").

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "wangge/dispatch/organisation.hpp"
#include "wangge/geo/office_table.hpp"

namespace wangge::dispatch {

/// A member of staff as one roster row gives them.
struct RosterEntry {
  std::size_t row = 0;  ///< the sheet row, for messages
  Actor staff;          ///< id, name, role, grids, department
  std::string title;  ///< the Chinese grid title given as the role (网格长, 片长, 邻长…), or ""
  std::string login;  ///< the sign-in account asked for, or ""
};

/// What a roster is checked against.
struct RosterContext {
  std::string file;                                      ///< the file's name, for messages
  std::vector<Department> departments;                   ///< organisation.json's departments
  std::function<bool(const std::string& grid)> is_grid;  ///< a grid of the active generation
  /// Why @p login cannot be the account of staff member @p staff_id, or "" when it can (a
  /// malformed login, one that belongs to someone else). Null: logins are not checked.
  std::function<std::string(const std::string& login, const std::string& staff_id)> login_problem;
};

/// The rows of a roster, or every reason they cannot be imported.
struct Roster {
  std::vector<RosterEntry> entries;  ///< in sheet order; not to be used when there are errors
  std::vector<std::string> errors;   ///< every broken rule, each naming its row
  std::vector<std::string> notes;    ///< for the user: columns that were ignored
};

/// Reads @p table as a roster. The header is the first filled row that names a 工号 and a 姓名
/// column (within the first five; else the first filled row). Headers, in Chinese or English
/// (case and spaces aside): 工号/id, 姓名/name, 角色/role (required); 网格/grids, 部门/department,
/// 登录名/login (optional; an absent column reads as empty cells). Other columns are ignored.
/// Rules: a 工号 of 1-64 letters, digits or . _ - @, once per file; a 姓名 of at most 100 bytes;
/// a 角色 that is a role name of organisation.hpp or a Chinese one (网格员, 网格长, 网格总长, 片长,
/// 组长, 邻长 → grid_worker; 部门, 部门人员 → department_staff; 派遣员, 调度员 → dispatcher;
/// 督办员, 监督员 → supervisor; 管理员 → admin); 网格: grid ids separated by , ， ; ； 、 or
/// spaces, each a grid of the active generation, at least one for a grid_worker; 部门: a
/// department's id or name, required for department_staff; 登录名: once per file and acceptable
/// to context.login_problem. Blank rows are skipped. Never throws for bad content.
Roster parse_roster(const geo::OfficeTable& table, const RosterContext& context);

/// What merging a roster into organisation.json changes.
struct RosterMerge {
  std::string organisation_json;                                ///< the whole new document
  std::vector<std::string> added, updated, unchanged, removed;  ///< staff ids, in order
};

/// Merges @p entries into @p organisation_json: a row's staff member replaces the name, role,
/// grids and department of the one with the same id (other fields, such as a title, stay; a
/// Chinese grid title given as the role becomes the title, another role than grid_worker drops
/// it) or is added at the end; staff not in @p entries stay, or with @p replace are removed.
/// Departments and every other field of the document are kept as they are.
/// @throws Error(invalid_data) when @p organisation_json is not an object with a staff list.
RosterMerge merge_roster(const std::string& organisation_json,
                         const std::vector<RosterEntry>& entries, bool replace);

}  // namespace wangge::dispatch
