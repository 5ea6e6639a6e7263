#pragma once
// Reading an office table — the first sheet of an Excel workbook (.xlsx) or a CSV file — through
// GDAL/OGR as plain text cells, each row numbered as the person who keeps the file sees it in
// Excel, so that a message can send them to the right row.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wangge::geo {

/// One row that has something in it.
struct TableRow {
  std::size_t row = 0;             ///< the sheet's row number, from 1 (Excel's numbering)
  std::vector<std::string> cells;  ///< one per column, "" for an empty cell; never all blank
};

struct OfficeTable {
  std::string sheet;               ///< the sheet read (for CSV: the file's base name)
  std::vector<TableRow> rows;      ///< in sheet order; blank rows are left out
  std::vector<std::string> notes;  ///< for the user, e.g. the other sheets that were not read
};

/// Limits on what read_office_table reads (beyond them: Error(payload_too_large)).
struct OfficeTableLimits {
  std::uintmax_t max_file_bytes = 20u << 20;  ///< the file's size on disk
  std::size_t max_rows = 20000;               ///< rows with something in them, a header included
};

/// Reads the first sheet of an .xlsx (GDAL's XLSX driver) or a .csv (the CSV driver; UTF-8,
/// with or without a byte-order mark) as text: numbers as GDAL writes them ("12",
/// "430302009001"), no header interpretation (row 1 is a row like the others). A CSV row is
/// a record: a quoted line break stays in its cell, and blank lines count as rows, as in Excel.
/// @throws Error(invalid_argument) for another extension, a URL or /vsi* path;
///         Error(payload_too_large) past @p limits; Error(unreadable_source) for a file GDAL
///         cannot open, a workbook without sheets, or a CSV that is not UTF-8 (saved as GBK).
OfficeTable read_office_table(const std::string& path, const OfficeTableLimits& limits = {});

}  // namespace wangge::geo
