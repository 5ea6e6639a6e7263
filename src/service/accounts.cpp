// Accounts: sign-in rules, sessions and one-time codes (see accounts.hpp).
#include "wangge/service/accounts.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "wangge/dispatch/intake.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/gate.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::service {

// ---- secrets ---------------------------------------------------------------------------------

namespace secret {
namespace {
void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) throw Error(ErrorCode::internal, "libsodium could not be initialised");
}
}  // namespace

std::string random_token(std::size_t bytes) {
  ensure_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                    raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string random_readable(std::size_t n) {
  ensure_sodium();
  static constexpr char kAlphabet[] = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ";
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(sizeof kAlphabet - 1))];
  return out;
}

std::string random_digits(std::size_t n) {
  ensure_sodium();
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>('0' + randombytes_uniform(10));
  return out;
}

std::string hash_password(std::string_view password) {
  ensure_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw Error(ErrorCode::unavailable, "not enough memory to hash a password; try again");
  }
  return out;
}

bool verify_password(const std::string& hash, std::string_view password) {
  ensure_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

bool equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);  // no early exit
  return diff == 0;
}

}  // namespace secret

struct Accounts::Counters {
  static constexpr std::size_t kMaxEntries = 10000;
  std::mutex mutex;
  std::unordered_map<std::string, std::pair<int, dispatch::Instant>>
      phantoms;  // failures, locked until
  std::unordered_map<std::string, std::pair<int, dispatch::Instant>>
      senders;  // codes, window start
  int node_codes = 0;
  dispatch::Instant node_window;
};

namespace {

/// A hash of a password that matches none, so that an unknown login costs what a known one
/// does (no timing difference tells which logins exist).
const std::string& decoy_hash() {
  static const std::string hash = secret::hash_password(secret::random_token(16));
  return hash;
}

std::string code_hash(const std::string& phone, const std::string& code) {
  return sha256_hex(phone + ":" + code);
}

/// The mainland mobile number in @p typed (spaces, dashes, +86 allowed), or an error naming
/// the rule: codes go by SMS, so a landline cannot sign in.
std::string mobile_number(const std::string& typed) {
  const auto n = dispatch::normalised_phone(typed);
  if (!n || n->size() != 11 || (*n)[0] != '1') {
    throw Error(ErrorCode::invalid_argument,
                "field 'phone' must be a mainland mobile number (11 digits starting with 1)");
  }
  return *n;
}

constexpr std::string_view kResidentPrefix = "tel:";

}  // namespace

MessageSender log_file_sender(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    throw Error(ErrorCode::unavailable, "cannot open the outbox log '" + path + "' for appending");
  struct Log {
    int fd;
    std::mutex mutex;
    ~Log() { ::close(fd); }
  };
  auto log = std::make_shared<Log>();
  log->fd = fd;
  return [log, path](const CodeMessage& m) {
    const std::string line =
        nlohmann::json{
            {"at", dispatch::format_iso(dispatch::now_utc(),
                                        dispatch::TimeZone{"UTC", std::chrono::minutes(0)})},
            {"channel", "sms"},
            {"to", m.phone},
            {"text", m.text}}
            .dump() +
        "\n";
    std::lock_guard lock(log->mutex);
    if (::write(log->fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
        ::fsync(log->fd) != 0) {
      throw Error(ErrorCode::unavailable, "cannot write to the outbox log '" + path + "'");
    }
  };
}

Accounts::Accounts(store::AccountStore& store,
                   std::function<dispatch::Actor(const std::string&)> actor_of,
                   AccountPolicy policy)
    : store_(store),
      actor_of_(std::move(actor_of)),
      policy_(policy),
      gate_(std::make_unique<Gate>(policy.concurrent_hashes, policy.hash_wait)),
      counters_(std::make_unique<Counters>()) {}

Accounts::~Accounts() = default;

void Accounts::set_sender(MessageSender sender) {
  sender_ = std::move(sender);
}

bool Accounts::looks_like_session_token(std::string_view s) noexcept {
  return s.size() == 46 && s.starts_with("ws_");
}

void Accounts::check_login(const std::string& login) {
  const bool chars_ok = std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == '@';
  });
  if (login.size() < 2 || login.size() > 64 || !chars_ok) {
    throw Error(ErrorCode::invalid_argument,
                "login '" + login.substr(0, 64) +
                    "' must be 2 to 64 characters of a-z, 0-9, '.', '_', '-' and '@'");
  }
}

