// Appraisal (考核) and the 红黑榜 (see appraisal.hpp).
#include "wangge/dispatch/appraisal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch::appraisal {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& where, const std::string& why) {
  throw Error(ErrorCode::invalid_data,
              "appraisal.json " + where + (where.empty() ? "" : ": ") + why);
}

std::string text_field(const json& o, const char* key, const std::string& where) {
  const auto it = o.find(key);
  if (it == o.end() || !it->is_string() || it->get<std::string>().empty() ||
      it->get<std::string>().size() > 200 || !text::valid_utf8(it->get<std::string>()))
    bad(where, std::string("'") + key + "' must be a non-empty string of at most 200 bytes");
  return it->get<std::string>();
}

std::size_t count_field(const json& o, const char* key, std::size_t fallback) {
  const auto it = o.find(key);
  if (it == o.end()) return fallback;
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0 || it->get<std::int64_t>() > 1000)
    bad(key, "must be a whole number from 0 to 1000");
  return static_cast<std::size_t>(it->get<std::int64_t>());
}

double weight_field(const json& w, const char* key, double fallback) {
  const auto it = w.find(key);
  if (it == w.end()) return fallback;
  if (!it->is_number() || !std::isfinite(it->get<double>()) || it->get<double>() < 0 ||
      it->get<double>() > 1)
    bad(std::string("weights.") + key, "must be a number from 0 to 1");
  return it->get<double>();
}

std::string weight_text(double w) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", w);
  return buf;
}

}  // namespace

Policy parse_policy(const std::string& json_text) {
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                "appraisal.json is not valid JSON: error at byte " + std::to_string(e.byte));
  } catch (const json::exception&) {  // a number beyond a double's range (1e400)
    throw Error(ErrorCode::invalid_data, "appraisal.json holds a number out of range");
  }
  if (!doc.is_object()) bad("", "expected an object");
  Policy p;
  if (const auto w = doc.find("weights"); w != doc.end()) {
    if (!w->is_object())
      bad("weights", "must be an object of on_time, satisfaction, closure, rework");
    for (const auto& [key, value] : w->items())
      if (key != "on_time" && key != "satisfaction" && key != "closure" && key != "rework")
        bad("weights",
            "'" + key.substr(0, 64) + "' is not a weight (on_time, satisfaction, closure, rework)");
    p.weights = {weight_field(*w, "on_time", 0), weight_field(*w, "satisfaction", 0),
                 weight_field(*w, "closure", 0), weight_field(*w, "rework", 0)};
    const Weights& x = p.weights;
    if (x.on_time + x.satisfaction + x.closure + x.rework <= 0)
      bad("weights", "at least one weight must be above 0");
  }
  p.red = count_field(doc, "red", p.red);
  p.black = count_field(doc, "black", p.black);
  p.min_cases = count_field(doc, "min_cases", p.min_cases);
  if (const auto list = doc.find("property_companies"); list != doc.end()) {
    if (!list->is_array() || list->size() > 10000)
      bad("property_companies", "must be an array of {id, name, grids}");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const json& c = (*list)[i];
      const std::string where = "property_companies[" + std::to_string(i) + "]";
      if (!c.is_object()) bad(where, "expected an object");
      PropertyCompany pc{text_field(c, "id", where), text_field(c, "name", where), {}};
      if (!seen.insert(pc.id).second) bad(where, "company '" + pc.id + "' is listed twice");
      const auto grids = c.find("grids");
      if (grids == c.end() || !grids->is_array() || grids->empty() || grids->size() > 1000)
        bad(where, "'grids' must be an array of 1 to 1000 grid ids");
      for (const json& g : *grids) {
        if (!g.is_string() || g.get<std::string>().empty() || g.get<std::string>().size() > 64)
          bad(where, "'grids' must hold grid ids");
        pc.grids.push_back(g.get<std::string>());
      }
      p.property_companies.push_back(std::move(pc));
    }
  }
  return p;
}

std::string formula(const Weights& w) {
  std::string terms;
  const auto add = [&](double weight, const char* name) {
    if (weight <= 0) return;
    (terms += terms.empty() ? "" : " + ") += weight_text(weight) + "×" + name;
  };
  add(w.on_time, "按期结案率");
  add(w.satisfaction, "满意率");
  add(w.closure, "结案率");
  add(w.rework, "(1−返工率)");
  return "得分 = 100 × (" + terms + ") ÷ 权重之和（无数据的指标连同其权重不计）";
}

std::optional<double> score(const StatsRow& row, const Weights& w) {
  double sum = 0, weights = 0;
  const auto add = [&](double weight, const std::optional<double>& rate, bool inverted) {
    if (weight <= 0 || !rate) return;
    sum += weight * (inverted ? 1 - *rate : *rate);
    weights += weight;
  };
  add(w.on_time, row.on_time_rate, false);
  add(w.satisfaction, row.satisfaction_rate, false);
  add(w.closure, row.closure_rate, false);
  add(w.rework, row.rework_rate, true);
  if (weights <= 0) return std::nullopt;
  return 100 * sum / weights;
}

std::string_view to_string(Mark m) noexcept {
  switch (m) {
    case Mark::red:
      return "red";
    case Mark::black:
      return "black";
    case Mark::none:
      break;
  }
  return "none";
}

void rank(std::vector<BoardRow>& rows, const Policy& policy) {
  const auto ranked = [&](const BoardRow& r) {
    return r.score.has_value() && r.cases.due_to_close >= policy.min_cases &&
           r.cases.due_to_close > 0;
  };
  std::sort(rows.begin(), rows.end(), [&](const BoardRow& a, const BoardRow& b) {
    const bool ra = ranked(a), rb = ranked(b);
    if (ra != rb) return ra;
    if (ra) {
      if (*a.score != *b.score) return *a.score > *b.score;
      const double ta = a.cases.on_time_rate.value_or(0), tb = b.cases.on_time_rate.value_or(0);
      if (ta != tb) return ta > tb;
    }
    return std::tie(a.kind, a.id) < std::tie(b.kind, b.id);
  });
  std::size_t n = 0;
  for (const BoardRow& r : rows) n += ranked(r) ? 1 : 0;
  const std::size_t red = std::min(policy.red, n);
  const std::size_t black = std::min(policy.black, n - red);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    BoardRow& r = rows[i];
    r.rank = i < n ? i + 1 : 0;
    r.mark = i < red ? Mark::red : (i < n && i >= n - black ? Mark::black : Mark::none);
  }
}

VisitTally& VisitTally::operator+=(const VisitTally& o) {
  households += o.households;
  due += o.due;
  done += o.done;
  overdue += o.overdue;
  visits += o.visits;
  return *this;
}

VisitTally tally_household(const visits::Household& h, std::optional<Instant> last_before,
                           bool visited_in_month, Instant start, Instant end, Instant now,
                           const visits::Policy& policy, const WorkCalendar& calendar) {
  VisitTally t;
  if (h.registered_at >= end) return t;
  t.households = 1;
  const Instant due = visits::next_due(h, last_before, policy, calendar);
  if (due >= end) return t;
  t.due = 1;
  if (visited_in_month) {
    t.done = 1;
  } else if (due < std::min(end, std::max(now, start))) {
    t.overdue = 1;
  }
  return t;
}

}  // namespace wangge::dispatch::appraisal
