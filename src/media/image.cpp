#include "wangge/media/image.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "wangge/geo/gdal.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::media {

std::string_view mime_type(ImageType t) noexcept {
  switch (t) {
    case ImageType::jpeg:
      return "image/jpeg";
    case ImageType::png:
      return "image/png";
    case ImageType::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

std::optional<ImageType> sniff(std::string_view b) noexcept {
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return ImageType::jpeg;
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1A\n") return ImageType::png;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP")
    return ImageType::webp;
  return std::nullopt;
}

std::string describe_kind(std::string_view b) {
  if (b.empty()) return "an empty file";
  if (b.starts_with("%PDF")) return "a PDF document";
  if (b.starts_with("GIF8")) return "a GIF image";
  if (b.starts_with("BM")) return "a BMP image";
  if (b.starts_with("II*") || b.starts_with("MM\0*")) return "a TIFF image";
  if (b.starts_with("PK\x03\x04")) return "a ZIP archive (or an Office file)";
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") {
    const std::string_view brand = b.substr(8, 4);
    if (brand == "heic" || brand == "heix" || brand == "mif1" || brand == "msf1")
      return "a HEIC image (set the camera to \"most compatible\", or share it as JPEG)";
    return "a video or other ISO media file";
  }
  if (b.starts_with("<")) return "text (HTML, XML or SVG)";
  return "of an unknown kind";
}

namespace {

constexpr int kMaxBands = 4;

/// The degrees of "(27) (51) (27.36)": d + m/60 + s/3600, or std::nullopt.
std::optional<double> dms(std::string_view text) {
  double parts[3];
  int n = 0;
  std::size_t i = 0;
  while (n < 3) {
    const std::size_t open = text.find('(', i);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find(')', open);
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inner = text.substr(open + 1, close - open - 1);
    double v = 0;
    const auto [end, ec] = std::from_chars(inner.data(), inner.data() + inner.size(), v);
    if (ec != std::errc() || end != inner.data() + inner.size() || !std::isfinite(v) || v < 0)
      return std::nullopt;
    parts[n++] = v;
    i = close + 1;
  }
  if (n != 3 || parts[1] >= 60 || parts[2] >= 60) return std::nullopt;
  return parts[0] + parts[1] / 60 + parts[2] / 3600;
}

/// GDAL's messages while one image is read: failures end the read; libjpeg's warning of a file
/// that ends early ("Premature end of JPEG file") means half the picture is grey.
struct Diagnostics {
  bool failed = false;
  bool truncated = false;
};

void CPL_STDCALL collect(CPLErr level, CPLErrorNum, const char* message) {
  auto* d = static_cast<Diagnostics*>(CPLGetErrorHandlerUserData());
  if (!d) return;
  if (level >= CE_Failure) d->failed = true;
  if (message && std::strstr(message, "Premature end")) d->truncated = true;
}

class ScopedDiagnostics {
 public:
  ScopedDiagnostics() { CPLPushErrorHandlerEx(collect, &d_); }
  ~ScopedDiagnostics() { CPLPopErrorHandler(); }
  ScopedDiagnostics(const ScopedDiagnostics&) = delete;
  ScopedDiagnostics& operator=(const ScopedDiagnostics&) = delete;
  const Diagnostics& get() const { return d_; }

