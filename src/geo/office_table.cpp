#include "wangge/geo/office_table.hpp"

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <optional>

#include "wangge/geo/gdal.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::geo {
namespace {

/// Sets a GDAL configuration option for this thread while it lives. The XLSX driver (GDAL 3.6)
/// takes its reading choices from configuration options only, and reads them when a sheet is
/// first used, so the guard must outlive the reading.
class ThreadConfig {
 public:
  ThreadConfig(const char* key, const char* value) : key_(key) {
    if (const char* old = CPLGetThreadLocalConfigOption(key, nullptr)) old_ = old;
    CPLSetThreadLocalConfigOption(key, value);
  }
  ~ThreadConfig() { CPLSetThreadLocalConfigOption(key_, old_ ? old_->c_str() : nullptr); }
  ThreadConfig(const ThreadConfig&) = delete;
  ThreadConfig& operator=(const ThreadConfig&) = delete;

 private:
  const char* key_;
  std::optional<std::string> old_;
};

std::string extension_of(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  return text::lower(ext.empty() ? ext : ext.substr(1));
}

void check_size(const std::string& path, const OfficeTableLimits& limits) {
  std::error_code ec;
  const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
  if (ec) throw Error(ErrorCode::unreadable_source, "cannot read '" + path + "': " + ec.message());
  if (bytes > limits.max_file_bytes) {
    throw Error(ErrorCode::payload_too_large, "'" + path + "' is " + std::to_string(bytes) +
                                                  " bytes; the limit is " +
                                                  std::to_string(limits.max_file_bytes) + " bytes");
  }
}

/// The sheet row of each CSV record in order: a record is one row however many lines its quoted
/// cells span, and a blank line (which GDAL skips) is a row of its own, as Excel shows them.
std::vector<std::size_t> csv_record_rows(const std::string& path) {
  const std::string body = text::read_file(path);
  std::vector<std::size_t> rows;
  std::size_t row = 1, start = body.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  bool quoted = false;
  for (std::size_t i = start; i <= body.size(); ++i) {
    const bool end = i == body.size();
    if (!end && body[i] == '"') quoted = !quoted;
    if (!end && (body[i] != '\n' || quoted)) continue;
    std::string_view line(body.data() + start, i - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (!line.empty()) rows.push_back(row);
    ++row;
    start = i + 1;
  }
  return rows;
}

std::vector<std::string> cells_of(OGRFeature& f, int fields) {
  std::vector<std::string> cells;
  cells.reserve(static_cast<std::size_t>(fields));
  for (int i = 0; i < fields; ++i)
    cells.emplace_back(f.IsFieldSetAndNotNull(i) ? f.GetFieldAsString(i) : "");
  return cells;
}

bool blank(const std::vector<std::string>& cells) {
  for (const std::string& c : cells)
    if (!text::trim(c).empty()) return false;
  return true;
}

/// The rows of @p layer. @p record_rows (CSV) maps the n-th record to its row; without it
/// (XLSX, which numbers its features by row) the feature id is the row.
std::vector<TableRow> rows_of(OGRLayer& layer, const std::string& path,
                              const std::vector<std::size_t>* record_rows,
                              const OfficeTableLimits& limits) {
  std::vector<TableRow> rows;
  const int fields = layer.GetLayerDefn()->GetFieldCount();
  std::size_t record = 0;
  layer.ResetReading();
  while (OGRFeature* raw = layer.GetNextFeature()) {
    const std::unique_ptr<OGRFeature, decltype(&OGRFeature::DestroyFeature)> f(
        raw, &OGRFeature::DestroyFeature);
    std::vector<std::string> cells = cells_of(*f, fields);
    const std::size_t n = record++;
    if (blank(cells)) continue;
    if (rows.size() == limits.max_rows) {
      throw Error(ErrorCode::payload_too_large,
                  "'" + path + "' has more than " + std::to_string(limits.max_rows) +
                      " rows filled in; the limit is " + std::to_string(limits.max_rows));
    }
    const std::size_t row = record_rows ? (n < record_rows->size() ? (*record_rows)[n] : n + 1)
                                        : static_cast<std::size_t>(f->GetFID());
    rows.push_back({row, std::move(cells)});
  }
  return rows;
}

void require_utf8(const std::vector<TableRow>& rows, const std::string& path) {
  for (const TableRow& r : rows) {
    for (const std::string& c : r.cells) {
      if (!text::valid_utf8(c)) {
        throw Error(ErrorCode::unreadable_source,
                    "'" + path + "' row " + std::to_string(r.row) +
                        " is not UTF-8 text (Excel's plain \"CSV\" is GBK): save it as "
                        "\"CSV UTF-8\" or as .xlsx");
      }
    }
  }
}

}  // namespace

OfficeTable read_office_table(const std::string& path, const OfficeTableLimits& limits) {
  const std::string ext = extension_of(path);
  if (ext != "xlsx" && ext != "csv") {
    throw Error(ErrorCode::invalid_argument,
                "'" + path + "': a table is read from an .xlsx or a .csv file");
  }
  check_size(path, limits);
  // Every cell as text, and row 1 a row like the others: the caller finds its header itself.
  const ThreadConfig headers("OGR_XLSX_HEADERS", "DISABLE");
  const ThreadConfig types("OGR_XLSX_FIELD_TYPES", "STRING");
  const bool csv = ext == "csv";
  gdal::Dataset ds = csv ? gdal::open_vector(path, {"CSV"}, {"HEADERS=NO", "AUTODETECT_TYPE=NO"})
                         : gdal::open_vector(path, {"XLSX"}, {});
  if (ds->GetLayerCount() < 1)
    throw Error(ErrorCode::unreadable_source, "'" + path + "' has no sheet");
  OGRLayer& layer = *ds->GetLayer(0);
  OfficeTable table;
  table.sheet = layer.GetName();
  if (ds->GetLayerCount() > 1) {
    table.notes.push_back("'" + path + "': read the first sheet, '" + table.sheet + "', of " +
                          std::to_string(ds->GetLayerCount()));
  }
  const std::vector<std::size_t> record_rows =
      csv ? csv_record_rows(path) : std::vector<std::size_t>{};
  table.rows = rows_of(layer, path, csv ? &record_rows : nullptr, limits);
  if (csv) require_utf8(table.rows, path);
  return table;
}

}  // namespace wangge::geo
