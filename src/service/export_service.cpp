// `wangge export`: grids, reports, service points and isochrones to GIS files through GDAL,
// with the public attributes; personal fields only for an admin who asks for them.
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>

#include "wangge/geo/feature_writer.hpp"
#include "wangge/service/exports.hpp"
#include "wangge/service/views.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

using T = geo::FieldDef::Type;

/// What one export writes: the fields, the features and their geometry kind.
struct Layer {
  std::vector<geo::FieldDef> fields;
  std::vector<geo::OutFeature> features;
  geo::GeometryKind kind = geo::GeometryKind::multipolygon;
};

Layer grids_layer(const grid::GridSet& set, bool personal) {
  Layer l;
  l.fields = {{"id"},
              {"parent_id"},
              {"code"},
              {"name"},
              {"level", T::integer},
              {"level_name"},
              {"leader_name"},
              {"leader_role"},
              {"households", T::integer},
              {"residents", T::integer},
              {"area_m2", T::real}};
  if (personal) l.fields.push_back({"leader_phone"});
  for (std::size_t i = 0; i < set.size(); ++i) {
    const grid::Grid& g = set[i];
    geo::OutFeature f{{geo::text_value(g.id), geo::text_value(g.parent_id),
                       geo::text_value(g.code.empty() ? g.id : g.code), geo::text_value(g.name),
                       geo::FieldValue{static_cast<long long>(set.level(i))},
                       geo::text_value(set.level_name(set.depth(i))),
                       geo::text_value(g.leader.name), geo::text_value(g.leader.role),
                       g.households ? geo::FieldValue{*g.households} : geo::FieldValue{},
                       g.residents ? geo::FieldValue{*g.residents} : geo::FieldValue{},
                       geo::FieldValue{std::round(area_m2(g.geometry))}},
                      g.geometry,
                      std::nullopt};
    if (personal) f.values.push_back(geo::text_value(g.leader.phone));
    l.features.push_back(std::move(f));
  }
  return l;
}

Layer service_points_layer(const network::NearestService& net) {
  Layer l;
  l.kind = geo::GeometryKind::point;
  l.fields = {{"id"}, {"name"}, {"kind"}, {"services"}, {"opening_hours"}, {"address"}};
  for (const network::ServicePoint& sp : net.points()) {
    std::string services;
    for (const std::string& s : sp.services) services += (services.empty() ? "" : ",") + s;
    l.features.push_back(geo::OutFeature{
        {geo::text_value(sp.id), geo::text_value(sp.name), geo::text_value(sp.kind),
         geo::text_value(services), geo::text_value(sp.opening_hours), geo::text_value(sp.address)},
        {},
        geo::XY{sp.position.lon(), sp.position.lat()}});
  }
  return l;
}

Layer isochrones_layer(const network::NearestService& net, const auto& areas) {
  Layer l;
  l.fields = {{"service_point"},
              {"name"},
              {"minutes", T::real},
              {"speed_kmh", T::real},
              {"area_m2", T::real}};
  for (const auto& [sp, area] : areas) {
    l.features.push_back(geo::OutFeature{
        {geo::text_value(sp.id), geo::text_value(sp.name),
         geo::FieldValue{net.config().threshold_minutes}, geo::FieldValue{net.config().speed_kmh},
         geo::FieldValue{std::round(area_m2(area))}},
        area,
        std::nullopt});
  }
  return l;
}

std::vector<geo::FieldDef> report_fields(bool personal) {
  std::vector<geo::FieldDef> fields{{"id"},
                                    {"category"},
                                    {"category_name"},
                                    {"state"},
                                    {"channel"},
                                    {"created_at"},
                                    {"updated_at"},
                                    {"due_at"},
                                    {"closed_at"},
                                    {"overdue", T::boolean},
                                    {"closed_late", T::boolean},
                                    {"grid"},
                                    {"leader_name"},
                                    {"responsible"},
                                    {"duplicate_of"},
                                    {"rating", T::integer}};
  if (personal) {
    fields.push_back({"text"});
    fields.push_back({"reporter_name"});
    fields.push_back({"reporter_phone"});
  }
  return fields;
}

