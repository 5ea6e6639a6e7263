#pragma once
// An RFC 4180 CSV reader over text held in memory: quoted fields with embedded commas,
// quotes ("") and line breaks, LF or CRLF line ends, an optional UTF-8 byte-order mark.
// A malformed record is reported with its line number instead of stopping the whole file,
// so a batch can reject one row and go on.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wangge::csv {

/// One record of a CSV file.
struct Record {
  std::size_t line = 0;              ///< 1-based line number where the record starts
  std::vector<std::string> fields;   ///< decoded field values
  std::optional<std::string> error;  ///< set when the record is malformed (fields then partial)
};

/// Reads records one after the other from @p text, which must outlive the reader.
class Reader {
 public:
  explicit Reader(std::string_view text);

  /// @returns the next record, or std::nullopt at the end of the text. Blank lines are skipped.
  std::optional<Record> next();

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

/// Where one record lies in a text: [begin, end) without its line terminator.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t line = 0;  ///< 1-based line where the record starts
};

/// Splits @p text into records (quote-aware, blank lines skipped) without decoding fields:
/// a fast first pass so records can then be decoded in parallel with parse_fields.
std::vector<Span> split_records(std::string_view text);

/// Decodes the fields of one record @p raw (as delimited by split_records) into @p fields,
/// reusing its strings' storage. @returns an error text when the record is malformed.
std::optional<std::string> parse_fields(std::string_view raw, std::vector<std::string>& fields);

/// @returns @p field quoted as RFC 4180 requires (only when it contains , " CR or LF).
std::string escape(std::string_view field);

/// @returns the fields joined with commas, each escaped, without a line end.
std::string join(const std::vector<std::string>& fields);

}  // namespace wangge::csv
