// `Service::archive` on its own SQLite store: the GeoPackage holds every case, event and photo
// it says (read back through GDAL, the photo's bytes compared), contacts only when asked,
// the archived cases leave the store with their photos and keys, the rest stay; a file that
// exists is never replaced; --keep deletes nothing.
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "wangge/service/media_library.hpp"
#include "wangge/service/service.hpp"
#include "wangge/util/error.hpp"

namespace wangge::service {
namespace {

namespace fs = std::filesystem;

struct ArchiveTest : ::testing::Test {
  void SetUp() override {
    dir = fs::temp_directory_path() / ("wangge_archive_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ServiceConfig config;
    config.store = (dir / "archive.db").string();
    config.data_dir = std::string(WANGGE_SOURCE_DIR) + "/geodata/sample";
    service = Service::open(config);
  }
  void TearDown() override {
    service.reset();
    fs::remove_all(dir);
  }
  dispatch::Instant at(const char* local) const {
    return *dispatch::parse_iso(local, service->reference()->calendar.zone());
  }
  /// A case submitted at @p when with @p media, taken to its end (closed, or left open).
  dispatch::Report a_case(const char* when, bool close, std::vector<std::string> media = {},
                          const std::string& key = "") {
    dispatch::Submission s;
    s.lon = 112.926891;
    s.lat = 27.8576002;
    s.category = "0101";
    s.text = "路边垃圾堆放";
    s.reporter = {"张三", "13800138000", ""};
    s.media = std::move(media);
    const dispatch::Report r = service->submit(s, resident, key, at(when)).report;
    if (!close) return r;
    const dispatch::Actor d01 = *service->reference()->staff_member("d01");
    dispatch::ActionRequest req;
    req.action = dispatch::Action::cancel;
    req.reason = "重复上报";
    return service->act(r.id, req, d01, at(when));
  }

  fs::path dir;
  std::unique_ptr<Service> service;
  const dispatch::Actor resident{"resident:arc", "", dispatch::Role::resident, {}, {}};
};

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_F(ArchiveTest, EndedCasesLeaveTheStoreForAGeoPackageThatHoldsThemWhole) {
  const std::string jpeg =
      file_bytes(fs::path(WANGGE_SOURCE_DIR) / "tests/fuzz/corpus/image_upload/grey.jpg");
  const UploadedMedia photo = service->media().upload(jpeg, resident, at("2026-10-05T08:00"));
  const dispatch::Report old_closed =
      a_case("2026-10-05T09:00", true, {photo.record.id}, "key-old");
  const dispatch::Report old_open = a_case("2026-10-06T09:00", false);
  const dispatch::Report recent_closed = a_case("2026-11-20T09:00", true);
  const dispatch::Actor admin{"a-test", "test", dispatch::Role::admin, {}, {}};
  MediaFile stored = service->media().describe(photo.record.id, false, admin);
  service->media().read(stored, false);

  ArchiveRequest req;
  req.before = at("2026-11-01T00:00");
  req.path = (dir / "a.gpkg").string();
  const ArchiveResult r = service->archive(req);
  EXPECT_EQ(r.cases, 1u);
  EXPECT_EQ(r.events, 2u);  // submit, cancel
  EXPECT_EQ(r.photos, 1u);
  EXPECT_EQ(r.deleted, 1u);
  EXPECT_TRUE(r.changed.empty());
  EXPECT_FALSE(r.more);

  // Read back through GDAL, not through our writer.
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open(req.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  OGRLayer* reports = ds->GetLayerByName("reports");
  ASSERT_TRUE(reports);
  ASSERT_EQ(reports->GetFeatureCount(), 1);
  std::unique_ptr<OGRFeature> row(reports->GetNextFeature());
  EXPECT_STREQ(row->GetFieldAsString("id"), old_closed.id.c_str());
  EXPECT_STREQ(row->GetFieldAsString("state"), "cancelled");
  EXPECT_STREQ(row->GetFieldAsString("text"), "路边垃圾堆放");
  EXPECT_EQ(reports->GetLayerDefn()->GetFieldIndex("reporter_phone"), -1);  // not asked for
  const auto* point = row->GetGeometryRef()->toPoint();
  EXPECT_NEAR(point->getX(), 112.926891, 1e-9);
  OGRLayer* events = ds->GetLayerByName("events");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->GetFeatureCount(), 2);
  OGRLayer* photos = ds->GetLayerByName("photos");
  ASSERT_TRUE(photos);
  ASSERT_EQ(photos->GetFeatureCount(), 1);
  std::unique_ptr<OGRFeature> p(photos->GetNextFeature());
  int size = 0;
  const GByte* blob = p->GetFieldAsBinary(p->GetFieldIndex("jpeg"), &size);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(blob), static_cast<std::size_t>(size)),
            stored.bytes);
  EXPECT_STREQ(p->GetFieldAsString("sha256"), photo.record.etag.c_str());
  ds.reset();

  // Gone from the store with its photo; the open case and the recent one stay.
  EXPECT_FALSE(service->report(old_closed.id, admin));
  EXPECT_TRUE(service->report(old_open.id, admin));
  EXPECT_TRUE(service->report(recent_closed.id, admin));
  EXPECT_THROW(service->media().describe(photo.record.id, false, admin), Error);
  // Its idempotency key went with it: the same key is a new case now, not a replay.
  EXPECT_NE(a_case("2026-11-21T09:00", false, {}, "key-old").id, old_closed.id);

  // A file that exists is never replaced; nothing more is due, so nothing is written.
  EXPECT_THROW(service->archive(req), Error);
  req.path = (dir / "b.gpkg").string();
  EXPECT_EQ(service->archive(req).cases, 0u);
  EXPECT_FALSE(fs::exists(req.path));
}

TEST_F(ArchiveTest, KeepWritesTheFileAndDeletesNothingAndContactsAreKeptOnlyWhenAsked) {
  const dispatch::Report old_closed = a_case("2026-10-05T09:00", true);
  ArchiveRequest req;
  req.before = at("2026-11-01T00:00");
  req.path = (dir / "k.gpkg").string();
  req.keep = true;
  req.contacts = true;
  EXPECT_EQ(service->archive(req).deleted, 0u);
  const dispatch::Actor admin{"a-test", "test", dispatch::Role::admin, {}, {}};
  EXPECT_TRUE(service->report(old_closed.id, admin));
  GDALAllRegister();
  std::unique_ptr<GDALDataset> ds(
      GDALDataset::Open(req.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  std::unique_ptr<OGRFeature> row(ds->GetLayerByName("reports")->GetNextFeature());
  EXPECT_STREQ(row->GetFieldAsString("reporter_phone"), "13800138000");
  // Bad requests: named, nothing written.
  req.path = (dir / "k.geojson").string();
  EXPECT_THROW(service->archive(req), Error);
  req.path = (dir / "l.gpkg").string();
  req.limit = 0;
  EXPECT_THROW(service->archive(req), Error);
  EXPECT_FALSE(fs::exists(req.path));
}

}  // namespace
}  // namespace wangge::service
