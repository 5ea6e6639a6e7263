#pragma once
// Accounts: who signs in, and how. Staff sign in by login + password (argon2id through
// libsodium, lockout with back-off after failures, admin reset); residents by mobile phone +
// one-time code (sent through a MessageSender); both get a browser session: a random token
// (an HttpOnly cookie) with a CSRF token every write must echo. API keys stay for machines
// (Service::create_api_key). Every rule is here; HTTP and the CLI parse and render.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/organisation.hpp"
#include "wangge/store/accounts.hpp"

namespace wangge {
class Gate;
}  // namespace wangge

namespace wangge::service {

/// Secrets through libsodium: random tokens, argon2id password hashes, comparison in constant
/// time.
namespace secret {
/// @p bytes random bytes as unpadded base64url.
std::string random_token(std::size_t bytes);
/// @p n random characters of an alphabet without look-alikes (no 0/o, 1/l/i).
std::string random_readable(std::size_t n);
/// @p n random decimal digits (uniform).
std::string random_digits(std::size_t n);
/// An argon2id hash string (salt and parameters inside). @throws Error(unavailable) when the
/// memory it needs cannot be had.
std::string hash_password(std::string_view password);
/// Whether @p password matches @p hash (false for a malformed hash).
bool verify_password(const std::string& hash, std::string_view password);
/// a == b, in time that depends on the lengths only.
bool equal(std::string_view a, std::string_view b) noexcept;
}  // namespace secret

struct AccountPolicy {
  int free_failures = 5;                          ///< wrong passwords before the first lock
  std::chrono::seconds first_lock{60};            ///< doubled with every further failure
  std::chrono::seconds longest_lock{3600};        ///< … up to this
  std::chrono::seconds staff_session{12 * 3600};  ///< a working day and a half, then sign in
  std::chrono::seconds resident_session{30 * 24 * 3600};
  std::chrono::seconds code_lifetime{300};  ///< a one-time code is good for five minutes
  std::chrono::seconds code_resend{60};     ///< at most one code a minute per phone
  int codes_per_hour = 5;                   ///< … and five an hour
  int code_attempts = 5;                    ///< wrong codes before a code is spent
  std::size_t min_password = 10;            ///< bytes
  std::size_t max_password = 128;
  unsigned concurrent_hashes = 2;            ///< argon2id runs at once (64 MiB each); more wait
  std::chrono::milliseconds hash_wait{500};  ///< … this long, then 503
  int codes_per_requester_hour = 10;         ///< sign-in codes one address may have sent in an hour
  int codes_per_node_hour = 600;             ///< … and all addresses together, per server
};

/// The answer to a sign-in.
struct SignIn {
  enum class Outcome {
    ok,
    refused,  ///< unknown login, wrong password or code, disabled: one answer for all
    locked,   ///< too many failures: retry_after
  };
  Outcome outcome = Outcome::refused;
  std::string token;  ///< the session token (the cookie); shown once, stored as its hash
  std::string csrf;   ///< echoed in X-CSRF-Token on every write of the session
  dispatch::Instant expires_at;
  dispatch::Actor actor;
  std::string login;
  std::chrono::seconds retry_after{0};
};

/// The answer to a request for a one-time code.
struct CodeRequest {
  bool sent = false;                    ///< false: too soon, see retry_after
  std::chrono::seconds retry_after{0};  ///< until another code may be asked for
  std::chrono::seconds expires_in{0};
};

/// A live session, as a request presents it.
struct SessionInfo {
  dispatch::Actor actor;
  std::string login;
  std::string csrf;
  std::string hash;  ///< the token's SHA-256
  dispatch::Instant expires_at;
};

/// A sign-in code on its way to a phone: the code and how long it holds (an SMS gateway takes
/// them as a template's params), and the whole text a person reads (zh-CN).
struct CodeMessage {
  std::string phone;
  std::string code;
  int minutes = 0;
  std::string text;
};

/// Delivers a sign-in code to a phone (an SMS gateway in a deployment: sms_code_sender in
/// service/notifications.hpp; the outbox log in the demo). @throws Error(unavailable) when it
/// cannot.
using MessageSender = std::function<void(const CodeMessage& message)>;

/// A sender that appends each message to @p path as one JSON line ({"at", "channel": "sms",
/// "to", "text"}), the file created readable by its owner only: the demo's stand-in for an SMS
/// gateway, and what tests read codes from. @throws Error(unavailable) when the file cannot be
/// opened.
MessageSender log_file_sender(const std::string& path);

class Accounts {
 public:
  /// @p actor_of resolves an account's actor spec (a staff id, "resident:<id>") to the actor as
  /// the reference data has it now, throwing Error(forbidden) for one who left.
  Accounts(store::AccountStore& store, std::function<dispatch::Actor(const std::string&)> actor_of,
           AccountPolicy policy = {});
  ~Accounts();