void Accounts::check_password(const std::string& login, const std::string& password) const {
  if (password.size() < policy_.min_password || password.size() > policy_.max_password) {
    throw Error(ErrorCode::invalid_argument, "the password must be " +
                                                 std::to_string(policy_.min_password) + " to " +
                                                 std::to_string(policy_.max_password) + " bytes");
  }
  if (password.find(login) != std::string::npos)
    throw Error(ErrorCode::invalid_argument, "the password must not contain the login");
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password[0]; }))
    throw Error(ErrorCode::invalid_argument, "the password must not repeat one character");
}

namespace {
const std::string kBusy = "too many sign-ins at once; try again in a moment";
}  // namespace

std::string Accounts::hash_limited(std::string_view password) const {
  return gate_->run([&] { return secret::hash_password(password); }, kBusy);
}

bool Accounts::verify_limited(const std::string& hash, std::string_view password) const {
  // An empty hash is a login that does not exist: the decoy costs the same as a real one.
  return gate_->run(
      [&] { return secret::verify_password(hash.empty() ? decoy_hash() : hash, password); }, kBusy);
}

dispatch::Instant Accounts::lock_after(int failures, dispatch::Instant now) const {
  if (failures < policy_.free_failures) return dispatch::Instant{};
  const int doublings = std::min(failures - policy_.free_failures, 12);
  return now + std::min<std::chrono::seconds>(policy_.first_lock * (1 << doublings),
                                              policy_.longest_lock);
}

std::string Accounts::add_staff(const std::string& login, const std::string& staff_id,
                                const std::string& password_in, dispatch::Instant now) {
  check_login(login);
  dispatch::Actor who;
  try {
    who = actor_of_(staff_id);
  } catch (const Error&) {
    throw Error(ErrorCode::invalid_argument,
                "staff id '" + staff_id + "' is not in the organisation (organisation.json)");
  }
  if (who.id != staff_id || staff_id.starts_with("resident:"))
    throw Error(ErrorCode::invalid_argument, "'" + staff_id + "' is not a member of staff");
  const std::string password = password_in.empty() ? secret::random_readable(16) : password_in;
  check_password(login, password);
  store::Account a;
  a.login = login;
  a.actor = staff_id;
  a.password_hash = hash_limited(password);
  a.created_at = a.updated_at = now;
  store_.insert_account(a);
  return password;
}

std::string Accounts::reset_password(const std::string& login, dispatch::Instant now) {
  if (login.starts_with(kResidentPrefix))
    throw Error(ErrorCode::invalid_argument,
                "'" + login + "' is a resident's account: residents sign in by one-time code");
  const std::string password = secret::random_readable(16);
  const std::string hash = hash_limited(password);
  const auto done = store_.update_account(login, [&](store::Account& a) {
    a.password_hash = hash;
    a.failures = 0;
    a.locked_until = dispatch::Instant{};
    a.updated_at = now;
    a.sessions_after = now;
  });
  if (!done) throw Error(ErrorCode::not_found, "no account has the login '" + login + "'");
  store_.revoke_sessions(login, "");
  note_revocation();
  return password;
}

void Accounts::set_disabled(const std::string& login, bool disabled, dispatch::Instant now,
                            const std::string& by) {
  if (disabled && !by.empty() && by == login)
    throw Error(ErrorCode::conflict, "the account you are signed in with cannot disable itself");
  const auto done = store_.update_account(login, [&](store::Account& a) {
    a.disabled = disabled;
    a.updated_at = now;
    if (disabled) a.sessions_after = now;
  });
  if (!done) throw Error(ErrorCode::not_found, "no account has the login '" + login + "'");
  if (disabled) {
    store_.revoke_sessions(login, "");
    note_revocation();
  }
}

std::vector<store::Account> Accounts::list(store::AccountKind kind) {
  return store_.all_accounts(kind);
}

void Accounts::change_password(const std::string& login, const std::string& current,
                               const std::string& next, const std::string& keep_session_hash,
                               dispatch::Instant now) {
  const auto account = store_.account(login);
  if (!account || account->password_hash.empty())
    throw Error(ErrorCode::invalid_argument, "this account signs in without a password");
  if (!verify_limited(account->password_hash, current))
    throw Error(ErrorCode::unauthorized, "the current password is wrong");
  check_password(login, next);
  if (current == next)
    throw Error(ErrorCode::invalid_argument, "the new password must differ from the current one");
  const std::string hash = hash_limited(next);
  store_.update_account(login, [&](store::Account& a) {
    a.password_hash = hash;
    a.updated_at = now;
  });
  store_.revoke_sessions(login, keep_session_hash);
  note_revocation();
}

