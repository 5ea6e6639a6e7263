#include "wangge/dispatch/reference.hpp"

#include <gtest/gtest.h>

#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

const std::string kDir = WANGGE_SOURCE_DIR "/geodata/sample";

struct Documents {
  std::string categories = text::read_file(kDir + "/categories.json");
  std::string organisation = text::read_file(kDir + "/organisation.json");
  std::string calendar = text::read_file(kDir + "/calendar.json");
};

void expect_invalid(const Documents& d, ErrorCode code, const std::string& fragment) {
  try {
    parse_reference(d.categories, d.organisation, d.calendar);
    ADD_FAILURE() << "accepted; expected '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ReferenceData, TheSampleLoadsWithResolvedInheritance) {
  const ReferenceData ref = load_reference(kDir);
  const Category* lamp = ref.categories.find("B0102");
  ASSERT_NE(lamp, nullptr);
  EXPECT_EQ(lamp->kind, CategoryKind::component);
  EXPECT_EQ(*lamp->rule, ResponsibilityRule::owner_first);
  EXPECT_EQ(ref.categories.major_class(*lamp).name, "公用设施");
  const Category* rubbish = ref.categories.find("0101");
  EXPECT_EQ(*rubbish->rule, ResponsibilityRule::locality_first);
  EXPECT_EQ(rubbish->deadline->value, 4);
  EXPECT_EQ(ref.categories.reportable().size(), 15u);
  EXPECT_FALSE(ref.categories.is_reportable(*ref.categories.find("01")));
  EXPECT_EQ(ref.departments.size(), 8u);
  EXPECT_EQ(ref.staff_member("d01")->role, Role::dispatcher);
  EXPECT_EQ(ref.calendar.zone().name, "Asia/Shanghai");
}

TEST(ReferenceData, NumbersOfACategoryAreCheckedAgainstTheirRange) {
  // 1e19 hours once went to an int through the JSON library: undefined behaviour.
  const std::string head = R"({"categories": [{"code": "01", "name": "A", "kind": "event"},
                                              {"code": "0101", "parent": "01", "name": "B", )";
  Documents d;
  for (const auto& [field, rule] : std::vector<std::pair<std::string, std::string>>{
           {R"("duplicate_age_hours": 1e19)",
            "'duplicate_age_hours' must be an integer from 0 to 87600"},
           {R"("duplicate_age_hours": 2.5)",
            "'duplicate_age_hours' must be an integer from 0 to 87600"},
           {R"("duplicate_age_hours": "48")",
            "'duplicate_age_hours' must be an integer from 0 to 87600"},
           {R"("duplicate_radius_m": -1)", "'duplicate_radius_m' must be a number from 0 to 10000"},
           {R"("duplicate_radius_m": 1e300)",
            "'duplicate_radius_m' must be a number from 0 to 10000"},
           {R"("deadline": {"value": 1e19})", "'value' must be an integer from 1 to 87600"},
           {R"("deadline": {"value": 0})", "'value' must be an integer from 1 to 87600"}}) {
    d.categories = head + field + "}]}";
    expect_invalid(d, ErrorCode::invalid_data, "categories.json entry 2: " + rule);
  }
  d.categories = head + R"("duplicate_age_hours": 48.0, "deadline": {"value": 4.0}}]})";
  const ReferenceData ref = parse_reference(d.categories, d.organisation, d.calendar);
  EXPECT_EQ(ref.categories.find("0101")->duplicate_age, std::chrono::hours(48));
  EXPECT_EQ(ref.categories.find("0101")->deadline->value, 4);
}

TEST(ReferenceData, BrokenDocumentsAreRefusedWithTheEntryAndTheRule) {
  Documents d;
  d.categories = R"({"categories": [{"code": "01", "name": "A", "kind": "event"},
                                   {"code": "0101", "parent": "09", "name": "B", "deadline": {"value": 2}}]})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "category '0101' (B) names parent '09', which is not a category");
  d.categories = R"({"categories": [{"code": "0101", "name": "B"}]})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "category '0101' (B) can be reported but has no deadline");
  d.categories = R"({"categories": [{"code": "01", "name": "A", "kind": "event"},
                                   {"code": "0101", "parent": "01", "name": "B", "kind": "component", "deadline": {"value": 2}}]})";
  expect_invalid(d, ErrorCode::invalid_data, "is a component under a event");
  d.categories =
      R"({"categories": [{"code": "x", "name": "B", "deadline": {"value": 2, "unit": "fortnights"}}]})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "deadline unit must be work_hours, work_days or calendar_hours");
  d.categories =
      R"({"categories": [{"code": "x", "name": "B", "department": "moon", "deadline": {"value": 2}}]})";
  expect_invalid(d, ErrorCode::invalid_data, "department 'moon' is not in organisation.json");
  d.categories =
      R"({"categories": [{"code": "x", "name": "B", "deadline": {"value": 2}, "notify": {"urgent": 1}}]})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "categories.json entry 1 ('x'): notify.urgent must be true or false");
  d.categories =
      R"({"categories": [{"code": "x", "name": "B", "deadline": {"value": 2}, "notify": {"quiet": true}}]})";
  expect_invalid(d, ErrorCode::invalid_data, "notify has an unknown field 'quiet' (urgent, mute)");
  d.categories = R"({"categories": [{"code": "x", "name": "B", "deadline": {"value": 2},
                                    "notify": {"mute": [{"kinds": ["closed", "shouted"]}]}}]})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "('x') notify.mute[0]: 'kinds' holds 'shouted', which is not one of assigned");
  d.categories = R"({"categories": [{"code": "x", "name": "B", "deadline": {"value": 2},
                                    "notify": {"mute": [{"roles": ["mayor"]}]}}]})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "notify.mute[0]: 'roles' holds 'mayor', which is not one of resident");
  d.categories = R"({"categories": [{"code": "x", "name": "B", "deadline": {"value": 2},
                                    "notify": {"mute": [{"roles": ["group"], "who": 1}]}}]})";
  expect_invalid(d, ErrorCode::invalid_data, "has an unknown field 'who' (kinds, roles)");
  d.categories = "{\"categories\": [";
  expect_invalid(d, ErrorCode::unreadable_source,
                 "categories.json is not valid JSON: error at byte");

  d = Documents();
  d.categories = R"({"categories": [{"code": "x", "name": "B", "deadline": {"value": 2}}]})";
  d.organisation = R"({"departments": [], "staff": [{"id": "x", "name": "X", "role": "emperor"}]})";
  expect_invalid(d, ErrorCode::invalid_data, "role 'emperor' is not one of resident, grid_worker");
  d.organisation =
      R"({"departments": [], "staff": [{"id": "x", "name": "X", "role": "grid_worker"}]})";
  expect_invalid(d, ErrorCode::invalid_data, "a grid_worker needs 'grids'");

  d = Documents();
  d.calendar = R"({"time_zone": "Europe/Berlin"})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "time_zone 'Europe/Berlin' is not a fixed-offset zone");
  d.calendar = R"({"working_hours": {"mon": [["08:30", "25:00"]]}})";
  expect_invalid(d, ErrorCode::invalid_data, "'25:00' is not a time HH:MM");
  d.calendar = R"({"holidays": ["2026-02-30"]})";
  expect_invalid(d, ErrorCode::invalid_data, "'2026-02-30' is not a date");
  d.calendar = R"({"holidays": ["2026-10-10"], "make_up_days": ["2026-10-10"]})";
  expect_invalid(d, ErrorCode::invalid_data,
                 "both a holiday and a make-up working day (2026-10-10)");
}

}  // namespace
}  // namespace wangge::dispatch
