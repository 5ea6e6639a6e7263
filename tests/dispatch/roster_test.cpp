// A staff roster (花名册) as rows of an office table: the columns it recognises, the rules each
// row is held to (every broken one reported with the sheet row it is on), and how the rows merge
// into organisation.json.
#include "wangge/dispatch/roster.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "wangge/dispatch/reference.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

/// Two departments, the grids g1, g2 and 430302009001, and one existing account (zhang → g12).
RosterContext context() {
  RosterContext ctx;
  ctx.file = "roster.xlsx";
  ctx.departments = {{"hw", "环卫所"}, {"cgzf", "城管执法中队"}};
  ctx.is_grid = [](const std::string& g) {
    return std::set<std::string>{"g1", "g2", "430302009001"}.contains(g);
  };
  ctx.login_problem = [](const std::string& login, const std::string& id) -> std::string {
    if (login.find(' ') != std::string::npos) return "a login has no spaces";
    if (login == "zhang" && id != "g12") return "the login exists already, for g12";
    return "";
  };
  return ctx;
}

/// A table whose rows are numbered from 1 as in Excel, with @p skipped rows left out (blank).
geo::OfficeTable table(const std::vector<std::vector<std::string>>& rows,
                       const std::set<std::size_t>& blank = {}) {
  geo::OfficeTable t;
  std::size_t row = 1;
  for (const auto& cells : rows) {
    while (blank.contains(row)) ++row;
    t.rows.push_back({row++, cells});
  }
  return t;
}

const std::vector<std::string> kHeader{"工号", "姓名", "角色", "网格", "部门", "登录名"};

TEST(Roster, ChineseHeadersRolesAndSeparatorsReadIntoStaff) {
  const Roster r = parse_roster(table({kHeader,
                                       {"g12", "张伟", "片长", "g1，g2、430302009001", "", "zhang"},
                                       {"h01", " 李娜 ", "部门人员", "", "环卫所", ""},
                                       {"d09", "王强", "调度员", "", "", ""},
                                       {"s09", "赵敏", "supervisor", "g1; g2 g1", "", ""}}),
                                context());
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  ASSERT_EQ(r.entries.size(), 4u);
  const RosterEntry& leader = r.entries[0];
  EXPECT_EQ(leader.row, 2u);
  EXPECT_EQ(leader.staff.role, Role::grid_worker);
  EXPECT_EQ(leader.title, "片长");
  EXPECT_EQ(leader.staff.grids, (std::vector<std::string>{"g1", "g2", "430302009001"}));
  EXPECT_EQ(leader.login, "zhang");
  EXPECT_EQ(r.entries[1].staff.name, "李娜");
  EXPECT_EQ(r.entries[1].staff.role, Role::department_staff);
  EXPECT_EQ(r.entries[1].staff.department, "hw");  // named by the department's name
  EXPECT_EQ(r.entries[2].staff.role, Role::dispatcher);
  EXPECT_EQ(r.entries[2].title, "");
  EXPECT_EQ(r.entries[3].staff.grids, (std::vector<std::string>{"g1", "g2"}));  // each once
}

TEST(Roster, EnglishHeadersInAnyCaseAndOrderWithOtherColumnsIgnored) {
  const Roster r = parse_roster(table({{"序号", " Name ", "ROLE", "ID", "电话"},
                                       {"1", "张伟", "admin", "a09", "13800138000"}}),
                                context());
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].staff.id, "a09");
  EXPECT_EQ(r.entries[0].staff.role, Role::admin);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_EQ(r.notes[0], "roster.xlsx: columns ignored: 序号, 电话");
}

TEST(Roster, TheHeaderMayStandBelowATitleRow) {
  const Roster r = parse_roster(
      table({{"雨湖区某街道网格员花名册"}, kHeader, {"g12", "张伟", "网格员", "g1", "", ""}}),
      context());
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].row, 3u);
}

TEST(Roster, EveryBadRowIsReportedWithItsSheetRowAndNothingIsKept) {
  const Roster r = parse_roster(table({kHeader,
                                       {"g11", "张伟", "网格员", "g1", "", ""},
                                       {"g12", "李娜", "网格员", "430302009999", "", ""},
                                       {"g13", "王强", "队长", "g2", "", ""}},
                                      {3, 4, 5, 6}),
                                context());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0],
            "roster.xlsx row 7 (工号 g12): 网格 '430302009999' is not a grid of the active "
            "generation");
  EXPECT_EQ(r.errors[1].rfind("roster.xlsx row 8 (工号 g13): 角色 '队长' is not one of ", 0), 0u)
      << r.errors[1];
}