/// A report's row: its public projection, and with @p personal (an admin's export) the exact
/// position, the words and the reporter.
geo::OutFeature report_feature(const dispatch::StaffReport& s, const dispatch::TimeZone& zone,
                               bool personal) {
  const dispatch::PublicReport& p = s.pub;
  auto when = [&](const std::optional<dispatch::Instant>& t) {
    return t ? geo::text_value(dispatch::format_iso(*t, zone)) : geo::FieldValue{};
  };
  geo::OutFeature o{
      {geo::text_value(p.id), geo::text_value(p.category), geo::text_value(p.category_name),
       geo::text_value(std::string(to_string(p.state))),
       geo::text_value(std::string(to_string(p.channel))),
       geo::text_value(dispatch::format_iso(p.created_at, zone)),
       geo::text_value(dispatch::format_iso(p.updated_at, zone)), when(p.due_at), when(p.closed_at),
       geo::FieldValue{p.overdue}, geo::FieldValue{p.closed_late}, geo::text_value(p.grid),
       geo::text_value(p.leader_name), geo::text_value(p.responsible.name),
       geo::text_value(p.duplicate_of),
       p.rating ? geo::FieldValue{static_cast<long long>(*p.rating)} : geo::FieldValue{}},
      {},
      personal ? geo::XY{s.own.position.lon(), s.own.position.lat()} : geo::XY{p.lon, p.lat}};
  if (personal) {
    o.values.push_back(geo::text_value(s.own.text));
    o.values.push_back(geo::text_value(s.own.reporter.name));
    o.values.push_back(geo::text_value(s.own.reporter.phone));
  }
  return o;
}

}  // namespace

std::size_t Exports::layer(const ExportRequest& req) const {
  if (req.personal && req.by.role != dispatch::Role::admin) {
    throw Error(ErrorCode::forbidden,
                "personal fields are exported for an admin only (--as <admin id>), not for " +
                    std::string(to_string(req.by.role)) + " '" + req.by.id + "'");
  }
  Layer l;
  if (req.what == "grids") {
    const auto index = source_.grids();
    if (!index) throw Error(ErrorCode::not_found, "no grids are loaded");
    l = grids_layer(index->grids(), req.personal);
  } else if (req.what == "service-points") {
    const auto net = source_.nearest();
    if (!net)
      throw Error(ErrorCode::not_found,
                  "no service points are loaded (give --data with service_points.geojson)");
    l = service_points_layer(*net);
  } else if (req.what == "isochrones") {
    const auto net = source_.nearest();
    if (!net)
      throw Error(ErrorCode::not_found,
                  "no walking network is loaded (give --data with streets.osm)");
    l = isochrones_layer(*net, source_.isochrones());
  } else if (req.what == "reports") {
    l.kind = geo::GeometryKind::point;
    l.fields = report_fields(req.personal);
    const auto ref = source_.reference();
    const dispatch::PrivacyPolicy& privacy = source_.privacy();
    // With personal data (staff only): every case; without: what the public may see.
    dispatch::Actor all{"a-export", "export", dispatch::Role::admin, {}, {}};
    if (!req.personal) all = dispatch::Actor::public_viewer();
    store::ReportFilter f;
    f.now = req.now;
    f.order = store::ListOrder::oldest_first;
    f.limit = 1000;
    source_.reports(
        f, all, std::numeric_limits<std::size_t>::max(), [&](const dispatch::Report& r) {
          l.features.push_back(report_feature(dispatch::staff_report(r, *ref, privacy, req.now),
                                              ref->calendar.zone(), req.personal));
        });
  } else {
    throw Error(
        ErrorCode::invalid_argument,
        "cannot export '" + req.what + "': choose grids, reports, service-points or isochrones");
  }
  const std::string layer = req.what == "service-points" ? "service_points" : req.what;
  geo::write_features(req.path, req.driver, layer, l.kind, l.fields, l.features);
  return l.features.size();
}

std::string Exports::stats_label(const dispatch::StatsRow& row, dispatch::StatsGroup group) const {
  if (!row.label.empty()) return row.label;
  const auto ref = source_.reference();
  if (group == dispatch::StatsGroup::category) {
    if (const dispatch::Category* c = ref->categories.find(row.key)) return row.key + " " + c->name;
  } else if (group == dispatch::StatsGroup::department) {
    if (const dispatch::Department* d = ref->department(row.key)) return d->name;
  } else if (group == dispatch::StatsGroup::grid) {
    const auto index = source_.grids();
    if (index) {
      if (auto i = index->grids().find(row.key)) return index->grids()[*i].name;
    }
  }
  return row.key;
}

