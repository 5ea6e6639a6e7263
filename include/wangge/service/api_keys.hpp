#pragma once
// wangge::service::ApiKeys — API keys: random secrets shown once and stored only as their
// SHA-256, each belonging to a person (a member of staff, a resident) or a client application
// (app:<name>), resolved to that person's current record on every use.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/workflow.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

class ApiKeys {
 public:
  /// @p actor_of: who an actor spec names (Service::actor; throws for the unknown);
  /// @p reference: the current reference data; @p on_revoke: called after a key is revoked
  /// (the server's cache of verified keys drops it at once).
  ApiKeys(store::Store& store, std::function<dispatch::Actor(const std::string&)> actor_of,
          std::function<std::shared_ptr<const dispatch::ReferenceData>()> reference,
          std::function<void()> on_revoke)
      : store_(store),
        actor_of_(std::move(actor_of)),
        reference_(std::move(reference)),
        on_revoke_(std::move(on_revoke)) {}

  /// A new key for @p actor_spec (as Service::actor); or "app:<name>" for a client application
  /// that submits for anonymous residents. @returns the key record and the secret, which is
  /// shown once and stored only as its SHA-256.
  std::pair<store::ApiKey, std::string> create(const std::string& actor_spec,
                                               const std::string& label);
  /// The actor spec (staff id, resident:<id>, app:<name>) of @p role within @p scope: a grid
  /// worker by one of their grids, department staff by their department, other staff by id;
  /// residents and apps by their id or name. Exactly one member of staff must match.
  std::string actor_for_role(const std::string& role, const std::string& scope) const;
  /// Every key (secrets are never stored; hashes only).
  std::vector<store::ApiKey> list();
  /// @throws Error(not_found) for an unknown id.
  void revoke(const std::string& id);
  /// The actor of a presented secret, or std::nullopt for an unknown or revoked key (or one
  /// whose person left organisation.json).
  std::optional<dispatch::Actor> authenticate(const std::string& secret);

 private:
  store::Store& store_;
  std::function<dispatch::Actor(const std::string&)> actor_of_;
  std::function<std::shared_ptr<const dispatch::ReferenceData>()> reference_;
  std::function<void()> on_revoke_;
};

}  // namespace wangge::service
