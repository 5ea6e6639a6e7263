#pragma once
// Rows of the store's tables as lists of plain values, shared by both adapters so the SQLite
// and PostGIS schemas cannot drift apart: the column lists here are the schema's.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "wangge/dispatch/report.hpp"
#include "wangge/geo/polygon.hpp"
#include "wangge/grid/grid.hpp"
#include "wangge/util/sqlite.hpp"

namespace wangge::store {

using db::Blob;  // (util/sqlite.hpp: the values both adapters bind and read)
using db::Row;
using db::Value;

/// The columns of `reports` in encode/decode order (idempotency_key and request_hash are
/// written on insert only, and not part of a Report).
const std::vector<std::string>& report_columns();
Row encode_report(const dispatch::Report& r);
/// @throws Error(internal) for a row that does not decode (a corrupt database).
dispatch::Report decode_report(const Row& row);

const std::vector<std::string>& event_columns();
Row encode_event(const dispatch::Event& e);
dispatch::Event decode_event(const Row& row);

/// The columns of `grids` (after `generation`), the last one the geometry as WKB hex.
const std::vector<std::string>& grid_columns();
Row encode_grid(const grid::Grid& g);
grid::Grid decode_grid(const Row& row);

/// Reports are bucketed in cells of 0.001° (≈111 m north–south, ≈98 m east–west at 28°N) so
/// the duplicate search reads a few cells, not every recent report of a category.
inline constexpr double kCellDegrees = 0.001;
std::int64_t cell_of(double lon, double lat);
/// The cells a box touches; empty when more than 64 (then scan the box instead).
std::vector<std::int64_t> cells_covering(const geo::BBox& box);

/// "/root/…/leaf/": a grid chain (finest first) root first, for "this grid or below" filters.
std::string grid_path(const std::vector<std::string>& chain);
/// The same for a report's chain.
std::string grid_path(const dispatch::Report& r);
/// The pattern of `grid_path LIKE ? ESCAPE '!'` for "under @p grid": its id matched literally
/// (LIKE's wildcards in it escaped with '!').
std::string like_under(const std::string& grid);

std::int64_t to_millis(dispatch::Instant t);
dispatch::Instant from_millis(std::int64_t ms);

/// "<comma-separated column names>" and "?, ?, …" / "$1, $2, …" helpers for SQL text.
std::string column_list(const std::vector<std::string>& columns, const std::string& prefix = "");
std::string placeholders(std::size_t count, bool dollar, std::size_t first = 1);

}  // namespace wangge::store
