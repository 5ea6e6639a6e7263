// The monthly appraisal and the 红黑榜 (月度考核) over HTTP: JSON for the console, an XLSX
// workbook for the office's files. The figures are the service's (service::Appraisals).
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "params.hpp"
#include "wangge/service/appraisals.hpp"
#include "wangge/service/exports.hpp"
#include "wangge/service/views.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;
namespace ap = dispatch::appraisal;

json tally_json(const dispatch::patrols::Tally& t) {
  return json{{"required", t.required},
              {"done", t.done},
              {"missed", t.missed},
              {"outstanding", t.outstanding}};
}

json visits_json(const ap::VisitTally& v) {
  return json{{"households", v.households},
              {"due", v.due},
              {"done", v.done},
              {"overdue", v.overdue},
              {"visits", v.visits}};
}

json cases_json(const dispatch::StatsRow& row) {
  json j = service::stats_view({row}).at(0);
  j.erase("key");
  j.erase("label");
  return j;
}

json row_json(const service::AppraisalRow& r, bool worker) {
  json j{{"id", r.id}, {"name", r.name}};
  if (worker) {
    j["title"] = r.title;
    j["grids"] = r.grids;
  }
  j["cases"] = cases_json(r.cases);
  j["visits"] = visits_json(r.visits);
  j["patrols"] = tally_json(r.patrols);
  j["points"] = r.points;
  return j;
}

/// The month asked for (?month=YYYY-MM), else the current one.
std::string month_of(Context& ctx, const Request& req) {
  if (auto m = req.param("month")) return *m;
  const auto& zone = ctx.service.reference()->calendar.zone();
  const std::string today = dispatch::format_iso(req.now, zone);
  return today.substr(0, 7);
}

/// GET /api/v1/appraisal?month=YYYY-MM&format=json|xlsx
Response appraisal(Context& ctx, Request& req) {
  const std::string format = req.param("format").value_or("json");
  if (format != "json" && format != "xlsx")
    throw Error(ErrorCode::invalid_argument, "query parameter 'format' must be json or xlsx");
  const service::AppraisalReport r =
      ctx.service.appraisals().month(month_of(ctx, req), caller_of(req), req.now);
  if (format == "xlsx") {
    Response out;
    out.body = ctx.service.exports().appraisal_file(r);
    out.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    out.header("Content-Disposition", "attachment; filename=\"appraisal-" + r.month + ".xlsx\"");
    out.header("Cache-Control", "no-store");
    return out;
  }
  const auto& zone = ctx.service.reference()->calendar.zone();
  json workers = json::array(), blocks = json::array(), board = json::array();
  for (const service::AppraisalRow& w : r.workers) workers.push_back(row_json(w, true));
  for (const service::AppraisalRow& b : r.blocks) blocks.push_back(row_json(b, false));
  for (const ap::BoardRow& b : r.board)
    board.push_back(json{{"kind", b.kind},
                         {"id", b.id},
                         {"name", b.name},
                         {"cases", cases_json(b.cases)},
                         {"score", b.score ? json(*b.score) : json()},
                         {"rank", b.rank ? json(b.rank) : json()},
                         {"mark", std::string(to_string(b.mark))}});
  const ap::Weights& w = r.policy.weights;
  json out{{"month", r.month},
           {"from", dispatch::format_iso(r.from, zone)},
           {"to", dispatch::format_iso(r.to, zone)},
           {"formula", r.formula},
           {"weights",
            {{"on_time", w.on_time},
             {"satisfaction", w.satisfaction},
             {"closure", w.closure},
             {"rework", w.rework}}},
           {"red", r.policy.red},
           {"black", r.policy.black},
           {"min_cases", r.policy.min_cases},
           {"workers", workers},
           {"blocks", blocks},
           {"board", board}};
  return json_response(200, out.dump()).header("Cache-Control", "no-store");
}

}  // namespace

void add_appraisal_routes(Router& router, Context& ctx) {
  router.add({"GET", "/api/v1/appraisal", {}, with_context(ctx, appraisal), Execution::worker});
}

}  // namespace wangge::http
