#include "wangge/dispatch/roster.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <utility>

#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

enum Column : std::size_t { kId, kName, kRole, kGrids, kDepartment, kLogin, kColumns };

struct ColumnSpec {
  const char* chinese;
  const char* english;
  bool required;
};
constexpr std::array<ColumnSpec, kColumns> kSpecs{{{"工号", "id", true},
                                                   {"姓名", "name", true},
                                                   {"角色", "role", true},
                                                   {"网格", "grids", false},
                                                   {"部门", "department", false},
                                                   {"登录名", "login", false}}};

/// Where each recognised column is, and its header as the file writes it (for messages).
struct Columns {
  std::array<std::optional<std::size_t>, kColumns> at;
  std::array<std::string, kColumns> label;
};

struct RoleName {
  const char* name;
  Role role;
  bool grid_title;  ///< kept as the staff member's title
};
constexpr std::array<RoleName, 15> kChineseRoles{{{"网格员", Role::grid_worker, true},
                                                  {"网格长", Role::grid_worker, true},
                                                  {"网格总长", Role::grid_worker, true},
                                                  {"片长", Role::grid_worker, true},
                                                  {"组长", Role::grid_worker, true},
                                                  {"邻长", Role::grid_worker, true},
                                                  {"部门", Role::department_staff, false},
                                                  {"部门人员", Role::department_staff, false},
                                                  {"派遣员", Role::dispatcher, false},
                                                  {"调度员", Role::dispatcher, false},
                                                  {"督办员", Role::supervisor, false},
                                                  {"监督员", Role::supervisor, false},
                                                  {"管理员", Role::admin, false},
                                                  {"系统管理员", Role::admin, false},
                                                  {"党员", Role::party_member, false}}};

std::string clean(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);  // a CSV's byte-order mark
  return std::string(text::trim(s));
}

/// Excel's name of the column at @p index (0 → A, 26 → AA).
std::string column_letter(std::size_t index) {
  std::string out;
  for (std::size_t n = index + 1; n > 0; n = (n - 1) / 26)
    out.insert(out.begin(), static_cast<char>('A' + (n - 1) % 26));
  return out;
}

std::optional<Column> column_named(const std::string& header) {
  const std::string h = text::lower(clean(header));
  for (std::size_t c = 0; c < kColumns; ++c)
    if (h == kSpecs[c].chinese || h == kSpecs[c].english) return static_cast<Column>(c);
  return std::nullopt;
}

std::string expected_headers() {
  std::string out, optional;
  for (const ColumnSpec& s : kSpecs) {
    std::string& to = s.required ? out : optional;
    to += (to.empty() ? "" : ", ") + std::string(s.chinese) + "/" + s.english;
  }
  return out + " and optionally " + optional;
}

/// The index of the header among @p rows: the first of the first five to name both a 工号 and a
/// 姓名 column, else the first.
std::size_t header_index(const std::vector<geo::TableRow>& rows) {
  for (std::size_t i = 0; i < rows.size() && i < 5; ++i) {
    bool id = false, name = false;
    for (const std::string& cell : rows[i].cells) {
      const auto c = column_named(cell);
      id = id || c == kId;
      name = name || c == kName;
    }
    if (id && name) return i;
  }
  return 0;
}