  /// Where one-time codes go; without one, send_code answers Error(unavailable).
  void set_sender(MessageSender sender);

  /// A staff account for @p staff_id (organisation.json). @returns the password: @p password
  /// when given, else a generated one (shown once). @throws Error(invalid_argument) for a bad
  /// login or password, or a staff id not in the organisation; Error(conflict) when the login
  /// exists.
  std::string add_staff(const std::string& login, const std::string& staff_id,
                        const std::string& password, dispatch::Instant now);
  /// A new generated password for @p login (shown once); unlocks it and ends its sessions.
  /// @throws Error(not_found) for an unknown login, Error(invalid_argument) for a resident's.
  std::string reset_password(const std::string& login, dispatch::Instant now);
  /// Disables (ending every session at once) or enables @p login, for @p by (the login doing
  /// it; "" from the command line). @throws Error(not_found); Error(conflict) when @p by would
  /// disable itself (an admin locking himself out).
  void set_disabled(const std::string& login, bool disabled, dispatch::Instant now,
                    const std::string& by = {});
  /// Every account (password hashes included: callers render what they may).
  std::vector<store::Account> list(store::AccountKind kind = store::AccountKind::any);
  /// The signed-in staff member's own change: @p current must match. Ends the other sessions
  /// of the login (keeps @p keep_session_hash). @throws Error(unauthorized) for a wrong
  /// current password, Error(invalid_argument) for a new one that breaks the rules.
  void change_password(const std::string& login, const std::string& current,
                       const std::string& next, const std::string& keep_session_hash,
                       dispatch::Instant now);

  /// Staff sign-in. A lock is checked before the password is (a locked account costs no hash).
  SignIn sign_in(const std::string& login, const std::string& password, dispatch::Instant now);
  /// Sends a six-digit code to a mainland mobile number, for @p requester (the client's
  /// address: at most policy.codes_per_requester_hour an hour, and codes_per_node_hour from
  /// everyone, so no one can make the server an SMS cannon). @throws Error(invalid_argument)
  /// for anything but a mobile number, Error(rate_limited) over those caps,
  /// Error(unavailable) when no sender is set or it fails.
  CodeRequest send_code(const std::string& phone, dispatch::Instant now,
                        const std::string& requester = "");
  /// Resident sign-in by the code last sent; the first sign-in creates the resident's account.
  SignIn sign_in_with_code(const std::string& phone, const std::string& code,
                           dispatch::Instant now);
  /// The session of @p token when it is live, its account enabled and its person still known.
  std::optional<SessionInfo> session(const std::string& token, dispatch::Instant now);
  /// Ends the session of @p token (nothing when unknown).
  void sign_out(const std::string& token);

  /// Counts revocations (a session ended, an account disabled or reset, an API key revoked):
  /// a cache of verified credentials drops what it holds when this changes.
  std::uint64_t revocations() const noexcept { return revocations_.load(); }
  /// A revocation here: this process's cache drops what it holds, and the other processes on
  /// the same database are told (set_tell) so that theirs do too.
  void note_revocation() noexcept {
    ++revocations_;
    if (tell_) tell_();
  }
  /// A revocation another process told of, or a reload here: only this process's cache.
  void note_revocation_here() noexcept { ++revocations_; }
  /// How other processes are told of a revocation (Service: a signal on the store).
  void set_tell(std::function<void()> tell) { tell_ = std::move(tell); }

  /// "ws_" + 43 characters: what a session token looks like (an API key starts "wg_").
  static bool looks_like_session_token(std::string_view s) noexcept;
  /// @throws Error(invalid_argument) naming the rule.
  static void check_login(const std::string& login);
  void check_password(const std::string& login, const std::string& password) const;

 private:
  SignIn open_session(const store::Account& account, dispatch::Instant now);
  std::string hash_limited(std::string_view password) const;
  bool verify_limited(const std::string& hash, std::string_view password) const;

  store::AccountStore& store_;
  std::function<dispatch::Actor(const std::string&)> actor_of_;
  AccountPolicy policy_;
  MessageSender sender_;
  std::atomic<std::uint64_t> revocations_{0};
  std::function<void()> tell_;
  /// At most policy.concurrent_hashes argon2id runs at once; policy.hash_wait for a turn.
  std::unique_ptr<Gate> gate_;
  /// Failure counts of logins that do not exist, so that they lock exactly as real ones do
  /// (no answer tells which logins exist); and the hourly counts of codes sent. In memory,
  /// bounded.
  struct Counters;
  std::unique_ptr<Counters> counters_;
  /// The lock that @p failures calls for from @p now (epoch: none).
  dispatch::Instant lock_after(int failures, dispatch::Instant now) const;
};

}  // namespace wangge::service
