#include "wangge/service/batch_assign.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "assignment_columns.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/util/atomic_file.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/parallel.hpp"
#include "wangge/util/progress.hpp"
#include "wangge/util/text.hpp"

namespace wangge::service {
namespace {

using Clock = std::chrono::steady_clock;

struct Counter {
  void count(const grid::Location& a) {
    ++points;
    if (a.status == grid::LocateStatus::not_covered)
      ++not_covered;
    else
      ++assigned;
    if (a.status == grid::LocateStatus::outside) ++outside;
    if (a.on_boundary) ++on_boundary;
  }
  void add_to(AssignSummary& s) const {
    s.points += points;
    s.assigned += assigned;
    s.outside += outside;
    s.not_covered += not_covered;
    s.on_boundary += on_boundary;
  }
  std::size_t points = 0, assigned = 0, outside = 0, not_covered = 0, on_boundary = 0;
};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && text::lower(s.substr(s.size() - suffix.size())) == suffix;
}

std::optional<std::size_t> find_column(const std::vector<std::string>& header,
                                       const std::optional<std::string>& requested,
                                       std::initializer_list<const char*> defaults) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string h = text::lower(text::trim(header[i]));
    if (requested) {
      if (text::trim(header[i]) == *requested) return i;
      continue;
    }
    for (const char* d : defaults)
      if (h == d) return i;
  }
  return std::nullopt;
}

// ---- CSV ---------------------------------------------------------------------------------

/// Locates the point of one CSV record; @returns the reason when the record is rejected.
std::optional<std::string> locate_record(const grid::GridIndex& index, const AssignOptions& opt,
                                         const std::vector<std::string>& fields, std::size_t lon,
                                         std::size_t lat, grid::Location& loc) {
  const auto x = text::parse_double(fields[lon]);
  const auto y = text::parse_double(fields[lat]);
  if (!x) return "lon '" + fields[lon] + "' is not a number";
  if (!y) return "lat '" + fields[lat] + "' is not a number";
  std::string why;
  const auto p = geo::LonLat::try_make(geo::Longitude(*x), geo::Latitude(*y), &why);
  if (!p) return why;
  loc = index.locate(geo::to_wgs84(*p, opt.datum));
  return std::nullopt;
}

