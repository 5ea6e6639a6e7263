#include "wangge/service/batch_assign.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "wangge/service/service.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/parallel.hpp"
#include "wangge/util/progress.hpp"
#include "wangge/util/text.hpp"

namespace wangge {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kColumns = {
    "grid_status", "grid_id", "grid_code", "grid_name", "grid_level", "grid_chain",
    "leader_name", "leader_role", "leader_phone", "leader_chain", "on_boundary",
    "covering", "boundary_distance_m", "error"};

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// The assignment columns for one located point, in kColumns order.
std::vector<std::string> assignment_fields(const LocateAnswer& a) {
  std::vector<std::string> f(kColumns.size());
  f[0] = std::string(to_string(a.status));
  if (a.status == LocateStatus::not_covered) return f;
  const ChainEntry& leaf = a.chain.front();
  f[1] = leaf.id;
  f[2] = leaf.code;
  f[3] = leaf.name;
  f[4] = std::to_string(leaf.level);
  for (auto it = a.chain.rbegin(); it != a.chain.rend(); ++it) {
    if (!f[5].empty()) f[5] += '>';
    f[5] += it->code.empty() ? it->id : it->code;
  }
  f[6] = leaf.leader.name;
  f[7] = leaf.leader.role;
  f[8] = leaf.leader.phone;
  for (const ChainEntry& e : a.chain) {
    if (e.leader.name.empty()) continue;
    if (!f[9].empty()) f[9] += "; ";
    f[9] += (e.leader.role.empty() ? e.level_name : e.leader.role) + " " + e.leader.name;
  }
  f[10] = a.on_boundary ? "true" : "false";
  for (const std::string& id : a.covering) {
    if (!f[11].empty()) f[11] += '|';
    f[11] += id;
  }
  f[12] = fixed(a.boundary_distance_m, 2);
  return f;
}

std::vector<std::string> rejected_fields(const std::string& reason) {
  std::vector<std::string> f(kColumns.size());
  f[0] = "rejected";
  f.back() = reason;
  return f;
}

struct Counter {
  void count(const LocateAnswer& a) {
    ++points;
    if (a.status == LocateStatus::not_covered) ++not_covered;
    else ++assigned;
    if (a.status == LocateStatus::outside) ++outside;
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

/// Writes to "<path>.partial" and renames on commit(), so an interrupted or failed run never
/// leaves a half-written output under the real name.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::string path) : path_(std::move(path)), temp_(path_ + ".partial") {
    file_ = std::fopen(temp_.c_str(), "wb");
    if (!file_) {
      throw Error(ErrorCode::invalid_argument,
                  "cannot write '" + path_ + "': " + std::strerror(errno));
    }
  }
  ~AtomicOutput() {
    if (file_) {
      std::fclose(file_);
      std::remove(temp_.c_str());
    }
  }
  void write(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), file_) != s.size()) fail();
  }
  void commit() {
    if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) fail();
    std::fclose(file_);
    file_ = nullptr;
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) fail();
  }

 private:
  [[noreturn]] void fail() {
    throw Error(ErrorCode::invalid_argument, "cannot write '" + path_ + "': " + std::strerror(errno));
  }
  std::string path_;
  std::string temp_;
  std::FILE* file_ = nullptr;
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

