// API keys: random secrets shown once, stored as their SHA-256, resolved to an actor.
#include <algorithm>
#include <random>

#include "wangge/service/api_keys.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::service {
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

std::string ApiKeys::actor_for_role(const std::string& role_name, const std::string& scope) const {
  if (role_name == "resident" || role_name == "app") {
    if (scope.empty()) {
      throw Error(ErrorCode::invalid_argument,
                  "--role " + role_name + " needs --scope: the " +
                      (role_name == "app" ? "app's name" : "resident's id"));
    }
    return role_name + ":" + scope;
  }
  const auto role = dispatch::parse_role(role_name);
  if (!role) {
    throw Error(ErrorCode::invalid_argument,
                "role '" + role_name +
                    "' is not one of resident, app, grid_worker, department_staff, "
                    "dispatcher, supervisor, admin");
  }
  // A key belongs to a person, so that every action on record names who took it: the role and
  // scope pick the member of staff (organisation.json) they describe.
  const auto ref = reference_();
  std::vector<const dispatch::Actor*> found;
  std::string scopes;
  for (const dispatch::Actor& a : ref->staff) {
    if (a.role != *role) continue;
    const std::string own = a.role == dispatch::Role::grid_worker
                                ? (a.grids.empty() ? a.id : a.grids.front())
                            : a.role == dispatch::Role::department_staff ? a.department
                                                                         : a.id;
    if (scopes.size() < 300)
      scopes += (scopes.empty() ? "" : ", ") + own;
    else if (scopes.back() != '.')
      scopes += ", ...";
    const bool match = scope.empty() || scope == a.id ||
                       (a.role == dispatch::Role::grid_worker &&
                        std::find(a.grids.begin(), a.grids.end(), scope) != a.grids.end()) ||
                       (a.role == dispatch::Role::department_staff && a.department == scope);
    if (match) found.push_back(&a);
  }
  if (found.empty()) {
    throw Error(ErrorCode::not_found,
                "no " + role_name + " " +
                    (scope.empty() ? "is in organisation.json"
                                   : "has scope '" + scope + "' (scopes: " + scopes + ")"));
  }
  if (found.size() > 1) {
    std::string ids;
    for (std::size_t i = 0; i < found.size() && i < 8; ++i) ids += (i ? ", " : "") + found[i]->id;
    if (found.size() > 8) ids += ", ...";
    throw Error(ErrorCode::invalid_argument, std::to_string(found.size()) + " staff match --role " +
                                                 role_name +
                                                 (scope.empty() ? "" : " --scope " + scope) + " (" +
                                                 ids + "): name one with --as or --scope");
  }
  return found.front()->id;
}

std::pair<store::ApiKey, std::string> ApiKeys::create(const std::string& spec,
                                                      const std::string& label) {
  dispatch::Actor actor;
  if (spec.rfind("app:", 0) == 0 && spec.size() > 4) {
    actor = dispatch::Actor{spec, spec.substr(4), dispatch::Role::resident, {}, {}};
  } else {
    actor = actor_of_(spec);  // a staff member or resident:<id>; throws for the unknown
    if (actor.id.empty())
      throw Error(ErrorCode::invalid_argument, "an API key needs an actor, not anonymous");
  }
  const std::string secret = "wg_" + random_base32(32);
  store::ApiKey key{"k" + random_base32(10),
                    sha256_hex(secret),
                    actor.id,
                    std::string(to_string(actor.role)),
                    label,
                    dispatch::now_utc(),
                    false};
  store_.put_api_key(key);
  return {key, secret};
}

std::vector<store::ApiKey> ApiKeys::list() {
  return store_.api_keys();
}

void ApiKeys::revoke(const std::string& id) {
  store_.revoke_api_key(id);
  if (on_revoke_) on_revoke_();
}

std::optional<dispatch::Actor> ApiKeys::authenticate(const std::string& secret) {
  if (secret.size() < 8 || secret.size() > 200) return std::nullopt;
  const auto key = store_.api_key_by_hash(sha256_hex(secret));
  if (!key || key->revoked) return std::nullopt;
  if (key->actor.rfind("app:", 0) == 0)
    return dispatch::Actor{key->actor, key->label, dispatch::Role::resident, {}, {}};
  try {
    return actor_of_(key->actor);  // the current staff record: roles and grids as they are now
  } catch (const Error&) {
    return std::nullopt;  // the person left organisation.json
  }
}

}  // namespace wangge::service
