#include "wangge/util/text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

namespace wangge::text {
namespace {

TEST(Text, ParsesWholeNumbersOnly) {
  EXPECT_EQ(parse_double("112.5"), 112.5);
  EXPECT_EQ(parse_double("-73.98"), -73.98);
  EXPECT_FALSE(parse_double("12abc"));
  EXPECT_FALSE(parse_double(""));
  EXPECT_TRUE(std::isnan(*parse_double("nan")));  // returned so callers can name the rule
  EXPECT_EQ(parse_integer("42"), 42);
  EXPECT_FALSE(parse_integer("4.2"));
}

TEST(Text, JsonStringsMatchAnIndependentWriterAndAlwaysParse) {
  auto written = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  EXPECT_EQ(written("湘江一组 \"5\"\\\n\t\x01"), R"("湘江一组 \"5\"\\\n\t\u0001")");
  // Well-formed text: the same bytes nlohmann::json writes, and it parses back unchanged.
  std::mt19937 random(7);
  const std::vector<std::string> pieces{"a",    "\"", "\\", "\n",   "\r", "\b", "\f",  "\x1f",
                                        "\x7f", "/",  "é",  "网格", "😀",  " ",  "\x00"};
  for (int round = 0; round < 500; ++round) {
    std::string s;
    for (int k = std::uniform_int_distribution<int>(0, 12)(random); k > 0; --k)
      s += pieces[random() % pieces.size()];
    EXPECT_EQ(written(s), nlohmann::json(s).dump()) << s;
    EXPECT_EQ(nlohmann::json::parse(written(s)).get<std::string>(), s);
  }
  // A byte that is not part of well-formed UTF-8 becomes U+FFFD; the rest is kept.
  for (const std::string& bad :
       {std::string("a\xff b"), std::string("\xe7\xbd"), std::string("\xc0\xaf"),
        std::string("\xed\xa0\x80"), std::string("x\xf4\x90\x80\x80")}) {
    const std::string out = written(bad);
    ASSERT_TRUE(nlohmann::json::accept(out)) << out;
    EXPECT_TRUE(valid_utf8(nlohmann::json::parse(out).get<std::string>()));
    EXPECT_NE(out.find("\\ufffd"), std::string::npos) << out;
  }
  EXPECT_EQ(written("a\xff b"), R"("a\ufffd b")");
}

TEST(Text, DisplayWidthCountsChineseAsTwoColumns) {
  EXPECT_EQ(display_width("level"), 5u);
  EXPECT_EQ(display_width("片区"), 4u);
  EXPECT_EQ(display_width("湘江一组第5邻"), 13u);
  EXPECT_EQ(display_width("area km²"), 8u);  // ² is narrow
  EXPECT_EQ(pad_right("邻", 6), "邻    ");
  EXPECT_EQ(pad_right("toolong", 3), "toolong");
  EXPECT_EQ(pad_left("结案率", 8), "  结案率");
}

TEST(Text, SplitKeepsTheNonEmptyPartsInOrder) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split("hw,cgzf", ','), (V{"hw", "cgzf"}));
  EXPECT_EQ(split("a,,b,", ','), (V{"a", "b"}));
  EXPECT_EQ(split(",a", ','), (V{"a"}));
  EXPECT_EQ(split("", ','), V{});
  EXPECT_EQ(split(",", ','), V{});
  EXPECT_EQ(split("独居老人", ','), (V{"独居老人"}));
}

}  // namespace
}  // namespace wangge::text
