#pragma once
// wangge::store::Signals — what one process tells the others that share its database when it
// changed something they keep in memory (a grid generation activated, reference data imported,
// a credential revoked, a report or a household's visits changed), and one lease for the jobs a
// cluster runs once (the 督办 ticker, the outbox's delivery).
//
// PostgreSQL: NOTIFY, heard through LISTEN on a connection of the listener's own, and a session
// advisory lock on that connection as the lease (released by the server when the process or its
// connection dies). SQLite: one process owns the file, so there is nobody to tell and nobody to
// share the lease with.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace wangge::store {

/// One change told by another process: its channel and what it names.
struct Signal {
  std::string channel;
  std::string payload;
};

/// The longest payload a signal carries (PostgreSQL's limit is 8,000 bytes).
inline constexpr std::size_t kMaxSignalPayload = 7000;

/// Hears the signals of some channels; used by one thread.
class SignalListener {
 public:
  virtual ~SignalListener() = default;
  /// Waits up to @p timeout for signals and @returns those that came (possibly none). Sets
  /// @p lost when the connection was lost since the last call (and is made again, or is being
  /// retried): signals sent meanwhile are gone, so the caller reads again what it keeps.
  /// Never throws for a database that went away.
  virtual std::vector<Signal> wait(std::chrono::milliseconds timeout, bool& lost) = 0;
  /// Whether the connection is up now (a wait that began and ended connected and did not set
  /// lost heard every signal sent before it began).
  virtual bool connected() const = 0;
  /// Tries to hold the lease @p key (a 32-bit number, of this store: PostgreSQL's two-key
  /// advisory lock with the schema's hash); @returns whether this listener holds it now (false
  /// while its connection is down). Held until the listener is destroyed or its connection is
  /// lost.
  virtual bool hold_lease(std::int64_t key) = 0;
};

class Signals {
 public:
  virtual ~Signals() = default;
  /// Tells the listeners of @p channel (in this process too) that something changed; sent at
  /// once, after the change was committed. A payload longer than kMaxSignalPayload is cut.
  /// @throws Error(unavailable) when the database cannot be reached.
  virtual void signal(const std::string& channel, const std::string& payload) = 0;
  /// A listener of @p channels, or null when no other process can share the store (SQLite).
  /// @throws Error(unavailable) when the database cannot be reached.
  virtual std::unique_ptr<SignalListener> listen(const std::vector<std::string>& channels) = 0;
};

}  // namespace wangge::store
