// The Service's snapshots: the grid generations, the reference data (categories,
// organisation, calendar, points policy) and the walking network, each immutable and swapped
// whole; who an actor spec names.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>

#include "grid_snapshot.hpp"
#include "service_state.hpp"
#include "wangge/grid/validate.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/network/service_points.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::service {

std::shared_ptr<const dispatch::ReferenceData> reference_from_store(store::Store& store) {
  auto c = store.reference("categories"), o = store.reference("organisation"),
       k = store.reference("calendar");
  if (!c || !o || !k) return nullptr;
  dispatch::ReferenceData ref = dispatch::parse_reference(*c, *o, *k);
  if (auto p = store.reference("points")) ref.points = dispatch::points::parse_policy(*p);
  if (auto p = store.reference("patrols")) ref.patrols = dispatch::patrols::parse_plan(*p);
  if (auto a = store.reference("appraisal")) ref.appraisal = dispatch::appraisal::parse_policy(*a);
  ref.services_changed_at = store.reference_updated_at("categories").value_or(dispatch::Instant{});
  return std::make_shared<const dispatch::ReferenceData>(std::move(ref));
}

std::shared_ptr<const network::NearestService> Service::nearest() const {
  store();
  return dispatch_->nearest_service();
}

void Service::load_network(const std::string& network, const std::string& service_points,
                           const network::WalkingConfig& walking) {
  auto graph = std::make_shared<const network::WalkingGraph>(network::open_walking_graph(network));
  auto nearest = std::make_shared<const network::NearestService>(
      graph, network::import_service_points(service_points), walking);
  std::lock_guard lock(dispatch_->mutex);
  dispatch_->nearest = std::move(nearest);
}

std::vector<store::GenerationInfo> Service::generations() {
  return store().generations();
}

std::shared_ptr<const dispatch::ReferenceData> Service::reference() const {
  store();
  return dispatch_->reference();
}

const dispatch::PrivacyPolicy& Service::privacy() const {
  static const dispatch::PrivacyPolicy kDefault;
  return dispatch_ ? dispatch_->config.privacy : kDefault;
}

std::string Service::active_generation() const {
  store();
  auto g = grid_snapshot();
  return g ? g->generation : std::string();
}

dispatch::Actor Service::actor(const std::string& spec) const {
  if (spec.empty() || spec == "anonymous")
    return dispatch::Actor{"", "anonymous", dispatch::Role::resident, {}, {}};
  if (spec.rfind("resident:", 0) == 0 && spec.size() > 9)
    return dispatch::Actor{spec, "resident", dispatch::Role::resident, {}, {}};
  if (const dispatch::Actor* a = reference()->staff_member(spec)) return *a;
  throw Error(ErrorCode::forbidden,
              "'" + spec + "' is not a member of staff (organisation.json) nor resident:<id>");
}

std::string Service::import_generation(const std::string& path, const grid::ImportOptions& options,
                                       bool activate, dispatch::Instant now) {
  grid::ImportResult imported = grid::import_grids(path, options);
  std::vector<grid::Grid> grids = imported.grids;
  grid::ValidationReport report = grid::validate(grids, grid::ValidationOptions{});
  report.findings.insert(report.findings.begin(), imported.problems.begin(),
                         imported.problems.end());
  std::size_t errors = 0;
  std::string first;
  for (const grid::Finding& f : report.findings) {
    if (f.severity != grid::Severity::error) continue;
    if (errors++ < 3) first += "\n  [" + f.rule + "] " + f.message;
  }
  if (errors) {
    throw Error(ErrorCode::invalid_data,
                "'" + path + "' does not validate (" + std::to_string(errors) +
                    " error(s); `wangge validate` lists them all):" + first);
  }
  grid::GridSet::build(grids);  // indexable, or Error(invalid_topology) before anything is stored
  const std::string id = store().save_generation(grids, path, now);
  if (activate) activate_generation(id);
  return id;
}

std::shared_ptr<const Service::GridSnapshot> Service::snapshot_of(const std::string& id) const {
  auto set =
      std::make_shared<const grid::GridSet>(grid::GridSet::build(store().load_generation(id)));
  return std::make_shared<const GridSnapshot>(GridSnapshot{
      std::make_shared<const grid::GridIndex>(set, dispatch_->config.outside_tolerance_m), id});
}

void Service::activate_generation(const std::string& id) {
  // Loaded and indexed before the switch: readers see the old grids or the new, never none.
  auto snapshot = snapshot_of(id);
  store().activate_generation(id);
  swap_grids(std::move(snapshot));
  tell("generation", id);
}

void Service::follow_generation() {
  const auto id = store().active_generation();
  if (!id || *id == active_generation()) return;
  swap_grids(snapshot_of(*id));
}

std::shared_ptr<const dispatch::ReferenceData> Service::reload_reference() {
  auto ref = reference_from_store(store());
  if (!ref) throw Error(ErrorCode::not_found, "the store holds no reference documents");
  {
    std::lock_guard lock(dispatch_->mutex);
    dispatch_->ref = ref;
  }
  // Roles, grids and departments may have changed: verified credentials are read again.
  dispatch_->accounts->note_revocation_here();
  return ref;
}

std::string Service::reference_document(const std::string& name) const {
  auto body = store().reference(name);
  if (!body) throw Error(ErrorCode::not_found, "the store holds no " + name + ".json");
  return *body;
}

void Service::import_organisation(const std::string& organisation_json, dispatch::Instant now) {
  dispatch::parse_reference(reference_document("categories"), organisation_json,
                            reference_document("calendar"));
  store().put_reference("organisation", organisation_json, now);
  reload_reference();
  tell("reference", "");
}

void Service::import_reference(const std::string& dir, dispatch::Instant now) {
  const std::string c = text::read_file(dir + "/categories.json");
  const std::string o = text::read_file(dir + "/organisation.json");
  const std::string k = text::read_file(dir + "/calendar.json");
  // The points bank's, the patrol plan's and the appraisal's documents are optional (the
  // defaults, no routes, no property companies without them).
  const auto optional_file = [&](const std::string& name) {
    const std::string path = dir + "/" + name;
    return std::filesystem::exists(path) ? text::read_file(path) : std::string();
  };
  const std::string p = optional_file("points.json"), r = optional_file("patrols.json"),
                    a = optional_file("appraisal.json");
  dispatch::parse_reference(c, o, k);  // all or nothing: a bad document stores none of them
  if (!p.empty()) dispatch::points::parse_policy(p);
  if (!r.empty()) dispatch::patrols::parse_plan(r);
  if (!a.empty()) dispatch::appraisal::parse_policy(a);
  store::Store& s = store();
  if (!p.empty()) s.put_reference("points", p, now);
  if (!r.empty()) s.put_reference("patrols", r, now);
  if (!a.empty()) s.put_reference("appraisal", a, now);
  s.put_reference("categories", c, now);
  s.put_reference("organisation", o, now);
  s.put_reference("calendar", k, now);
  auto ref = reference_from_store(s);  // with the time the categories last changed
  if (!ref) throw Error(ErrorCode::unavailable, "the reference documents were not stored");
  {
    std::lock_guard lock(dispatch_->mutex);
    dispatch_->ref = std::move(ref);
  }
  tell("reference", "");
}

}  // namespace wangge::service
