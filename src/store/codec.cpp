#include "codec.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "wangge/geo/wkb.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::store {
namespace {

using nlohmann::json;

Value opt_time(const std::optional<dispatch::Instant>& t) {
  return t ? Value(to_millis(*t)) : Value();
}
Value opt_text(const std::string& s) {
  return s.empty() ? Value() : Value(s);
}

class Reader {
 public:
  explicit Reader(const Row& row) : row_(row) {}
  const Value& next() {
    if (pos_ >= row_.size()) throw Error(ErrorCode::internal, "a stored row has too few columns");
    return row_[pos_++];
  }
  std::string text() {
    const Value& v = next();
    if (auto s = std::get_if<std::string>(&v)) return *s;
    if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return {};
  }
  std::int64_t integer() {
    const Value& v = next();
    if (auto i = std::get_if<std::int64_t>(&v)) return *i;
    if (auto d = std::get_if<double>(&v)) {
      if (auto i = number::to_integer<std::int64_t>(*d)) return *i;
      throw Error(ErrorCode::internal, "a stored integer column holds " + number::format(*d));
    }
    if (auto s = std::get_if<std::string>(&v)) return std::stoll(*s);
    return 0;
  }
  std::optional<std::int64_t> opt_integer() {
    if (std::holds_alternative<std::monostate>(peek())) return next(), std::nullopt;
    return integer();
  }
  double real() {
    const Value& v = next();
    if (auto d = std::get_if<double>(&v)) return *d;
    if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    if (auto s = std::get_if<std::string>(&v)) return std::stod(*s);
    return 0;
  }
  std::optional<double> opt_real() {
    if (std::holds_alternative<std::monostate>(peek())) return next(), std::nullopt;
    return real();
  }
  std::optional<dispatch::Instant> opt_time() {
    auto ms = opt_integer();
    return ms ? std::optional<dispatch::Instant>(from_millis(*ms)) : std::nullopt;
  }
  dispatch::Instant time() { return from_millis(integer()); }

