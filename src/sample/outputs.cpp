#include "outputs.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

#include "names.hpp"
#include "wangge/util/atomic_file.hpp"
#include "wangge/util/csv.hpp"
#include "wangge/util/error.hpp"

namespace wangge::sample {
namespace {

const std::vector<std::string> kServices = {"便民服务", "文明实践", "技能培训",    "养老托幼",
                                            "医疗卫生", "会客休闲", "代表委员联络"};

double round7(double v) {
  return std::round(v * 1e7) / 1e7;
}

std::string fixed7(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7f", v);
  return buf;
}

void write_text(const std::string& path, const std::string& text) {
  AtomicFile out(path);
  out.write(text);
  out.commit();
}

/// The street node nearest to @p p, with the name of a named way through it.
std::pair<geo::XY, std::string> nearest_node(const std::vector<Way>& ways, geo::XY p) {
  geo::XY best{0, 0};
  std::string street;
  double best_d = std::numeric_limits<double>::infinity();
  for (const Way& w : ways) {
    if (w.highway == "footway") continue;  // service centres front onto streets
    for (const geo::XY& q : w.points) {
      const double d = std::hypot(q.x - p.x, q.y - p.y);
      if (d < best_d) {
        best_d = d;
        best = q;
        street = w.name;
      }
    }
  }
  return {best, street};
}

geo::XY random_point_in(const geo::Ring& ring, Random& rng) {
  geo::BBox box;
  for (const geo::XY& p : ring) box.extend(p);
  const geo::Polygon poly{ring, {}};
  for (;;) {
    const geo::XY p{rng.uniform(box.min_x, box.max_x), rng.uniform(box.min_y, box.max_y)};
    if (geo::locate_point(poly, p) == geo::PointLocation::inside) return p;
  }
}

std::string timestamp(int days_back, int minute_of_day) {
  using namespace std::chrono;
  const sys_days day = sys_days{year{2026} / November / 15} - days{days_back};
  const year_month_day ymd{day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d+08:00",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), minute_of_day / 60, minute_of_day % 60,
                static_cast<int>((days_back * 37 + minute_of_day * 13) % 60));
  return buf;
}

}  // namespace

std::size_t write_service_points(const std::string& path, const Hierarchy& h,
                                 const std::vector<Way>& ways, const geo::LocalProjection& proj,
                                 Random& rng) {
  struct Site {
    geo::XY at;
    std::string name, kind, street, block_code;
    std::vector<std::string> services;
  };
  std::vector<Site> sites;
  // The subdistrict's centre sits on the street node nearest the old town.
  const geo::XY town = h.root.centre;
  // Five more in blocks spread out from each other and from the centre (farthest-point).
  std::vector<geo::XY> chosen{town};
  std::vector<const Node*> picks;
  while (picks.size() < 5) {
    const Node* best = nullptr;
    double best_d = -1;
    for (const Node& b : h.blocks) {
      double d = std::numeric_limits<double>::infinity();
      for (const geo::XY& c : chosen)
        d = std::min(d, std::hypot(b.centre.x - c.x, b.centre.y - c.y));
      if (d > best_d) {
        best_d = d;
        best = &b;
      }
    }
    chosen.push_back(best->centre);
    picks.push_back(best);
  }
  auto block_at = [&](geo::XY p) {
    for (const Node& b : h.blocks)
      if (geo::locate_point(b.metres, p) != geo::PointLocation::outside) return b.code;
    return std::string();
  };
  {
    auto [at, street] = nearest_node(ways, town);
    sites.push_back(
        {at, h.root.name + "党群服务中心", "党群服务中心", street, block_at(at), kServices});
  }
  for (std::size_t i = 0; i < picks.size(); ++i) {
    auto [at, street] = nearest_node(ways, picks[i]->centre);
    const std::string stem =
        picks[i]->name.substr(0, picks[i]->name.size() - std::string("片区").size());
    const bool convenience = i % 2 == 1;
    std::vector<std::string> services{convenience ? "便民服务" : "文明实践"};
    for (const std::string& s : kServices)
      if (s != services.front() && rng.uniform() < 0.45) services.push_back(s);
    sites.push_back({at, stem + (convenience ? "便民服务中心" : "党群服务站"),
                     convenience ? "便民服务中心" : "党群服务中心", street, block_at(at),
                     services});
  }
  nlohmann::ordered_json fc{{"type", "FeatureCollection"},
                            {"features", nlohmann::ordered_json::array()}};
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const Site& s = sites[i];
    std::string services;
    for (const auto& v : s.services) services += (services.empty() ? "" : ";") + v;
    char id[24];
    std::snprintf(id, sizeof id, "SP%02zu", i + 1);
    fc["features"].push_back(
        {{"type", "Feature"},
         {"properties",
          {{"id", id},
           {"name", s.name},
           {"kind", s.kind},
           {"services", services},
           {"opening_hours",
            i == 0 ? "Mo-Su 08:30-17:30" : "Mo-Fr 08:30-12:00,14:30-17:30; Sa 09:00-12:00"},
           {"street", s.street},
           {"grid_code", s.block_code}}},
         {"geometry",
          {{"type", "Point"},
           {"coordinates", {round7(proj.lon_of(s.at.x)), round7(proj.lat_of(s.at.y))}}}}});
  }
  write_text(path, fc.dump(1) + "\n");
  return sites.size();
}