std::optional<Columns> columns_of(const geo::TableRow& header, const RosterContext& ctx,
                                  Roster& out) {
  Columns cols;
  std::vector<std::string> ignored, found;
  for (std::size_t i = 0; i < header.cells.size(); ++i) {
    const std::string h = clean(header.cells[i]);
    if (h.empty()) continue;
    found.push_back(h);
    const auto c = column_named(h);
    if (!c) {
      ignored.push_back(h);
    } else if (cols.at[*c]) {
      out.errors.push_back(ctx.file + " row " + std::to_string(header.row) + ": columns " +
                           column_letter(*cols.at[*c]) + " and " + column_letter(i) + " are both " +
                           kSpecs[*c].chinese + "/" + kSpecs[*c].english);
    } else {
      cols.at[*c] = i;
      cols.label[*c] = h;
    }
  }
  std::string missing;
  for (std::size_t c = 0; c < kColumns; ++c) {
    if (!cols.label[c].empty()) continue;
    cols.label[c] = kSpecs[c].chinese;
    if (kSpecs[c].required) missing += (missing.empty() ? "" : ", ") + cols.label[c];
  }
  if (!missing.empty()) {
    std::string list;
    for (const std::string& f : found) list += (list.empty() ? "" : ", ") + f;
    out.errors.push_back(ctx.file + ": the header row (row " + std::to_string(header.row) +
                         ") has no " + missing +
                         " column; expected headers: " + expected_headers() +
                         " (found: " + (list.empty() ? "nothing" : list) + ")");
  }
  if (!ignored.empty()) {
    std::string list;
    for (const std::string& f : ignored) list += (list.empty() ? "" : ", ") + f;
    out.notes.push_back(ctx.file + ": columns ignored: " + list);
  }
  if (!out.errors.empty()) return std::nullopt;
  return cols;
}

/// The grid ids of a 网格 cell, in order, each once.
std::vector<std::string> split_grids(std::string cell) {
  for (const char* wide : {"，", "；", "、", "　"}) {
    for (auto at = cell.find(wide); at != std::string::npos; at = cell.find(wide, at))
      cell.replace(at, std::string_view(wide).size(), " ");
  }
  std::vector<std::string> out;
  std::string current;
  for (std::size_t i = 0; i <= cell.size(); ++i) {
    const char c = i < cell.size() ? cell[i] : ' ';
    if (c != ',' && c != ';' && !std::isspace(static_cast<unsigned char>(c))) {
      current += c;
      continue;
    }
    if (!current.empty() && std::find(out.begin(), out.end(), current) == out.end())
      out.push_back(current);
    current.clear();
  }
  return out;
}

/// One row being read: its cells by column, and where its messages point.
class RowReader {
 public:
  RowReader(const geo::TableRow& row, const Columns& cols, const RosterContext& ctx, Roster& out)
      : row_(row), cols_(cols), ctx_(ctx), out_(out) {}

  std::string cell(Column c) const {
    const auto& at = cols_.at[c];
    return at && *at < row_.cells.size() ? clean(row_.cells[*at]) : std::string();
  }
  const std::string& label(Column c) const { return cols_.label[c]; }
  void fail(const std::string& why) {
    const std::string id = cell(kId);
    out_.errors.push_back(ctx_.file + " row " + std::to_string(row_.row) +
                          (id.empty() ? "" : " (" + label(kId) + " " + id + ")") + ": " + why);
    ok_ = false;
  }
  bool ok() const { return ok_; }

 private:
  const geo::TableRow& row_;
  const Columns& cols_;
  const RosterContext& ctx_;
  Roster& out_;
  bool ok_ = true;
};

bool valid_id(const std::string& id) {
  auto allowed = [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@';
  };
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), allowed);
}

void read_role(RowReader& r, RosterEntry& e) {
  const std::string text = r.cell(kRole);
  if (auto role = parse_role(text::lower(text))) {
    e.staff.role = *role;
    return;
  }
  for (const RoleName& n : kChineseRoles) {
    if (text != n.name) continue;
    e.staff.role = n.role;
    if (n.grid_title) e.title = text;
    return;
  }
  std::string chinese;
  for (const RoleName& n : kChineseRoles) chinese += std::string(", ") + n.name;
  r.fail(text.empty() ? r.label(kRole) + " is empty"
                      : r.label(kRole) + " '" + text + "' is not one of " + role_names() + chinese);
}

