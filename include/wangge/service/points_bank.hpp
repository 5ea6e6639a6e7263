#pragma once
// The points bank (积分银行) as people use it: who may see whose points and who may move them,
// over the ledger port (store/ledger.hpp) and the rules (dispatch/points.hpp), with the policy
// of the current reference data (points.json: earning rules, catalogue, validity).
//
// - A person sees their own account; admins, supervisors and dispatchers see anyone's.
// - Earnings by hand (volunteer hours, a visit recorded for someone): admins, supervisors,
//   dispatchers and grid workers, never for themselves. Awards (表彰) and reversals: admins and
//   supervisors, never for themselves. Redemptions: the person, or an admin or dispatcher at
//   the counter for them. The expiry run: admins (and the ticker).
// - Every posting may carry the client's idempotency key: a retry returns the first entry.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/points.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/store/store.hpp"

namespace wangge::service {

/// One person's account as they (or staff) read it.
struct PointsAccount {
  std::string person;
  store::PointsSummary summary;
  std::int64_t expiring = 0;                    ///< points that expire by expiring_by, if not used
  dispatch::Instant expiring_by;                ///< now + 30 days
  std::vector<dispatch::points::Entry> recent;  ///< the newest entries (at most 20)
};

/// Inside another change's write: posts what @p earning earns under @p policy, once per event
/// key (a standing earning of the key answers instead), dated no earlier than the ledger's last
/// entry. Nothing when the policy has no rule for it. @returns whether an entry was posted.
bool earn_in(store::WriteTx& tx, const dispatch::points::Policy& policy,
             dispatch::points::EarnRequest earning);

/// What an expiry run did.
struct ExpiryRun {
  std::size_t people = 0;   ///< holders looked at
  std::size_t entries = 0;  ///< expiry entries posted
  std::int64_t points = 0;  ///< points expired
};

class PointsBank {
 public:
  using Reference = std::function<std::shared_ptr<const dispatch::ReferenceData>()>;
  PointsBank(store::Store& store, Reference reference);

  /// The current policy (rules, catalogue, validity): anyone may read it.
  dispatch::points::Policy policy() const;

  /// @p person's account ("me": the viewer's own). @throws Error(forbidden) unless the viewer
  /// may see it.
  PointsAccount account(const std::string& person, const dispatch::Actor& viewer,
                        dispatch::Instant now);
  /// A page of entries, newest first: one person's (the viewer's own, or anyone's for staff who
  /// may see accounts), or the whole ledger's (admins and supervisors).
  std::vector<dispatch::points::Entry> entries(store::LedgerQuery query,
                                               const dispatch::Actor& viewer);
  /// One entry with its lines. @throws Error(not_found) when it does not exist or the viewer
  /// may not see it.
  dispatch::points::Entry entry(const std::string& id, const dispatch::Actor& viewer);

  dispatch::points::Posted earn(dispatch::points::EarnRequest request, const dispatch::Actor& by,
                                const std::string& request_key);
  dispatch::points::Posted award(const std::string& person, std::int64_t amount,
                                 const std::string& reason, const dispatch::Actor& by,
                                 dispatch::Instant now, const std::string& request_key);
  dispatch::points::Posted redeem(const std::string& person, const std::string& item,
                                  std::int64_t quantity, const dispatch::Actor& by,
                                  dispatch::Instant now, const std::string& request_key);
  dispatch::points::Posted reverse(const std::string& entry_id, const std::string& reason,
                                   const dispatch::Actor& by, dispatch::Instant now,
                                   const std::string& request_key);
  /// Expires what came due at @p now for every holder (at most @p max_people of them).
  ExpiryRun expire_due(const dispatch::Actor& by, dispatch::Instant now,
                       std::size_t max_people = 100000);

  /// Whether @p viewer may read @p person's account.
  static bool may_view(const std::string& person, const dispatch::Actor& viewer);

 private:
  dispatch::points::Posted post(const store::LedgerPlan& plan, const std::string& request_key,
                                const std::string& request_hash);
  store::Store& store_;
  Reference reference_;
};

}  // namespace wangge::service