AssignSummary assign_csv(const GridIndex& index, const AssignOptions& opt, unsigned threads) {
  const auto start = Clock::now();
  const std::string content = text::read_file(opt.input);
  csv::Reader reader(content);
  auto header = reader.next();
  if (!header || header->error) {
    throw Error(ErrorCode::unreadable_source,
                "'" + opt.input + "' has no readable CSV header line" +
                    (header && header->error ? ": " + *header->error : ""));
  }
  const auto lon = find_column(header->fields, opt.lon_field, {"lon", "lng", "longitude", "x"});
  const auto lat = find_column(header->fields, opt.lat_field, {"lat", "latitude", "y"});
  auto missing = [&](const char* what, const std::optional<std::string>& requested) {
    std::string names;
    for (const auto& h : header->fields) names += (names.empty() ? "" : ", ") + h;
    return Error(ErrorCode::invalid_argument,
                 "'" + opt.input + "' has no " + what + " column" +
                     (requested ? " named '" + *requested + "'" : " (lon, lng, longitude or x)") +
                     "; its columns are: " + names + " (choose one with --" + what + "-field)");
  };
  if (!lon) throw missing("lon", opt.lon_field);
  if (!lat) throw missing("lat", opt.lat_field);
  for (const std::string& c : kColumns) {
    if (find_column(header->fields, c, {})) {
      throw Error(ErrorCode::invalid_argument,
                  "'" + opt.input + "' already has a column '" + c +
                      "' (assigned before?); drop the assignment columns first");
    }
  }

  std::vector<csv::Record> rows;
  while (auto rec = reader.next()) rows.push_back(std::move(*rec));

  AssignSummary summary;
  summary.format = "csv";
  summary.rows = rows.size();
  summary.threads = threads;
  std::vector<std::string> out_lines(rows.size());
  std::vector<std::optional<RejectedRow>> rejects(rows.size());
  std::vector<Counter> counters(rows.size() / 4096 + 1);
  ProgressBar bar("assign", rows.size());
  const std::size_t width = header->fields.size();
  const auto locate_start = Clock::now();
  parallel_for(rows.size(), threads, 4096, [&](std::size_t begin, std::size_t end) {
    Counter& counter = counters[begin / 4096];
    for (std::size_t r = begin; r < end; ++r) {
      csv::Record& rec = rows[r];
      std::string reason;
      std::optional<LocateAnswer> answer;
      if (rec.error) {
        reason = *rec.error;
      } else if (rec.fields.size() != width) {
        reason = "has " + std::to_string(rec.fields.size()) + " fields, the header has " +
                 std::to_string(width);
      } else {
        const auto x = text::parse_double(rec.fields[*lon]);
        const auto y = text::parse_double(rec.fields[*lat]);
        if (!x) reason = "lon '" + rec.fields[*lon] + "' is not a number";
        else if (!y) reason = "lat '" + rec.fields[*lat] + "' is not a number";
        else if (auto p = LonLat::try_make(Longitude(*x), Latitude(*y), &reason)) {
          answer = Service::locate(index, *p, opt.datum);
        }
      }
      std::vector<std::string> fields = std::move(rec.fields);
      fields.resize(width);
      if (answer) {
        counter.count(*answer);
        auto extra = assignment_fields(*answer);
        fields.insert(fields.end(), extra.begin(), extra.end());
      } else {
        rejects[r] = RejectedRow{rec.line, reason};
        auto extra = rejected_fields(reason);
        fields.insert(fields.end(), extra.begin(), extra.end());
      }
      out_lines[r] = csv::join(fields);
      out_lines[r] += '\n';
    }
    if (opt.progress) bar.advance(end - begin);
  });
  summary.locate_seconds = std::chrono::duration<double>(Clock::now() - locate_start).count();
  bar.finish();

  AtomicOutput out(opt.output);
  std::vector<std::string> out_header = header->fields;
  out_header.insert(out_header.end(), kColumns.begin(), kColumns.end());
  std::string buffer = csv::join(out_header) + "\n";
  for (std::string& line : out_lines) {
    buffer += line;
    if (buffer.size() > (1u << 20)) {
      out.write(buffer);
      buffer.clear();
    }
  }
  out.write(buffer);
  out.commit();
  for (const Counter& c : counters) c.add_to(summary);
  for (auto& r : rejects)
    if (r) summary.rejected.push_back(std::move(*r));
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

// ---- GeoJSON -----------------------------------------------------------------------------

nlohmann::json assignment_properties(const std::vector<std::string>& fields) {
  nlohmann::json p = nlohmann::json::object();
  for (std::size_t i = 0; i < kColumns.size(); ++i) {
    if (fields[i].empty()) p[kColumns[i]] = nullptr;
    else p[kColumns[i]] = fields[i];
  }
  return p;
}

AssignSummary assign_geojson(const GridIndex& index, const AssignOptions& opt, unsigned threads) {
  const auto start = Clock::now();
  const std::string content = text::read_file(opt.input);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(content);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                "'" + opt.input + "' is not valid JSON: error at byte " + std::to_string(e.byte));
  }
  if (!doc.is_object() || doc.value("type", "") != "FeatureCollection" ||
      !doc.contains("features") || !doc["features"].is_array()) {
    throw Error(ErrorCode::unreadable_source,
                "'" + opt.input + "' is not a GeoJSON FeatureCollection with a features array");
  }
  auto& features = doc["features"];
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
      std::optional<LocateAnswer> answer;
      const nlohmann::json* geom = f.is_object() && f.contains("geometry") ? &f["geometry"] : nullptr;
      if (!f.is_object() || f.value("type", "") != "Feature") {
        reason = "is not a GeoJSON Feature";
      } else if (!geom || !geom->is_object()) {
        reason = "has no geometry";
      } else if (geom->value("type", "") != "Point") {
        reason = "has a " + geom->value("type", std::string("unknown")) + " geometry, expected Point";
      } else {
        const auto& c = (*geom)["coordinates"];
        if (!c.is_array() || c.size() < 2 || !c[0].is_number() || !c[1].is_number()) {
          reason = "has Point coordinates that are not [lon, lat] numbers";
        } else if (auto p = LonLat::try_make(Longitude(c[0].get<double>()),
                                             Latitude(c[1].get<double>()), &reason)) {
          answer = Service::locate(index, *p, opt.datum);
        }
      }
      if (f.is_object()) {
        if (!f.contains("properties") || !f["properties"].is_object()) f["properties"] = nlohmann::json::object();
        nlohmann::json extra;
        if (answer) {
          counter.count(*answer);
          extra = assignment_properties(assignment_fields(*answer));
        } else {
          extra = assignment_properties(rejected_fields(reason));
        }
        f["properties"].update(extra);
      }
      if (!answer) rejects[k] = RejectedRow{k + 1, "feature " + std::to_string(k + 1) + " " + reason};
    }
    if (opt.progress) bar.advance(end - begin);
  });
  summary.locate_seconds = std::chrono::duration<double>(Clock::now() - locate_start).count();
  bar.finish();
  AtomicOutput out(opt.output);
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

const std::vector<std::string>& assignment_columns() { return kColumns; }

AssignSummary assign_file(const GridIndex& index, const AssignOptions& options) {
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

}  // namespace wangge