SignIn Accounts::open_session(const store::Account& account, dispatch::Instant now) {
  SignIn out;
  out.actor = actor_of_(account.actor);
  out.login = account.login;
  out.token = "ws_" + secret::random_token(32);
  out.csrf = secret::random_token(24);
  const bool resident = account.login.starts_with(kResidentPrefix);
  out.expires_at = now + (resident ? policy_.resident_session : policy_.staff_session);
  store_.insert_session(store::SessionRecord{sha256_hex(out.token), account.login, out.csrf, now,
                                             out.expires_at, false});
  out.outcome = SignIn::Outcome::ok;
  return out;
}

SignIn Accounts::sign_in(const std::string& login, const std::string& password,
                         dispatch::Instant now) {
  SignIn refused;
  if (login.size() > 64 || password.size() > policy_.max_password ||
      login.starts_with(kResidentPrefix)) {
    return refused;  // nothing that long exists; no hash is spent on it
  }
  auto locked = [&](dispatch::Instant until) {
    SignIn out;
    out.outcome = SignIn::Outcome::locked;
    out.retry_after = std::chrono::ceil<std::chrono::seconds>(until - now);
    return out;
  };
  // The attempt counts as a failure before the password is checked, in the same write as the
  // lock check: attempts arriving while this one hashes meet the lock it may set. A right
  // password then clears the count.
  std::optional<dispatch::Instant> locked_until;
  const auto account = store_.update_account(login, [&](store::Account& a) {
    locked_until.reset();
    if (a.locked_until > now) {
      locked_until = a.locked_until;
      return;
    }
    ++a.failures;
    a.locked_until = lock_after(a.failures, now);
  });
  if (!account) {
    {
      std::lock_guard lock(counters_->mutex);
      auto& phantoms = counters_->phantoms;
      if (phantoms.size() >= Counters::kMaxEntries)
        std::erase_if(phantoms, [&](const auto& kv) { return kv.second.second <= now; });
      if (phantoms.size() >= Counters::kMaxEntries) phantoms.clear();
      auto& [failures, until] = phantoms[sha256_hex(login)];
      if (until > now) return locked(until);
      ++failures;
      until = lock_after(failures, now);
    }
    verify_limited("", password);  // the time a real login costs
    return refused;
  }
  if (locked_until) return locked(*locked_until);
  if (!verify_limited(account->password_hash, password) || account->disabled) return refused;
  try {
    actor_of_(account->actor);
  } catch (const Error&) {
    return refused;  // the person left the organisation
  }
  store_.update_account(login, [&](store::Account& a) {
    a.failures = 0;
    a.locked_until = dispatch::Instant{};
  });
  return open_session(*account, now);
}