AssignSummary assign_csv(const grid::GridIndex& index, const AssignOptions& opt, unsigned threads) {
  const auto start = Clock::now();
  const std::string content = text::read_file(opt.input);
  const std::vector<csv::Span> spans = csv::split_records(content);
  auto raw = [&](const csv::Span& s) {
    return std::string_view(content).substr(s.begin, s.end - s.begin);
  };
  std::vector<std::string> header;
  const auto header_error = spans.empty() ? std::optional<std::string>("the file is empty")
                                          : csv::parse_fields(raw(spans[0]), header);
  if (header_error) {
    throw Error(ErrorCode::unreadable_source,
                "'" + opt.input + "' has no readable CSV header line: " + *header_error);
  }
  const auto lon = find_column(header, opt.lon_field, {"lon", "lng", "longitude", "x"});
  const auto lat = find_column(header, opt.lat_field, {"lat", "latitude", "y"});
  auto missing = [&](const char* what, const std::optional<std::string>& requested) {
    std::string names;
    for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
    return Error(ErrorCode::invalid_argument,
                 "'" + opt.input + "' has no " + what + " column" +
                     (requested ? " named '" + *requested + "'" : " (lon, lng, longitude or x)") +
                     "; its columns are: " + names + " (choose one with --" + what + "-field)");
  };
  if (!lon) throw missing("lon", opt.lon_field);
  if (!lat) throw missing("lat", opt.lat_field);
  const AssignmentColumns columns(index.grids(), opt.columns);
  for (const std::string& c : columns.names()) {
    if (find_column(header, c, {})) {
      throw Error(ErrorCode::invalid_argument,
                  "'" + opt.input + "' already has a column '" + c +
                      "' (assigned before?); drop the assignment columns first");
    }
  }

  AssignSummary summary;
  summary.format = "csv";
  summary.rows = spans.size() - 1;
  summary.threads = threads;
  AtomicFile out(opt.output);
  std::vector<std::string> out_header = header;
  out_header.insert(out_header.end(), columns.names().begin(), columns.names().end());
  out.write(csv::join(out_header) + "\n");

  // Records go through in blocks: each block is decoded, located and formatted in parallel
  // chunks, each chunk into its own buffer, then written in input order. Memory stays
  // bounded by the block, whatever the file's size.
  constexpr std::size_t kChunk = 4096;
  constexpr std::size_t kBlock = 64 * kChunk;
  const std::size_t width = header.size();
  ProgressBar bar("assign", summary.rows);
  double locate_seconds = 0;
  // Buffers keep their capacity from block to block: fresh memory per block would cost a page
  // fault per 4 KiB of output. (Writing one block while computing the next was measured: on
  // two cores it gains nothing, the writer only competes with the locating threads.)
  std::vector<std::string> buffers(kBlock / kChunk);
  for (std::size_t block = 1; block < spans.size(); block += kBlock) {
    const std::size_t count = std::min(kBlock, spans.size() - block);
    const std::size_t chunks = (count + kChunk - 1) / kChunk;
    std::vector<std::vector<RejectedRow>> rejects(chunks);
    std::vector<Counter> counters(chunks);
    const auto block_start = Clock::now();
    parallel_for(count, threads, kChunk, [&](std::size_t begin, std::size_t end) {
      const std::size_t c = begin / kChunk;
      std::string& buffer = buffers[c];
      buffer.clear();
      // One allocation per chunk and run: growing by doubling would fault fresh pages each time.
      buffer.reserve(spans[block + end - 1].end - spans[block + begin].begin +
                     (end - begin) * (columns.max_csv_size() + 64));
      std::vector<std::string> fields;
      grid::Location loc;
      for (std::size_t r = block + begin; r < block + end; ++r) {
        const csv::Span& span = spans[r];
        std::optional<std::string> reason = csv::parse_fields(raw(span), fields);
        if (!reason && fields.size() != width) {
          reason = "has " + std::to_string(fields.size()) + " fields, the header has " +
                   std::to_string(width);
        }
        if (!reason) reason = locate_record(index, opt, fields, *lon, *lat, loc);
        if (!reason) {
          counters[c].count(loc);
          buffer += raw(span);  // a well-formed record is copied byte for byte
          columns.append_csv(loc, buffer);
        } else {
          rejects[c].push_back(RejectedRow{span.line, *reason});
          fields.resize(width);
          auto extra = columns.rejected(*reason);
          fields.insert(fields.end(), extra.begin(), extra.end());
          buffer += csv::join(fields);
        }
        buffer += '\n';
      }
      if (opt.progress) bar.advance(end - begin);
    });
    locate_seconds += std::chrono::duration<double>(Clock::now() - block_start).count();
    for (std::size_t c = 0; c < chunks; ++c) {
      out.write(buffers[c]);
      counters[c].add_to(summary);
      for (RejectedRow& r : rejects[c]) summary.rejected.push_back(std::move(r));
    }
  }
  bar.finish();
  out.commit();
  summary.locate_seconds = locate_seconds;
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

// ---- GeoJSON -----------------------------------------------------------------------------

/// The member @p key of @p object when it is a string, else "" (absent, or another type: a
/// file's "type": 7 is a bad value, not a reason to stop).
std::string string_member(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

nlohmann::json assignment_properties(const AssignmentColumns& columns,
                                     const std::vector<std::string>& values) {
  nlohmann::json p = nlohmann::json::object();
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i].empty())
      p[columns.names()[i]] = nullptr;
    else
      p[columns.names()[i]] = values[i];
  }
  return p;
}

