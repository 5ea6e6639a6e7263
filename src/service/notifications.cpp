// The outbox's two ends: enqueue (inside a change's transaction) and the runner that delivers.
#include "wangge/service/notifications.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/parallel.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::service {

/// A token bucket per channel: rate_per_second tokens a second, a second's worth of burst.
struct Notifications::Buckets {
  struct Bucket {
    double tokens = 0;
    dispatch::Instant at;
  };
  std::map<std::string, Bucket> by_channel;

  /// Takes a token of @p c at @p now; @returns std::nullopt when taken, else when one will be.
  std::optional<dispatch::Instant> take(const notify::ChannelConfig& c, dispatch::Instant now) {
    auto [it, fresh] = by_channel.try_emplace(c.name);
    Bucket& b = it->second;
    const double burst = std::max(1.0, c.rate_per_second);
    if (fresh) {
      b.tokens = burst;
      b.at = now;
    }
    const double seconds = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min(burst, b.tokens + std::max(0.0, seconds) * c.rate_per_second);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return std::nullopt;
    }
    const double wait_s = (1 - b.tokens) / c.rate_per_second;
    // At most a second's wait (rate_per_second > 0 gives (1 - tokens) / rate, tokens ≥ 0):
    // saturate.
    return now +
           std::chrono::milliseconds(number::clamp_to<long long>(wait_s * 1000, 0, 3600000) + 1);
  }
};

std::optional<MessageSender> sms_code_sender(const notify::NotifyConfig& config) {
  const auto channel =
      std::find_if(config.channels.begin(), config.channels.end(), [](const auto& c) {
        return c.type == notify::ChannelType::sms && c.sms_templates.count("code") > 0;
      });
  if (channel == config.channels.end()) return std::nullopt;
  // A code is asked for anonymously and sent while the request waits: the gateway is used by
  // one request at a time (its one connection) for at most kCodeTimeout, and a request that
  // finds it busy for kBusyWait is told to ask again — so however many ask at once, one server
  // worker at most waits on the gateway, and none for long.
  static constexpr auto kCodeTimeout = std::chrono::milliseconds(5000);
  static constexpr auto kBusyWait = std::chrono::milliseconds(500);
  struct Gateway {
    notify::ChannelConfig channel;
    std::chrono::milliseconds timeout;
    std::timed_mutex mutex;
    notify::Poster poster;
  };
  auto gateway = std::make_shared<Gateway>();
  gateway->channel = *channel;
  gateway->timeout = std::min(config.retry.timeout, kCodeTimeout);
  return MessageSender([gateway](const CodeMessage& m) {
    const std::string out_id =
        "c_" + sha256_hex(m.phone + "\n" + m.code + "\n" +
                          std::to_string(dispatch::now_utc().time_since_epoch().count()))
                   .substr(0, 24);
    std::unique_lock lock(gateway->mutex, std::defer_lock);
    if (!lock.try_lock_for(kBusyWait))
      throw Error(ErrorCode::unavailable, "the SMS gateway is busy; ask again shortly");
    const auto result = gateway->poster.post(
        notify::format_code(gateway->channel, m.phone, m.code, m.minutes, out_id),
        gateway->timeout);
    if (!result.ok) {
      std::fprintf(stderr, "sign-in code: the SMS gateway '%s' did not take it (%s)\n",
                   gateway->channel.name.c_str(), result.error.c_str());
      throw Error(ErrorCode::unavailable, "the SMS gateway is not reachable; ask again shortly");
    }
  });
}

std::vector<std::pair<std::string, dispatch::Instant>> Notifications::subscriptions(
    const dispatch::Actor& me) {
  if (me.id.empty() || me.anonymous)
    throw Error(ErrorCode::unauthorized, "following an area needs a signed-in person or a key");
  return store_.notifications().subscriptions(me.id);
}