std::size_t Exports::stats_table(const std::vector<dispatch::StatsRow>& rows,
                                 dispatch::StatsGroup group, const std::string& path) const {
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext != "xlsx" && ext != "csv") {
    throw Error(ErrorCode::invalid_argument,
                "statistics go to a .xlsx or .csv file, not '" + path + "'");
  }
  // The office reads these (zh-CN); the JSON API keeps its English keys.
  const std::vector<geo::FieldDef> fields{{"分组键", T::text},
                                          {"名称", T::text},
                                          {"上报数", T::integer},
                                          {"立案数", T::integer},
                                          {"注销数", T::integer},
                                          {"应结案数", T::integer},
                                          {"结案数", T::integer},
                                          {"按期结案数", T::integer},
                                          {"超期未结数", T::integer},
                                          {"返工数", T::integer},
                                          {"当日办结数", T::integer},
                                          {"评价数", T::integer},
                                          {"满意数", T::integer},
                                          {"结案率", T::real},
                                          {"按期结案率", T::real},
                                          {"返工率", T::real},
                                          {"当日办结率", T::real},
                                          {"满意率", T::real},
                                          {"派遣用时中位数_分钟", T::real},
                                          {"结案用时中位数_分钟", T::real}};
  auto count = [](std::size_t n) { return geo::FieldValue(static_cast<long long>(n)); };
  auto rate = [](const std::optional<double>& v) {
    return v ? geo::FieldValue(*v) : geo::FieldValue();
  };
  std::vector<geo::OutFeature> out;
  out.reserve(rows.size());
  for (const dispatch::StatsRow& r : rows) {
    geo::OutFeature f;
    f.values = {r.key,
                stats_label(r, group),
                count(r.reported),
                count(r.registered),
                count(r.cancelled),
                count(r.due_to_close),
                count(r.closed),
                count(r.closed_on_time),
                count(r.overdue_open),
                count(r.reworked),
                count(r.same_day),
                count(r.evaluated),
                count(r.satisfied),
                rate(r.closure_rate),
                rate(r.on_time_rate),
                rate(r.rework_rate),
                rate(r.same_day_rate),
                rate(r.satisfaction_rate),
                rate(r.median_minutes_to_dispatch),
                rate(r.median_minutes_to_close)};
    out.push_back(std::move(f));
  }
  geo::write_features(path, ext == "xlsx" ? "XLSX" : "CSV", "统计", geo::GeometryKind::none, fields,
                      out);
  return out.size();
}

