// Fuzzes the OpenStreetMap import of the walking network (src/network/osm_import.cpp, through
// libosmium): the input is written to a scratch file, as OSM XML (.osm) when it starts with
// '<', else as PBF (.osm.pbf), and the walking graph is built from it. Its contract: the
// graph, or Error(unreadable_source) for a file libosmium cannot read, or Error(invalid_data)
// when nothing in it is walkable; anything else is a finding. A graph that is built has edges
// between its own nodes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <typeinfo>

#include "support/fuzz_support.hpp"
#include "wangge/network/osm.hpp"
#include "wangge/util/error.hpp"

using wangge::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const bool xml = !in.empty() && in.front() == '<';
  static const bool xml_only = std::getenv("WANGGE_FUZZ_OSM_XML_ONLY") != nullptr;
  if (xml_only && !xml) return 0;  // see tests/fuzz/CMakeLists.txt
  const std::string path = wangge::fuzz::write_scratch_file(xml ? "in.osm" : "in.osm.pbf", in);
  try {
    const wangge::network::WalkingGraph graph = wangge::network::build_walking_graph(path);
    for (const auto& e : graph.edges())
      require(e.u < graph.node_count() && e.v < graph.node_count(),
              "an edge to a node the graph does not have");
  } catch (const wangge::Error& e) {
    require(e.code() == wangge::ErrorCode::unreadable_source ||
                e.code() == wangge::ErrorCode::invalid_data,
            "the import threw an Error other than unreadable_source / invalid_data", e.what());
  } catch (const std::exception& e) {
    wangge::fuzz::finding(
        std::string("the import threw ") + typeid(e).name() + " (not a wangge::Error)", e.what());
  }
  return 0;
}
