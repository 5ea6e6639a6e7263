#pragma once
// Who a request is: the credential it presents (an API key in "Authorization: Bearer …" or
// Open311's api_key, or a session token in the session cookie) and a short-lived cache of the
// credentials the store has verified.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "exchange.hpp"
#include "wangge/dispatch/organisation.hpp"
#include "wangge/dispatch/time.hpp"

namespace wangge::service {
class Service;
}

namespace wangge::http {

/// A credential as the request presents it: an API key or a session token, and whether it
/// came in the session cookie (then a write must also echo the session's CSRF token).
struct Presented {
  std::string secret;  ///< "" for another scheme than ours, or a session token in a URL
  bool cookie = false;
};

/// The credential @p req presents, or std::nullopt when it presents none. A session token
/// never counts in a URL (logs, Referer); a key never in the cookie.
std::optional<Presented> presented_credential(const Request& req);

/// Verified credentials only (an unknown key is never remembered, so unknown keys cannot push
/// known ones out), each for 30 s at most (a session: no longer than it lives). A revocation
/// on this node (Accounts::revocations) drops them all at once; one on another node is seen
/// within the 30 s. Thread-safe.
class CredentialCache {
 public:
  struct Credential {
    dispatch::Actor actor;
    std::string login, csrf, hash;  ///< a session's
    dispatch::Instant expires;
  };

  explicit CredentialCache(service::Service& service) : service_(service) {}

  /// The credential of @p secret if it is cached and still good; never asks the store.
  std::optional<Credential> cached(const std::string& secret);
  /// The credential of @p secret: the cache, else the store (a worker thread's job).
  std::optional<Credential> authenticate(const std::string& secret);
  /// Puts @p c on @p req as its caller.
  static void sign(Request& req, const Credential& c, const Presented& p);

 private:
  struct Entry {
    Credential credential;
    std::chrono::steady_clock::time_point until;
    std::uint64_t epoch = 0;  ///< revocations counted when it was verified
  };
  static constexpr std::size_t kSize = 10000;
  std::uint64_t revocations() const;

  service::Service& service_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;  // by the secret's hash
};

}  // namespace wangge::http