namespace {

/// The bytes of the file @p write makes at the path it is given (in a temporary directory,
/// removed after), for a download.
std::string file_bytes(const std::string& name,
                       const std::function<void(const std::string&)>& write) {
  namespace fs = std::filesystem;
  std::string dir = (fs::temp_directory_path() / "wangge-table-XXXXXX").string();
  if (!::mkdtemp(dir.data()))
    throw Error(ErrorCode::unavailable, "cannot make a temporary directory for the table");
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  const std::string path = dir + "/" + name;
  write(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::unavailable, "cannot read the table just written");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

geo::FieldValue count_of(std::size_t n) {
  return geo::FieldValue(static_cast<long long>(n));
}
geo::FieldValue rate_of(const std::optional<double>& v) {
  return v ? geo::FieldValue(*v) : geo::FieldValue();
}

/// A worker's or block's row of the appraisal workbook.
std::vector<geo::FieldValue> appraisal_values(const AppraisalRow& r, bool worker) {
  std::vector<geo::FieldValue> v{r.id, r.name};
  if (worker) {
    std::string grids;
    for (const std::string& g : r.grids) (grids += grids.empty() ? "" : ",") += g;
    v.insert(v.end(), {r.title, grids});
  }
  const dispatch::StatsRow& c = r.cases;
  v.insert(v.end(),
           {count_of(c.reported), count_of(c.due_to_close), count_of(c.closed),
            count_of(c.closed_on_time), rate_of(c.on_time_rate), count_of(c.evaluated),
            count_of(c.satisfied), rate_of(c.satisfaction_rate), count_of(r.visits.households),
            count_of(r.visits.due), count_of(r.visits.done), count_of(r.visits.overdue),
            count_of(r.visits.visits), count_of(static_cast<std::size_t>(r.patrols.required)),
            count_of(static_cast<std::size_t>(r.patrols.done)),
            count_of(static_cast<std::size_t>(r.patrols.missed)),
            geo::FieldValue(static_cast<long long>(r.points))});
  return v;
}

}  // namespace

std::string Exports::stats_file(const std::vector<dispatch::StatsRow>& rows,
                                dispatch::StatsGroup group, const std::string& format) const {
  if (format != "xlsx" && format != "csv")
    throw Error(ErrorCode::invalid_argument,
                "format '" + format + "' is not one of json, xlsx, csv");
  return file_bytes("stats." + format,
                    [&](const std::string& path) { stats_table(rows, group, path); });
}

void Exports::appraisal_table(const AppraisalReport& r, const std::string& path) const {
  // The office reads these (zh-CN): a sheet for the workers, one for the blocks, the 红黑榜, and
  // how the figures were made.
  std::vector<geo::FieldDef> month{
      {"案件数", T::integer},     {"应结案数", T::integer},   {"结案数", T::integer},
      {"按期结案数", T::integer}, {"按期结案率", T::real},    {"评价数", T::integer},
      {"满意数", T::integer},     {"满意率", T::real},        {"住户数", T::integer},
      {"应访户数", T::integer},   {"已访户数", T::integer},   {"逾期未访户数", T::integer},
      {"走访次数", T::integer},   {"应巡查次数", T::integer}, {"已巡查次数", T::integer},
      {"漏巡次数", T::integer},   {"本月积分", T::integer}};
  geo::OutLayer workers{
      "网格员考核",
      geo::GeometryKind::none,
      {{"工号", T::text}, {"姓名", T::text}, {"职务", T::text}, {"网格", T::text}},
      {}};
  workers.fields.insert(workers.fields.end(), month.begin(), month.end());
  for (const AppraisalRow& w : r.workers)
    workers.features.push_back({appraisal_values(w, true), {}, {}});
  geo::OutLayer blocks{
      "片区考核", geo::GeometryKind::none, {{"网格编码", T::text}, {"名称", T::text}}, {}};
  blocks.fields.insert(blocks.fields.end(), month.begin(), month.end());
  for (const AppraisalRow& b : r.blocks)
    blocks.features.push_back({appraisal_values(b, false), {}, {}});
  geo::OutLayer board{"红黑榜",
                      geo::GeometryKind::none,
                      {{"名次", T::integer},
                       {"榜单", T::text},
                       {"类别", T::text},
                       {"编号", T::text},
                       {"名称", T::text},
                       {"应结案数", T::integer},
                       {"结案率", T::real},
                       {"按期结案率", T::real},
                       {"满意率", T::real},
                       {"返工率", T::real},
                       {"得分", T::real},
                       {"计分公式", T::text}},
                      {}};
  for (const dispatch::appraisal::BoardRow& b : r.board) {
    const char* mark = b.mark == dispatch::appraisal::Mark::red     ? "红榜"
                       : b.mark == dispatch::appraisal::Mark::black ? "黑榜"
                       : b.rank                                     ? ""
                                                                    : "未排名";
    board.features.push_back(
        {{b.rank ? geo::FieldValue(static_cast<long long>(b.rank)) : geo::FieldValue(),
          std::string(mark), std::string(b.kind == "property" ? "物业公司" : "职能部门"), b.id,
          b.name, count_of(b.cases.due_to_close), rate_of(b.cases.closure_rate),
          rate_of(b.cases.on_time_rate), rate_of(b.cases.satisfaction_rate),
          rate_of(b.cases.rework_rate), rate_of(b.score), r.formula},
         {},
         {}});
  }
  geo::OutLayer notes{"说明", geo::GeometryKind::none, {{"项目", T::text}, {"内容", T::text}}, {}};
  const auto note = [&](const std::string& k, const std::string& v) {
    notes.features.push_back({{k, v}, {}, {}});
  };
  note("考核月份", r.month);
  note("计分公式", r.formula);
  note("红榜", "得分最高的 " + std::to_string(r.policy.red) + " 名");
  note("黑榜", "得分最低的 " + std::to_string(r.policy.black) + " 名");
  note("参与排名", "应结案数不少于 " + std::to_string(r.policy.min_cases) + " 件");
  note("应访户数",
       "本月内到期应走访的住户（按工作日历，独居老人、重点关注每 5 个工作日，其余每 20 个）");
  note("漏巡次数",
       "已过去的巡查日中应打卡而未打卡的次数（同一点位两次打卡间隔不足规定时长的只计一次）");
  geo::write_layers(path, "XLSX", {workers, blocks, board, notes});
}

std::string Exports::appraisal_file(const AppraisalReport& r) const {
  return file_bytes("appraisal.xlsx", [&](const std::string& path) { appraisal_table(r, path); });
}

}  // namespace wangge::service
