#include "wangge/util/text.hpp"

#include <gtest/gtest.h>

#include <cmath>

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

TEST(Text, DisplayWidthCountsChineseAsTwoColumns) {
  EXPECT_EQ(display_width("level"), 5u);
  EXPECT_EQ(display_width("片区"), 4u);
  EXPECT_EQ(display_width("湘江一组第5邻"), 13u);
  EXPECT_EQ(display_width("area km²"), 8u);  // ² is narrow
  EXPECT_EQ(pad_right("邻", 6), "邻    ");
  EXPECT_EQ(pad_right("toolong", 3), "toolong");
  EXPECT_EQ(pad_left("结案率", 8), "  结案率");
}

}  // namespace
}  // namespace wangge::text
