// Fuzzes the point input of `wangge assign` (src/service/batch_assign.cpp, src/util/csv.cpp):
// the input is written to a scratch file and assigned against the sample grids, as GeoJSON
// when its first non-blank byte is '{' or '[', else as CSV; the datum of the points is WGS-84,
// GCJ-02 or BD-09 by the input's length modulo 3 (so the datum inverses meet any coordinate).
// Error(unreadable_source / invalid_argument) for an unreadable file is fine; another exception
// is a finding. Invariants on what is read ("bad rows are flagged, never dropped"):
//  - every row is either assigned a point or rejected: points + rejected = rows, and
//    assigned + not_covered = points;
//  - the output has every input row: for CSV, a header and one record per row, each with the
//    header's fields plus the assignment columns; for GeoJSON, as many features as the input.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <typeinfo>

#include "support/fuzz_support.hpp"
#include "wangge/service/batch_assign.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace {

using wangge::fuzz::require;

const wangge::grid::GridIndex& sample_index() {
  static wangge::service::Service* service = [] {
    auto* s = new wangge::service::Service();
    s->load_grids(std::string(WANGGE_SOURCE_DIR) + "/geodata/sample/grids.geojson", {});
    return s;
  }();
  static const auto index = service->grid_index();
  return *index;
}

void check_csv_output(const std::string& path, const wangge::service::AssignSummary& s) {
  const std::string out = wangge::text::read_file(path);
  const auto spans = wangge::csv::split_records(out);
  require(spans.size() == s.rows + 1, "the CSV output has not one record per input row",
          std::to_string(spans.size()) + " records for " + std::to_string(s.rows) + " rows");
  std::vector<std::string> fields;
  std::size_t width = 0;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const auto error = wangge::csv::parse_fields(
        std::string_view(out).substr(spans[i].begin, spans[i].end - spans[i].begin), fields);
    require(!error, "the CSV output has a malformed record", error.value_or(""));
    if (i == 0) width = fields.size();
    require(fields.size() == width, "a CSV output record has another width than the header",
            "record " + std::to_string(i));
  }
}

void check_geojson_output(const std::string& path, const wangge::service::AssignSummary& s) {
  const auto doc = nlohmann::json::parse(wangge::text::read_file(path));
  require(doc.at("features").size() == s.rows, "the GeoJSON output lost or added features");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t first = in.find_first_not_of(" \t\r\n");
  const bool geojson = first != std::string_view::npos && (in[first] == '{' || in[first] == '[');
  const wangge::grid::GridIndex& index = sample_index();
  wangge::service::AssignOptions options;
  options.input = wangge::fuzz::write_scratch_file(geojson ? "in.geojson" : "in.csv", in);
  options.output = wangge::fuzz::scratch_dir() + (geojson ? "/out.geojson" : "/out.csv");
  options.datum = size % 3 == 0   ? wangge::geo::Datum::wgs84
                  : size % 3 == 1 ? wangge::geo::Datum::gcj02
                                  : wangge::geo::Datum::bd09;
  options.threads = 1;
  options.progress = false;
  wangge::service::AssignSummary s;
  try {
    s = wangge::service::assign_file(index, options);
  } catch (const wangge::Error& e) {
    require(e.code() == wangge::ErrorCode::unreadable_source ||
                e.code() == wangge::ErrorCode::invalid_argument,
            "assign threw an Error other than unreadable_source / invalid_argument", e.what());
    return 0;
  } catch (const std::exception& e) {
    wangge::fuzz::finding(
        std::string("assign threw ") + typeid(e).name() + " (not a wangge::Error)", e.what());
  }
  require(s.points + s.rejected.size() == s.rows, "a row neither assigned nor rejected");
  require(s.assigned + s.not_covered == s.points, "a point neither assigned nor not covered");
  if (geojson)
    check_geojson_output(options.output, s);
  else
    check_csv_output(options.output, s);
  return 0;
}