 private:
  const Value& peek() const {
    if (pos_ >= row_.size()) throw Error(ErrorCode::internal, "a stored row has too few columns");
    return row_[pos_];
  }
  const Row& row_;
  std::size_t pos_ = 0;
};

template <class E, class Parse>
E enum_of(const std::string& s, Parse parse, const char* what) {
  auto v = parse(s);
  if (!v)
    throw Error(ErrorCode::internal, std::string("stored ") + what + " '" + s + "' is unknown");
  return *v;
}

dispatch::Assignee::Kind assignee_kind(const std::string& s) {
  if (s == "grid") return dispatch::Assignee::Kind::grid;
  if (s == "department") return dispatch::Assignee::Kind::department;
  return dispatch::Assignee::Kind::none;
}

grid::LocateStatus locate_status(const std::string& s) {
  if (s == "inside") return grid::LocateStatus::inside;
  if (s == "outside") return grid::LocateStatus::outside;
  return grid::LocateStatus::not_covered;
}

std::string_view status_name(grid::LocateStatus s) {
  return s == grid::LocateStatus::inside    ? "inside"
         : s == grid::LocateStatus::outside ? "outside"
                                            : "not_covered";
}

std::vector<std::string> string_list(const std::string& text) {
  if (text.empty()) return {};
  return json::parse(text).get<std::vector<std::string>>();
}

/// The whistle (吹哨) as a JSON array: [{"department", "name", "lead", "due", "in", "missed"}],
/// times in milliseconds; NULL when no whistle was blown.
Value whistle_value(const std::vector<dispatch::WhistledDepartment>& whistle) {
  if (whistle.empty()) return Value();
  json out = json::array();
  for (const dispatch::WhistledDepartment& w : whistle) {
    json j{{"department", w.department},
           {"name", w.name},
           {"lead", w.lead},
           {"due", to_millis(w.report_in_due)}};
    if (w.reported_in_at) j["in"] = to_millis(*w.reported_in_at);
    if (w.missed) j["missed"] = true;
    out.push_back(std::move(j));
  }
  return Value(out.dump());
}

std::vector<dispatch::WhistledDepartment> whistle_of(const std::string& text) {
  std::vector<dispatch::WhistledDepartment> out;
  if (text.empty()) return out;
  for (const json& j : json::parse(text)) {
    dispatch::WhistledDepartment w{j.at("department").get<std::string>(),
                                   j.at("name").get<std::string>(),
                                   j.at("lead").get<bool>(),
                                   from_millis(j.at("due").get<std::int64_t>()),
                                   {},
                                   j.value("missed", false)};
    if (j.contains("in")) w.reported_in_at = from_millis(j.at("in").get<std::int64_t>());
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

std::int64_t to_millis(dispatch::Instant t) {
  return t.time_since_epoch().count();
}
dispatch::Instant from_millis(std::int64_t ms) {
  return dispatch::Instant(dispatch::Milliseconds(ms));
}

const std::vector<std::string>& report_columns() {
  static const std::vector<std::string> kColumns{"id",
                                                 "created_at",
                                                 "updated_at",
                                                 "state",
                                                 "category",
                                                 "channel",
                                                 "text",
                                                 "media",
                                                 "submitted_by",
                                                 "reporter_name",
                                                 "reporter_phone",
                                                 "lon",
                                                 "lat",
                                                 "input_lon",
                                                 "input_lat",
                                                 "datum",
                                                 "accuracy_m",
                                                 "generation",
                                                 "grid_status",
                                                 "grid_id",
                                                 "grid_path",
                                                 "grid_chain",
                                                 "leader_name",
                                                 "leader_role",
                                                 "leader_phone",
                                                 "on_boundary",
                                                 "boundary_distance_m",
                                                 "duplicate_of",
                                                 "responsible_kind",
                                                 "responsible_id",
                                                 "responsible_name",
                                                 "assignee_kind",
                                                 "assignee_id",
                                                 "assignee_name",
                                                 "registered_at",
                                                 "dispatched_at",
                                                 "accepted_at",
                                                 "handled_at",
                                                 "closed_at",
                                                 "evaluated_at",
                                                 "due_at",
                                                 "supervised",
                                                 "rework_count",
                                                 "rating",
                                                 "rating_comment",
                                                 "pending_extension",
                                                 "suspended_at",
                                                 "remaining_work_minutes",
                                                 "resume_state",
                                                 "cancel_reason",
                                                 "version",
                                                 "cell",
                                                 "service_point_id",
                                                 "service_point_name",
                                                 "service_walk_m",
                                                 "service_minutes",
                                                 "service_within_circle",
                                                 "service_straight_line",
                                                 "external_id",
                                                 "address",
                                                 "reporter_email",
                                                 "followers",
                                                 "whistle",
                                                 "attributes",
                                                 "report_in_due"};
  return kColumns;
}

Row encode_report(const dispatch::Report& r) {
  Value pending;
  if (r.pending_extension) {
    pending = json{{"requested_due", to_millis(r.pending_extension->requested_due)},
                   {"reason", r.pending_extension->reason},
                   {"requested_by", r.pending_extension->requested_by}}
                  .dump();
  }
  return Row{r.id,
             to_millis(r.created_at),
             to_millis(r.updated_at),
             std::string(to_string(r.state)),
             r.category,
             std::string(to_string(r.channel)),
             r.text,
             json(r.media).dump(),
             opt_text(r.submitted_by),
             opt_text(r.reporter.name),
             opt_text(r.reporter.phone),
             r.position.lon(),
             r.position.lat(),
             r.input.lon(),
             r.input.lat(),
             std::string(to_string(r.datum)),
             r.accuracy_m ? Value(*r.accuracy_m) : Value(),
             r.generation,
             std::string(status_name(r.grid_status)),
             opt_text(r.grid_id()),
             grid_path(r),
             json(r.grid_chain).dump(),
             opt_text(r.leader.name),
             opt_text(r.leader.role),
             opt_text(r.leader.phone),
             std::int64_t{r.on_boundary},
             r.boundary_distance_m,
             opt_text(r.duplicate_of),
             std::string(to_string(r.responsible.kind)),
             opt_text(r.responsible.id),
             opt_text(r.responsible.name),
             std::string(to_string(r.assignee.kind)),
             opt_text(r.assignee.id),
             opt_text(r.assignee.name),
             opt_time(r.registered_at),
             opt_time(r.dispatched_at),
             opt_time(r.accepted_at),
             opt_time(r.handled_at),
             opt_time(r.closed_at),
             opt_time(r.evaluated_at),
             opt_time(r.due_at),
             std::int64_t{static_cast<int>(r.supervision)},
             std::int64_t{r.rework_count},
             r.rating ? Value(std::int64_t{*r.rating}) : Value(),
             opt_text(r.rating_comment),
             pending,
             opt_time(r.suspended_at),
             r.remaining_work_minutes ? Value(*r.remaining_work_minutes) : Value(),
             std::string(to_string(r.resume_state)),
             opt_text(r.cancel_reason),
             std::int64_t{r.version},
             cell_of(r.position.lon(), r.position.lat()),
             r.nearest_service ? Value(r.nearest_service->id) : Value(),
             r.nearest_service ? Value(r.nearest_service->name) : Value(),
             r.nearest_service ? Value(r.nearest_service->walk_m) : Value(),
             r.nearest_service ? Value(r.nearest_service->minutes) : Value(),
             r.nearest_service ? Value(std::int64_t{r.nearest_service->within_circle}) : Value(),
             r.nearest_service ? Value(std::int64_t{r.nearest_service->straight_line}) : Value(),
             opt_text(r.external_id),
             opt_text(r.address),
             opt_text(r.reporter.email),
             r.followers.empty() ? Value() : Value(json(r.followers).dump()),
             whistle_value(r.whistle),
             r.attributes.empty() ? Value() : Value(json(r.attributes).dump()),
             opt_time(report_in_waiting(r.whistle))};
}

dispatch::Report decode_report(const Row& row) {
  try {
    Reader in(row);
    dispatch::Report r;
    r.id = in.text();
    r.created_at = in.time();
    r.updated_at = in.time();
    r.state = enum_of<dispatch::ReportState>(in.text(), dispatch::parse_report_state, "state");
    r.category = in.text();
    r.channel = enum_of<dispatch::Channel>(in.text(), dispatch::parse_channel, "channel");
    r.text = in.text();
    r.media = string_list(in.text());
    r.submitted_by = in.text();
    r.reporter.name = in.text();
    r.reporter.phone = in.text();
    const double lon = in.real(), lat = in.real(), ilon = in.real(), ilat = in.real();
    r.position = geo::LonLat::trusted(lon, lat);
    r.input = geo::LonLat::trusted(ilon, ilat);
    r.datum = enum_of<geo::Datum>(in.text(), geo::parse_datum, "datum");
    r.accuracy_m = in.opt_real();
    r.generation = in.text();
    r.grid_status = locate_status(in.text());
    in.text();  // grid_id: derived from the chain
    in.text();  // grid_path: derived from the chain
    r.grid_chain = string_list(in.text());
    r.leader.name = in.text();
    r.leader.role = in.text();
    r.leader.phone = in.text();
    r.on_boundary = in.integer() != 0;
    r.boundary_distance_m = in.real();
    r.duplicate_of = in.text();
    r.responsible.kind = assignee_kind(in.text());
    r.responsible.id = in.text();
    r.responsible.name = in.text();
    r.assignee.kind = assignee_kind(in.text());
    r.assignee.id = in.text();
    r.assignee.name = in.text();
    r.registered_at = in.opt_time();
    r.dispatched_at = in.opt_time();
    r.accepted_at = in.opt_time();
    r.handled_at = in.opt_time();
    r.closed_at = in.opt_time();
    r.evaluated_at = in.opt_time();
    r.due_at = in.opt_time();
    r.supervision =
        static_cast<dispatch::SupervisionLevel>(std::clamp<std::int64_t>(in.integer(), 0, 3));
    r.rework_count = static_cast<int>(in.integer());
    if (auto rating = in.opt_integer()) r.rating = static_cast<int>(*rating);
    r.rating_comment = in.text();
    const std::string pending = in.text();
    if (!pending.empty()) {
      const json p = json::parse(pending);
      r.pending_extension = dispatch::ExtensionRequest{
          from_millis(p.at("requested_due").get<std::int64_t>()), p.at("reason").get<std::string>(),
          p.at("requested_by").get<std::string>()};
    }
    r.suspended_at = in.opt_time();
    r.remaining_work_minutes = in.opt_integer();
    r.resume_state =
        enum_of<dispatch::ReportState>(in.text(), dispatch::parse_report_state, "resume state");
    r.cancel_reason = in.text();
    r.version = static_cast<int>(in.integer());
    in.integer();  // cell: derived from the position
    const std::string service_id = in.text();
    const std::string service_name = in.text();
    const auto walk = in.opt_real();
    const auto minutes = in.opt_real();
    const auto within = in.opt_integer();
    const auto straight = in.opt_integer();
    r.external_id = in.text();
    r.address = in.text();
    r.reporter.email = in.text();
    if (const std::string f = in.text(); !f.empty()) r.followers = string_list(f);
    r.whistle = whistle_of(in.text());
    if (const std::string a = in.text(); !a.empty())
      r.attributes = json::parse(a).get<std::map<std::string, std::string>>();
    (void)in.opt_time();  // report_in_due: derived from the whistle, for the ticker's query
    if (!service_id.empty()) {
      r.nearest_service = dispatch::NearestServiceInfo{service_id,
                                                       service_name,
                                                       walk.value_or(0),
                                                       minutes.value_or(0),
                                                       within.value_or(0) != 0,
                                                       straight.value_or(0) != 0};
    }
    return r;
  } catch (const json::exception& e) {
    throw Error(ErrorCode::internal, std::string("a stored report does not decode: ") + e.what());
  }
}

const std::vector<std::string>& event_columns() {
  static const std::vector<std::string> kColumns{"report_id", "seq",    "at",         "actor_id",
                                                 "role",      "action", "from_state", "to_state",
                                                 "note",      "media",  "data"};
  return kColumns;
}

Row encode_event(const dispatch::Event& e) {
  return Row{e.report_id,
             std::int64_t{e.seq},
             to_millis(e.at),
             opt_text(e.actor_id),
             std::string(to_string(e.role)),
             e.action,
             std::string(to_string(e.from)),
             std::string(to_string(e.to)),
             opt_text(e.note),
             json(e.media).dump(),
             json(e.data).dump()};
}

dispatch::Event decode_event(const Row& row) {
  try {
    Reader in(row);
    dispatch::Event e;
    e.report_id = in.text();
    e.seq = static_cast<int>(in.integer());
    e.at = in.time();
    e.actor_id = in.text();
    e.role = enum_of<dispatch::Role>(in.text(), dispatch::parse_role, "role");
    e.action = in.text();
    e.from = enum_of<dispatch::ReportState>(in.text(), dispatch::parse_report_state, "state");
    e.to = enum_of<dispatch::ReportState>(in.text(), dispatch::parse_report_state, "state");
    e.note = in.text();
    e.media = string_list(in.text());
    const std::string data = in.text();
    if (!data.empty()) e.data = json::parse(data).get<std::map<std::string, std::string>>();
    return e;
  } catch (const json::exception& ex) {
    throw Error(ErrorCode::internal, std::string("a stored event does not decode: ") + ex.what());
  }
}

const std::vector<std::string>& grid_columns() {
  static const std::vector<std::string> kColumns{
      "id",          "parent_id",   "level",        "level_name", "code",      "name",
      "leader_name", "leader_role", "leader_phone", "households", "residents", "geom"};
  return kColumns;
}

Row encode_grid(const grid::Grid& g) {
  auto opt_int = [](const std::optional<long long>& v) {
    return v ? Value(std::int64_t{*v}) : Value();
  };
  return Row{g.id,
             opt_text(g.parent_id),
             g.level ? Value(std::int64_t{*g.level}) : Value(),
             opt_text(g.level_name),
             opt_text(g.code),
             opt_text(g.name),
             opt_text(g.leader.name),
             opt_text(g.leader.role),
             opt_text(g.leader.phone),
             opt_int(g.households),
             opt_int(g.residents),
             geo::to_wkb_hex(g.geometry)};
}

grid::Grid decode_grid(const Row& row) {
  Reader in(row);
  grid::Grid g;
  g.id = in.text();
  g.parent_id = in.text();
  if (auto l = in.opt_integer()) g.level = static_cast<int>(*l);
  g.level_name = in.text();
  g.code = in.text();
  g.name = in.text();
  g.leader = {in.text(), in.text(), in.text()};
  g.households = in.opt_integer();
  g.residents = in.opt_integer();
  g.geometry = geo::from_wkb_hex(in.text());
  return g;
}

namespace {

// A box reaching past the valid range is clamped to the edge cells: every stored position is
// valid, so the cells still cover all it can match (and the exact BETWEEN decides).
std::int64_t cell_row(double lat) {
  return number::clamp_to<std::int64_t>(std::floor((lat + 90.0) / kCellDegrees), 0, 180000);
}
std::int64_t cell_column(double lon) {
  return number::clamp_to<std::int64_t>(std::floor((lon + 180.0) / kCellDegrees), 0, 360000);
}

}  // namespace

std::int64_t cell_of(double lon, double lat) {
  return cell_row(lat) * 400000 + cell_column(lon);
}

std::vector<std::int64_t> cells_covering(const geo::BBox& box) {
  std::vector<std::int64_t> out;
  const auto row0 = cell_row(box.min_y), row1 = cell_row(box.max_y);
  const auto col0 = cell_column(box.min_x), col1 = cell_column(box.max_x);
  if ((row1 - row0 + 1) * (col1 - col0 + 1) > 64) return out;  // too many: the caller scans the box
  for (auto row = row0; row <= row1; ++row)
    for (auto col = col0; col <= col1; ++col) out.push_back(row * 400000 + col);
  return out;
}

std::string grid_path(const std::vector<std::string>& chain) {
  std::string path = "/";
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) path += *it + "/";
  return path;
}

std::string grid_path(const dispatch::Report& r) {
  return grid_path(r.grid_chain);
}

std::string like_under(const std::string& grid) {
  std::string out = "%/";
  for (const char c : grid) {
    if (c == '%' || c == '_' || c == '!') out += '!';
    out += c;
  }
  return out + "/%";
}

std::string column_list(const std::vector<std::string>& columns, const std::string& prefix) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + prefix + c;
  return out;
}

std::string placeholders(std::size_t count, bool dollar, std::size_t first) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    out += dollar ? "$" + std::to_string(first + i) : "?";
  }
  return out;
}

}  // namespace wangge::store