 private:
  Diagnostics d_;
};

/// A /vsimem/ file of its own for one image (a copy GDAL owns; unlinked on scope exit).
class MemFile {
 public:
  MemFile(std::string_view bytes, const char* ext) : name_(unique_name(ext)) {
    auto* copy = static_cast<GByte*>(VSIMalloc(bytes.size()));
    if (!copy) throw Error(ErrorCode::unavailable, "no memory for the image");
    std::memcpy(copy, bytes.data(), bytes.size());
    VSILFILE* f =
        VSIFileFromMemBuffer(name_.c_str(), copy, static_cast<vsi_l_offset>(bytes.size()), TRUE);
    if (!f) {
      CPLFree(copy);
      throw Error(ErrorCode::unavailable, "cannot stage the image in memory");
    }
    VSIFCloseL(f);
  }
  explicit MemFile(const char* ext) : name_(unique_name(ext)) {}
  ~MemFile() {
    VSIUnlink(name_.c_str());
    VSIUnlink((name_ + ".aux.xml").c_str());
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  const std::string& name() const { return name_; }
  /// The file's bytes (after GDAL wrote it).
  std::string take() const {
    vsi_l_offset size = 0;
    GByte* data = VSIGetMemFileBuffer(name_.c_str(), &size, FALSE);
    if (!data) throw Error(ErrorCode::internal, "the encoded image is missing");
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
  }

 private:
  static std::string unique_name(const char* ext) {
    static std::atomic<std::uint64_t> next{0};
    return "/vsimem/wangge-media-" + std::to_string(next.fetch_add(1)) + ext;
  }
  std::string name_;
};

/// Pixels as 8-bit RGB, row by row.
struct Rgb {
  int width = 0, height = 0;
  std::vector<std::uint8_t> px;
};

const char* driver_of(ImageType t) {
  switch (t) {
    case ImageType::jpeg:
      return "JPEG";
    case ImageType::png:
      return "PNG";
    case ImageType::webp:
      return "WEBP";
  }
  return "";
}

gdal::Dataset open_image(const MemFile& file, ImageType type) {
  const char* drivers[] = {driver_of(type), nullptr};
  const char* no_siblings[] = {nullptr};
  return gdal::Dataset(GDALDataset::FromHandle(GDALOpenEx(
      file.name().c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, drivers, nullptr, no_siblings)));
}

[[noreturn]] void damaged(ImageType type) {
  throw Error(ErrorCode::invalid_data,
              "the " + std::string(mime_type(type).substr(6)) +
                  " image is damaged or truncated and cannot be read (upload the whole file)");
}

/// The source's bands read at @p w × @p h (averaged), as 8-bit samples interleaved per pixel.
std::vector<std::uint8_t> read_bands(GDALDataset& ds, int bands, int w, int h, bool palette) {
  GDALRasterIOExtraArg arg;
  INIT_RASTERIO_EXTRA_ARG(arg);
  // Averaging palette indexes would mix unrelated colours: those are sampled.
  arg.eResampleAlg = palette ? GRIORA_NearestNeighbour : GRIORA_Average;
  const std::size_t n =
      static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * static_cast<std::size_t>(bands);
  const GSpacing pixel = bands, line = static_cast<GSpacing>(bands) * w;
  std::vector<std::uint8_t> out(n);
  const int sx = ds.GetRasterXSize(), sy = ds.GetRasterYSize();
  if (ds.GetRasterBand(1)->GetRasterDataType() == GDT_UInt16) {
    std::vector<std::uint16_t> wide(n);
    if (ds.RasterIO(GF_Read, 0, 0, sx, sy, wide.data(), w, h, GDT_UInt16, bands, nullptr, pixel * 2,
                    line * 2, 2, &arg) != CE_None)
      return {};
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(wide[i] >> 8);
    return out;
  }
  if (ds.RasterIO(GF_Read, 0, 0, sx, sy, out.data(), w, h, GDT_Byte, bands, nullptr, pixel, line, 1,
                  &arg) != CE_None)
    return {};
  return out;
}

/// Interleaved samples (grey, grey+alpha, RGB, RGBA or palette indexes) as RGB on white.
Rgb to_rgb(const std::vector<std::uint8_t>& s, int bands, int w, int h, GDALColorTable* palette) {
  Rgb out{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  const bool alpha = bands == 2 || bands == 4;
  const int colours = alpha ? bands - 1 : bands;
  for (std::size_t i = 0, n = static_cast<std::size_t>(w) * h; i < n; ++i) {
    const std::uint8_t* p = &s[i * static_cast<std::size_t>(bands)];
    int rgba[4] = {p[0], p[0], p[0], alpha ? p[bands - 1] : 255};
    if (palette) {
      const GDALColorEntry* e = palette->GetColorEntry(p[0]);
      if (e) rgba[0] = e->c1, rgba[1] = e->c2, rgba[2] = e->c3, rgba[3] = e->c4;
    } else if (colours == 3) {
      rgba[1] = p[1], rgba[2] = p[2];
    }
    for (int c = 0; c < 3; ++c)
      out.px[i * 3 + static_cast<std::size_t>(c)] =
          static_cast<std::uint8_t>((rgba[c] * rgba[3] + 255 * (255 - rgba[3]) + 127) / 255);
  }
  return out;
}

/// Turns the picture as EXIF Orientation @p o (1 to 8) says, so that it stands upright.
Rgb oriented(Rgb in, int o) {
  if (o < 2 || o > 8) return in;
  const bool swap = o >= 5;
  const int w = in.width, h = in.height;
  Rgb out{swap ? h : w, swap ? w : h, std::vector<std::uint8_t>(in.px.size())};
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      int sx = x, sy = y;
      switch (o) {
        case 2:
          sx = w - 1 - x;
          break;
        case 3:
          sx = w - 1 - x, sy = h - 1 - y;
          break;
        case 4:
          sy = h - 1 - y;
          break;
        case 5:
          sx = y, sy = x;
          break;
        case 6:
          sx = y, sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y, sy = h - 1 - x;
          break;
        case 8:
          sx = w - 1 - y, sy = x;
          break;
        default:
          break;
      }
      std::memcpy(&out.px[(static_cast<std::size_t>(y) * out.width + x) * 3],
                  &in.px[(static_cast<std::size_t>(sy) * w + sx) * 3], 3);
    }
  }
  return out;
}

/// An in-memory GDAL dataset over @p img's pixels (no copy: the bands point into them; @p img
/// must outlive it).
gdal::Dataset mem_dataset(Rgb& img) {
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  gdal::Dataset ds(mem->Create("", img.width, img.height, 0, GDT_Byte, nullptr));
  if (!ds) throw Error(ErrorCode::unavailable, "no memory for the image");
  const std::string line = "LINEOFFSET=" + std::to_string(3 * static_cast<long long>(img.width));
  for (int c = 0; c < 3; ++c) {
    char pointer[64];
    std::snprintf(pointer, sizeof pointer, "DATAPOINTER=%p", static_cast<void*>(img.px.data() + c));
    const char* options[] = {pointer, "PIXELOFFSET=3", line.c_str(), nullptr};
    if (ds->AddBand(GDT_Byte, const_cast<char**>(options)) != CE_None)
      throw Error(ErrorCode::internal, "cannot wrap the image for GDAL");
  }
  return ds;
}

std::string encode_jpeg(GDALDataset& src, int quality) {
  MemFile out(".jpg");
  GDALDriver* jpeg = GetGDALDriverManager()->GetDriverByName("JPEG");
  const std::string q = "QUALITY=" + std::to_string(quality);
  const char* options[] = {q.c_str(), "WRITE_EXIF_METADATA=NO", nullptr};
  gdal::Dataset written(jpeg->CreateCopy(out.name().c_str(), &src, FALSE,
                                         const_cast<char**>(options), nullptr, nullptr));
  if (!written) throw Error(ErrorCode::internal, "the JPEG encoder failed");
  written.reset();  // flushes the file
  return out.take();
}

/// The size that fits @p w × @p h within @p side on its longest side (never enlarged).
std::pair<int, int> fit(int w, int h, int side) {
  const int longest = std::max(w, h);
  if (longest <= side) return {w, h};
  const double scale = static_cast<double>(side) / longest;
  return {std::max(1, number::narrow<int>(std::round(w * scale))),
          std::max(1, number::narrow<int>(std::round(h * scale)))};
}

/// @p in shrunk to @p w × @p h (not larger than it), each output pixel the mean of the input
/// pixels its area covers.
Rgb box_scaled(const Rgb& in, int w, int h) {
  Rgb out{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    const int y0 = y * in.height / h, y1 = std::max(y0 + 1, (y + 1) * in.height / h);
    for (int x = 0; x < w; ++x) {
      const int x0 = x * in.width / w, x1 = std::max(x0 + 1, (x + 1) * in.width / w);
      unsigned sum[3] = {0, 0, 0};
      for (int sy = y0; sy < y1; ++sy) {
        const std::uint8_t* p = &in.px[(static_cast<std::size_t>(sy) * in.width + x0) * 3];
        for (int sx = x0; sx < x1; ++sx, p += 3) sum[0] += p[0], sum[1] += p[1], sum[2] += p[2];
      }
      const unsigned n = static_cast<unsigned>((y1 - y0) * (x1 - x0));
      std::uint8_t* o = &out.px[(static_cast<std::size_t>(y) * w + x) * 3];
      for (int c = 0; c < 3; ++c) o[c] = static_cast<std::uint8_t>((sum[c] + n / 2) / n);
    }
  }
  return out;
}

/// The size to decode a w × h source at for a copy of at most @p side: a JPEG decodes fastest
/// at 1/2, 1/4 or 1/8 of its size (libjpeg scales while it decodes; GDAL offers these as the
/// dataset's overviews), so the largest such reduction within the side is taken as it is when
/// it loses little (at least 90% of the side: a 4000 px photo gives 2000 px); otherwise the
/// source is resampled to the side.
std::pair<int, int> decode_size(GDALDataset& ds, ImageType type, int side) {
  const int w = ds.GetRasterXSize(), h = ds.GetRasterYSize();
  if (type == ImageType::jpeg && std::max(w, h) > side) {
    GDALRasterBand* band = ds.GetRasterBand(1);
    for (int i = 0; i < band->GetOverviewCount(); ++i) {
      GDALRasterBand* o = band->GetOverview(i);
      const int longest = o ? std::max(o->GetXSize(), o->GetYSize()) : side + 1;
      if (longest > side) continue;
      if (longest * 10 >= side * 9) return {o->GetXSize(), o->GetYSize()};
      break;
    }
  }
  return fit(w, h, side);
}

void check_size(int w, int h, int bands, ImageType type, const ImageLimits& limits) {
  if (w < 1 || h < 1 || bands < 1 || bands > kMaxBands) damaged(type);
  const auto pixels = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h);
  if (w > limits.max_side || h > limits.max_side || pixels > limits.max_pixels) {
    throw Error(ErrorCode::payload_too_large,
                "the image is " + std::to_string(w) + "×" + std::to_string(h) +
                    " pixels; at most " + std::to_string(limits.max_pixels / 1'000'000) +
                    " megapixels and " + std::to_string(limits.max_side) + " pixels a side");
  }
}

}  // namespace

