#pragma once
// The committed sample as a test fixture: its reference data, grid index, a few actors and a
// helper that builds a report at a point.

#include "wangge/dispatch/intake.hpp"
#include "wangge/dispatch/reference.hpp"
#include "wangge/grid/import.hpp"

namespace wangge::testing {

struct Sample {
  dispatch::ReferenceData ref = dispatch::load_reference(WANGGE_SOURCE_DIR "/geodata/sample");
  std::shared_ptr<const grid::GridSet> grids =
      std::make_shared<const grid::GridSet>(grid::GridSet::build(
          grid::import_grids(WANGGE_SOURCE_DIR "/geodata/sample/grids.geojson", {}).grids));
  grid::GridIndex index{grids, 50.0};
  dispatch::Intake intake{ref, index, "g1"};

  // R00001 of the sample: 湘江一组第5邻 (43030200901300105) in 湘江一组, 湘江片区.
  static constexpr double kLon = 112.926891, kLat = 27.8576002;
  static constexpr const char* kUnit = "43030200901300105";
  static constexpr const char* kGroup = "430302009013001";
  static constexpr const char* kBlock = "430302009013";

  dispatch::Actor staff(const std::string& id) const {
    const dispatch::Actor* a = ref.staff_member(id);
    if (!a) throw std::runtime_error("no staff member " + id);
    return *a;
  }
  dispatch::Actor dispatcher() const { return staff("d01"); }
  dispatch::Actor supervisor() const { return staff("s01"); }
  dispatch::Actor unit_leader() const { return staff(std::string("w") + kUnit); }
  dispatch::Actor block_leader() const { return staff(std::string("w") + kBlock); }
  dispatch::Actor other_unit_leader() const { return staff("w43030200901200205"); }
  static dispatch::Actor resident(const std::string& id = "u-resident-1") {
    return dispatch::Actor{id, "居民", dispatch::Role::resident, {}, {}};
  }

  dispatch::Submission submission(const std::string& category = "0101", double lon = kLon,
                                  double lat = kLat) const {
    dispatch::Submission s;
    s.lon = lon;
    s.lat = lat;
    s.category = category;
    s.text = "路边有生活垃圾堆放，无人清运";
    s.reporter = {"张三", "13800138000", ""};
    return s;
  }
  dispatch::Report report(dispatch::Instant now, const std::string& category = "0101",
                          const dispatch::Actor& by = resident()) const {
    return intake.build(submission(category), by, now, dispatch::new_report_id(now));
  }
};

}  // namespace wangge::testing