void Notifications::subscribe(const dispatch::Actor& me, const std::string& grid,
                              dispatch::Instant now) {
  if (me.id.empty() || me.anonymous)
    throw Error(ErrorCode::unauthorized, "following an area needs a signed-in person or a key");
  if (!grid_exists_ || !grid_exists_(grid))
    throw Error(ErrorCode::not_found, "grid " + grid.substr(0, 64) + " does not exist");
  if (!store_.notifications().subscribe(me.id, grid, now, kMaxSubscriptions))
    throw Error(ErrorCode::conflict, "one follows at most " + std::to_string(kMaxSubscriptions) +
                                         " areas: stop following one first");
}

void Notifications::unsubscribe(const dispatch::Actor& me, const std::string& grid) {
  if (me.id.empty() || me.anonymous || !store_.notifications().unsubscribe(me.id, grid))
    throw Error(ErrorCode::not_found, "you do not follow grid " + grid.substr(0, 64));
}

Notifications::Notifications(store::Store& store)
    : store_(store),
      config_(std::make_shared<const notify::NotifyConfig>()),
      buckets_(std::make_unique<Buckets>()) {}

Notifications::~Notifications() {
  stop();
}

void Notifications::configure(notify::NotifyConfig config, std::string base_url) {
  config_ = std::make_shared<const notify::NotifyConfig>(std::move(config));
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  base_url_ = std::move(base_url);
}

std::size_t Notifications::enqueue(store::WriteTx& tx, const dispatch::Report& r,
                                   const dispatch::Event& e, const dispatch::ReferenceData& ref,
                                   const std::function<std::string(const std::string&)>& grid_name,
                                   dispatch::Instant now, store::Enqueued& out) const {
  dispatch::NoticeContext context{&ref, &config_->templates, base_url_, grid_name};
  if (dispatch::concerns_areas(r, e, ref))
    context.subscribers = tx.subscribers(r.grid_chain, kMaxFollowersTold);
  std::vector<dispatch::Notification> messages;
  for (dispatch::Notification& n : dispatch::notifications_for(r, e, context))
    if (config_->wanted(n, dispatch::recipient_role(ref, n.recipient)))
      messages.push_back(std::move(n));
  if (messages.empty()) return 0;
  const auto deliveries = notify::deliveries_for(*config_, messages, r, now, ref.calendar.zone());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    std::vector<dispatch::Delivery> own;
    for (const auto& [index, d] : deliveries) {
      if (index != i) continue;
      own.push_back(d);
      hold_for_digest(tx, messages[i], own.back(), now, ref.calendar.zone());
    }
    std::vector<bool> fresh;
    tx.enqueue(messages[i], own, &fresh);  // before the next message's count, which has these
    for (std::size_t k = 0; k < own.size(); ++k) {
      if (!fresh[k]) continue;  // enqueued before: its own delivery is under way
      if (own[k].digest.empty() && own[k].next_at <= now) {
        out.due.push_back(store::DueDelivery{own[k], messages[i]});
        out.due.back().notification.fields.clear();  // rendered already; the runner sends text
      } else
        out.waiting = true;
    }
  }
  out.messages += messages.size();
  return messages.size();
}

void Notifications::hold_for_digest(store::WriteTx& tx, const dispatch::Notification& n,
                                    dispatch::Delivery& d, dispatch::Instant now,
                                    const dispatch::TimeZone& zone) const {
  const auto channel = std::find_if(config_->channels.begin(), config_->channels.end(),
                                    [&](const auto& c) { return c.name == d.channel; });
  if (channel == config_->channels.end() || channel->digest_after <= 0) return;
  const notify::DigestWindow window = notify::digest_window(*channel, d.address, now);
  d.window = window.id;  // an urgent message counts in its window too, though never held
  if (config_->urgent(n) ||
      tx.deliveries_in_window(window.id) < static_cast<std::size_t>(channel->digest_after))
    return;
  d.digest = window.id;
  // Every member of one digest waits for the same moment: the window's end, past quiet hours.
  d.next_at = notify::after_quiet_hours(*config_, window.end, zone);
}