std::optional<Position> exif_position(std::string_view lat, std::string_view lat_ref,
                                      std::string_view lon, std::string_view lon_ref) {
  auto la = dms(lat), lo = dms(lon);
  if (!la || !lo || *la > 90 || *lo > 180) return std::nullopt;
  if (lat_ref.starts_with("S"))
    *la = -*la;
  else if (!lat_ref.starts_with("N"))
    return std::nullopt;
  if (lon_ref.starts_with("W"))
    *lo = -*lo;
  else if (!lon_ref.starts_with("E"))
    return std::nullopt;
  if (*la == 0 && *lo == 0) return std::nullopt;
  return Position{*lo, *la};
}

ProcessedImage process(std::string_view bytes, const ImageLimits& limits) {
  if (bytes.size() > limits.max_bytes) {
    throw Error(ErrorCode::payload_too_large, "the image is " + std::to_string(bytes.size()) +
                                                  " bytes; at most " +
                                                  std::to_string(limits.max_bytes) + " are taken");
  }
  const auto type = sniff(bytes);
  if (!type) {
    throw Error(ErrorCode::unsupported_media_type,
                "the file is " + describe_kind(bytes) +
                    ", not a JPEG, PNG or WebP image (the type is read from the bytes, not the "
                    "name)");
  }
  gdal::init();
  CPLConfigOptionSetter no_pam("GDAL_PAM_ENABLED", "NO", true);
  ScopedDiagnostics diagnostics;
  const MemFile source(bytes, ".img");
  gdal::Dataset ds = open_image(source, *type);
  if (!ds) damaged(*type);
  ProcessedImage out;
  out.source_type = *type;
  out.source_width = ds->GetRasterXSize();
  out.source_height = ds->GetRasterYSize();
  const int bands = ds->GetRasterCount();
  check_size(out.source_width, out.source_height, bands, *type, limits);
  auto meta = [&](const char* key) {
    const char* v = ds->GetMetadataItem(key);
    return std::string_view(v ? v : "");
  };
  out.exif_position = exif_position(meta("EXIF_GPSLatitude"), meta("EXIF_GPSLatitudeRef"),
                                    meta("EXIF_GPSLongitude"), meta("EXIF_GPSLongitudeRef"));
  // A copy: the dataset's metadata goes with the dataset, closed before the turn.
  const std::string orientation(meta("EXIF_Orientation"));
  GDALColorTable* palette = bands == 1 ? ds->GetRasterBand(1)->GetColorTable() : nullptr;
  const auto [dw, dh] = decode_size(*ds, *type, limits.display_side);
  auto samples = read_bands(*ds, bands, dw, dh, palette != nullptr);
  if (samples.empty() || diagnostics.get().failed || diagnostics.get().truncated) damaged(*type);
  // Three bands are RGB as read; the others are turned into it.
  Rgb display =
      bands == 3 ? Rgb{dw, dh, std::move(samples)} : to_rgb(samples, bands, dw, dh, palette);
  ds.reset();
  int o = 1;
  if (orientation.size() == 1) o = orientation[0] - '0';
  display = oriented(std::move(display), o);
  gdal::Dataset display_ds = mem_dataset(display);
  out.width = display.width;
  out.height = display.height;
  out.display = encode_jpeg(*display_ds, limits.display_quality);
  const auto [tw, th] = fit(display.width, display.height, limits.thumbnail_side);
  Rgb thumb = box_scaled(display, tw, th);
  out.thumbnail_width = tw;
  out.thumbnail_height = th;
  gdal::Dataset thumb_ds = mem_dataset(thumb);
  out.thumbnail = encode_jpeg(*thumb_ds, limits.thumbnail_quality);
  return out;
}

}  // namespace wangge::media
