#pragma once
// Photos that residents and grid workers upload (随手拍, the photo of a handled case): the type
// told by the bytes themselves, never by a name; size and pixel limits checked before any pixel
// is decoded; a display copy and a thumbnail re-encoded from the pixels alone, so no EXIF (a
// phone's GPS position, its serial number) and nothing hidden after the image survives; the
// EXIF orientation applied first so the copies stand upright; the EXIF position offered back
// as a suggestion for the report's location. Pure: no store, no HTTP. Decoding is GDAL's
// (JPEG through libjpeg-turbo, PNG, WebP), each format opened only by its own driver.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wangge::media {

enum class ImageType { jpeg, png, webp };

std::string_view mime_type(ImageType t) noexcept;  ///< "image/jpeg", …

/// The type the first bytes announce, or std::nullopt for anything that is not a JPEG, PNG or
/// WebP (a PDF renamed .jpg, a GIF, an iPhone's HEIC).
std::optional<ImageType> sniff(std::string_view bytes) noexcept;

/// What the first bytes look like, for the refusal ("a PDF document", "a HEIC image").
std::string describe_kind(std::string_view bytes);

struct ImageLimits {
  std::size_t max_bytes = 10 * 1024 * 1024;  ///< an upload
  std::uint64_t max_pixels = 50'000'000;     ///< width × height of the source
  int max_side = 16'384;                     ///< either side of the source
  int display_side = 2048;                   ///< longest side of the display copy
  int thumbnail_side = 320;                  ///< longest side of the thumbnail
  int display_quality = 85;                  ///< JPEG quality of the display copy
  int thumbnail_quality = 75;
};

struct Position {
  double lon = 0;
  double lat = 0;
};

/// An upload made safe to show.
struct ProcessedImage {
  ImageType source_type = ImageType::jpeg;
  int source_width = 0, source_height = 0;
  std::string display;        ///< JPEG, at most display_side on its longest side, upright, no EXIF
  int width = 0, height = 0;  ///< of the display copy
  std::string thumbnail;      ///< JPEG, at most thumbnail_side
  int thumbnail_width = 0, thumbnail_height = 0;
  /// The EXIF GPS position (WGS-84, as cameras record it), when present and plausible.
  std::optional<Position> exif_position;
};

/// Checks, decodes and re-encodes @p bytes.
/// @throws Error(unsupported_media_type) when the bytes are not a JPEG, PNG or WebP image;
///         Error(payload_too_large) beyond @p limits (bytes, pixels, sides);
///         Error(invalid_data) for an image that is damaged or truncated (nothing is returned
///         for a half-decoded picture).
ProcessedImage process(std::string_view bytes, const ImageLimits& limits = {});

/// The EXIF GPS position written as GDAL reports it: degrees, minutes and seconds each in
/// parentheses ("(27) (51) (27.36)") and a reference ("N"/"S", "E"/"W"). std::nullopt for
/// anything malformed, out of range, or at 0°,0° (a camera without a fix).
std::optional<Position> exif_position(std::string_view lat, std::string_view lat_ref,
                                      std::string_view lon, std::string_view lon_ref);

}  // namespace wangge::media
