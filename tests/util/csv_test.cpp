#include "wangge/util/csv.hpp"

#include <gtest/gtest.h>

namespace wangge::csv {
namespace {

std::vector<Record> read_all(std::string_view text) {
  Reader r(text);
  std::vector<Record> out;
  while (auto rec = r.next()) out.push_back(*rec);
  return out;
}

TEST(CsvReader, SplitsPlainFieldsAndCountsLines) {
  auto rows = read_all("a,b,c\n1,2,3\r\n\n4,5,6");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(rows[2].line, 4u);  // the blank line 3 is skipped but counted
  EXPECT_EQ(rows[2].fields[2], "6");
}

TEST(CsvReader, DecodesQuotedFieldsWithCommasQuotesAndLineBreaks) {
  auto rows = read_all("id,text\n1,\"a, \"\"quoted\"\"\nline\"\n2,x\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields[1], "a, \"quoted\"\nline");
  EXPECT_FALSE(rows[1].error);
  EXPECT_EQ(rows[2].line, 4u);  // record 1 spans lines 2-3
}

TEST(CsvReader, StripsByteOrderMarkAndKeepsEmptyTrailingField) {
  auto rows = read_all("\xEF\xBB\xBFlon,lat,\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"lon", "lat", ""}));
}

TEST(CsvReader, ReportsMalformedRecordsWithoutStopping) {
  auto rows = read_all("a,b\nx\"y,1\n\"ok\"z,2\n3,4\n\"never closed,5\n");
  ASSERT_EQ(rows.size(), 5u);
  ASSERT_TRUE(rows[1].error);
  EXPECT_NE(rows[1].error->find("unexpected quote in field 1"), std::string::npos);
  ASSERT_TRUE(rows[2].error);
  EXPECT_NE(rows[2].error->find("after the closing quote"), std::string::npos);
  EXPECT_FALSE(rows[3].error);
  ASSERT_TRUE(rows[4].error);
  EXPECT_NE(rows[4].error->find("unterminated"), std::string::npos);
}

TEST(CsvWriter, EscapesOnlyWhenNeededAndRoundTrips) {
  EXPECT_EQ(escape("plain"), "plain");
  EXPECT_EQ(escape("a,b"), "\"a,b\"");
  const std::vector<std::string> fields{"x", "say \"hi\"", "two\nlines", ""};
  auto rows = read_all(join(fields) + "\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, fields);
}

}  // namespace
}  // namespace wangge::csv

namespace wangge::csv {
namespace {

TEST(CsvSplit, SplitsAndDecodesLikeTheStreamingReader) {
  // A stray quote inside a field must not open a quoted field in either pass.
  const std::string text = "\xEF\xBB\xBFid,text\r\n1,\"a, \"\"b\"\"\nc\"\n\n2,x\"y\n3,\"open\n";
  const auto spans = split_records(text);
  ASSERT_EQ(spans.size(), 4u);
  Reader reader(text);
  std::vector<std::string> fields;
  for (const Span& s : spans) {
    const auto rec = reader.next();
    ASSERT_TRUE(rec);
    EXPECT_EQ(s.line, rec->line);
    const auto error =
        parse_fields(std::string_view(text).substr(s.begin, s.end - s.begin), fields);
    EXPECT_EQ(fields, rec->fields) << "line " << s.line;
    EXPECT_EQ(error.has_value(), rec->error.has_value()) << "line " << s.line;
  }
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(spans[2].line, 5u);
  EXPECT_EQ(spans[3].line, 6u);
}

TEST(CsvSplit, ReusesFieldStorageAndShrinksToTheRecord) {
  std::vector<std::string> fields;
  EXPECT_FALSE(parse_fields("a,b,c,d", fields));
  EXPECT_EQ(fields.size(), 4u);
  EXPECT_FALSE(parse_fields("x,", fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"x", ""}));
  EXPECT_TRUE(parse_fields("x\"y", fields));
}

}  // namespace
}  // namespace wangge::csv
