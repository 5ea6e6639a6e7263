#include "connection.hpp"
#include "wangge/util/parallel.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace wangge::http {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Bytes a connection may hold ahead of the request in progress (pipelining) before it stops
/// reading and closes after the current reply.
std::size_t pipeline_cap(const ConnectionSettings& s) {
  return s.wire.max_head + 64 * 1024;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Connection

Connection::Connection(std::uint64_t id, int fd, std::string client, ConnectionLoop& loop)
    : id_(id), fd_(fd), client_(std::move(client)), loop_(loop), reader_(loop.settings().wire) {
  idle_since_ = last_progress_ = Clock::now();
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

void Connection::input(std::string_view bytes) {
  {
    std::lock_guard lock(mutex_);
    if (dead_ || phase_ == Phase::closing || phase_ == Phase::streaming)
      return;  // lingering or streaming: discard
    if (phase_ == Phase::busy && in_.size() + bytes.size() > pipeline_cap(loop_.settings())) {
      // A client that sends this much ahead of its answers gets the answer and a close.
      close_after_ = true;
      in_.clear();
      return;
    }
    in_.append(bytes);
  }
  pump();
}

void Connection::pump() {
  std::unique_lock lock(mutex_);
  if (pumping_) return;  // the thread that pumps sees the new state when it re-locks
  pumping_ = true;
  while (!dead_ && phase_ == Phase::reading) {
    const bool was_started = reader_.started();
    const std::size_t used = reader_.feed(in_);
    in_.erase(0, used);
    if (!was_started && reader_.started()) request_started_ = Clock::now();
    const auto state = reader_.state();
    if (state == RequestReader::State::head_complete) {
      minor_version_ = reader_.head().minor_version;
      const std::size_t limit = loop_.hooks().body_limit(reader_.head());
      reader_.begin_body(limit);
      body_started_ = Clock::now();
      if (reader_.state() == RequestReader::State::body && reader_.head().expect_continue &&
          in_.empty()) {
        queue_locked("HTTP/1.1 100 Continue\r\n\r\n", nullptr);
        flush_locked();
      }
      continue;
    }
    if (state == RequestReader::State::failed) {
      fail_locked(reader_.error().status, reader_.error().message);
      break;
    }
    if (state != RequestReader::State::complete) break;  // more bytes to come
    phase_ = Phase::busy;
    reply_queued_ = false;
    close_after_ = !reader_.head().keep_alive;
    WireRequest request{reader_.head(), std::move(reader_.body()), client_};
    reader_.reset();
    lock.unlock();
    loop_.hooks().dispatch(shared_from_this(), std::move(request));
    lock.lock();
    // An answer given at once (in this thread or another) has put the phase back to reading.
  }
  pumping_ = false;
}

void Connection::fail_locked(int status, const std::string& message) {
  // The stream position is unknown: answer, then close. Nothing more is read.
  const Response r = loop_.hooks().wire_error(status, message, client_);
  phase_ = Phase::busy;
  close_after_ = true;
  in_.clear();
  std::vector<std::pair<std::string, std::string>> fields{{"Content-Type", r.content_type}};
  fields.insert(fields.end(), r.headers.begin(), r.headers.end());
  queue_locked(
      response_head(r.status, fields, r.content().size(), false, minor_version_, unix_now()),
      std::make_shared<const std::string>(r.content()));
  reply_queued_ = true;
  if (flush_locked()) finished_locked();
}

void Connection::respond(const Response& response, bool head_only, bool close) {
  bool next = false;
  {
    std::lock_guard lock(mutex_);
    if (dead_ || phase_ != Phase::busy || reply_queued_) return;
    if (close) close_after_ = true;
    std::vector<std::pair<std::string, std::string>> fields;
    fields.reserve(response.headers.size() + 1);
    fields.emplace_back("Content-Type", response.content_type);
    fields.insert(fields.end(), response.headers.begin(), response.headers.end());
    const std::string& body = response.content();
    std::shared_ptr<const std::string> shared = head_only || body.empty() ? nullptr
                                                : response.shared_body
                                                    ? response.shared_body
                                                    : std::make_shared<const std::string>(body);
    queue_locked(response_head(response.status, fields, body.size(), !close_after_, minor_version_,
                               unix_now()),
                 std::move(shared));
    reply_queued_ = true;
    if (flush_locked()) {
      finished_locked();
      next = !pumping_ && phase_ == Phase::reading && !in_.empty();
    }
  }
  if (next) pump();
}

bool Connection::start_stream(const Response& response) {
  std::lock_guard lock(mutex_);
  if (dead_ || shut_ || phase_ != Phase::busy || reply_queued_) return false;
  std::vector<std::pair<std::string, std::string>> fields;
  fields.reserve(response.headers.size() + 1);
  fields.emplace_back("Content-Type", response.content_type);
  fields.insert(fields.end(), response.headers.begin(), response.headers.end());
  close_after_ = true;
  phase_ = Phase::streaming;
  ++served_;
  in_.clear();
  queue_locked(
      response_head(response.status, fields, kUntilClose, false, minor_version_, unix_now()),
      nullptr);
  flush_locked();
  return !shut_;
}

bool Connection::push(const std::shared_ptr<const std::string>& bytes, std::size_t max_queued) {
  std::lock_guard lock(mutex_);
  if (dead_ || shut_ || fd_ < 0 || phase_ != Phase::streaming) return false;
  std::size_t queued = bytes->size();
  for (const Chunk& c : out_) queued += c.data->size() - c.offset;
  if (queued > max_queued) {
    shut_locked();  // stalled: it reconnects with Last-Event-ID and misses nothing
    out_.clear();
    return false;
  }
  if (out_.empty()) last_progress_ = Clock::now();
  out_.push_back(Chunk{bytes, 0});
  flush_locked();
  return !shut_;
}

void Connection::end_stream() {
  std::lock_guard lock(mutex_);
  if (phase_ == Phase::streaming && !shut_) shut_locked();
}

void Connection::queue_locked(std::string head, std::shared_ptr<const std::string> body) {
  out_.push_back(Chunk{std::make_shared<const std::string>(std::move(head)), 0});
  if (body && !body->empty()) out_.push_back(Chunk{std::move(body), 0});
}

bool Connection::flush_locked() {
  while (!out_.empty()) {
    if (fd_ < 0 || shut_) {
      out_.clear();
      return false;
    }
    iovec iov[16];
    int n = 0;
    for (auto it = out_.begin(); it != out_.end() && n < 16; ++it, ++n) {
      iov[n].iov_base = const_cast<char*>(it->data->data() + it->offset);
      iov[n].iov_len = it->data->size() - it->offset;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(n);
    const ssize_t sent = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        loop_.want_write(*this);
        return false;
      }
      shut_locked();  // the client is gone (EPIPE, ECONNRESET): Pistache will see it
      out_.clear();
      return false;
    }
    last_progress_ = Clock::now();
    auto left = static_cast<std::size_t>(sent);
    while (left > 0) {
      Chunk& c = out_.front();
      const std::size_t rest = c.data->size() - c.offset;
      if (left < rest) {
        c.offset += left;
        left = 0;
      } else {
        left -= rest;
        out_.pop_front();
      }
    }
  }
  return true;
}

void Connection::finished_locked() {
  if (!reply_queued_ || phase_ != Phase::busy) return;  // an interim 100 Continue
  reply_queued_ = false;
  ++served_;
  if (close_after_) {
    // Lingering close: our FIN follows the reply; the client's remaining bytes are read and
    // discarded until it closes, so its kernel does not reset the connection under the reply.
    phase_ = Phase::closing;
    closing_since_ = Clock::now();
    in_.clear();
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
    return;
  }
  phase_ = Phase::reading;
  idle_since_ = Clock::now();
}

void Connection::writable() {
  bool next = false;
  {
    std::lock_guard lock(mutex_);
    write_armed_ = false;
    if (dead_) return;
    if (flush_locked()) {
      finished_locked();
      next = !pumping_ && phase_ == Phase::reading && !in_.empty();
    }
  }
  if (next) pump();
}

void Connection::check_deadlines(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (dead_ || shut_) return;
  const ConnectionSettings& s = loop_.settings();
  switch (phase_) {
    case Phase::reading:
      if (!reader_.started()) {
        // Idle between requests; a new connection gets the header timeout for its first byte.
        const auto limit = served_ == 0 ? s.header_timeout : s.keepalive_timeout;
        if (now - idle_since_ > limit) shut_locked();  // close quietly
      } else if (reader_.state() == RequestReader::State::head) {
        if (now - request_started_ > s.header_timeout)
          fail_locked(408, "the request head did not arrive in time");
      } else if (now - body_started_ > s.body_timeout) {
        fail_locked(408, "the request body did not arrive in time");
      }
      break;
    case Phase::busy:
      if (!out_.empty() && now - last_progress_ > s.write_timeout) shut_locked();
      break;
    case Phase::closing:
      if (now - closing_since_ > s.linger) shut_locked();
      break;
    case Phase::streaming:
      // A stream may be quiet for long (heartbeats keep it alive); a client that stops
      // reading what is sent is cut off.
      if (!out_.empty() && now - last_progress_ > s.write_timeout) shut_locked();
      break;
  }
}

void Connection::shut_locked() {
  if (shut_ || fd_ < 0) return;
  shut_ = true;
  // Both directions: Pistache's reactor reads end-of-file and closes its descriptor, which
  // brings it to ConnectionLoop::closed.
  ::shutdown(fd_, SHUT_RDWR);
}

void Connection::close_locked() {
  dead_ = true;
  out_.clear();
  in_.clear();
  loop_.forget_fd(*this);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// ---------------------------------------------------------------------------------------------
// ConnectionLoop

ConnectionLoop::ConnectionLoop(ConnectionSettings settings, ConnectionHooks hooks)
    : settings_(std::move(settings)), hooks_(std::move(hooks)) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = 0;  // connection ids start at 1
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
  thread_ = std::thread([this] { run(); });
}

ConnectionLoop::~ConnectionLoop() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto w = ::write(wake_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  close_all();
  ::close(wake_);
  ::close(epoll_);
}

ConnectionPtr ConnectionLoop::open(int fd, const std::string& client) {
  std::unique_lock lock(mutex_);
  const bool too_many = connections_.size() >= settings_.max_connections;
  const auto here = per_address_.find(client);
  const bool too_many_here = client != settings_.trusted_proxy && here != per_address_.end() &&
                             here->second >= settings_.max_per_address;
  if (too_many || too_many_here) {
    lock.unlock();
    // Answered on Pistache's descriptor while it is valid (we are on its reactor thread).
    const Response r =
        hooks_.wire_error(503,
                          too_many ? "the server has too many connections; retry shortly"
                                   : "too many connections from this address; retry shortly",
                          client);
    std::vector<std::pair<std::string, std::string>> fields{{"Content-Type", r.content_type}};
    fields.insert(fields.end(), r.headers.begin(), r.headers.end());
    const std::string bytes =
        response_head(r.status, fields, r.content().size(), false, 1, unix_now()) + r.content();
    [[maybe_unused]] const auto n =
        ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_RDWR);
    return nullptr;
  }
  const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) {  // out of descriptors: refuse this one rather than serve it half
    ::shutdown(fd, SHUT_RDWR);
    return nullptr;
  }
  auto c = std::make_shared<Connection>(next_id_++, own, client, *this);
  connections_[c->id()] = c;
  ++per_address_[client];
  return c;
}

