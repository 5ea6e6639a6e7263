// The questions a category asks (Open311 service attributes): how categories.json declares
// them, and how an answer is checked against them.
#include <gtest/gtest.h>

#include "wangge/dispatch/category.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

const std::string kDir = WANGGE_SOURCE_DIR "/geodata/sample";

/// A category tree of one class and one leaf asking @p attributes (a JSON list).
CategoryTree tree(const std::string& attributes) {
  const std::string categories =
      R"({"categories": [{"code": "B", "name": "部件", "kind": "component"},
                         {"code": "B1", "parent": "B", "name": "井盖", "kind": "component",
                          "deadline": {"value": 4}, "attributes": )" +
      attributes + "}]}";
  return parse_reference(categories, text::read_file(kDir + "/organisation.json"),
                         text::read_file(kDir + "/calendar.json"))
      .categories;
}

const std::string kQuestions = R"([
  {"code": "cover", "description": "井盖情况", "datatype": "singlevaluelist", "required": true,
   "values": [{"key": "missing", "name": "缺失"}, {"key": "loose", "name": "松动"}]},
  {"code": "count", "description": "几个", "datatype": "number"},
  {"code": "seen_at", "description": "发现时间", "datatype": "datetime"},
  {"code": "needs", "description": "需要", "datatype": "multivaluelist",
   "values": [{"key": "fence", "name": "围挡"}, {"key": "light", "name": "警示灯"}]},
  {"code": "note", "description": "补充", "datatype": "text"}])";

std::string refusal(const Category& c, const AttributeAnswers& given,
                    UnknownAttributes unknown = UnknownAttributes::refuse) {
  try {
    check_attributes(c, given, unknown, TimeZone{});
    return "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument) << e.what();
    return e.what();
  }
}

TEST(CategoryAttributes, AnswersAreCheckedAndKeptInCanonicalForm) {
  const CategoryTree t = tree(kQuestions);
  const Category& c = *t.find("B1");
  ASSERT_EQ(c.attributes->size(), 5u);
  const auto got = check_attributes(c,
                                    {{"cover", {" missing "}},
                                     {"count", {"2.5"}},
                                     {"seen_at", {"2026-11-23T22:30"}},
                                     {"needs", {"light", "fence", "light"}},
                                     {"note", {""}}},
                                    UnknownAttributes::refuse, TimeZone{});
  const std::map<std::string, std::string> want{{"cover", "missing"},
                                                {"count", "2.5"},
                                                {"seen_at", "2026-11-23T22:30:00+08:00"},
                                                {"needs", "light,fence"}};
  EXPECT_EQ(got, want);  // the empty answer to a question not required is no answer
}

TEST(CategoryAttributes, EachRuleIsNamedWithTheAttribute) {
  const CategoryTree t = tree(kQuestions);
  const Category& c = *t.find("B1");
  const AttributeAnswers ok{{"cover", {"loose"}}};
  EXPECT_EQ(refusal(c, ok), "accepted");
  auto with = [&](const std::string& code, std::vector<std::string> v) {
    AttributeAnswers a = ok;
    a[code] = std::move(v);
    return a;
  };
  for (const auto& [given, message] : std::vector<std::pair<AttributeAnswers, std::string>>{
           {{}, "attribute 'cover' (井盖情况) is required for category 'B1'"},
           {{{"cover", {"  "}}}, "attribute 'cover' (井盖情况) is required"},
           {with("cover", {"gone"}),
            "attribute 'cover' (井盖情况) must be one of missing (缺失), loose (松动), not 'gone'"},
           {with("cover", {"missing", "loose"}), "takes one value; 2 were given"},
           {with("count", {"NaN"}), "attribute 'count' (几个) must be a finite number, not 'NaN'"},
           {with("count", {"1e400"}), "must be a finite number"},
           {with("count", {"3 个"}), "must be a finite number"},
           {with("seen_at", {"昨天晚上"}), "attribute 'seen_at' (发现时间) must be an ISO 8601"},
           {with("needs", {"fence", "cake"}), "must be some of fence (围挡), light (警示灯)"},
           {with("note", {std::string(1001, 'x')}), "is 1001 bytes; the limit is 1000"},
           {with("note", {"\xff"}), "is not valid UTF-8"},
           {with("note", {std::string("a\0b", 3)}), "contains a NUL byte"},
           {with("colour", {"red"}),
            "attribute 'colour' is not asked by category 'B1' (井盖); it asks cover, count"}}) {
    EXPECT_NE(refusal(c, given).find(message), std::string::npos) << refusal(c, given);
  }
  AttributeAnswers many = ok;
  for (int i = 0; i < 40; ++i) many["x" + std::to_string(i)] = {"1"};
  EXPECT_NE(refusal(c, many, UnknownAttributes::keep).find("at most 32 attributes"),
            std::string::npos);
}

