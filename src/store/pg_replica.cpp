#include "pg_replica.hpp"

#include <memory>
#include <pqxx/pqxx>

#include "wangge/util/parallel.hpp"

namespace wangge::store {
namespace {

// The database's own clock in ms, so that the primary's write and the replica's read compare
// two servers' clocks (kept by NTP), not the nodes'.
constexpr char kNow[] = "(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT";

}  // namespace

ReplicaLag::ReplicaLag(std::string primary, std::string replica,
                       std::chrono::milliseconds staleness)
    : primary_(std::move(primary)), replica_(std::move(replica)), staleness_(staleness) {
  thread_ = std::thread([this] { run(); });
}

ReplicaLag::~ReplicaLag() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ReplicaLag::run() {
  name_this_thread("wangge-replica");
  std::unique_ptr<pqxx::connection> primary, replica;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    long long lag = -1;
    try {
      if (!primary) primary = std::make_unique<pqxx::connection>(primary_);
      pqxx::nontransaction(*primary).exec0(
          std::string("INSERT INTO replica_heartbeat (id, at) VALUES (1, ") + kNow +
          ") ON CONFLICT (id) DO UPDATE SET at = GREATEST(replica_heartbeat.at, EXCLUDED.at)");
    } catch (const std::exception&) {
      primary.reset();  // the primary is away (a failover): the replica is judged as it reads
    }
    try {
      if (!replica) replica = std::make_unique<pqxx::connection>(replica_);
      const pqxx::result r = pqxx::nontransaction(*replica).exec(
          std::string("SELECT ") + kNow + " - at FROM replica_heartbeat WHERE id = 1");
      if (!r.empty()) lag = std::max(0LL, r[0][0].as<long long>());
    } catch (const std::exception&) {
      replica.reset();
    }
    lag_ms_ = lag;
    fresh_ = lag >= 0 && lag <= staleness_.count();
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

}  // namespace wangge::store
