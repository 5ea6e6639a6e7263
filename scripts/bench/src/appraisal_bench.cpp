// appraisal_bench STORE DATA_DIR ENTRIES MONTH: the monthly appraisal (月度考核) over a store
// holding the sample's grids, workers, households and simulated cases, after ENTRIES ledger
// entries spread over the twelve months up to MONTH (earnings, awards and redemptions of the
// workers and 3,000 residents, each with its two lines) are added as plain rows.
// Times, as the median of five runs: the whole appraisal of MONTH (Appraisals::month); the
// statistics of the same month by grid (Service::stats, what /api/v1/stats does: the report
// read the appraisal shares); and the ledger's per-person sum alone (the database's
// GROUP BY, the appraisal's points part). Prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "sql_store.hpp"  // the rows go in through the adapters' own session (src/store)
#include "wangge/dispatch/points.hpp"
#include "wangge/service/appraisals.hpp"
#include "wangge/service/service.hpp"
#include "wangge/store/store.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

namespace {

template <class F>
double median_ms(F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: appraisal_bench STORE DATA_DIR ENTRIES MONTH\n");
    return 2;
  }
  try {
    const std::string location = argv[1], month = argv[4];
    const long long entries = std::atoll(argv[3]);
    service::ServiceConfig config;
    config.store = location;
    config.data_dir = argv[2];
    auto svc = service::Service::open(config);
    const auto ref = svc->reference();
    std::vector<std::string> people;
    for (const dispatch::Actor& a : ref->staff)
      if (a.role == dispatch::Role::grid_worker) people.push_back(a.id);
    const std::size_t workers = people.size();
    for (int i = 0; i < 3000; ++i) people.push_back("resident:r" + std::to_string(i));

    // The rows: entries spread evenly over the twelve months before MONTH's end.
    const auto& zone = ref->calendar.zone();
    const auto month_start = dispatch::parse_iso(month + "-01T00:00:00", zone);
    if (!month_start) throw Error(ErrorCode::invalid_argument, "MONTH must be YYYY-MM");
    const dispatch::Instant end = *month_start + std::chrono::days(31);
    const auto span = std::chrono::days(365);
    auto store = store::open_store(location);
    const auto load0 = Clock::now();
    std::int64_t seq = 1'000'000'000;  // above whatever the store numbered
    for (long long done = 0; done < entries;) {
      const long long batch = std::min<long long>(10000, entries - done);
      store->write([&](store::WriteTx& tx) {
        auto& s = static_cast<store::SqlSession&>(tx);
        for (long long k = 0; k < batch; k += 250) {
          std::string entries_sql =
              "INSERT INTO ledger_entries (seq, kind, person, amount, source, rule, reason, at, "
              "by_actor, round, request_key, request_hash) VALUES ";
          std::string lines_sql = "INSERT INTO ledger_lines (seq, account, amount) VALUES ";
          store::Row e, l;
          for (long long j = k; j < std::min(batch, k + 250); ++j) {
            const long long n = done + j;
            const std::string& person = people[static_cast<std::size_t>(n * 7919) % people.size()];
            const int kind = static_cast<int>(n % 10);  // 7 earn, 2 award, 1 redeem
            const char* k_name = kind < 7 ? "earn" : kind < 9 ? "award" : "redeem";
            const std::int64_t amount = kind < 7 ? 2 : kind < 9 ? 10 : 5;
            const dispatch::Instant at = end - span + span * n / entries;
            ++seq;
            entries_sql += std::string(j == k ? "" : ", ") + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            e.insert(e.end(), {seq, std::string(k_name), person, amount,
                               "bench:" + std::to_string(n), std::string(kind < 7 ? "visit" : ""),
                               std::string("bench"), store::to_millis(at), std::string("system"),
                               std::int64_t{0}, store::Value(), store::Value()});
            lines_sql += std::string(j == k ? "" : ", ") + "(?, ?, ?), (?, ?, ?)";
            const std::string account = dispatch::points::person_account(person);
            l.insert(l.end(), {seq, account, kind == 9 ? -amount : amount, seq,
                               std::string(kind == 9 ? "redeemed:bench" : "issued:bench"),
                               kind == 9 ? amount : -amount});
          }
          s.run(entries_sql, e);
          s.run(lines_sql, l);
        }
      });
      done += batch;
    }
    const double load_s = std::chrono::duration<double>(Clock::now() - load0).count();

    const dispatch::Actor supervisor = svc->actor("s01");
    const dispatch::Instant now = dispatch::now_utc();
    std::size_t rows = 0;
    const double appraisal_ms = median_ms([&] {
      const service::AppraisalReport r = svc->appraisals().month(month, supervisor, now);
      rows = r.workers.size() + r.blocks.size() + r.board.size();
    });
    dispatch::StatsQuery q;
    q.group = dispatch::StatsGroup::grid;
    q.from = *month_start;
    q.to = *month_start + std::chrono::days(30);
    q.now = now;
    const double stats_ms = median_ms([&] { svc->stats(q); });
    std::size_t earners = 0;
    const double sum_ms =
        median_ms([&] { earners = store->ledger().earned_between(q.from, q.to).size(); });
    std::printf(
        "{\"store\": \"%s\", \"entries\": %lld, \"load_s\": %.1f, \"workers\": %zu, "
        "\"rows\": %zu, \"earners_in_month\": %zu, \"appraisal_ms\": %.1f, \"stats_ms\": %.1f, "
        "\"ledger_sum_ms\": %.1f}\n",
        store->kind().c_str(), entries, load_s, workers, rows, earners, appraisal_ms, stats_ms,
        sum_ms);
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "appraisal_bench: %s\n", e.what());
    return 1;
  }
}