TEST(Roster, AMissingRequiredColumnIsOneErrorNamingTheExpectedHeaders) {
  const Roster r = parse_roster(
      table({{"工号", "姓名", "网格"}, {"g12", "张伟", "g1"}, {"g13", "李娜", "g2"}}), context());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "roster.xlsx: the header row (row 1) has no 角色 column; expected headers: 工号/id, "
            "姓名/name, 角色/role and optionally 网格/grids, 部门/department, 登录名/login "
            "(found: 工号, 姓名, 网格)");
  EXPECT_TRUE(r.entries.empty());
}

TEST(Roster, AColumnNamedTwiceIsAnError) {
  const Roster r = parse_roster(
      table({{"工号", "姓名", "角色", "name"}, {"a09", "张伟", "admin", "x"}}), context());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "roster.xlsx row 1: columns B and D are both 姓名/name");
}

TEST(Roster, ADuplicateIdOrLoginIsAnErrorOnTheLaterRow) {
  const Roster r = parse_roster(table({kHeader,
                                       {"g12", "张伟", "网格员", "g1", "", "zw"},
                                       {"g12", "张伟", "网格员", "g2", "", ""},
                                       {"g14", "王强", "网格员", "g2", "", "zw"}}),
                                context());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0], "roster.xlsx row 3 (工号 g12): 工号 g12 is also on row 2");
  EXPECT_EQ(r.errors[1], "roster.xlsx row 4 (工号 g14): 登录名 zw is also on row 2");
}

TEST(Roster, EachRoleGetsWhatItNeeds) {
  const Roster r = parse_roster(table({kHeader,
                                       {"g12", "张伟", "网格员", "", "", ""},
                                       {"h01", "李娜", "部门", "", "", ""},
                                       {"h02", "王强", "department_staff", "", "水务局", ""},
                                       {"", "赵敏", "admin", "", "", ""},
                                       {"a b", "", "", "", "", ""}}),
                                context());
  ASSERT_EQ(r.errors.size(), 7u);
  EXPECT_EQ(r.errors[0],
            "roster.xlsx row 2 (工号 g12): a grid_worker (网格员) needs at least one grid in 网格");
  EXPECT_EQ(r.errors[1], "roster.xlsx row 3 (工号 h01): department_staff (部门人员) needs a 部门");
  EXPECT_EQ(r.errors[2],
            "roster.xlsx row 4 (工号 h02): 部门 '水务局' is not a department of organisation.json "
            "(hw 环卫所, cgzf 城管执法中队)");
  EXPECT_EQ(r.errors[3], "roster.xlsx row 5: 工号 is empty");
  EXPECT_EQ(r.errors[4],
            "roster.xlsx row 6 (工号 a b): 工号 must be 1 to 64 letters, digits or . _ - @");
  EXPECT_EQ(r.errors[5], "roster.xlsx row 6 (工号 a b): 姓名 is empty");
  EXPECT_EQ(r.errors[6], "roster.xlsx row 6 (工号 a b): 角色 is empty");
}

TEST(Roster, LoginsAreCheckedByTheContext) {
  const Roster r = parse_roster(table({kHeader,
                                       {"g12", "张伟", "网格员", "g1", "", "zhang"},
                                       {"g13", "李娜", "网格员", "g1", "", "zhang2"},
                                       {"g14", "王强", "网格员", "g2", "", "wang qiang"}}),
                                []() {
                                  RosterContext ctx = context();
                                  ctx.file = "r.csv";
                                  return ctx;
                                }());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "r.csv row 4 (工号 g14): 登录名 'wang qiang': a login has no spaces");
  const Roster taken =
      parse_roster(table({kHeader, {"g15", "赵敏", "网格员", "g1", "", "zhang"}}), context());
  ASSERT_EQ(taken.errors.size(), 1u);
  EXPECT_EQ(taken.errors[0],
            "roster.xlsx row 2 (工号 g15): 登录名 'zhang': the login exists already, for g12");
}

TEST(Roster, AHeaderWithoutRowsOrAnEmptyFileIsAnError) {
  EXPECT_EQ(parse_roster(table({kHeader}), context()).errors,
            std::vector<std::string>{"roster.xlsx: no staff below the header (row 1)"});
  EXPECT_EQ(parse_roster(geo::OfficeTable{}, context()).errors.size(), 1u);
}

