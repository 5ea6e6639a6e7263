#pragma once
// Client connections: reading requests with the strict reader, one at a time, and writing the
// answers in order — the part of HTTP that Pistache 0.0.5 gets wrong (wire.hpp says how).
// Pistache keeps what it does well: accepting, the epoll reactors, reading the socket. Each
// connection works on its own duplicate of the socket's descriptor, so no reply can reach
// another client when Pistache closes a descriptor and the kernel hands its number to a new
// connection, and a reply written from a worker thread needs no lock on Pistache's state.
//
// A connection is in one of four phases:
//   reading  — bytes go to the reader; a complete request is handed to `dispatch`
//              (header, body and keep-alive timeouts apply);
//   busy     — a request is being answered; further bytes (pipelining) wait in order;
//   closing  — the last answer is sent and our side shut down for writing; input is discarded
//              until the client closes or the linger time ends.
//   streaming — the answer is a stream (Server-Sent Events): pushed by its source until either
//              side closes; input is discarded; a client that stops reading is cut off.
// After any error that leaves the stream position unknown (bad framing, too large, a timeout)
// the answer carries "Connection: close" and the connection ends: a body is never read as a
// request. One thread (the connection loop) finishes writes that did not fit the socket's
// buffer and enforces every timeout.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "exchange.hpp"
#include "wire.hpp"

namespace wangge::http {

class Connection;
using ConnectionPtr = std::shared_ptr<Connection>;

/// A request as read off the wire, with where it came from.
struct WireRequest {
  RequestHead head;
  std::string body;
  std::string client;  ///< the peer's address
};

struct ConnectionSettings {
  WireLimits wire;
  std::chrono::milliseconds header_timeout{10000};     ///< first byte to end of head
  std::chrono::milliseconds body_timeout{30000};       ///< end of head to end of body
  std::chrono::milliseconds keepalive_timeout{30000};  ///< idle between requests
  std::chrono::milliseconds write_timeout{30000};      ///< a reply making no progress
  std::chrono::milliseconds linger{3000};              ///< after a closing reply
  std::size_t max_connections = 4096;
  std::size_t max_per_address = 256;  ///< not for the trusted proxy's address
  std::string trusted_proxy;          ///< exempt from max_per_address
};

/// What the server does with requests.
struct ConnectionHooks {
  /// The most body bytes the request's route takes (called once its head is read).
  std::function<std::size_t(const RequestHead&)> body_limit;
  /// A complete request. Must eventually call Connection::respond exactly once.
  std::function<void(const ConnectionPtr&, WireRequest&&)> dispatch;
  /// The reply to a request that cannot be read (status and our message); it closes.
  std::function<Response(int status, const std::string& message, const std::string& client)>
      wire_error;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::uint64_t id, int fd, std::string client, class ConnectionLoop& loop);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Bytes read from the socket (on Pistache's reactor thread).
  void input(std::string_view bytes);
  /// The answer to the request in progress, from any thread. @p head_only: HEAD (no body).
  /// @p close: end the connection after it (whatever the client asked).
  void respond(const Response& response, bool head_only, bool close);
  /// Answers the request in progress with a stream (Server-Sent Events): @p head's status and
  /// fields now, without Content-Length; the body is what push() adds, until the connection
  /// closes. Bytes the client sends meanwhile are discarded. @returns false when it is gone.
  bool start_stream(const Response& head);
  /// Appends @p bytes to a stream, from any thread, without waiting. @returns false when the
  /// connection is gone, or ends it and returns false when more than @p max_queued bytes would
  /// wait unsent (a stalled client must not hold memory; it reconnects and resumes).
  bool push(const std::shared_ptr<const std::string>& bytes, std::size_t max_queued);
  /// Ends a stream now.
  void end_stream();
  const std::string& client() const noexcept { return client_; }
  std::uint64_t id() const noexcept { return id_; }

 private:
  friend class ConnectionLoop;
  enum class Phase { reading, busy, closing, streaming };

  void pump();
  void fail_locked(int status, const std::string& message);
  void queue_locked(std::string head, std::shared_ptr<const std::string> body);
  /// Writes what it can. @returns true when everything queued has been written.
  bool flush_locked();
  void finished_locked();
  void writable();                                                  ///< on the loop thread
  void check_deadlines(std::chrono::steady_clock::time_point now);  ///< on the loop thread
  void close_locked();  ///< Pistache saw the socket close
  void shut_locked();   ///< ends it now (the reactor notices)

  struct Chunk {
    std::shared_ptr<const std::string> data;
    std::size_t offset = 0;
  };

  const std::uint64_t id_;
  int fd_;  ///< our duplicate of the socket's descriptor; -1 once closed
  const std::string client_;
  ConnectionLoop& loop_;
  std::mutex mutex_;
  Phase phase_ = Phase::reading;
  bool pumping_ = false;
  bool dead_ = false;          ///< Pistache closed its descriptor
  bool shut_ = false;          ///< we shut the socket down both ways
  bool close_after_ = false;   ///< the reply in progress ends the connection
  bool reply_queued_ = false;  ///< the whole reply to the request in progress is queued
  bool write_armed_ = false;
  bool registered_ = false;  ///< in the loop's epoll set
  int minor_version_ = 1;
  std::size_t served_ = 0;  ///< requests answered
  RequestReader reader_;
  std::string in_;  ///< bytes read and not yet consumed by the reader
  std::deque<Chunk> out_;
  using Clock = std::chrono::steady_clock;
  Clock::time_point idle_since_, request_started_, body_started_, last_progress_, closing_since_;
};

/// The registry of open connections and the thread that finishes writes and enforces
/// timeouts.
class ConnectionLoop {
 public:
  ConnectionLoop(ConnectionSettings settings, ConnectionHooks hooks);
  ~ConnectionLoop();
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  /// A new socket from Pistache (@p fd is Pistache's; we duplicate it). std::nullptr when a
  /// limit refuses it: the client got a 503 and the socket is shut down.
  ConnectionPtr open(int fd, const std::string& client);
  /// Pistache saw the socket close: forget the connection.
  void closed(const ConnectionPtr& connection);
  /// Ends every connection (at shutdown, after in-flight requests finished).
  void close_all();
  std::size_t size() const;
  const ConnectionSettings& settings() const noexcept { return settings_; }
  const ConnectionHooks& hooks() const noexcept { return hooks_; }

 private:
  friend class Connection;
  void run();
  void want_write(Connection& c);  ///< with c's mutex held
  void forget_fd(Connection& c);   ///< with c's mutex held

  ConnectionSettings settings_;
  ConnectionHooks hooks_;
  int epoll_ = -1;
  int wake_ = -1;  ///< eventfd that stops the loop
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections_;
  std::unordered_map<std::string, std::size_t> per_address_;
  std::uint64_t next_id_ = 1;
  std::thread thread_;
};

}  // namespace wangge::http
