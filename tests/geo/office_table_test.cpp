// Office tables through GDAL: every cell as text and every row numbered as Excel shows it, for
// workbooks and for CSV files with a byte-order mark, blank lines and line breaks in cells.
#include "wangge/geo/office_table.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "wangge/geo/feature_writer.hpp"
#include "wangge/util/error.hpp"

namespace wangge::geo {
namespace {

namespace fs = std::filesystem;

struct OfficeTableTest : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path() / ("wangge_office_table_" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  fs::path dir;
};

std::vector<std::size_t> row_numbers(const OfficeTable& t) {
  std::vector<std::size_t> out;
  for (const TableRow& r : t.rows) out.push_back(r.row);
  return out;
}

ErrorCode code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error";
  return ErrorCode::internal;
}

TEST_F(OfficeTableTest, CsvRowsAreNumberedAsExcelShowsThem) {
  // Row 1 the header (after a byte-order mark), row 2 blank, row 3 a cell with a line break,
  // row 4 all empty cells, row 5 with a number.
  const std::string path =
      write("roster.csv", "\xEF\xBB\xBF工号,姓名\r\n\r\ng12,\"张\n伟\"\r\n,\r\n7,李娜\r\n");
  const OfficeTable t = read_office_table(path);
  EXPECT_EQ(row_numbers(t), (std::vector<std::size_t>{1, 3, 5}));
  EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"工号", "姓名"}));
  EXPECT_EQ(t.rows[1].cells, (std::vector<std::string>{"g12", "张\n伟"}));
  EXPECT_EQ(t.rows[2].cells, (std::vector<std::string>{"7", "李娜"}));
}

TEST_F(OfficeTableTest, XlsxIsReadAsTextWithTheSheetsOwnRowNumbers) {
  const std::string path = (dir / "roster.xlsx").string();
  using T = FieldDef::Type;
  std::vector<OutFeature> rows(3);
  rows[0].values = {std::string("g12"), 430302009001LL};
  rows[1].values = {FieldValue(), FieldValue()};  // a blank row 3
  rows[2].values = {std::string("7"), 12LL};
  write_features(path, "XLSX", "花名册", GeometryKind::none,
                 {{"工号", T::text}, {"网格", T::integer}}, rows);
  const OfficeTable t = read_office_table(path);
  EXPECT_EQ(t.sheet, "花名册");
  EXPECT_EQ(row_numbers(t), (std::vector<std::size_t>{1, 2, 4}));
  EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"工号", "网格"}));
  EXPECT_EQ(t.rows[1].cells, (std::vector<std::string>{"g12", "430302009001"}));
  EXPECT_EQ(t.rows[2].cells, (std::vector<std::string>{"7", "12"}));
}

TEST_F(OfficeTableTest, LimitsOnSizeAndRowsAreErrorsOfTheirOwn) {
  const std::string path = write("big.csv", "a,b\n1,2\n3,4\n");
  EXPECT_EQ(code_of([&] { read_office_table(path, {.max_file_bytes = 10}); }),
            ErrorCode::payload_too_large);
  EXPECT_EQ(code_of([&] { read_office_table(path, {.max_rows = 2}); }),
            ErrorCode::payload_too_large);
  EXPECT_EQ(read_office_table(path, {.max_rows = 3}).rows.size(), 3u);
}

TEST_F(OfficeTableTest, OtherFilesAreRefusedWithReasons) {
  EXPECT_EQ(code_of([&] { read_office_table(write("roster.txt", "a\n")); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { read_office_table((dir / "missing.xlsx").string()); }),
            ErrorCode::unreadable_source);
  EXPECT_EQ(code_of([&] { read_office_table(write("broken.xlsx", "not a zip")); }),
            ErrorCode::unreadable_source);
  // 工号 in GBK, as Excel's plain "CSV" saves it on a Chinese Windows.
  EXPECT_EQ(code_of([&] { read_office_table(write("gbk.csv", "\xB9\xA4\xBA\xC5\n1\n")); }),
            ErrorCode::unreadable_source);
}

}  // namespace
}  // namespace wangge::geo
