// The writer and checker of the durability test (tests/store/durability_test.sh).
//
//   durability_writer write STORE DATA ROUND THREADS   submits reports from THREADS threads until
//       killed; after each submission is acknowledged (its commit durable) prints
//       "ACK <idempotency key> <report id>", and after each acknowledged action
//       "ACT <report id> <version>", each line with one write(2) so a kill never splits one;
//       "READY <round>" first, once the store is open.
//   durability_writer verify STORE DATA ACKS           checks that every acknowledged report is
//       present exactly once (its key maps to it) with its events intact, that every registered
//       case earned its reporter points exactly once (the ledger, written in the same commit),
//       and that the store passes its integrity check. Exit 0 when all hold, 1 otherwise.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"

using namespace wangge;

namespace {

void say(const std::string& line) {
  const std::string text = line + "\n";
  if (::write(1, text.data(), text.size()) != static_cast<ssize_t>(text.size())) std::_Exit(3);
}

std::unique_ptr<service::Service> open(const char* store, const char* data) {
  service::ServiceConfig config;
  config.store = store;
  config.data_dir = data;
  return service::Service::open(config);
}

int write_forever(const char* store, const char* data, const std::string& round, int threads) {
  auto service = open(store, data);
  const dispatch::Actor dispatcher = service->actor("d01");
  say("READY " + round);  // the kill is timed from here, not from a start that may be slow
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(std::hash<std::string>{}(round) + static_cast<std::uint64_t>(t));
      for (long n = 0;; ++n) {
        dispatch::Submission s;
        s.lon = 112.9269 + std::uniform_real_distribution<double>(-0.01, 0.01)(rng);
        s.lat = 27.8576 + std::uniform_real_distribution<double>(-0.008, 0.008)(rng);
        s.category = n % 2 ? "0101" : "B0102";
        s.text = "durability " + round + " " + std::to_string(t) + " " + std::to_string(n);
        s.reporter = {"测试", "13800138000", ""};
        const std::string key = round + "-" + std::to_string(t) + "-" + std::to_string(n);
        try {
          const service::SubmitResult r = service->submit(
              s, dispatch::Actor{"resident:durability", "", dispatch::Role::resident, {}, {}}, key,
              dispatch::now_utc());
          say("ACK " + key + " " + r.report.id);
          if (n % 3 == 0) {
            dispatch::ActionRequest reg;
            reg.action = dispatch::Action::register_case;
            const dispatch::Report done =
                service->act(r.report.id, reg, dispatcher, dispatch::now_utc());
            say("ACT " + done.id + " " + std::to_string(done.version));
          }
        } catch (const Error& e) {
          say(std::string("ERR ") + e.what());
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  return 0;
}

int verify(const char* store, const char* data, const char* acks_path) {
  auto service = open(store, data);
  const auto direct = store::open_store(store);  // the store itself, beside the service's reads
  const dispatch::Actor admin = service->actor("a01");
  std::ifstream acks(acks_path);
  std::string line;
  std::size_t acked = 0, acted = 0, problems = 0;
  std::map<std::string, int> min_version;
  auto problem = [&](const std::string& what) {
    if (problems++ < 20) std::fprintf(stderr, "LOST or BROKEN: %s\n", what.c_str());
  };
  while (std::getline(acks, line)) {
    std::istringstream in(line);
    std::string kind, a, b;
    in >> kind >> a >> b;
    if (kind == "ACK") {
      ++acked;
      std::optional<store::IdempotencyRecord> rec;
      direct->write([&](store::WriteTx& tx) { rec = tx.idempotency(a); });
      if (!rec)
        problem("acknowledged key " + a + " is not in the store");
      else if (rec->report_id != b)
        problem("key " + a + " maps to " + rec->report_id + ", acknowledged as " + b);
      min_version.emplace(b, 1);
    } else if (kind == "ACT") {
      ++acted;
      int& v = min_version[a];
      v = std::max(v, std::stoi(b));
    }
  }
  // What the ledger holds for the reporter: the source of every earning (each "report:<id>:
  // verified"), read page by page.
  std::map<std::string, int> earned;
  store::LedgerQuery q;
  q.person = "resident:durability";
  q.limit = 1000;
  for (;;) {
    const auto page = direct->ledger().ledger_entries(q);
    for (const auto& e : page)
      if (e.kind == dispatch::points::Kind::earn) ++earned[e.source];
    if (page.size() < q.limit) break;
    q.before = dispatch::points::entry_number(page.back().id);
  }
  std::size_t registered = 0;
  for (const auto& [id, version] : min_version) {
    const auto r = service->report(id, admin);
    if (!r) {
      problem("acknowledged report " + id + " is missing");
      continue;
    }
    if (r->version < version) problem("report " + id + " lost an acknowledged action");
    const auto events = service->events(id, admin);
    if (events.size() != static_cast<std::size_t>(r->version) || events.empty() ||
        events[0].action != "submit") {
      problem("report " + id + " has " + std::to_string(events.size()) + " events for version " +
              std::to_string(r->version));
    }
    // Registered (受理): it earned its reporter points once, in the same commit.
    const bool was_registered = std::any_of(events.begin(), events.end(),
                                            [](const auto& e) { return e.action == "register"; });
    const int earnings =
        earned.count("report:" + id + ":verified") ? earned.at("report:" + id + ":verified") : 0;
    registered += was_registered;
    if (earnings != (was_registered ? 1 : 0))
      problem("report " + id + (was_registered ? " was registered" : " was not registered") +
              " and earned " + std::to_string(earnings) + " time(s)");
  }
  std::size_t earnings_in_all = 0;
  for (const auto& [source, n] : earned) earnings_in_all += static_cast<std::size_t>(n);
  if (earnings_in_all != registered)
    problem(std::to_string(earnings_in_all) + " earnings in the ledger for " +
            std::to_string(registered) + " registered reports");
  if (direct->ledger().ledger_totals().first != 0) problem("the ledger's lines do not sum to zero");
  for (const std::string& p : direct->check_integrity()) problem("integrity: " + p);
  std::printf(
      "verified %zu acknowledged submissions and %zu actions over %zu reports (%zu registered, "
      "each earned once); %zu stored in all; %zu problem(s)\n",
      acked, acted, min_version.size(), registered, direct->report_count(), problems);
  return problems == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "write" && argc == 6)
      return write_forever(argv[2], argv[3], argv[4], std::atoi(argv[5]));
    if (mode == "verify" && argc == 5) return verify(argv[2], argv[3], argv[4]);
    std::fprintf(
        stderr,
        "usage: durability_writer write STORE DATA ROUND THREADS | verify STORE DATA ACKS\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "durability_writer: %s\n", e.what());
    return 2;
  }
}
