#include "wangge/service/ticker.hpp"

#include <exception>

#include "wangge/dispatch/time.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/parallel.hpp"

namespace wangge::service {

Ticker::Ticker(Service& service, std::chrono::milliseconds period, Report report)
    : service_(service), period_(period), report_(std::move(report)) {
  thread_ = std::thread([this] { run(); });
}

Ticker::~Ticker() {
  stop();
}

void Ticker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Ticker::run() {
  name_this_thread("wangge-ticker");
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    Outcome outcome;
    try {
      // Several nodes on one database: one of them ticks (Service::leads), the others wait.
      if (service_.leads()) {
        const dispatch::Instant now = dispatch::now_utc();
        try {
          outcome.housekeeping = service_.maintain(now);
        } catch (const std::exception& e) {
          outcome.housekeeping_error = e.what();
        }
        outcome.raised = service_.tick(now);
      }
    } catch (const std::exception& e) {
      outcome.error = e.what();
    }
    if (report_) report_(outcome);
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace wangge::service
