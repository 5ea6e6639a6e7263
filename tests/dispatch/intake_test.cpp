#include "wangge/dispatch/intake.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "sample_fixture.hpp"
#include "wangge/util/error.hpp"

namespace wangge::dispatch {
namespace {

class IntakeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sample_ = new testing::Sample(); }
  static void TearDownTestSuite() { delete sample_; }
  Instant now_ = *parse_iso("2026-11-23T09:00", TimeZone{});

  Report build(const Submission& s) const {
    return sample_->intake.build(s, testing::Sample::resident(), now_, new_report_id(now_));
  }
  void expect_refused(ErrorCode code, const std::string& fragment, const Submission& s) {
    try {
      build(s);
      ADD_FAILURE() << "accepted; expected '" << fragment << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }
  static testing::Sample* sample_;
};
testing::Sample* IntakeTest::sample_ = nullptr;

TEST_F(IntakeTest, AssignsTheFinestGridItsChainAndLeader) {
  const Report r = build(sample_->submission());
  EXPECT_EQ(r.state, ReportState::received);
  EXPECT_EQ(r.grid_status, grid::LocateStatus::inside);
  EXPECT_EQ(r.grid_chain, (std::vector<std::string>{testing::Sample::kUnit, testing::Sample::kGroup,
                                                    testing::Sample::kBlock, "430302009"}));
  EXPECT_EQ(r.leader.role, "邻长");
  EXPECT_EQ(r.generation, "g1");
  EXPECT_EQ(r.reporter.phone, "13800138000");
  EXPECT_EQ(r.submitted_by, "u-resident-1");
  EXPECT_GT(r.boundary_distance_m, 0);
}

TEST_F(IntakeTest, NormalisesGcj02AndBd09ToWgs84BeforeLocating) {
  Submission s = sample_->submission();
  const geo::LonLat gcj = geo::from_wgs84(
      geo::LonLat::checked(geo::Longitude(s.lon.value()), geo::Latitude(s.lat.value())),
      geo::Datum::gcj02);
  s.lon = gcj.lon();
  s.lat = gcj.lat();
  s.datum = "gcj02";
  const Report r = build(s);
  EXPECT_EQ(r.datum, geo::Datum::gcj02);
  EXPECT_NEAR(r.position.lon(), testing::Sample::kLon, 1e-7);
  EXPECT_NEAR(r.position.lat(), testing::Sample::kLat, 1e-7);
  EXPECT_EQ(r.grid_id(), testing::Sample::kUnit);
  // The same numbers read as WGS-84 land in another grid, hundreds of metres away.
  s.datum = "wgs84";
  EXPECT_NE(build(s).grid_id(), testing::Sample::kUnit);
}

TEST_F(IntakeTest, APointOutsideEveryGridGoesToTheUnassignedQueueNotTheBin) {
  Submission s = sample_->submission("0101", 113.5, 27.86);
  const Report r = build(s);
  EXPECT_EQ(r.grid_status, grid::LocateStatus::not_covered);
  EXPECT_TRUE(r.grid_chain.empty());
  // Locality first, but there is no locality: the category's department is the fallback.
  EXPECT_EQ(r.responsible.kind, Assignee::Kind::department);
  EXPECT_EQ(r.responsible.id, "hw");
}

TEST_F(IntakeTest, KeepsTheCheckedAnswersToTheCategorysQuestions) {
  Submission s = sample_->submission("B0101");
  s.attributes = {{"cover", {"loose"}}};
  EXPECT_EQ(build(s).attributes, (std::map<std::string, std::string>{{"cover", "loose"}}));
  s.attributes = {{"cover", {"melted"}}};
  expect_refused(ErrorCode::invalid_argument,
                 "attribute 'cover' (井盖是什么情况？) must be one of missing (缺失)", s);
  s.attributes = {{"colour", {"red"}}};
  expect_refused(ErrorCode::invalid_argument, "attribute 'colour' is not asked", s);
  s.unknown_attributes = UnknownAttributes::keep;
  EXPECT_EQ(build(s).attributes.at("colour"), "red");
}

TEST_F(IntakeTest, RefusesBadInputNamingTheFieldAndTheRule) {
  Submission s = sample_->submission();
  s.lat = 95;
  expect_refused(ErrorCode::invalid_coordinate, "latitude 95", s);
  s = sample_->submission();
  s.lon = std::nan("");
  expect_refused(ErrorCode::invalid_coordinate, "not a finite number", s);
  s = sample_->submission();
  s.lon.reset();
  expect_refused(ErrorCode::invalid_coordinate, "needs lon and lat", s);
  s = sample_->submission();
  s.datum = "wgs-72";
  expect_refused(ErrorCode::invalid_argument, "datum 'wgs-72' is not one of wgs84, gcj02, bd09", s);
  s = sample_->submission("9999");
  expect_refused(ErrorCode::invalid_argument, "category '9999' does not exist", s);
  s = sample_->submission("01");
  expect_refused(ErrorCode::invalid_argument, "is a class; report one of its sub-categories", s);
  s = sample_->submission();
  s.text = "   ";
  expect_refused(ErrorCode::invalid_argument, "text is empty", s);
  for (const char* bad : {"m_short", "m_AAAAAAAAAAAAAAAAAAAAA!", "M_AAAAAAAAAAAAAAAAAAAAAA"}) {
    s.media = {bad};  // not an upload's id: refused by its form before any look-up
    expect_refused(ErrorCode::invalid_argument, "is neither an uploaded photo's id", s);
  }
  s.media.clear();
  s.text = std::string(4001, 'x');
  expect_refused(ErrorCode::payload_too_large, "text is 4001 bytes; the limit is 4000", s);
  s.text = std::string("abc\0def", 7);
  expect_refused(ErrorCode::invalid_argument, "text contains a NUL byte", s);
  s.text = "\xC3\x28";
  expect_refused(ErrorCode::invalid_argument, "text is not valid UTF-8", s);
  s = sample_->submission();
  for (const char* bad : {"file:///etc/passwd", "javascript:alert(1)", "http://plain.example/a.jpg",
                          "https://x.example/a b.jpg", "data:image/png;base64,AAAA", "https://"}) {
    s.media = {bad};
    expect_refused(ErrorCode::invalid_argument, "nor an https URL", s);
  }
  s.media = std::vector<std::string>(11, "https://media.example/a.jpg");
  expect_refused(ErrorCode::payload_too_large, "at most 10 media URLs", s);
  s = sample_->submission();
  s.accuracy_m = -3;
  expect_refused(ErrorCode::invalid_argument, "accuracy_m must be a number from 0 to 5000 metres",
                 s);
  s.accuracy_m = 20000;
  expect_refused(ErrorCode::invalid_argument, "too vague", s);
  // Any size, any non-finite value: the rule, never a number cast out of range.
  for (double vague : {1e300, 1e19, std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    s.accuracy_m = vague;
    expect_refused(ErrorCode::invalid_argument, "accuracy_m must be a number from 0 to 5000", s);
  }
  s = sample_->submission();
  s.channel = "carrier-pigeon";
  expect_refused(ErrorCode::invalid_argument, "channel 'carrier-pigeon'", s);
}

TEST_F(IntakeTest, AVagueAccuracyIsRefusedWithTheRuleWhateverItsSize) {
  // Found by fuzzing: 1e300 was converted to a long long for the message (undefined; on x86
  // it read -9223372036854775808).
  Submission s = sample_->submission();
  s.accuracy_m = 1e300;
  expect_refused(ErrorCode::invalid_argument, "accuracy_m must be a number from 0 to 5000", s);
  s.accuracy_m = 5000.5;
  expect_refused(ErrorCode::invalid_argument, "accuracy_m must be a number from 0 to 5000", s);
  s.accuracy_m = 5000;
  EXPECT_NO_THROW(build(s));
}

TEST_F(IntakeTest, NormalisesThePhoneFormsRealClientsSend) {
  const std::pair<const char*, const char*> forms[] = {
      {"13800138000", "13800138000"},       {"+8613800138000", "13800138000"},
      {"+86 138 0000 0000", "13800000000"}, {"138 0000 0000", "13800000000"},
      {"138-0000-0000", "13800000000"},     {"0086 138 0013 8000", "13800138000"},
      {"(0731) 5555555", "0731-5555555"},   {"0731-58812345", "0731-58812345"},
      {"010-12345678", "010-12345678"},     {"02112345678", "021-12345678"},
      {"8613800138000", "13800138000"},
  };
  for (const auto& [typed, canonical] : forms)
    EXPECT_EQ(normalised_phone(typed), canonical) << typed;
  for (const char* bad : {"12800138000", "1380013800", "731-5881234", "0731-123", "phone",
                          "+1 415 555 0100", "138 0000 0000 ext 2", ""})
    EXPECT_FALSE(valid_phone(bad)) << bad;
}

TEST_F(IntakeTest, KeepsAnOddPhoneAsGivenRatherThanLosingTheReport) {
  Submission s = sample_->submission();
  s.reporter.phone = "+86 138 0000 0000";
  EXPECT_EQ(build(s).reporter.phone, "13800000000");
  s.reporter.phone = "12345";
  EXPECT_EQ(build(s).reporter.phone, "12345");
  s.reporter.phone = std::string(33, '1');
  expect_refused(ErrorCode::payload_too_large, "reporter phone is 33 bytes; the limit is 32", s);
}

TEST_F(IntakeTest, SuggestsTheNearestRecentOpenReportOfTheSameCategoryAsDuplicate) {
  const Report first = build(sample_->submission());
  Report near = first;
  near.id = "near";
  Report second_same =
      build(sample_->submission("0101", testing::Sample::kLon + 0.0002, testing::Sample::kLat));
  second_same.created_at = now_ + std::chrono::minutes(30);  // ~20 m east, half an hour later
  EXPECT_EQ(sample_->intake.find_duplicate(second_same, {first}), first.id);

  Report other_category =
      build(sample_->submission("0102", testing::Sample::kLon + 0.0002, testing::Sample::kLat));
  other_category.created_at = second_same.created_at;
  EXPECT_FALSE(sample_->intake.find_duplicate(other_category, {first}));

  Report far = build(
      sample_->submission("0101", testing::Sample::kLon + 0.002, testing::Sample::kLat));  // ~200 m
  far.created_at = second_same.created_at;
  EXPECT_FALSE(sample_->intake.find_duplicate(far, {first}));

  Report later = second_same;
  later.created_at = now_ + std::chrono::hours(49);  // 暴露垃圾: 48 h window
  EXPECT_FALSE(sample_->intake.find_duplicate(later, {first}));

  Report closed = first;
  closed.state = ReportState::closed;
  EXPECT_FALSE(sample_->intake.find_duplicate(second_same, {closed}));

  // A candidate that is itself a duplicate points at its original.
  Report dup = second_same;
  dup.duplicate_of = first.id;
  Report third = second_same;
  third.id = "third";
  third.created_at = second_same.created_at + std::chrono::minutes(1);
  EXPECT_EQ(sample_->intake.find_duplicate(third, {dup}), first.id);
}

TEST_F(IntakeTest, ReportIdsAreRandomAndUnguessable) {
  std::set<std::string> ids;
  const Instant at = Instant(std::chrono::milliseconds(1796140800000));  // 2026-12-01T16:00Z
  for (int i = 0; i < 10000; ++i) ids.insert(new_report_id(at));
  EXPECT_EQ(ids.size(), 10000u);
  for (const std::string& id : ids) {
    ASSERT_EQ(id.size(), 20u) << id;
    EXPECT_EQ(id.substr(0, 8), "r_202612") << id;  // 2026-12-02T00:00 in Beijing
    EXPECT_EQ(id.find_first_not_of("0123456789abcdefghjkmnpqrstvwxyz", 8), std::string::npos) << id;
  }
}

TEST_F(IntakeTest, ReportIdsBeginWithTheirMonthInChinaStandardTime) {
  // 2026-11-30T16:00Z is 2026-12-01T00:00 in Beijing; a millisecond before is still November.
  const Instant midnight = Instant(std::chrono::milliseconds(1796054400000));
  EXPECT_EQ(new_report_id(midnight).substr(0, 8), "r_202612");
  EXPECT_EQ(new_report_id(midnight - std::chrono::milliseconds(1)).substr(0, 8), "r_202611");
  EXPECT_EQ(report_id_month(2027, 1), "r_202701");
  // Every new id sorts after every id of the earlier scheme beginning "r0"…"r9" and before
  // those beginning "ra"…"rz", so the two never share a range.
  EXPECT_LT(std::string("r9zzzzzzzzzzzzzz"), new_report_id(midnight));
  EXPECT_LT(new_report_id(midnight), std::string("ra000000000000000"));
}

}  // namespace
}  // namespace wangge::dispatch