AssignSummary assign_geojson(const grid::GridIndex& index, const AssignOptions& opt,
                             unsigned threads) {
  const auto start = Clock::now();
  const std::string content = text::read_file(opt.input);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(content);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                "'" + opt.input + "' is not valid JSON: error at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::out_of_range&) {  // the parser's only other failure
    throw Error(ErrorCode::unreadable_source,
                "'" + opt.input + "' holds a number too large for a double (beyond 1.8e308)");
  }
  if (!doc.is_object() || string_member(doc, "type") != "FeatureCollection" ||
      !doc.contains("features") || !doc["features"].is_array()) {
    throw Error(ErrorCode::unreadable_source,
                "'" + opt.input + "' is not a GeoJSON FeatureCollection with a features array");
  }
  auto& features = doc["features"];
  const AssignmentColumns columns(index.grids(), opt.columns);
  AssignSummary summary;
  summary.format = "geojson";
  summary.rows = features.size();
  summary.threads = threads;
  std::vector<std::optional<RejectedRow>> rejects(features.size());
  std::vector<Counter> counters(features.size() / 4096 + 1);
  ProgressBar bar("assign", features.size());
  const auto locate_start = Clock::now();
  parallel_for(features.size(), threads, 4096, [&](std::size_t begin, std::size_t end) {
    Counter& counter = counters[begin / 4096];
    for (std::size_t k = begin; k < end; ++k) {
      nlohmann::json& f = features[k];
      std::string reason;
      std::optional<grid::Location> answer;
      const nlohmann::json* geom =
          f.is_object() && f.contains("geometry") ? &f["geometry"] : nullptr;
      if (!f.is_object() || string_member(f, "type") != "Feature") {
        reason = "is not a GeoJSON Feature";
      } else if (!geom || !geom->is_object()) {
        reason = "has no geometry";
      } else if (const std::string type = string_member(*geom, "type"); type != "Point") {
        reason = "has a " + (type.empty() ? "geometry without a type" : type + " geometry") +
                 ", expected Point";
      } else {
        const auto c = geom->find("coordinates");
        if (c == geom->end() || !c->is_array() || c->size() < 2 || !(*c)[0].is_number() ||
            !(*c)[1].is_number()) {
          reason = "has Point coordinates that are not [lon, lat] numbers";
        } else if (auto p = geo::LonLat::try_make(geo::Longitude((*c)[0].get<double>()),
                                                  geo::Latitude((*c)[1].get<double>()), &reason)) {
          answer = index.locate(geo::to_wgs84(*p, opt.datum));
        }
      }
      if (f.is_object()) {
        if (!f.contains("properties") || !f["properties"].is_object())
          f["properties"] = nlohmann::json::object();
        nlohmann::json extra;
        if (answer) {
          counter.count(*answer);
          extra = assignment_properties(columns, columns.values(*answer));
        } else {
          extra = assignment_properties(columns, columns.rejected(reason));
        }
        f["properties"].update(extra);
      }
      if (!answer)
        rejects[k] = RejectedRow{k + 1, "feature " + std::to_string(k + 1) + " " + reason};
    }
    if (opt.progress) bar.advance(end - begin);
  });
  summary.locate_seconds = std::chrono::duration<double>(Clock::now() - locate_start).count();
  bar.finish();
  AtomicFile out(opt.output);
  out.write(doc.dump());
  out.write("\n");
  out.commit();
  for (const Counter& c : counters) c.add_to(summary);
  for (auto& r : rejects)
    if (r) summary.rejected.push_back(std::move(*r));
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace

const std::vector<std::string>& assignment_columns() {
  return all_assignment_columns();
}

AssignSummary assign_file(const grid::GridIndex& index, const AssignOptions& options) {
  const unsigned threads = options.threads ? options.threads : default_thread_count();
  const bool csv_in = ends_with(options.input, ".csv");
  const bool json_in = ends_with(options.input, ".geojson") || ends_with(options.input, ".json");
  if (!csv_in && !json_in) {
    throw Error(ErrorCode::invalid_argument,
                "cannot tell the format of '" + options.input + "': use a .csv or .geojson file");
  }
  const bool csv_out = ends_with(options.output, ".csv");
  const bool json_out = ends_with(options.output, ".geojson") || ends_with(options.output, ".json");
  if ((csv_in && !csv_out) || (json_in && !json_out)) {
    throw Error(ErrorCode::invalid_argument, "the output '" + options.output +
                                                 "' must have the input's format (" +
                                                 (csv_in ? ".csv" : ".geojson") + ")");
  }
  return csv_in ? assign_csv(index, options, threads) : assign_geojson(index, options, threads);
}

}  // namespace wangge::service
