// Fuzzes the photo upload path (src/media/image.cpp: sniffing, the limits checked before
// decoding, GDAL's JPEG/PNG/WebP decoders, orientation, re-encoding). Its contract: the
// processed image, or Error(unsupported_media_type / payload_too_large / invalid_data) for
// input that is not a whole image within the limits; anything else (another exception, a
// sanitizer report, a crash inside a decoder) is a finding. What it returns keeps its promises:
// both copies are JPEGs within their sizes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <typeinfo>

#include "support/fuzz_support.hpp"
#include "wangge/media/image.hpp"
#include "wangge/util/error.hpp"

using wangge::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  wangge::media::ImageLimits limits;
  limits.max_pixels = 4'000'000;  // a fuzzer's iteration stays quick; the rule is the same
  limits.display_side = 256;
  limits.thumbnail_side = 64;
  wangge::media::ProcessedImage out;
  try {
    out = wangge::media::process(bytes, limits);
  } catch (const wangge::Error& e) {
    using wangge::ErrorCode;
    require(e.code() == ErrorCode::unsupported_media_type ||
                e.code() == ErrorCode::payload_too_large || e.code() == ErrorCode::invalid_data,
            "process threw an Error outside its contract", e.what());
    return 0;
  } catch (const std::exception& e) {
    wangge::fuzz::finding(
        std::string("process threw ") + typeid(e).name() + " (not a wangge::Error)", e.what());
  }
  require(wangge::media::sniff(out.display) == wangge::media::ImageType::jpeg,
          "the display copy is not a JPEG");
  require(wangge::media::sniff(out.thumbnail) == wangge::media::ImageType::jpeg,
          "the thumbnail is not a JPEG");
  require(out.width >= 1 && out.height >= 1 && out.width <= 256 && out.height <= 256,
          "the display copy is outside its size");
  require(out.thumbnail_width <= 64 && out.thumbnail_height <= 64,
          "the thumbnail is outside its size");
  return 0;
}
