#pragma once
// The accounts port of the store: people who sign in (staff by login + password, residents by
// phone + one-time code), their browser sessions and the codes sent to them. Secrets are never
// stored: passwords as argon2id hashes, session tokens and codes as their SHA-256.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/time.hpp"

namespace wangge::store {

/// One person who signs in. Staff: login chosen by the admin, password_hash an argon2id string.
/// Residents: login "tel:<11-digit mobile>", no password (they sign in by one-time code).
struct Account {
  std::string login;
  std::string actor;               ///< staff id (organisation.json) or "resident:<id>"
  std::string password_hash;       ///< argon2id (libsodium's crypto_pwhash_str); "" for residents
  int failures = 0;                ///< failed sign-ins since the last good one
  dispatch::Instant locked_until;  ///< no sign-in before this (epoch: not locked)
  bool disabled = false;
  dispatch::Instant created_at;
  dispatch::Instant updated_at;
  /// Sessions created before this are void (a reset or disable ends them, even one whose
  /// sign-in was checking the old password at that moment).
  dispatch::Instant sessions_after;
};

/// A browser session: a random token (the cookie) kept as its SHA-256.
struct SessionRecord {
  std::string hash;   ///< sha256 hex of the token
  std::string login;  ///< whose
  std::string csrf;   ///< the token every write with this session must echo (X-CSRF-Token)
  dispatch::Instant created_at;
  dispatch::Instant expires_at;
  bool revoked = false;
};

/// The one-time sign-in code last sent to a phone.
struct LoginCode {
  std::string phone;
  std::string code_hash;  ///< sha256 hex of "<phone>:<code>"
  dispatch::Instant sent_at;
  dispatch::Instant expires_at;
  int attempts = 0;                ///< wrong codes tried against it
  dispatch::Instant window_start;  ///< start of the hour the sends are counted in
  int sends_in_window = 0;
};

/// Which accounts a listing holds: staff sign in with a password, residents with a code.
enum class AccountKind { any, staff, resident };

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  /// @throws Error(conflict) when the login exists already.
  virtual void insert_account(const Account& account) = 0;
  virtual std::optional<Account> account(const std::string& login) = 0;
  /// Every account of @p kind, by login.
  virtual std::vector<Account> all_accounts(AccountKind kind) = 0;
  /// Reads the account, lets @p change edit it and writes it back, in one write transaction
  /// (concurrent sign-ins cannot lose a failure count). @returns the account as written, or
  /// std::nullopt when there is no such login (nothing written).
  virtual std::optional<Account> update_account(const std::string& login,
                                                const std::function<void(Account&)>& change) = 0;

  virtual void insert_session(const SessionRecord& session) = 0;
  virtual std::optional<SessionRecord> session(const std::string& hash) = 0;
  virtual void revoke_session(const std::string& hash) = 0;
  /// Revokes every session of @p login except @p keep_hash (""). @returns how many.
  virtual std::size_t revoke_sessions(const std::string& login, const std::string& keep_hash) = 0;

  /// Reads the phone's code record (std::nullopt: none yet), lets @p change edit or create it,
  /// and writes it back in one write transaction; @p change returns false to write nothing.
  virtual void update_login_code(const std::string& phone,
                                 const std::function<bool(std::optional<LoginCode>&)>& change) = 0;
};

}  // namespace wangge::store