std::vector<dispatch::Notification> Notifications::inbox(const dispatch::Actor& me,
                                                         store::InboxQuery query) {
  if (me.id.empty() || me.anonymous)
    throw Error(ErrorCode::unauthorized, "the inbox needs a signed-in person or a key");
  query.recipient = me.id;
  query.limit = std::clamp<std::size_t>(query.limit, 1, 200);
  return store_.notifications().inbox(query);
}

std::size_t Notifications::unread(const dispatch::Actor& me) {
  if (me.id.empty() || me.anonymous) return 0;
  return store_.notifications().unread_count(me.id);
}

void Notifications::mark_read(const std::string& id, const dispatch::Actor& me,
                              dispatch::Instant now) {
  if (me.id.empty() || me.anonymous || !store_.notifications().mark_read(id, me.id, now))
    throw Error(ErrorCode::not_found, "message " + id + " does not exist");
}

std::size_t Notifications::mark_all_read(const dispatch::Actor& me, dispatch::Instant now,
                                         const std::optional<std::string>& through) {
  if (me.id.empty() || me.anonymous)
    throw Error(ErrorCode::unauthorized, "the inbox needs a signed-in person or a key");
  std::optional<std::pair<dispatch::Instant, std::string>> upto;
  if (through) {
    const auto n = store_.notifications().notification(*through);
    if (!n || n->recipient != me.id)
      throw Error(ErrorCode::not_found, "message " + through->substr(0, 64) + " does not exist");
    upto.emplace(n->created_at, n->id);
  }
  return store_.notifications().mark_all_read(me.id, now, upto);
}

std::vector<dispatch::Delivery> Notifications::deliveries(
    const dispatch::Actor& admin, std::optional<dispatch::DeliveryState> state, std::size_t limit) {
  if (admin.role != dispatch::Role::admin)
    throw Error(ErrorCode::forbidden, "only an admin sees the deliveries of notifications");
  return store_.notifications().deliveries(state, std::clamp<std::size_t>(limit, 1, 500));
}

dispatch::Delivery Notifications::resend(const std::string& id, const dispatch::Actor& admin,
                                         dispatch::Instant now) {
  if (admin.role != dispatch::Role::admin)
    throw Error(ErrorCode::forbidden, "only an admin re-sends a notification");
  if (!store_.notifications().resend(id, now))
    throw Error(ErrorCode::not_found, "delivery " + id + " does not exist");
  wake();
  return store_.notifications().delivery(id).value();
}

std::vector<std::pair<std::string, std::size_t>> Notifications::counts() {
  return store_.notifications().delivery_counts();
}

NotifierStats Notifications::stats() const {
  return NotifierStats{delivered_.load(), failed_.load(), dead_.load(), digests_.load(),
                       purged_.load()};
}

std::size_t Notifications::purge(dispatch::Instant now) {
  // In slices, so that intake's writes interleave with a large first purge.
  constexpr std::size_t kSlice = 1000;
  const dispatch::Instant before = now - config_->retention;
  std::size_t total = 0;
  for (;;) {
    const std::size_t n = store_.notifications().purge_deliveries(before, kSlice);
    total += n;
    if (n < kSlice) break;
    std::lock_guard lock(mutex_);
    if (stopping_) break;
  }
  purged_ += total;
  return total;
}

void Notifications::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || config_->channels.empty()) return;
  stopping_ = false;
  running_ = true;
  read_store_ = true;
  thread_ = std::thread([this] { run(); });
}

void Notifications::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  running_ = false;
  handed_.clear();
}

void Notifications::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
    read_store_ = true;
  }
  wake_.notify_all();
}

void Notifications::hand_off(store::Enqueued&& e) {
  if (e.messages == 0) return;
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;  // a command-line process: the server's runner reads the store
    if (e.waiting || handed_.size() + e.due.size() > kMaxHandedOff) {
      read_store_ = true;
    } else {
      for (store::DueDelivery& d : e.due) handed_.push_back(std::move(d));
    }
    woken_ = true;
  }
  wake_.notify_all();
}

