// API keys: random secrets shown once, stored as their SHA-256, resolved to an actor.
#include <random>

#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge {
namespace {

std::string random_base32(std::size_t n) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  std::random_device rd;  // the OS's entropy source
  std::string out;
  while (out.size() < n) {
    std::uint32_t bits = rd();
    for (int k = 0; k < 6 && out.size() < n; ++k, bits >>= 5) out += kAlphabet[bits & 31];
  }
  return out;
}

}  // namespace

std::pair<ApiKey, std::string> Service::create_api_key(const std::string& spec, const std::string& label) {
  Actor actor;
  if (spec.rfind("app:", 0) == 0 && spec.size() > 4) {
    actor = Actor{spec, spec.substr(4), Role::resident, {}, {}};
  } else {
    actor = this->actor(spec);  // a staff member or resident:<id>; throws for the unknown
    if (actor.id.empty()) throw Error(ErrorCode::invalid_argument, "an API key needs an actor, not anonymous");
  }
  const std::string secret = "wg_" + random_base32(32);
  ApiKey key{"k" + random_base32(10), sha256_hex(secret), actor.id, std::string(to_string(actor.role)), label, now_utc(),
             false};
  store().put_api_key(key);
  return {key, secret};
}

std::optional<Actor> Service::authenticate(const std::string& secret) {
  if (secret.size() < 8 || secret.size() > 200) return std::nullopt;
  const auto key = store().api_key_by_hash(sha256_hex(secret));
  if (!key || key->revoked) return std::nullopt;
  if (key->actor.rfind("app:", 0) == 0) return Actor{key->actor, key->label, Role::resident, {}, {}};
  try {
    return actor(key->actor);  // the current staff record: roles and grids as they are now
  } catch (const Error&) {
    return std::nullopt;  // the person left organisation.json
  }
}

}  // namespace wangge
