// The photo rules of media/image.cpp: types by their bytes, limits before decoding, EXIF
// positions, orientation by the pixels themselves, and every seed of the fuzz corpus (JPEG with
// GPS, grey JPEG, RGB / RGBA / 16-bit / palette PNG, WebP) processed into two JPEGs. Images are
// made and read back with GDAL, an implementation independent of the code under test's choices.
#include <gdal_priv.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "wangge/geo/gdal.hpp"
#include "wangge/media/image.hpp"
#include "wangge/util/error.hpp"

namespace wangge::media {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Quadrant colours of the test picture: top-left red, top-right green, bottom-left blue,
/// bottom-right white.
constexpr std::array<std::array<int, 3>, 4> kQuadrants{
    {{{230, 20, 20}}, {{20, 200, 20}}, {{20, 20, 220}}, {{245, 245, 245}}}};

/// A w×h JPEG of the four quadrants, with EXIF Orientation @p orientation.
std::string quadrant_jpeg(int w, int h, int orientation) {
  gdal::init();
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  gdal::Dataset ds(mem->Create("", w, h, 3, GDT_Byte, nullptr));
  std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        px[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            static_cast<std::uint8_t>(kQuadrants[(y < h / 2 ? 0 : 2) + (x < w / 2 ? 0 : 1)][c]);
  EXPECT_EQ(ds->RasterIO(GF_Write, 0, 0, w, h, px.data(), w, h, GDT_Byte, 3, nullptr, 3, 3 * w, 1,
                         nullptr),
            CE_None);
  ds->SetMetadataItem("EXIF_Orientation", std::to_string(orientation).c_str());
  const std::string name = "/vsimem/image_test_in_" + std::to_string(orientation) + ".jpg";
  gdal::Dataset out(GetGDALDriverManager()->GetDriverByName("JPEG")->CreateCopy(
      name.c_str(), ds.get(), FALSE, nullptr, nullptr, nullptr));
  out.reset();
  vsi_l_offset size = 0;
  GByte* data = VSIGetMemFileBuffer(name.c_str(), &size, TRUE);
  std::string bytes(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  CPLFree(data);
  VSIUnlink((name + ".aux.xml").c_str());
  return bytes;
}

/// The JPEG @p bytes decoded: its size and the colour at (x, y).
struct Decoded {
  int w = 0, h = 0;
  std::vector<std::uint8_t> px;
  std::string metadata;  ///< every default-domain item, one per line
  std::array<int, 3> at(int x, int y) const {
    const std::size_t i = (static_cast<std::size_t>(y) * w + x) * 3;
    return {px[i], px[i + 1], px[i + 2]};
  }
};

Decoded decode(const std::string& bytes) {
  const std::string name = "/vsimem/image_test_out.jpg";
  VSILFILE* f = VSIFileFromMemBuffer(
      name.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(bytes.data())), bytes.size(), FALSE);
  VSIFCloseL(f);
  Decoded d;
  {
    gdal::Dataset ds(GDALDataset::Open(name.c_str(), GDAL_OF_RASTER));
    if (!ds) {
      VSIUnlink(name.c_str());
      ADD_FAILURE() << "GDAL cannot read the output";
      return d;
    }
    d.w = ds->GetRasterXSize();
    d.h = ds->GetRasterYSize();
    d.px.resize(static_cast<std::size_t>(d.w) * d.h * 3);
    EXPECT_EQ(ds->RasterIO(GF_Read, 0, 0, d.w, d.h, d.px.data(), d.w, d.h, GDT_Byte, 3, nullptr, 3,
                           3 * d.w, 1, nullptr),
              CE_None);
    for (char** m = ds->GetMetadata(); m && *m; ++m) d.metadata += std::string(*m) + "\n";
  }
  VSIUnlink(name.c_str());
  return d;
}

void expect_colour(const Decoded& d, int x, int y, int quadrant, const std::string& where) {
  const auto got = d.at(x, y);
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(got[c], kQuadrants[quadrant][c], 12) << where << " channel " << c;
}

TEST(Image, SniffsByBytesNotNames) {
  using namespace std::literals;
  EXPECT_EQ(sniff("\xFF\xD8\xFF\xE0rest"sv), ImageType::jpeg);
  EXPECT_EQ(sniff("\x89PNG\r\n\x1A\n\0\0"sv), ImageType::png);
  EXPECT_EQ(sniff("RIFF\x10\0\0\0WEBPVP8 "sv), ImageType::webp);
  EXPECT_FALSE(sniff("%PDF-1.7"));
  EXPECT_FALSE(sniff("GIF89a"));
  EXPECT_FALSE(sniff("RIFF\x10\0\0\0WAVEfmt "sv));  // RIFF, but audio
  EXPECT_FALSE(sniff("\xFF\xD8"));                  // too short to be a JPEG
  EXPECT_EQ(describe_kind("%PDF-1.4"), "a PDF document");
  EXPECT_NE(describe_kind(std::string("\0\0\0\x18"
                                      "ftypheic",
                                      12))
                .find("HEIC"),
            std::string::npos);
}

TEST(Image, ExifPositionParsedOrRefused) {
  auto p = exif_position("(27) (51) (27.36)", "N", "(112) (55) (36.8)", "E");
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->lat, 27 + 51.0 / 60 + 27.36 / 3600);
  EXPECT_DOUBLE_EQ(p->lon, 112 + 55.0 / 60 + 36.8 / 3600);
  p = exif_position("(33) (52) (0)", "S", "(151) (12) (30)", "W");
  ASSERT_TRUE(p);
  EXPECT_LT(p->lat, 0);
  EXPECT_LT(p->lon, 0);
  EXPECT_FALSE(exif_position("(0) (0) (0)", "N", "(0) (0) (0)", "E"));  // no fix
  EXPECT_FALSE(exif_position("(95) (0) (0)", "N", "(112) (0) (0)", "E"));
  EXPECT_FALSE(exif_position("(27) (61) (0)", "N", "(112) (0) (0)", "E"));
  EXPECT_FALSE(exif_position("(27) (nan) (0)", "N", "(112) (0) (0)", "E"));
  EXPECT_FALSE(exif_position("(27) (51)", "N", "(112) (0) (0)", "E"));
  EXPECT_FALSE(exif_position("(27) (51) (1)", "X", "(112) (0) (0)", "E"));
  EXPECT_FALSE(exif_position("", "", "", ""));
}

TEST(Image, EveryOrientationStandsUpright) {
  // The quadrants are stored as drawn, tagged with orientation o; the output must show them
  // where EXIF says a viewer puts them (6: stored row 0 is the picture's right-hand side and
  // stored column 0 its top, so the picture is the stored one turned 90° clockwise).
  for (int o = 1; o <= 8; ++o) {
    const int w = 64, h = 48;
    const ProcessedImage out = process(quadrant_jpeg(w, h, o));
    const Decoded d = decode(out.display);
    const bool swap = o >= 5;
    ASSERT_EQ(d.w, swap ? h : w) << "orientation " << o;
    ASSERT_EQ(d.h, swap ? w : h) << "orientation " << o;
    // Where the stored top-left quadrant (red) must appear, per the EXIF definition.
    const int x0 = d.w / 4, x1 = d.w * 3 / 4, y0 = d.h / 4, y1 = d.h * 3 / 4;
    std::array<int, 4> at{};  // output quadrant (TL, TR, BL, BR) → stored quadrant
    switch (o) {
      case 1:
        at = {0, 1, 2, 3};
        break;
      case 2:
        at = {1, 0, 3, 2};
        break;  // mirrored left-right
      case 3:
        at = {3, 2, 1, 0};
        break;  // turned 180°
      case 4:
        at = {2, 3, 0, 1};
        break;  // mirrored top-bottom
      case 5:
        at = {0, 2, 1, 3};
        break;  // transposed
      case 6:
        at = {2, 0, 3, 1};
        break;  // turned 90° clockwise
      case 7:
        at = {3, 1, 2, 0};
        break;  // transversed
      case 8:
        at = {1, 3, 0, 2};
        break;  // turned 90° anticlockwise
    }
    const std::string where = "orientation " + std::to_string(o);
    expect_colour(d, x0, y0, at[0], where + " top-left");
    expect_colour(d, x1, y0, at[1], where + " top-right");
    expect_colour(d, x0, y1, at[2], where + " bottom-left");
    expect_colour(d, x1, y1, at[3], where + " bottom-right");
  }
}

TEST(Image, CopiesAreScaledAndCarryNoExif) {
  const std::string jpeg = quadrant_jpeg(2400, 1200, 1);
  ImageLimits limits;
  const ProcessedImage out = process(jpeg, limits);
  EXPECT_EQ(out.source_width, 2400);
  // 1/2 would be 1200 px, too much lost: resampled to the side instead.
  EXPECT_EQ(std::make_pair(out.width, out.height), std::make_pair(2048, 1024));
  EXPECT_EQ(std::make_pair(out.thumbnail_width, out.thumbnail_height), std::make_pair(320, 160));
  const Decoded d = decode(out.display), t = decode(out.thumbnail);
  EXPECT_EQ(d.w, 2048);
  // A 4000 px photo decodes at 1/2 (2000 px), close enough to the side to be kept as it is.
  const ProcessedImage big = process(quadrant_jpeg(4000, 3000, 1), limits);
  EXPECT_EQ(std::make_pair(big.width, big.height), std::make_pair(2000, 1500));
  expect_colour(decode(big.display), 1500, 1200, 3, "bottom-right at 1/2");
  EXPECT_EQ(t.w, 320);
  EXPECT_EQ(d.metadata.find("EXIF_"), std::string::npos) << d.metadata;
  EXPECT_EQ(t.metadata.find("EXIF_"), std::string::npos) << t.metadata;
  expect_colour(t, 40, 40, 0, "thumbnail top-left");
  expect_colour(t, 280, 120, 3, "thumbnail bottom-right");
}

TEST(Image, EverySeedOfTheFuzzCorpusProcesses) {
  const std::filesystem::path dir =
      std::filesystem::path(WANGGE_SOURCE_DIR) / "tests/fuzz/corpus/image_upload";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().filename().string());
    const ProcessedImage out = process(read_file(entry.path()));
    const Decoded d = decode(out.display);
    EXPECT_EQ(std::max(d.w, d.h), 48);
    // The test picture's colours vary; an all-white copy means samples were clipped (16-bit)
    // or alpha lost, an all-black one a failed read.
    int white = 0, black = 0;
    for (std::size_t i = 0; i < d.px.size(); i += 3) {
      white += d.px[i] > 250 && d.px[i + 1] > 250 && d.px[i + 2] > 250;
      black += d.px[i] < 5 && d.px[i + 1] < 5 && d.px[i + 2] < 5;
    }
    const int n = d.w * d.h;
    EXPECT_LT(white, n / 2);
    EXPECT_LT(black, n / 2);
    ++seen;
  }
  EXPECT_GE(seen, 7);
}

TEST(Image, LimitsAndDamageRefused) {
  const std::string jpeg = quadrant_jpeg(400, 300, 1);
  ImageLimits small;
  small.max_pixels = 100'000;  // 400×300 = 120,000
  try {
    (void)process(jpeg, small);
    ADD_FAILURE() << "over the pixel limit was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::payload_too_large);
  }
  small = ImageLimits{};
  small.max_bytes = jpeg.size() - 1;
  try {
    (void)process(jpeg, small);
    ADD_FAILURE() << "over the byte limit was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::payload_too_large);
  }
  for (std::size_t cut : {jpeg.size() / 2, jpeg.size() - 2, std::size_t{40}}) {
    try {
      (void)process(jpeg.substr(0, cut));
      ADD_FAILURE() << "a JPEG cut at " << cut << " was taken";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_data) << e.what();
    }
  }
  try {
    (void)process("%PDF-1.4 renamed.jpg");
    ADD_FAILURE() << "a PDF was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported_media_type);
  }
}

}  // namespace
}  // namespace wangge::media