std::size_t write_reports(const std::string& path, const Tessellation& t, const Hierarchy& h,
                          const Population& people, const geo::LocalProjection& proj, Random& rng) {
  constexpr int kInside = 1972, kNearOutside = 24, kFarOutside = 4;
  const auto& cats = categories();
  double share_total = 0;
  for (const auto& c : cats) share_total += c.share;
  std::vector<double> cumulative;
  double acc = 0;
  for (long long hh : people.households) cumulative.push_back(acc += static_cast<double>(hh));
  std::vector<std::size_t> boundary;
  for (std::size_t i = 0; i < t.segments.size(); ++i)
    if (t.segments[i].right < 0) boundary.push_back(i);

  std::string out = csv::join({"id", "lon", "lat", "datum", "accuracy_m", "category_code",
                               "category_name", "category_kind", "created_at", "channel", "text"}) +
                    "\n";
  const int total = kInside + kNearOutside + kFarOutside;
  for (int i = 0; i < total; ++i) {
    int unit = 0;
    geo::XY p{0, 0};
    if (i % 71 == 5 && i / 71 < kNearOutside + kFarOutside) {
      // Just outside the outline (GPS error), or far outside (a report from elsewhere).
      const bool far = i / 71 >= kNearOutside;
      const Segment& s = t.segments[boundary[rng.below(boundary.size())]];
      const double u = rng.uniform(0.2, 0.8);
      const geo::XY on{s.a.x + u * (s.b.x - s.a.x), s.a.y + u * (s.b.y - s.a.y)};
      const double len = std::hypot(s.b.x - s.a.x, s.b.y - s.a.y);
      geo::XY normal{(s.b.y - s.a.y) / len, -(s.b.x - s.a.x) / len};
      const geo::XY c = centroid(t.cells[s.left].ring);
      if (normal.x * (on.x - c.x) + normal.y * (on.y - c.y) < 0) normal = {-normal.x, -normal.y};
      const double off = far ? rng.uniform(150, 400) : rng.uniform(5, 40);
      p = {on.x + normal.x * off, on.y + normal.y * off};
      unit = s.left;
    } else {
      const double r = rng.uniform() * cumulative.back();
      unit = static_cast<int>(std::upper_bound(cumulative.begin(), cumulative.end(), r) -
                              cumulative.begin());
      unit = std::min(unit, static_cast<int>(cumulative.size()) - 1);
      p = random_point_in(t.cells[unit].ring, rng);
    }
    double pick = rng.uniform() * share_total;
    std::size_t k = 0;
    while (k + 1 < cats.size() && (pick -= cats[k].share) > 0) ++k;
    const auto& cat = cats[k];
    std::string text = cat.texts[rng.below(cat.texts.size())];
    const std::string place =
        h.groups[static_cast<std::size_t>(h.units[static_cast<std::size_t>(unit)].parent_index)]
            .name +
        std::to_string(1 + rng.below(12)) + "栋";
    text.replace(text.find("{place}"), 7, place);
    const double c = rng.uniform();
    const char* channel = c < 0.45   ? "app"
                          : c < 0.70 ? "mini-program"
                          : c < 0.95 ? "patrol"
                                     : "hotline";
    const double accuracy = channel[0] == 'p'   ? rng.uniform(3, 10)
                            : channel[0] == 'h' ? 50
                                                : rng.uniform(5, 30);
    const int hour_pick = static_cast<int>(rng.below(100));
    const int hour =
        hour_pick < 85 ? 7 + static_cast<int>(rng.below(13)) : static_cast<int>(rng.below(24));
    char id[16], acc_text[16];
    std::snprintf(id, sizeof id, "R%05d", i + 1);
    std::snprintf(acc_text, sizeof acc_text, "%.0f", accuracy);
    out += csv::join({id, fixed7(proj.lon_of(p.x)), fixed7(proj.lat_of(p.y)), "wgs84", acc_text,
                      cat.code, cat.name, cat.kind,
                      timestamp(static_cast<int>(rng.below(60)),
                                hour * 60 + static_cast<int>(rng.below(60))),
                      channel, text}) +
           "\n";
  }
  write_text(path, out);
  return static_cast<std::size_t>(total);
}

