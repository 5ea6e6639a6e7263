#pragma once
// The state a Service opened on a store holds (service_state.hpp is private to the module):
// the store, the reference and network snapshots, and the focused services built over them.

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "wangge/service/accounts.hpp"
#include "wangge/service/api_keys.hpp"
#include "wangge/service/appraisals.hpp"
#include "wangge/service/change_feed.hpp"
#include "wangge/service/media_library.hpp"
#include "wangge/service/notifications.hpp"
#include "wangge/service/patrol_book.hpp"
#include "wangge/service/points_bank.hpp"
#include "wangge/service/service.hpp"
#include "wangge/service/task_board.hpp"
#include "wangge/service/visit_book.hpp"

namespace wangge::service {

struct Service::Dispatch {
  ServiceConfig config;
  std::unique_ptr<store::Store> store;
  mutable std::mutex mutex;  // guards the reference and network snapshots' swaps
  std::shared_ptr<const dispatch::ReferenceData> ref;
  std::shared_ptr<const network::NearestService> nearest;
  std::unique_ptr<Accounts> accounts;
  std::unique_ptr<ApiKeys> keys;
  std::unique_ptr<MediaLibrary> media;
  std::unique_ptr<Notifications> notifications;
  std::unique_ptr<PointsBank> points;
  std::unique_ptr<TaskBoard> tasks;
  std::unique_ptr<VisitBook> visits;
  std::unique_ptr<PatrolBook> patrols;
  std::unique_ptr<Appraisals> appraisals;
  std::unique_ptr<ChangeFeed> feed = std::make_unique<ChangeFeed>();

  std::shared_ptr<const dispatch::ReferenceData> reference() const {
    std::lock_guard lock(mutex);
    return ref;
  }
  std::shared_ptr<const network::NearestService> nearest_service() const {
    std::lock_guard lock(mutex);
    return nearest;
  }
};

/// Following the other processes on the same database (cluster.cpp).
struct Service::Cluster {
  std::unique_ptr<store::SignalListener> listener;
  std::atomic<bool> leads{false};  ///< holds the runners' lease
  std::atomic<bool> stopping{false};
  std::thread thread;  ///< hears, applies, holds the lease
};

/// A token naming a process among those sharing a database (cluster.cpp).
std::string new_origin();

/// The reports of @p store changed at or after @p since, oldest change first, at most @p limit
/// (`next` set when there are more): a node catching up, a change stream resuming (cluster.cpp).
store::ReportPage changed_since(store::Store& store, dispatch::Instant since, std::size_t limit);

/// The reference data the store holds, or null when it holds none yet (snapshots.cpp).
std::shared_ptr<const dispatch::ReferenceData> reference_from_store(store::Store& store);

}  // namespace wangge::service
