// ledger_bench STORE ledger|plain WRITERS COUNT: durable ledger postings from WRITERS threads,
// COUNT in all, through the store's group commit.
//   ledger: LedgerStore::post with the rules (dispatch/points.hpp): three earnings of a visit
//           (a unique event each) then one redemption of a point, over 1,000 people — the lock,
//           the ledger's last entry, the standing earning, the balance, the entry and its lines;
//   plain:  the same rows (the entry, and its two lines in one statement, as the ledger writes
//           them) as plain INSERTs through the same writer, nothing read: the ceiling.
// Prints one JSON object: rate, and p50/p99 latency of an acknowledged posting.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "sql_store.hpp"  // the ceiling writes through the adapters' own session (src/store)
#include "wangge/dispatch/points.hpp"
#include "wangge/store/store.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;
namespace pts = dispatch::points;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: ledger_bench STORE ledger|plain WRITERS COUNT\n");
    return 2;
  }
  const bool plain = std::string(argv[2]) == "plain";
  const int writers = std::atoi(argv[3]);
  const int count = std::atoi(argv[4]);
  auto store = store::open_store(argv[1]);
  const pts::Policy policy = pts::default_policy();
  std::atomic<int> next{0};
  std::int64_t plain_seq = 0;  // only the single writer thread touches it
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(writers));
  const dispatch::Instant t_start = dispatch::now_utc();
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < writers; ++w) {
    pool.emplace_back([&, w] {
      for (int n; (n = next.fetch_add(1)) < count;) {
        const std::string person = "resident:b" + std::to_string(n / 4 % 1000);
        const bool redeem = n % 4 == 3;
        const auto t0 = Clock::now();
        if (plain) {
          store->write([&](store::WriteTx& tx) {
            auto& s = static_cast<store::SqlSession&>(tx);
            const std::int64_t seq = ++plain_seq;
            const std::int64_t amount = redeem ? 1 : 2;
            s.run(
                "INSERT INTO ledger_entries (seq, kind, person, amount, source, rule, reason, "
                "at, by_actor, round, request_key, request_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                "?, ?, ?, ?)",
                {seq, std::string(redeem ? "redeem" : "earn"), person, amount,
                 redeem ? std::string("bench-item") : "bench:" + std::to_string(n),
                 std::string(redeem ? "" : "visit"), std::string(redeem ? "" : "入户走访"),
                 store::to_millis(t_start), std::string("system"), std::int64_t{0}, store::Value(),
                 store::Value()});
            s.run("INSERT INTO ledger_lines (seq, account, amount) VALUES (?, ?, ?), (?, ?, ?)",
                  {seq, pts::person_account(person), redeem ? -amount : amount, seq,
                   std::string(redeem ? "redeemed:bench-item" : "issued:visit"),
                   redeem ? amount : -amount});
          });
        } else {
          try {
            store->ledger().post(
                [&](const pts::LedgerView& v) {
                  const dispatch::Instant at = std::max(t_start, v.last_at().value_or(t_start));
                  if (redeem)
                    return pts::Posted{pts::plan_redeem(v, {person, "bench-item", "", 1, at}),
                                       false};
                  return pts::plan_earn(v, policy,
                                        {person, "visit", "bench:" + std::to_string(n), 1, at});
                },
                "", "");
          } catch (const Error& e) {
            // A redemption that reached its person before an earning did: refused, as it must be.
            if (e.code() != ErrorCode::conflict) throw;
          }
        }
        latencies[static_cast<std::size_t>(w)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : pool) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto pct = [&](double p) {
    return all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  const auto totals = store->ledger().ledger_totals();
  std::printf(
      "{\"store\": \"%s\", \"mode\": \"%s\", \"writers\": %d, \"postings\": %zu, \"entries\": "
      "%zu, \"lines_sum\": %lld, \"seconds\": %.3f, \"per_second\": %.0f, \"p50_ms\": %.2f, "
      "\"p99_ms\": %.2f}\n",
      store->kind().c_str(), argv[2], writers, all.size(), totals.second,
      static_cast<long long>(totals.first), seconds, all.size() / seconds, pct(0.5), pct(0.99));
  return 0;
}
