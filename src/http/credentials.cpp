#include "credentials.hpp"

#include <algorithm>

#include "wangge/service/accounts.hpp"
#include "wangge/service/api_keys.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::http {

using std::chrono::seconds;
using std::chrono::steady_clock;

std::optional<Presented> presented_credential(const Request& req) {
  if (auto auth = req.header("authorization")) {
    if (auth->rfind("Bearer ", 0) == 0) return Presented{auth->substr(7), false};
    return Presented{};  // another scheme: not ours
  }
  if (auto key = req.param("api_key"))
    return Presented{service::Accounts::looks_like_session_token(*key) ? "" : *key, false};
  if (auto cookies = req.header("cookie")) {
    auto token = cookie_value(*cookies, kSessionCookie);
    if (token && service::Accounts::looks_like_session_token(*token))
      return Presented{*token, true};
  }
  return std::nullopt;
}

std::uint64_t CredentialCache::revocations() const {
  return service_.has_store() ? service_.accounts().revocations() : 0;
}

std::optional<CredentialCache::Credential> CredentialCache::cached(const std::string& secret) {
  const std::string hash = sha256_hex(secret);
  const std::uint64_t epoch = revocations();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(hash);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.epoch != epoch || it->second.until <= steady_clock::now()) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.credential;
}

std::optional<CredentialCache::Credential> CredentialCache::authenticate(
    const std::string& secret) {
  if (auto hit = cached(secret)) return hit;
  const std::uint64_t epoch = revocations();
  std::optional<Credential> found;
  auto life = seconds(30);
  if (service::Accounts::looks_like_session_token(secret)) {
    if (!service_.has_store()) return std::nullopt;
    const dispatch::Instant now = dispatch::now_utc();
    auto s = service_.accounts().session(secret, now);
    if (!s) return std::nullopt;
    found = Credential{s->actor, s->login, s->csrf, s->hash, s->expires_at};
    life = std::min(life, std::chrono::ceil<seconds>(s->expires_at - now));
  } else {
    auto actor = service_.keys().authenticate(secret);
    if (!actor) return std::nullopt;
    found = Credential{*actor, "", "", "", dispatch::Instant{}};
  }
  const auto now = steady_clock::now();
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kSize) {
    std::erase_if(entries_, [&](const auto& kv) { return kv.second.until <= now; });
    if (entries_.size() >= kSize) entries_.erase(entries_.begin());
  }
  entries_[sha256_hex(secret)] = Entry{*found, now + life, epoch};
  return found;
}

void CredentialCache::sign(Request& req, const Credential& c, const Presented& p) {
  req.actor = c.actor;
  req.authenticated = true;
  req.login = c.login;
  req.csrf = c.csrf;
  req.session_hash = c.hash;
  req.session_expires = c.expires;
  req.via_cookie = p.cookie;
  if (!c.login.empty()) req.session_token = p.secret;
}

}  // namespace wangge::http
