#include "reference.hpp"

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"

namespace wangge::sample {
namespace {

using nlohmann::ordered_json;

void write_json(const std::string& path, const ordered_json& doc) {
  AtomicFile out(path);
  out.write(doc.dump(1) + "\n");
  out.commit();
}

ordered_json category(const char* code, const char* parent, const char* name, const char* kind,
                      const char* department, int deadline, const char* unit,
                      const char* description, double radius_m = 50, int age_h = 72) {
  ordered_json c{{"code", code}};
  if (*parent) c["parent"] = parent;
  c["name"] = name;
  c["kind"] = kind;
  if (*description) c["description"] = description;
  if (*department) c["department"] = department;
  if (deadline > 0) {
    c["deadline"] = {{"value", deadline}, {"unit", unit}};
    c["duplicate_radius_m"] = radius_m;
    c["duplicate_age_hours"] = age_h;
  }
  return c;
}

// Descriptions are what residents read (Open311 services, the console): Chinese.
// GB/T 30428-style classes: 事件 (events, locality first) with a local 社会治理 class, and
// 部件 (components, owner first). Deadlines follow the published city tables
// (reference/domain-standards.md §1.6) where they exist.
ordered_json categories() {
  ordered_json list = ordered_json::array();
  auto add = [&](ordered_json c) { list.push_back(std::move(c)); };
  // Questions a report answers beyond the core fields (Open311 service attributes). None is
  // required: a resident who cannot answer still reports.
  auto choices = [](std::initializer_list<std::pair<const char*, const char*>> values) {
    ordered_json out = ordered_json::array();
    for (auto [key, name] : values) out.push_back({{"key", key}, {"name", name}});
    return out;
  };
  auto asking = [](ordered_json c, ordered_json attributes) {
    c["attributes"] = std::move(attributes);
    return c;
  };
  add(category("01", "", "市容环境", "event", "", 0, "", "市容环境类问题"));
  add(category("0101", "01", "暴露垃圾", "event", "hw", 4, "work_hours",
               "垃圾暴露、垃圾桶满溢未清运", 50, 48));
  add(category("0102", "01", "道路不洁", "event", "hw", 2, "work_hours", "道路、人行道脏污", 50,
               24));
  add(category("0103", "01", "私搭乱建", "event", "cgzf", 20, "work_days", "违法搭建、私自圈占", 30,
               720));
  add(category("02", "", "宣传广告", "event", "", 0, "", "宣传广告类问题"));
  add(category("0201", "02", "非法小广告", "event", "cgzf", 1, "work_days",
               "乱贴乱画、非法小广告"));
  add(category("03", "", "施工管理", "event", "", 0, "", "施工管理类问题"));
  add(asking(category("0301", "03", "施工扰民", "event", "cgzf", 4, "work_hours",
                      "施工噪音、夜间施工扰民", 80, 72),
             ordered_json::array({{{"code", "started_at"},
                                   {"description", "噪音从什么时候开始？"},
                                   {"datatype", "datetime"},
                                   {"datatype_description", "如 2026-11-23T22:30"}}})));
  add(category("04", "", "街面秩序", "event", "", 0, "", "街面秩序类问题"));
  add(category("0401", "04", "占道经营", "event", "cgzf", 2, "work_hours", "占道经营、店外经营"));
  add(category("0402", "04", "乱停乱放", "event", "cgzf", 4, "work_hours",
               "车辆乱停、堵塞出入口和消防通道"));
  // Emergencies are urgent: their messages bypass quiet hours and digests (通知设置).
  ordered_json emergencies = category("05", "", "突发事件", "event", "", 0, "", "突发事件");
  emergencies["notify"] = ordered_json{{"urgent", true}};
  add(emergencies);
  add(asking(
      category("0501", "05", "道路积水", "event", "sz", 4, "work_hours", "道路积水", 100, 24),
      ordered_json::array({{{"code", "depth"},
                            {"description", "积水有多深？"},
                            {"datatype", "singlevaluelist"},
                            {"values", choices({{"ankle", "没过脚踝"},
                                                {"knee", "没过膝盖"},
                                                {"traffic", "车辆无法通行"}})}}})));
  add(category("0502", "05", "管道破裂", "event", "sw", 4, "calendar_hours", "供水或排水管道破裂",
               100, 24));
  add(category("06", "", "社会治理", "event", "", 0, "", "基层社会治理类事项（本地扩展）"));
  // Cases about people (disputes, elderly living alone) are never shown to the public.
  auto not_public = [](ordered_json c) {
    c["public"] = false;
    return c;
  };
  add(not_public(category("0601", "06", "矛盾纠纷", "event", "zz", 3, "work_days",
                          "邻里矛盾纠纷，需要调解", 30, 168)));
  add(category("0602", "06", "安全隐患", "event", "zz", 1, "work_days",
               "安全隐患（如电动车入户充电）"));
  add(asking(not_public(category("0603", "06", "独居老人关怀", "event", "swb", 1, "work_days",
                                 "独居老人关怀与探访", 30, 168)),
             ordered_json::array({{{"code", "needs"},
                                   {"description", "老人需要哪些帮助？"},
                                   {"datatype", "multivaluelist"},
                                   {"values", choices({{"visit", "上门探访"},
                                                       {"meals", "助餐送餐"},
                                                       {"medical", "就医陪护"},
                                                       {"repair", "家电维修"}})}}})));
  add(category("B01", "", "公用设施", "component", "", 0, "", "公用设施类部件"));
  add(asking(
      category("B0101", "B01", "井盖破损", "component", "sz", 24, "calendar_hours",
               "井盖破损、缺失", 20, 168),
      ordered_json::array(
          {{{"code", "cover"},
            {"description", "井盖是什么情况？"},
            {"datatype", "singlevaluelist"},
            {"values",
             choices({{"missing", "缺失"}, {"broken", "破损"}, {"loose", "松动、有响声"}})}}})));
  add(asking(category("B0102", "B01", "路灯故障", "component", "ld", 3, "work_days",
                      "路灯不亮或白天常亮", 20, 168),
             ordered_json::array({{{"code", "pole_number"},
                                   {"description", "灯杆编号"},
                                   {"datatype", "string"},
                                   {"datatype_description", "灯杆上喷涂的编号，如 LD-0123"}},
                                  {{"code", "lamps_out"},
                                   {"description", "不亮的路灯有几盏？"},
                                   {"datatype", "number"}}})));
  add(category("B04", "", "园林绿化", "component", "", 0, "", "园林绿化类部件"));
  add(category("B0401", "B04", "绿地损坏", "component", "yl", 5, "work_days", "绿地损坏、树木倾斜",
               30, 168));
  return ordered_json{{"categories", list}};
}

ordered_json organisation(const std::vector<grid::Grid>& grids) {
  ordered_json departments = ordered_json::array();
  for (auto [id, name] : {std::pair{"cgzf", "城管执法中队"},
                          {"hw", "环卫所"},
                          {"sz", "市政维护所"},
                          {"sw", "自来水公司"},
                          {"ld", "路灯管理所"},
                          {"yl", "园林绿化所"},
                          {"zz", "综治中心"},
                          {"swb", "社会事务办"}}) {
    departments.push_back({{"id", id}, {"name", name}});
  }
  ordered_json staff = ordered_json::array();
  staff.push_back({{"id", "d01"}, {"name", "周派遣"}, {"role", "dispatcher"}});
  staff.push_back({{"id", "d02"}, {"name", "吴派遣"}, {"role", "dispatcher"}});
  staff.push_back({{"id", "s01"}, {"name", "钱督办"}, {"role", "supervisor"}});
  staff.push_back({{"id", "a01"}, {"name", "系统管理员"}, {"role", "admin"}});
  for (const ordered_json& d : departments) {
    staff.push_back({{"id", "dept-" + d["id"].get<std::string>()},
                     {"name", d["name"].get<std::string>() + "值班员"},
                     {"role", "department_staff"},
                     {"department", d["id"]}});
  }
  // Every grid leader answers for their grid (and what lies below it).
  for (const grid::Grid& g : grids) {
    if (g.leader.name.empty()) continue;
    staff.push_back({{"id", "w" + g.code},
                     {"name", g.leader.name},
                     {"role", "grid_worker"},
                     {"title", g.leader.role},
                     {"grids", {g.id}}});
  }
  // 志愿者: residents who take on tasks (圆单, 揭榜挂帅) in a group of the sample block the
  // sample's point lies in; one not verified yet.
  ordered_json volunteers = ordered_json::array();
  for (const grid::Grid& g : grids) {
    if (g.id != "43030200901300105" || g.parent_id.empty()) continue;
    volunteers.push_back(
        {{"id", "resident:v01"}, {"name", "陈红"}, {"grids", {g.parent_id}}, {"verified", true}});
    volunteers.push_back(
        {{"id", "resident:v02"}, {"name", "刘强"}, {"grids", {g.parent_id}}, {"verified", false}});
  }
  return ordered_json{{"departments", departments}, {"staff", staff}, {"volunteers", volunteers}};
}

// Office hours of a Hunan subdistrict; holidays and make-up days (调休) after the State
// Council's pattern for 2026 — check the year's official notice before relying on them.
ordered_json calendar() {
  auto window = [](const char* from, const char* to) { return ordered_json::array({from, to}); };
  const ordered_json office =
      ordered_json::array({window("08:30", "12:00"), window("14:30", "17:30")});
  ordered_json hours = ordered_json::object();
  for (const char* day : {"mon", "tue", "wed", "thu", "fri"}) hours[day] = office;
  hours["sat"] = ordered_json::array();
  hours["sun"] = ordered_json::array();
  ordered_json holidays = ordered_json::array();
  for (auto [from, to] : {std::pair{"2026-01-01", "2026-01-03"},
                          {"2026-02-15", "2026-02-23"},
                          {"2026-04-04", "2026-04-06"},
                          {"2026-05-01", "2026-05-05"},
                          {"2026-06-19", "2026-06-21"},
                          {"2026-09-25", "2026-09-27"},
                          {"2026-10-01", "2026-10-07"}}) {
    holidays.push_back(ordered_json{{"from", from}, {"to", to}});
  }
  ordered_json doc = ordered_json::object();
  doc["time_zone"] = "Asia/Shanghai";
  doc["working_hours"] = hours;
  doc["holidays"] = holidays;
  doc["make_up_days"] = ordered_json::array(
      {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"});
  return doc;
}

/// The points bank's document (积分银行): what earns points, what the partner organisations
/// (共建单位) offer for them, and how long points last.
ordered_json points() {
  ordered_json rules = ordered_json::array();
  for (const auto& [event, name, n] : std::vector<std::tuple<const char*, const char*, int>>{
           {"report_verified", "上报问题经核实", 5},
           {"task_completed", "完成圆单任务", 20},
           {"volunteer_hour", "志愿服务（每小时）", 10},
           {"visit", "入户走访", 2}})
    rules.push_back(ordered_json{{"event", event}, {"name", name}, {"points", n}});
  ordered_json catalogue = ordered_json::array();
  for (const auto& [id, name, provider, n] :
       std::vector<std::tuple<const char*, const char*, const char*, int>>{
           {"haircut", "理发一次", "幸福理发店", 30},
           {"rice-5kg", "大米5公斤", "社区惠民超市", 80},
           {"clinic-checkup", "健康体检一次", "社区卫生服务中心", 150},
           {"bike-repair", "自行车维修一次", "志愿者维修站", 20}})
    catalogue.push_back(
        ordered_json{{"id", id}, {"name", name}, {"provider", provider}, {"points", n}});
  ordered_json doc = ordered_json::object();
  doc["validity_months"] = 24;
  doc["rules"] = rules;
  doc["catalogue"] = catalogue;
  return doc;
}

/// The appraisal's document (考核): the 红黑榜's weights and the property companies (物业公司)
/// with the 邻 they manage — each company the units of one 小组, the first of every few.
ordered_json appraisal(const std::vector<grid::Grid>& grids) {
  static const std::array<const char*, 6> kCompanies{
      "恒信物业", "雨湖家园物业", "金色华庭物业", "新湖物业服务中心", "安居物业", "绿城服务"};
  std::map<std::string, std::vector<std::string>> units_of_group;
  for (const grid::Grid& g : grids)
    if (g.level_name == "邻") units_of_group[g.parent_id].push_back(g.id);
  ordered_json companies = ordered_json::array();
  std::size_t i = 0, k = 0;
  for (const auto& [group, units] : units_of_group) {
    if (i++ % 9 != 0 || k == kCompanies.size()) continue;
    companies.push_back(ordered_json{
        {"id", "wy" + std::to_string(k + 1)}, {"name", kCompanies[k]}, {"grids", units}});
    ++k;
  }
  ordered_json doc = ordered_json::object();
  doc["weights"] = {{"on_time", 0.4}, {"satisfaction", 0.4}, {"closure", 0.2}, {"rework", 0}};
  doc["red"] = 3;
  doc["black"] = 3;
  doc["min_cases"] = 5;
  doc["property_companies"] = companies;
  return doc;
}

}  // namespace

void write_reference(const std::string& dir, const std::vector<grid::Grid>& grids) {
  write_json(dir + "/categories.json", categories());
  write_json(dir + "/organisation.json", organisation(grids));
  write_json(dir + "/calendar.json", calendar());
  write_json(dir + "/points.json", points());
  write_json(dir + "/appraisal.json", appraisal(grids));
}

}  // namespace wangge::sample