void ConnectionLoop::closed(const ConnectionPtr& c) {
  {
    std::lock_guard lock(c->mutex_);
    c->close_locked();
  }
  std::lock_guard lock(mutex_);
  connections_.erase(c->id());
  if (auto it = per_address_.find(c->client()); it != per_address_.end() && --it->second == 0)
    per_address_.erase(it);
}

void ConnectionLoop::close_all() {
  std::vector<ConnectionPtr> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, weak] : connections_)
      if (auto c = weak.lock()) all.push_back(std::move(c));
    connections_.clear();
    per_address_.clear();
  }
  for (const ConnectionPtr& c : all) {
    std::lock_guard lock(c->mutex_);
    c->shut_locked();
    c->close_locked();
  }
}

std::size_t ConnectionLoop::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

void ConnectionLoop::want_write(Connection& c) {
  if (c.write_armed_ || c.fd_ < 0) return;
  epoll_event ev{};
  ev.events = EPOLLOUT | EPOLLONESHOT;
  ev.data.u64 = c.id();
  if (::epoll_ctl(epoll_, c.registered_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd_, &ev) == 0) {
    c.registered_ = true;
    c.write_armed_ = true;
  }
}

void ConnectionLoop::forget_fd(Connection& c) {
  // Another descriptor (Pistache's) shares the socket, so closing ours would not remove it from
  // our epoll set: remove it explicitly.
  if (c.registered_ && c.fd_ >= 0) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd_, nullptr);
  c.registered_ = c.write_armed_ = false;
}

void ConnectionLoop::run() {
  name_this_thread("wangge-conns");
  constexpr int kTickMs = 250;
  auto next_sweep = std::chrono::steady_clock::now();
  epoll_event events[64];
  for (;;) {
    const int n = ::epoll_wait(epoll_, events, 64, kTickMs);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == 0) return;  // woken to stop
      ConnectionPtr c;
      {
        std::lock_guard lock(mutex_);
        auto it = connections_.find(events[i].data.u64);
        if (it != connections_.end()) c = it->second.lock();
      }
      if (c) c->writable();
    }
    const auto now = std::chrono::steady_clock::now();
    if (now < next_sweep) continue;
    next_sweep = now + std::chrono::milliseconds(kTickMs);
    std::vector<ConnectionPtr> all;
    {
      std::lock_guard lock(mutex_);
      all.reserve(connections_.size());
      for (auto& [id, weak] : connections_)
        if (auto c = weak.lock()) all.push_back(std::move(c));
    }
    for (const ConnectionPtr& c : all) c->check_deadlines(now);
  }
}

}  // namespace wangge::http