void Notifications::run() {
  name_this_thread("wangge-notify");
  // Delivery yields the CPU to the requests that people wait for: under a burst that takes
  // every core the outbox grows for a moment and drains after (scripts/bench/notify times it);
  // alone on a core the runner runs at full speed. (Linux: a thread's own nice value.)
  constexpr int kNice = 10;
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kNice);
  notify::Poster poster;
  // Under load every commit wakes the runner; passes at most this often gather what arrived
  // meanwhile into one read and one write of outcomes (a message waits at most this long).
  constexpr auto kCoalesce = std::chrono::milliseconds(10);
  constexpr auto kPurgeEvery = std::chrono::hours(1);
  auto purged_at = std::chrono::steady_clock::now() - kPurgeEvery;  // once at start
  for (;;) {
    const auto pass_started = std::chrono::steady_clock::now();
    dispatch::Instant next = dispatch::now_utc() + std::chrono::seconds(1);
    try {
      if (leads_ && !leads_()) {
        // Another node delivers: it reads what this one wrote from the outbox.
        std::lock_guard lock(mutex_);
        handed_.clear();
        read_store_ = true;  // read it all, once this node leads
      } else {
        if (pass_started - purged_at >= kPurgeEvery) {
          purged_at = pass_started;
          purge(dispatch::now_utc());
        }
        next = pass(poster);
      }
    } catch (const std::exception& e) {
      // The store unavailable (a restart, a failover): the deliveries wait in it.
      std::fprintf(stderr, "notifications: this pass failed (%s); the next one retries\n",
                   e.what());
      std::lock_guard lock(mutex_);
      read_store_ = true;  // what was handed off is read back
    }
    std::unique_lock lock(mutex_);
    const auto wait = std::clamp<dispatch::Instant::duration>(
        next - dispatch::now_utc(), dispatch::Instant::duration::zero(), std::chrono::seconds(1));
    wake_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
    woken_ = false;
    if (stopping_) return;
    wake_.wait_until(lock, pass_started + kCoalesce, [this] { return stopping_; });
    if (stopping_) return;
  }
}

/// Deliveries read, and outcomes written, at once.
constexpr std::size_t kBatch = 256;

struct Notifications::Pass {
  std::shared_ptr<const notify::NotifyConfig> config;
  dispatch::Instant later;
  std::vector<store::DeliveryOutcome> outcomes;
  std::set<std::string> digests_sent;  // a digest's members may come in one batch
  bool handed = false;                 // the items were handed off, not read
  bool stopped = false;
};

dispatch::Instant Notifications::pass(notify::Poster& poster) {
  std::vector<store::DueDelivery> handed;
  bool read = false;
  {
    std::lock_guard lock(mutex_);
    handed.swap(handed_);
    read = read_store_ || dispatch::now_utc() >= read_at_;
    read_store_ = false;
  }
  Pass p{config_, dispatch::now_utc() + std::chrono::seconds(1), {}, {}, true, false};
  send(poster, handed, p);
  store_.notifications().record_outcomes(p.outcomes);  // before a read could see them due
  p.outcomes.clear();
  if (!read || p.stopped) {
    std::lock_guard lock(mutex_);
    // A rate-limited one stays due in the store, to be read when the channel has a token.
    read_at_ = std::min(read_at_, p.later);
    return std::min(p.later, read_at_);
  }
  p.handed = false;
  const auto due = store_.notifications().due_deliveries(dispatch::now_utc(), kBatch);
  const std::size_t tried = send(poster, due, p);
  store_.notifications().record_outcomes(p.outcomes);
  dispatch::Instant next = p.later;  // a second at most, or a rate-limited channel's next token
  const dispatch::Instant now = dispatch::now_utc();
  if (due.size() == kBatch && tried > 0) {
    next = now;  // more may be due at once
  } else if (auto at = store_.notifications().next_due(); at && *at > now) {
    next = std::min(next, *at);
  }
  // (Due already yet not read: committed since the read, so handed off, or written by another
  // process; looked for again within the second.)
  std::lock_guard lock(mutex_);
  if (next <= now) read_store_ = true;
  read_at_ = next;
  return next;
}