std::vector<Building> write_buildings(const std::string& path, const std::vector<grid::Grid>& grids,
                                      Random& rng) {
  AtomicFile out(path);
  std::vector<Building> built;
  out.printf("{\"type\":\"FeatureCollection\",\"name\":\"buildings\",\"features\":[\n");
  std::size_t n = 0;
  for (const grid::Grid& g : grids) {
    if (!g.level || *g.level != 3 || !g.households) continue;
    const geo::BBox box = geo::bbox_of(g.geometry);
    long long left = *g.households;
    for (int b = 1; left > 0; ++b) {
      const long long size = std::min<long long>(left, 4 + static_cast<long long>(rng.below(37)));
      left -= size;
      geo::XY p{};
      do {  // a point strictly inside the unit, clear of its border streets
        p = {rng.uniform(box.min_x, box.max_x), rng.uniform(box.min_y, box.max_y)};
      } while (geo::locate_point(g.geometry, p) != geo::PointLocation::inside ||
               boundary_distance_m(g.geometry, p) < 6);
      out.printf(
          "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"%s-%02d\",\"unit\":\"%s\","
          "\"households\":%lld},\"geometry\":{\"type\":\"Point\",\"coordinates\":[%.7f,%.7f]}}",
          n ? ",\n" : "", g.code.c_str(), b, g.code.c_str(), size, p.x, p.y);
      char id[96];
      std::snprintf(id, sizeof id, "%s-%02d", g.code.c_str(), b);
      built.push_back({id, g.code, size, p});
      ++n;
    }
  }
  out.printf("\n]}\n");
  out.commit();
  return built;
}