void read_grids(RowReader& r, const RosterContext& ctx, RosterEntry& e) {
  e.staff.grids = split_grids(r.cell(kGrids));
  for (const std::string& g : e.staff.grids) {
    if (ctx.is_grid && ctx.is_grid(g)) continue;
    const bool number = g.find_first_of("eE") != std::string::npos;
    r.fail(r.label(kGrids) + " '" + g + "' is not a grid of the active generation" +
           (number ? " (Excel stored it as a number: format the column as text)" : ""));
  }
  if (e.staff.role == Role::grid_worker && e.staff.grids.empty())
    r.fail("a grid_worker (网格员) needs at least one grid in " + r.label(kGrids));
}

void read_department(RowReader& r, const RosterContext& ctx, RosterEntry& e) {
  const std::string text = r.cell(kDepartment);
  if (text.empty()) {
    if (e.staff.role == Role::department_staff)
      r.fail("department_staff (部门人员) needs a " + r.label(kDepartment));
    return;
  }
  std::string known;
  for (const Department& d : ctx.departments) {
    if (d.id == text || d.name == text) {
      e.staff.department = d.id;
      return;
    }
    known += (known.empty() ? "" : ", ") + d.id + " " + d.name;
  }
  r.fail(r.label(kDepartment) + " '" + text + "' is not a department of organisation.json (" +
         known + ")");
}

std::optional<RosterEntry> read_row(RowReader& r, const geo::TableRow& row,
                                    const RosterContext& ctx) {
  RosterEntry e;
  e.row = row.row;
  e.staff.id = r.cell(kId);
  e.staff.name = r.cell(kName);
  if (e.staff.id.empty())
    r.fail(r.label(kId) + " is empty");
  else if (!valid_id(e.staff.id))
    r.fail(r.label(kId) + " must be 1 to 64 letters, digits or . _ - @");
  if (e.staff.name.empty()) r.fail(r.label(kName) + " is empty");
  if (e.staff.name.size() > 100) r.fail(r.label(kName) + " is longer than 100 bytes");
  read_role(r, e);
  read_grids(r, ctx, e);
  read_department(r, ctx, e);
  e.login = r.cell(kLogin);
  if (!e.login.empty() && ctx.login_problem && !e.staff.id.empty()) {
    const std::string why = ctx.login_problem(e.login, e.staff.id);
    if (!why.empty()) r.fail(r.label(kLogin) + " '" + e.login + "': " + why);
  }
  if (!r.ok()) return std::nullopt;
  return e;
}

/// Records @p key as first seen on @p row; fails the row when it was seen before.
void once(std::map<std::string, std::size_t>& seen, const std::string& key, const std::string& what,
          std::size_t row, RowReader& r) {
  if (key.empty()) return;
  const auto [it, fresh] = seen.emplace(key, row);
  if (!fresh) r.fail(what + " " + key + " is also on row " + std::to_string(it->second));
}

}  // namespace

Roster parse_roster(const geo::OfficeTable& table, const RosterContext& context) {
  Roster out;
  if (table.rows.empty()) {
    out.errors.push_back(context.file + " is empty; expected headers: " + expected_headers());
    return out;
  }
  const std::size_t header = header_index(table.rows);
  const auto cols = columns_of(table.rows[header], context, out);
  if (!cols) return out;
  std::map<std::string, std::size_t> ids, logins;
  for (std::size_t i = header + 1; i < table.rows.size(); ++i) {
    const geo::TableRow& row = table.rows[i];
    RowReader r(row, *cols, context, out);
    auto entry = read_row(r, row, context);
    once(ids, r.cell(kId), r.label(kId), row.row, r);
    once(logins, r.cell(kLogin), r.label(kLogin), row.row, r);
    if (entry && r.ok()) out.entries.push_back(std::move(*entry));
  }
  if (out.entries.empty() && out.errors.empty()) {
    out.errors.push_back(context.file + ": no staff below the header (row " +
                         std::to_string(table.rows[header].row) + ")");
  }
  return out;
}

}  // namespace wangge::dispatch
