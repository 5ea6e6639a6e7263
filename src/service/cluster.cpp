// Several processes on one database (a cluster of `wangge serve` nodes, and the commands run
// beside them): each tells the others of the changes they keep in memory, hears theirs, and one
// of them at a time runs the jobs a cluster runs once. See service.hpp (join_cluster) and
// store/signals.hpp.
#include <atomic>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include "service_state.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::service {

namespace {

/// The one channel: "<kind> <origin> <what>".
constexpr const char* kChannel = "wangge_changes";
/// The lease of the jobs run once per cluster (an advisory lock key of our own, beside the
/// migrations' 7204301 and the ledger's 7204302).
constexpr std::int64_t kRunnersLease = 7204303;
/// How long one wait for signals lasts: also how soon a free lease is taken, and a stop heard.
constexpr std::chrono::milliseconds kWait{250};
/// Nodes stamp changes with their own clocks: a change told just before a cut may carry a time
/// a little before this node last heard from the database.
constexpr std::chrono::seconds kClockSkew{5};

}  // namespace

std::string new_origin() {
  std::random_device rd;
  char out[17];
  std::snprintf(out, sizeof out, "%08x%08x", rd(), rd());
  return out;
}

void Service::tell(std::string_view kind, const std::string& what) const {
  if (!dispatch_) return;
  try {
    store().signals().signal(kChannel, std::string(kind) + " " + origin_ + " " + what);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "cluster: the other nodes were not told of a %.*s change (%s); they read it "
                 "when they next reconnect\n",
                 static_cast<int>(kind.size()), kind.data(), e.what());
  }
}

void Service::heard(const std::string& payload) {
  const auto first = payload.find(' ');
  const auto second = first == std::string::npos ? first : payload.find(' ', first + 1);
  if (second == std::string::npos) return;  // not one of ours
  const std::string kind = payload.substr(0, first);
  const std::string origin = payload.substr(first + 1, second - first - 1);
  const std::string what = payload.substr(second + 1);
  if (origin == origin_) return;  // told by this process: applied already
  if (kind == "generation") {
    follow_generation();
  } else if (kind == "reference") {
    reload_reference();
  } else if (kind == "revocation") {
    dispatch_->accounts->note_revocation_here();
  } else if (kind == "report") {
    if (auto r = store().report(what)) report_changed_here(*r);
  } else if (kind == "reports") {
    tiles_->reports_changed();
  } else if (kind == "visit") {
    tiles_->visits_changed(text::split(what, ','));  // none: every household (an import)
  }
}

void Service::catch_up(std::optional<dispatch::Instant> since) {
  follow_generation();
  reload_reference();
  dispatch_->accounts->note_revocation_here();
  tiles_->reports_changed();
  tiles_->visits_changed({});
  if (since) replay_changes_since(*since);
}

store::ReportPage changed_since(store::Store& store, dispatch::Instant since, std::size_t limit) {
  store::ReportFilter filter;
  filter.updated_from = since;
  filter.order = store::ListOrder::updated_oldest_first;  // the update index's range
  filter.limit = limit;
  filter.now = dispatch::now_utc();
  return store.list(filter);
}

void Service::replay_changes_since(dispatch::Instant since) {
  const store::ReportPage page = changed_since(store(), since, store::kMaxListLimit);
  if (!page.next.empty()) {
    std::fprintf(stderr,
                 "cluster: over %zu reports changed while cut off; the change streams "
                 "of this node are told to reload\n",
                 page.items.size());
    changes().reset_listeners();
    return;
  }
  for (const dispatch::Report& r : page.items) changes().publish(r);
}

void Service::join_cluster() {
  if (!dispatch_ || cluster_) return;
  auto listener = store().signals().listen({kChannel});
  if (!listener) return;  // nobody shares this store
  cluster_ = std::make_unique<Cluster>();
  cluster_->listener = std::move(listener);
  // What changed between the start and the first LISTEN is read once more.
  try {
    catch_up();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cluster: %s\n", e.what());
  }
  cluster_->thread = std::thread([this, c = cluster_.get()] {
    bool behind = false;  // a change heard could not be applied: read everything again
    // When the listener was last known connected: what changed after it may not have been heard.
    std::optional<dispatch::Instant> heard_at;
    while (!c->stopping.load()) {
      bool lost = false;
      const auto before = dispatch::now_utc();
      const bool was_up = c->listener->connected();
      const std::vector<store::Signal> signals = c->listener->wait(kWait, lost);
      if (c->stopping.load()) break;
      try {
        if (lost || behind) {
          std::fprintf(stderr, "cluster: %s; reading again what the other nodes changed\n",
                       lost ? "the database was out of reach" : "a change could not be applied");
          behind = false;
          catch_up(heard_at ? std::optional(*heard_at - kClockSkew) : std::nullopt);
        }
        for (const store::Signal& s : signals) heard(s.payload);
        if (was_up && !lost && c->listener->connected()) heard_at = before;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "cluster: %s\n", e.what());
        behind = true;
      }
      const bool leads = c->listener->hold_lease(kRunnersLease);
      if (leads != c->leads.exchange(leads))
        std::fprintf(stderr, leads ? "cluster: this node now runs the 督办 ticker and the outbox\n"
                                   : "cluster: this node no longer runs the ticker and the "
                                     "outbox (its database connection was lost)\n");
    }
  });
}

void Service::leave_cluster() {
  if (!cluster_) return;
  cluster_->stopping = true;
  if (cluster_->thread.joinable()) cluster_->thread.join();
  cluster_.reset();  // the listener's connection closes: the lease is free
}

bool Service::leads() const noexcept {
  return !cluster_ || cluster_->leads.load();
}

}  // namespace wangge::service
