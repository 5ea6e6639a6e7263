// intake_bench STORE DATA group|per-report WRITERS COUNT: durable report submissions through
// Service::submit (validation, grid assignment, duplicate check, commit) from WRITERS threads,
// COUNT in all. Prints one JSON object: rate, and p50/p99 latency of an acknowledged submit.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "wangge/service/service.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kCategories{"0101", "0102", "0103",  "0201",  "0301",
                                           "0401", "0402", "0501",  "0502",  "0601",
                                           "0602", "0603", "B0101", "B0102", "B0401"};

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: intake_bench STORE DATA group|per-report WRITERS COUNT\n");
    return 2;
  }
  service::ServiceConfig config;
  config.store = argv[1];
  config.data_dir = argv[2];
  config.store_options.group_commit = std::string(argv[3]) == "group";
  const int writers = std::atoi(argv[4]);
  const int count = std::atoi(argv[5]);
  auto service = service::Service::open(config);
  std::atomic<int> next{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(writers));
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < writers; ++w) {
    pool.emplace_back([&, w] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(w) * 7919 + 1);
      for (int n; (n = next.fetch_add(1)) < count;) {
        dispatch::Submission s;
        // Anywhere in the subdistrict's box, any of its categories.
        s.lon = std::uniform_real_distribution<double>(112.8917, 112.9372)(rng);
        s.lat = std::uniform_real_distribution<double>(27.8481, 27.8756)(rng);
        s.category = kCategories[static_cast<std::size_t>(n) % kCategories.size()];
        s.text = "bench report " + std::to_string(n);
        s.reporter = {"测试", "13800138000", ""};
        const auto t0 = Clock::now();
        service->submit(s, dispatch::Actor{"", "", dispatch::Role::resident, {}, {}},
                        "bench-" + std::to_string(n) + "-" + argv[3], dispatch::now_utc());
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
  auto pct = [&](double p) {
    return all[std::min(all.size() - 1, static_cast<std::size_t>(p * all.size()))];
  };
  std::printf(
      "{\"store\": \"%s\", \"mode\": \"%s\", \"writers\": %d, \"submissions\": %zu, \"seconds\": "
      "%.3f, "
      "\"per_second\": %.0f, \"p50_ms\": %.2f, \"p99_ms\": %.2f}\n",
      service->store_kind().c_str(), argv[3], writers, all.size(), seconds, all.size() / seconds,
      pct(0.5), pct(0.99));
  return 0;
}
