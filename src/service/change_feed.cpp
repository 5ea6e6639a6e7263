// The feed of committed changes: a ring for resuming and one fan-out thread.
#include "wangge/service/change_feed.hpp"

#include <algorithm>
#include <charconv>
#include <random>

#include "wangge/util/error.hpp"
#include "wangge/util/parallel.hpp"

namespace wangge::service {
namespace {

std::string new_boot() {
  static const char* kDigits = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 8; ++i) out += kDigits[rd() % 36];
  return out;
}

}  // namespace

ChangeFeed::ChangeFeed(ChangeFeedOptions options)
    : options_(options), boot_(new_boot()), thread_([this] { run(); }) {}

ChangeFeed::~ChangeFeed() {
  stop();
}

void ChangeFeed::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    listeners_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string ChangeFeed::id_of(const Change& c) const {
  return boot_ + "." + std::to_string(c.seq);
}

std::size_t ChangeFeed::listeners() const {
  std::lock_guard lock(mutex_);
  return listeners_.size();
}

void ChangeFeed::publish(const dispatch::Report& r) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    ring_.push_back(Change{next_seq_++, std::make_shared<const dispatch::Report>(r)});
    while (ring_.size() > options_.ring) ring_.pop_front();
  }
  wake_.notify_all();
}

void ChangeFeed::reset_listeners() {
  std::lock_guard lock(mutex_);
  listeners_.erase(std::remove_if(listeners_.begin(), listeners_.end(),
                                  [](const auto& l) { return !l->reset(); }),
                   listeners_.end());
}

void ChangeFeed::listen(std::shared_ptr<ChangeListener> listener,
                        const std::optional<std::string>& after) {
  std::lock_guard lock(mutex_);
  if (stopping_ || listeners_.size() >= options_.max_listeners)
    throw Error(ErrorCode::unavailable, "too many live listeners; retry shortly");
  if (after) {
    // "<boot>.<seq>": known when this boot's and not older than the ring.
    std::uint64_t seq = 0;
    const auto dot = after->find('.');
    bool known = dot != std::string::npos && after->substr(0, dot) == boot_;
    if (known) {
      const char* first = after->data() + dot + 1;
      const char* last = after->data() + after->size();
      const auto [end, ec] = std::from_chars(first, last, seq);
      known = ec == std::errc() && end == last && seq < next_seq_ &&
              (ring_.empty() ? seq + 1 >= next_seq_ : seq + 1 >= ring_.front().seq);
    }
    if (!known) {
      if (!listener->reset()) return;
    } else {
      const auto first =
          std::upper_bound(ring_.begin(), ring_.end(), seq,
                           [](std::uint64_t s, const Change& c) { return s < c.seq; });
      for (auto it = first; it != ring_.end() && it->seq <= delivered_; ++it)
        if (!listener->deliver(*it)) return;  // the fan-out sends the newer ones
    }
  }
  listeners_.push_back(std::move(listener));
}

void ChangeFeed::run() {
  name_this_thread("wangge-changes");
  std::unique_lock lock(mutex_);
  auto quiet_since = std::chrono::steady_clock::now();
  while (!stopping_) {
    const bool news = wake_.wait_for(lock, options_.heartbeat, [this] {
      return stopping_ || (!ring_.empty() && ring_.back().seq > delivered_);
    });
    if (stopping_) return;
    // Deliveries push without waiting (a sink enqueues), so holding the lock is brief per
    // listener and keeps listen()'s replay and the fan-out in one order.
    auto drop = [&](auto keep) {
      listeners_.erase(std::remove_if(listeners_.begin(), listeners_.end(),
                                      [&](const auto& l) { return !keep(*l); }),
                       listeners_.end());
    };
    if (news) {
      // Changes published faster than the fan-out ran fell off the ring unsent: the listeners
      // must reload rather than miss them silently.
      if (ring_.front().seq > delivered_ + 1) drop([](ChangeListener& l) { return l.reset(); });
      // The ring is in seq order: start at the first change not yet fanned out (a scan from
      // the front cost the whole ring per change under load).
      const auto first =
          std::upper_bound(ring_.begin(), ring_.end(), delivered_,
                           [](std::uint64_t seq, const Change& c) { return seq < c.seq; });
      for (auto it = first; it != ring_.end(); ++it) {
        drop([&](ChangeListener& l) { return l.deliver(*it); });
        delivered_ = it->seq;
      }
      quiet_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - quiet_since >= options_.heartbeat) {
      drop([](ChangeListener& l) { return l.heartbeat(); });
      quiet_since = std::chrono::steady_clock::now();
    }
  }
}

}  // namespace wangge::service