std::size_t write_households(const std::string& path, const std::vector<Building>& buildings,
                             Random& rng) {
  AtomicFile out(path);
  out.printf("id,unit,address,size,flags,contact_name,contact_phone,lon,lat\n");
  std::size_t n = 0;
  for (const Building& b : buildings) {
    const std::string number = b.id.substr(b.id.rfind('-') + 1);  // the building's own number
    for (long long k = 0; k < b.households; ++k) {
      // Two doors a floor, 6 floors an entrance: 1单元101, 1单元102, 1单元201 …
      const long long entrance = k / 12 + 1, floor = (k % 12) / 2 + 1, door = k % 2 + 1;
      std::string flags;
      const auto flag = [&](const char* name, double rate) {
        if (rng.uniform() < rate) (flags += flags.empty() ? "" : "、") += name;
      };
      flag("独居老人", 0.04);
      flag("空巢老人", 0.06);
      flag("残疾人", 0.02);
      flag("低保户", 0.03);
      flag("留守儿童", 0.01);
      flag("重点关注", 0.01);
      const bool alone = flags.find("独居老人") != std::string::npos;
      const long long size = alone ? 1 : 1 + static_cast<long long>(rng.below(5));
      const std::string name = person_name(rng), phone = phone_number(rng);
      out.printf("%s-%03lld,%s,%d栋%lld单元%lld%02lld,%lld,%s,%s,%s,%.7f,%.7f\n", b.id.c_str(),
                 k + 1, b.unit.c_str(), std::atoi(number.c_str()), entrance, floor, door, size,
                 flags.c_str(), name.c_str(), phone.c_str(), b.at.x, b.at.y);
      ++n;
    }
  }
  out.commit();
  return n;
}

std::size_t write_patrols(const std::string& path, const std::vector<Building>& buildings,
                          Random& rng) {
  // The buildings of each group (a unit's id is its group's and two digits more).
  std::map<std::string, std::vector<const Building*>> by_group;
  for (const Building& b : buildings) by_group[b.unit.substr(0, b.unit.size() - 2)].push_back(&b);
  struct Kind {
    const char* kind;
    const char* route;
    int times;
    int gap_minutes;
    bool work_days_only;
    std::array<const char*, 4> places;
  };
  static const std::array<Kind, 3> kKinds{{
      {"防溺水", "防溺水巡查线", 3, 120, false, {"水塘", "排水渠", "景观湖", "河堤踏步"}},
      {"消防", "消防安全巡查线", 1, 0, true, {"消防通道", "电动车棚", "配电房", "废品收购点"}},
      {"治安", "治安巡逻线", 2, 240, false, {"小区北门", "背街小巷", "停车场", "健身广场"}},
  }};
  nlohmann::ordered_json routes = nlohmann::ordered_json::array();
  std::size_t g = 0;
  for (const auto& [group, in_group] : by_group) {
    const Kind& k = kKinds[g++ % kKinds.size()];
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    const std::size_t n = std::min<std::size_t>(in_group.size(), 2 + rng.below(3));
    for (std::size_t i = 0; i < n; ++i) {
      const Building& b = *in_group[rng.below(in_group.size())];
      // A few tens of metres from the building (about 1e-5 degrees a metre here).
      const double lon = b.at.x + rng.uniform(-4e-4, 4e-4), lat = b.at.y + rng.uniform(-3e-4, 3e-4);
      const std::string number = b.id.substr(b.id.rfind('-') + 1);
      points.push_back({{"id", "p" + std::to_string(i + 1)},
                        {"name", std::to_string(std::atoi(number.c_str())) + "栋旁" +
                                     k.places[i % k.places.size()]},
                        {"lon", std::round(lon * 1e7) / 1e7},
                        {"lat", std::round(lat * 1e7) / 1e7},
                        {"radius_m", 30}});
    }
    routes.push_back({{"id", "r" + group},
                      {"name", group.substr(group.size() - 3) + "组" + k.route},
                      {"kind", k.kind},
                      {"grid", group},
                      {"times_per_day", k.times},
                      {"min_gap_minutes", k.gap_minutes},
                      {"work_days_only", k.work_days_only},
                      {"points", points}});
  }
  AtomicFile out(path);
  out.write(nlohmann::ordered_json{{"routes", routes}}.dump(1) + "\n");
  out.commit();
  return routes.size();
}

}  // namespace wangge::sample
