// The feed of committed changes: a ring for resuming and one fan-out thread.
#include "wangge/service/change_feed.hpp"

#include <algorithm>
#include <charconv>
#include <random>

#include "wangge/dispatch/time.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/parallel.hpp"

namespace wangge::service {
namespace {

/// A resume id's parts: "<boot>.<seq>" (before the time was added) or "<boot>.<seq>.<ms>".
struct ResumeFrom {
  std::string boot;
  std::optional<std::uint64_t> seq;
  std::optional<std::int64_t> ms;
};

template <class T>
std::optional<T> whole(std::string_view text) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

ResumeFrom parse_resume(const std::string& id) {
  ResumeFrom from;
  const auto first = id.find('.');
  if (first == std::string::npos) return from;
  from.boot = id.substr(0, first);
  const auto second = id.find('.', first + 1);
  const std::string_view rest(id);
  from.seq = whole<std::uint64_t>(
      rest.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1));
  if (second != std::string::npos) {
    from.ms = whole<std::int64_t>(rest.substr(second + 1));
    // A time no clock gives (beyond year 9999) is not one: resumed as if it had none.
    if (from.ms && (*from.ms < 0 || *from.ms > 253402300799999)) from.ms.reset();
  }
  return from;
}

/// Where the store is read from for a resume after @p from's time: that time less the clocks'
/// margin; std::nullopt when the id has no time, or one more than max_gap ago (a reload is
/// cheaper than such a replay, and the store's read stays small whatever id a client makes up).
std::optional<dispatch::Instant> resume_since(const ResumeFrom& from,
                                              const ChangeFeedOptions& options) {
  if (!from.ms) return std::nullopt;
  const dispatch::Instant at{dispatch::Milliseconds(*from.ms)};
  if (dispatch::now_utc() - at > options.max_gap) return std::nullopt;
  return at - options.clock_margin;
}

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
  const std::string ms = std::to_string(c.report->updated_at.time_since_epoch().count());
  return (c.seq == 0 ? std::string("h") : boot_) + "." + std::to_string(c.seq) + "." + ms;
}

void ChangeFeed::set_history(ChangeHistory history) {
  std::lock_guard lock(mutex_);
  history_ = std::move(history);
}

bool ChangeFeed::in_ring(std::uint64_t seq) const {
  return seq < next_seq_ && (ring_.empty() ? seq + 1 >= next_seq_ : seq + 1 >= ring_.front().seq);
}

bool ChangeFeed::replay_ring(ChangeListener& listener, std::uint64_t seq) const {
  const auto first = std::upper_bound(ring_.begin(), ring_.end(), seq,
                                      [](std::uint64_t s, const Change& c) { return s < c.seq; });
  for (auto it = first; it != ring_.end() && it->seq <= delivered_; ++it)
    if (!listener.deliver(*it)) return false;  // the fan-out sends the newer ones
  return true;
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
  std::unique_lock lock(mutex_);
  const auto admit = [&] {
    if (stopping_ || listeners_.size() >= options_.max_listeners)
      throw Error(ErrorCode::unavailable, "too many live listeners; retry shortly");
  };
  admit();
  const ResumeFrom from = after ? parse_resume(*after) : ResumeFrom{};
  if (!after) {
    // From now on.
  } else if (from.boot == boot_ && from.seq && in_ring(*from.seq)) {
    if (!replay_ring(*listener, *from.seq)) return;
  } else if (const auto since = resume_since(from, options_); since && history_) {
    // Another node's or boot's id: the store, from that time less the margin, then the ring
    // from where it stands now. The read runs unlocked, so the fan-out goes on meanwhile.
    const std::uint64_t position = next_seq_ - 1;
    const ChangeHistory history = history_;
    lock.unlock();
    std::optional<std::vector<dispatch::Report>> missed;
    try {
      missed = history(*since, options_.max_replay);
    } catch (const std::exception&) {
      missed.reset();  // the store unavailable: the client reloads
    }
    lock.lock();
    admit();
    if (!missed || !in_ring(position)) {
      if (!listener->reset()) return;
    } else {
      for (const dispatch::Report& r : *missed)
        if (!listener->deliver(Change{0, std::make_shared<const dispatch::Report>(r)})) return;
      // Then the ring: what came after the read began, and what this node heard in the window
      // already (a read replica may not have it yet).
      for (const Change& ch : ring_) {
        if (ch.seq > delivered_) break;  // the fan-out sends it
        if ((ch.seq > position || ch.report->updated_at >= *since) && !listener->deliver(ch))
          return;
      }
    }
  } else if (!listener->reset()) {
    return;
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
