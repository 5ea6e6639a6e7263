// wangge appraisal — the monthly appraisal (月度考核) and the 红黑榜 from the command line, as
// the API computes it (service::Appraisals), acting as --as; or the XLSX workbook with --out.
#include <cstdio>

#include "commands.hpp"
#include "wangge/service/appraisals.hpp"
#include "wangge/service/exports.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {
namespace {

std::string percent(const std::optional<double>& rate) {
  if (!rate) return "—";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *rate * 100);
  return buf;
}

std::string score_text(double score) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", score);
  return buf;
}

void print_row(const service::AppraisalRow& r) {
  std::printf("%-20s %-10s %5zu %7s %7s %4zu/%-4zu %4zu %4d/%-4d %4d %6lld\n", r.id.c_str(),
              r.name.c_str(), r.cases.reported, percent(r.cases.on_time_rate).c_str(),
              percent(r.cases.satisfaction_rate).c_str(), r.visits.done, r.visits.due,
              r.visits.overdue, r.patrols.done, r.patrols.required, r.patrols.missed,
              static_cast<long long>(r.points));
}

}  // namespace

Runner add_appraisal_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string as, month, out;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "appraisal",
      "The monthly appraisal (月度考核): each grid worker's and block's cases (按期率, 满意率),\n"
      "visits done against those due, patrols done and missed, points; and the 红黑榜 of\n"
      "departments and property companies with the score's formula (appraisal.json).\n"
      "Example: wangge appraisal --month 2026-11 --as s01\n"
      "         wangge appraisal --month 2026-11 --as s01 --out 考核-2026-11.xlsx");
  add_store_options(*cmd, a->store);
  cmd->add_option("--month", a->month, "YYYY-MM (default: this month)");
  cmd->add_option("--as", a->as, "Who: a staff id of the office (dispatcher, supervisor, admin)")
      ->required();
  cmd->add_option("--out", a->out, "Write the XLSX workbook here instead of printing");
  return [=]() -> int {
    auto service = a->store.open();
    const auto& zone = service->reference()->calendar.zone();
    const dispatch::Instant now = dispatch::now_utc();
    const std::string month =
        a->month.empty() ? dispatch::format_iso(now, zone).substr(0, 7) : a->month;
    const service::AppraisalReport r =
        service->appraisals().month(month, service->actor(a->as), now);
    if (!a->out.empty()) {
      const auto dot = a->out.rfind('.');
      if (dot == std::string::npos || a->out.substr(dot) != ".xlsx")
        throw Error(ErrorCode::invalid_argument, "--out must name a .xlsx file");
      service->exports().appraisal_table(r, a->out);
      std::printf("%s: %zu workers, %zu blocks, %zu on the 红黑榜\n", a->out.c_str(),
                  r.workers.size(), r.blocks.size(), r.board.size());
      return 0;
    }
    std::printf("月度考核 %s\n\n%-20s %-10s %5s %7s %7s %9s %4s %9s %4s %6s\n", r.month.c_str(),
                "worker", "name", "cases", "on-time", "satisf.", "visits", "late", "patrols",
                "miss", "points");
    for (const service::AppraisalRow& w : r.workers) print_row(w);
    std::printf("\n%-20s %-10s\n", "block", "name");
    for (const service::AppraisalRow& b : r.blocks) print_row(b);
    std::printf("\n红黑榜 — %s\n", r.formula.c_str());
    for (const dispatch::appraisal::BoardRow& b : r.board) {
      const char* mark = b.mark == dispatch::appraisal::Mark::red     ? "红榜"
                         : b.mark == dispatch::appraisal::Mark::black ? "黑榜"
                                                                      : "";
      std::printf("%3s %-8s %-10s %-24s %4zu cases  score %s  %s\n",
                  b.rank ? std::to_string(b.rank).c_str() : "-", b.kind.c_str(), b.id.c_str(),
                  b.name.c_str(), b.cases.due_to_close,
                  b.score ? score_text(*b.score).c_str() : "—", mark);
    }
    return 0;
  };
}

}  // namespace wangge::cli
