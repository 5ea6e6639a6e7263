// The PostgreSQL adapter's listener of signals (store/signals.hpp): LISTEN on a connection of
// its own, the runners' lease a session advisory lock on it.
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "adapters.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

/// Collects the notifications of one channel into the listener's pending signals.
class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel, std::vector<Signal>& into)
      : notification_receiver(c, channel), into_(into) {}
  void operator()(const std::string& payload, int) override {
    into_.push_back({channel(), payload});
  }

 private:
  std::vector<Signal>& into_;
};

/// Hears NOTIFY on a connection of its own (no statement timeout, no transaction held open, so
/// that notifications are delivered as they come); the lease is a session advisory lock on it.
class PgListener final : public SignalListener {
 public:
  PgListener(std::string conninfo, std::vector<std::string> channels, std::string scope)
      : conninfo_(std::move(conninfo)),
        channels_(std::move(channels)),
        scope_(std::move(scope)),
        name_(("wangge-listener:" + scope_).substr(0, 63)) {
    connect_now();  // the first connection is made now or not at all: Error(unavailable)
  }
  ~PgListener() override { drop(); }

  std::vector<Signal> wait(std::chrono::milliseconds timeout, bool& lost) override {
    lost = false;
    if (!conn_) {
      try {
        connect_now();
      } catch (const std::exception&) {
        // Still cut off: wait out the period (a back-off between attempts, not a busy loop).
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(timeout, kRetry));
        return {};
      }
    }
    try {
      const long ms =
          static_cast<long>(std::max<std::chrono::milliseconds::rep>(0, timeout.count()));
      conn_->await_notification(ms / 1000, (ms % 1000) * 1000);
      if (conn_->backendpid() != pid_) drop();  // made again under us: LISTENs and lease gone
    } catch (const std::exception&) {
      drop();
    }
    if (missed_ && conn_) {
      lost = true;
      missed_ = false;
    }
    std::vector<Signal> out;
    out.swap(pending_);
    return out;
  }

  bool connected() const override { return conn_ != nullptr; }

  bool hold_lease(std::int64_t key) override {
    if (!conn_) return false;
    if (held_.count(key)) return true;
    try {
      // Advisory locks are the database's, not the schema's: a lease of this store's schema.
      pqxx::nontransaction tx(*conn_);
      if (tx.exec_params1("SELECT pg_try_advisory_lock(CAST($1 AS integer), hashtext($2))", key,
                          scope_)[0]
              .as<bool>())
        held_.insert(key);
    } catch (const std::exception&) {
      drop();
      return false;
    }
    return held_.count(key) > 0;
  }

 private:
  static constexpr std::chrono::milliseconds kRetry{1000};

  void connect_now() {
    try {
      conn_ = std::make_unique<pqxx::connection>(conninfo_);
      {
        pqxx::nontransaction tx(*conn_);
        tx.exec0("SET application_name = " + tx.quote(name_));
      }
      for (const std::string& c : channels_)
        receivers_.push_back(std::make_unique<Receiver>(*conn_, c, pending_));
      conn_->get_notifs();  // the LISTENs are sent by the receivers; nothing is pending yet
      pid_ = conn_->backendpid();
    } catch (const std::exception& e) {
      drop();
      throw Error(ErrorCode::unavailable, std::string("cannot listen on PostgreSQL: ") + e.what());
    }
  }

  /// The connection is gone (or given up): what it heard meanwhile is lost, and its lease.
  void drop() noexcept {
    receivers_.clear();  // before their connection
    conn_.reset();
    held_.clear();
    missed_ = true;
  }

  std::string conninfo_;
  std::vector<std::string> channels_;
  std::string scope_;  // the store's schema
  std::string name_;   // its application_name, for an operator's pg_stat_activity
  std::unique_ptr<pqxx::connection> conn_;
  std::vector<std::unique_ptr<Receiver>> receivers_;
  std::vector<Signal> pending_;
  std::set<std::int64_t> held_;
  int pid_ = 0;
  bool missed_ = false;
};

}  // namespace

std::unique_ptr<SignalListener> listen_postgres(const std::string& conninfo,
                                                std::vector<std::string> channels,
                                                const std::string& scope) {
  return std::make_unique<PgListener>(conninfo, std::move(channels), scope);
}

}  // namespace wangge::store