CodeRequest Accounts::send_code(const std::string& phone_in, dispatch::Instant now,
                                const std::string& requester) {
  const std::string phone = mobile_number(phone_in);
  if (!sender_)
    throw Error(ErrorCode::unavailable, "no channel is configured to send sign-in codes");
  {
    std::lock_guard lock(counters_->mutex);
    const auto hour = std::chrono::hours(1);
    if (now >= counters_->node_window + hour) {
      counters_->node_window = now;
      counters_->node_codes = 0;
    }
    if (counters_->node_codes >= policy_.codes_per_node_hour)
      throw Error(
          ErrorCode::rate_limited, "too many sign-in codes this hour; try again later",
          std::max(std::chrono::ceil<std::chrono::seconds>(counters_->node_window + hour - now),
                   std::chrono::seconds(1)));
    auto& senders = counters_->senders;
    if (senders.size() >= Counters::kMaxEntries)
      std::erase_if(senders, [&](const auto& kv) { return now >= kv.second.second + hour; });
    if (senders.size() >= Counters::kMaxEntries) senders.clear();
    auto& [sent, window] = senders[requester];
    if (now >= window + hour) {
      window = now;
      sent = 0;
    }
    if (sent >= policy_.codes_per_requester_hour) {
      const auto left = std::chrono::ceil<std::chrono::seconds>(window + hour - now);
      throw Error(ErrorCode::rate_limited,
                  "too many sign-in codes asked for from this address this hour",
                  std::max(left, std::chrono::seconds(1)));
    }
    ++sent;  // counted when asked for: a refusal below still cost a look-up
    ++counters_->node_codes;
  }
  CodeRequest out;
  std::string code;
  store_.update_login_code(phone, [&](std::optional<store::LoginCode>& c) {
    code.clear();
    if (c && now < c->sent_at + policy_.code_resend) {
      out.retry_after =
          std::chrono::ceil<std::chrono::seconds>(c->sent_at + policy_.code_resend - now);
      return false;
    }
    if (!c) c = store::LoginCode{phone, "", now, now, 0, now, 0};
    if (now >= c->window_start + std::chrono::hours(1)) {
      c->window_start = now;
      c->sends_in_window = 0;
    }
    if (c->sends_in_window >= policy_.codes_per_hour) {
      out.retry_after =
          std::chrono::ceil<std::chrono::seconds>(c->window_start + std::chrono::hours(1) - now);
      return false;
    }
    code = secret::random_digits(6);
    c->code_hash = code_hash(phone, code);
    c->sent_at = now;
    c->expires_at = now + policy_.code_lifetime;
    c->attempts = 0;
    ++c->sends_in_window;
    return true;
  });
  if (code.empty()) return out;
  const int minutes = static_cast<int>(
      std::chrono::duration_cast<std::chrono::minutes>(policy_.code_lifetime).count());
  try {
    sender_(CodeMessage{phone, code, minutes,
                        "【网格】您的登录验证码是 " + code + "，" + std::to_string(minutes) +
                            " 分钟内有效。如非本人操作，请忽略本短信。"});
  } catch (const Error&) {
    // Not sent: the code is void and the resident may ask again at once (the send still
    // counts against the hour's limit).
    store_.update_login_code(phone, [&](std::optional<store::LoginCode>& c) {
      if (!c) return false;
      c->code_hash.clear();
      c->sent_at = now - policy_.code_resend;
      return true;
    });
    throw;
  }
  out.sent = true;
  out.expires_in = policy_.code_lifetime;
  out.retry_after = policy_.code_resend;
  return out;
}

SignIn Accounts::sign_in_with_code(const std::string& phone_in, const std::string& code,
                                   dispatch::Instant now) {
  const std::string phone = mobile_number(phone_in);
  SignIn refused;
  if (code.size() != 6 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw Error(ErrorCode::invalid_argument, "field 'code' must be the 6 digits sent by SMS");
  }
  bool good = false;
  store_.update_login_code(phone, [&](std::optional<store::LoginCode>& c) {
    good = false;
    if (!c || now >= c->expires_at || c->attempts >= policy_.code_attempts) return false;
    if (secret::equal(c->code_hash, code_hash(phone, code))) {
      good = true;
      c->expires_at = now;  // spent: a code signs in once
    } else {
      ++c->attempts;
    }
    return true;
  });
  if (!good) return refused;
  const std::string login = std::string(kResidentPrefix) + phone;
  auto account = store_.account(login);
  if (!account) {
    store::Account a;
    a.login = login;
    a.actor = "resident:" + secret::random_readable(12);
    a.created_at = a.updated_at = now;
    try {
      store_.insert_account(a);
      account = a;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::conflict) throw;
      account = store_.account(login);  // a sign-in at the same moment created it
      if (!account) throw;
    }
  }
  if (account->disabled) return refused;
  return open_session(*account, now);
}

std::optional<SessionInfo> Accounts::session(const std::string& token, dispatch::Instant now) {
  if (!looks_like_session_token(token)) return std::nullopt;
  const std::string hash = sha256_hex(token);
  const auto s = store_.session(hash);
  if (!s || s->revoked || s->expires_at <= now) return std::nullopt;
  const auto account = store_.account(s->login);
  if (!account || account->disabled || s->created_at < account->sessions_after) return std::nullopt;
  try {
    return SessionInfo{actor_of_(account->actor), s->login, s->csrf, hash, s->expires_at};
  } catch (const Error&) {
    return std::nullopt;  // the person left the organisation
  }
}

void Accounts::sign_out(const std::string& token) {
  if (!looks_like_session_token(token)) return;
  store_.revoke_session(sha256_hex(token));
  note_revocation();
}

}  // namespace wangge::service