// ---- merging into organisation.json ---------------------------------------------------------

const std::string kOrganisation = R"({
 "departments": [{"id": "hw", "name": "环卫所"}],
 "staff": [
  {"id": "d01", "name": "周派遣", "role": "dispatcher"},
  {"id": "g12", "name": "张伟", "role": "grid_worker", "title": "邻长", "grids": ["g1"]},
  {"id": "h01", "name": "李娜", "role": "department_staff", "department": "hw", "phone": "110"}
 ]
})";

RosterEntry entry(const std::string& id, const std::string& name, Role role,
                  std::vector<std::string> grids, const std::string& department = "") {
  RosterEntry e;
  e.staff = Actor{id, name, role, std::move(grids), department};
  return e;
}

TEST(RosterMerge, RowsUpdateByIdAddAtTheEndAndKeepWhatTheyDoNotOwn) {
  std::vector<RosterEntry> rows{entry("g12", "张伟", Role::grid_worker, {"g1", "g2"}),
                                entry("h01", "李娜", Role::department_staff, {}, "hw"),
                                entry("g20", "王强", Role::grid_worker, {"g2"})};
  rows[2].title = "片长";
  const RosterMerge m = merge_roster(kOrganisation, rows, false);
  EXPECT_EQ(m.added, std::vector<std::string>{"g20"});
  EXPECT_EQ(m.updated, std::vector<std::string>{"g12"});
  EXPECT_EQ(m.unchanged, std::vector<std::string>{"h01"});
  EXPECT_TRUE(m.removed.empty());
  const auto doc = nlohmann::json::parse(m.organisation_json);
  ASSERT_EQ(doc["staff"].size(), 4u);
  EXPECT_EQ(doc["staff"][0]["id"], "d01");  // not in the roster: stays
  EXPECT_EQ(doc["staff"][1]["grids"], nlohmann::json({"g1", "g2"}));
  EXPECT_EQ(doc["staff"][1]["title"], "邻长");  // an English role keeps the title
  EXPECT_EQ(doc["staff"][2]["phone"], "110");   // a field the roster does not own
  EXPECT_EQ(doc["staff"][3], nlohmann::json({{"id", "g20"},
                                             {"name", "王强"},
                                             {"role", "grid_worker"},
                                             {"title", "片长"},
                                             {"grids", {"g2"}}}));
  EXPECT_EQ(doc["departments"].size(), 1u);
}

TEST(RosterMerge, ReplaceRemovesTheStaffTheRosterDoesNotList) {
  const RosterMerge m =
      merge_roster(kOrganisation, {entry("g12", "张伟", Role::dispatcher, {})}, true);
  EXPECT_EQ(m.removed, (std::vector<std::string>{"d01", "h01"}));
  EXPECT_EQ(m.updated, std::vector<std::string>{"g12"});
  const auto doc = nlohmann::json::parse(m.organisation_json);
  ASSERT_EQ(doc["staff"].size(), 1u);
  // A role other than grid_worker drops the grid title and the grids the row leaves empty.
  EXPECT_EQ(doc["staff"][0],
            nlohmann::json({{"id", "g12"}, {"name", "张伟"}, {"role", "dispatcher"}}));
}

TEST(RosterMerge, TheMergedDocumentIsValidReferenceData) {
  const std::string dir = WANGGE_SOURCE_DIR "/geodata/sample";
  const RosterMerge m =
      merge_roster(text::read_file(dir + "/organisation.json"),
                   {entry("w430302009001", "新片长", Role::grid_worker, {"430302009001"})}, false);
  EXPECT_EQ(m.updated, std::vector<std::string>{"w430302009001"});
  const ReferenceData ref =
      parse_reference(text::read_file(dir + "/categories.json"), m.organisation_json,
                      text::read_file(dir + "/calendar.json"));
  EXPECT_EQ(ref.staff_member("w430302009001")->name, "新片长");
}

TEST(RosterMerge, ADocumentWithoutAStaffListIsRefused) {
  EXPECT_THROW(merge_roster(R"({"staff": 3})", {}, false), Error);
  EXPECT_THROW(merge_roster("[", {}, false), Error);
}

}  // namespace
}  // namespace wangge::dispatch