TEST(CategoryAttributes, AnOpen311ClientsOwnFieldsAreKeptNotRefused) {
  const CategoryTree t = tree(kQuestions);
  const Category& c = *t.find("B1");
  const auto got = check_attributes(
      c, {{"cover", {"missing"}}, {"report_url", {"https://fms.example/report/7"}}, {"x", {""}}},
      UnknownAttributes::keep, TimeZone{});
  EXPECT_EQ(got.at("report_url"), "https://fms.example/report/7");
  EXPECT_EQ(got.count("x"), 0u);
  EXPECT_NE(refusal(c, {{"cover", {"missing"}}, {"bad code!", {"1"}}}, UnknownAttributes::keep)
                .find("a code is 1 to 64 letters"),
            std::string::npos);
  // Kept or not, a required question still needs its answer.
  EXPECT_NE(refusal(c, {{"report_url", {"u"}}}, UnknownAttributes::keep).find("is required"),
            std::string::npos);
}

TEST(CategoryAttributes, DeclarationsAreCheckedWhenTheReferenceDataLoads) {
  for (const auto& [attributes, message] : std::vector<std::pair<std::string, std::string>>{
           {R"([{"code": "a b", "description": "x"}])", "has an attribute code 'a b'"},
           {R"([{"code": "a", "description": "x"}, {"code": "a", "description": "y"}])",
            "asks attribute 'a' twice"},
           {R"([{"code": "a", "description": ""}])", "attribute 'a' has no description"},
           {R"([{"code": "a", "description": "x", "datatype": "colour"}])",
            "datatype 'colour' is not string, number"},
           {R"([{"code": "a", "description": "x", "datatype": "singlevaluelist"}])",
            "a list needs values to choose from"},
           {R"([{"code": "a", "description": "x", "values": [{"key": "k", "name": "K"}]}])",
            "only a singlevaluelist or multivaluelist has values"},
           {R"([{"code": "a", "description": "x", "datatype": "multivaluelist",
                 "values": [{"key": "k", "name": "K"}, {"key": "k", "name": "L"}]}])",
            "lists the value 'k' twice"},
           {R"([{"code": "a", "description": "x", "required": "yes"}])",
            "required must be true or false"},
           {R"({"code": "a"})", "attributes must be a list"}}) {
    try {
      tree(attributes);
      ADD_FAILURE() << "accepted " << attributes;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_data);
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

TEST(CategoryAttributes, ALeafInheritsItsClassesQuestionsUnlessItAsksItsOwn) {
  const std::string categories =
      R"({"categories": [{"code": "B", "name": "部件", "kind": "component",
                          "attributes": [{"code": "where", "description": "位置"}]},
                         {"code": "B1", "parent": "B", "name": "井盖", "kind": "component",
                          "deadline": {"value": 4}},
                         {"code": "B2", "parent": "B", "name": "路灯", "kind": "component",
                          "deadline": {"value": 4}, "attributes": []}]})";
  const CategoryTree t = parse_reference(categories, text::read_file(kDir + "/organisation.json"),
                                         text::read_file(kDir + "/calendar.json"))
                             .categories;
  ASSERT_EQ(t.find("B1")->attributes->size(), 1u);
  EXPECT_EQ(t.find("B1")->attributes->front().code, "where");
  EXPECT_TRUE(t.find("B2")->attributes->empty());
}

TEST(CategoryAttributes, TheSampleAsksButRequiresNothing) {
  const ReferenceData ref = load_reference(kDir);
  std::size_t asked = 0;
  for (const Category* c : ref.categories.reportable()) {
    for (const CategoryAttribute& a : *c->attributes) {
      ++asked;
      EXPECT_FALSE(a.required) << c->code << " " << a.code;
    }
  }
  EXPECT_GE(asked, 5u);
  EXPECT_EQ(ref.categories.find("B0101")->attributes->front().values.size(), 3u);
}

}  // namespace
}  // namespace wangge::dispatch