std::size_t Notifications::send(notify::Poster& poster,
                                const std::vector<store::DueDelivery>& items, Pass& p) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  constexpr std::size_t kRecent = 8192;
  const auto& config = p.config;
  std::size_t tried = 0;
  for (const store::DueDelivery& item : items) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        p.stopped = true;
        break;
      }
    }
    // Handed off but read from the store already (committed just before a read): sent once.
    if (p.handed && recent_.count(item.delivery.id) > 0) continue;
    if (!item.delivery.digest.empty() && !p.digests_sent.insert(item.delivery.digest).second)
      continue;
    const dispatch::Instant now = dispatch::now_utc();
    store::DeliveryOutcome o;
    o.id = item.delivery.id;
    o.at = now;
    // A digest: every pending delivery held for it, sent as one request, one outcome for all
    // (read once the channel's rate allows the request).
    std::vector<store::DueDelivery> members;
    const auto channel =
        std::find_if(config->channels.begin(), config->channels.end(),
                     [&](const auto& c) { return c.name == item.delivery.channel; });
    if (channel == config->channels.end()) {
      // Configured away: kept as dead, for an admin to re-send once it is back.
      o.dead = true;
      o.error = "the channel '" + item.delivery.channel + "' is not configured";
    } else if (auto wait = buckets_->take(*channel, now)) {
      p.later = std::min(p.later, *wait);
      p.digests_sent.erase(item.delivery.digest);
      continue;  // rate-limited: stays due
    } else {
      if (!item.delivery.digest.empty())
        members = store_.notifications().digest_members(item.delivery.digest);
      notify::OutgoingRequest request;
      if (members.empty()) {
        request = notify::format_request(*channel, item.delivery, item.notification, now);
      } else {
        std::vector<dispatch::Notification> messages;
        for (const store::DueDelivery& m : members) {
          messages.push_back(m.notification);
          if (!m.delivery.text.empty()) messages.back().text = m.delivery.text;  // its own text
        }
        request = notify::format_digest(*channel, item.delivery.digest, item.delivery.address,
                                        messages, now);
      }
      const auto result = poster.post(request, config->retry.timeout);
      if (result.ok && !members.empty()) digests_++;
      o.delivered = result.ok;
      o.error = result.error;
      const int tries = item.delivery.attempts + 1;
      if (!o.delivered && tries >= config->retry.max_attempts) o.dead = true;
      if (!o.delivered && !o.dead) {
        const auto base = config->retry.backoff(tries);
        std::uniform_real_distribution<double> jitter(0.75, 1.25);
        // The back-off is at most a week (RetryPolicy's bound) times 1.25.
        o.next_at = dispatch::now_utc() + std::chrono::milliseconds(number::narrow_round(
                                              static_cast<double>(base.count()) * jitter(random)));
      }
    }
    ++tried;
    (o.delivered ? delivered_ : failed_)++;
    if (o.dead) dead_++;
    if (recent_.insert(o.id).second) {
      recent_order_.push_back(o.id);
      if (recent_order_.size() > kRecent) {
        recent_.erase(recent_order_.front());
        recent_order_.pop_front();
      }
    }
    for (const store::DueDelivery& m : members) {
      if (m.delivery.id == o.id) continue;
      store::DeliveryOutcome same = o;
      same.id = m.delivery.id;
      p.outcomes.push_back(std::move(same));
    }
    p.outcomes.push_back(std::move(o));
    if (p.outcomes.size() >= kBatch) {
      store_.notifications().record_outcomes(p.outcomes);
      p.outcomes.clear();
    }
  }
  return tried;
}

}  // namespace wangge::service
