#pragma once
// Drawn OSM networks for tests: nodes placed in metres on a local plane (near 112.9 E,
// 27.86 N), ways with tags, written as OSM XML to a temporary file and read back through the
// real importer.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "wangge/geo/local_projection.hpp"

namespace wangge::testing {

class OsmDrawing {
 public:
  OsmDrawing() : frame_(geo::LonLat::trusted(112.9, 27.86)) {}

  /// A node at (@p x, @p y) metres east/north of the origin.
  OsmDrawing& node(int id, double x, double y) {
    nodes_[id] = {x, y};
    return *this;
  }
  OsmDrawing& way(std::vector<int> refs, std::map<std::string, std::string> tags) {
    ways_.push_back({std::move(refs), std::move(tags)});
    return *this;
  }
  geo::LonLat at(double x, double y) const {
    return geo::LonLat::trusted(frame_.lon_of(x), frame_.lat_of(y));
  }

  /// Writes the drawing; the file lives as long as the drawing.
  std::string write() {
    path_ =
        (std::filesystem::temp_directory_path() /
         ("wangge-drawn-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".osm"))
            .string();
    std::ofstream out(path_);
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<osm version=\"0.6\" generator=\"test\">\n";
    char buf[200];
    for (const auto& [id, p] : nodes_) {
      std::snprintf(buf, sizeof buf,
                    "  <node id=\"%d\" version=\"1\" lat=\"%.9f\" lon=\"%.9f\"/>\n", id,
                    frame_.lat_of(p.second), frame_.lon_of(p.first));
      out << buf;
    }
    int way_id = 1;
    for (const auto& [refs, tags] : ways_) {
      out << "  <way id=\"" << way_id++ << "\" version=\"1\">\n";
      for (int r : refs) out << "    <nd ref=\"" << r << "\"/>\n";
      for (const auto& [k, v] : tags) out << "    <tag k=\"" << k << "\" v=\"" << v << "\"/>\n";
      out << "  </way>\n";
    }
    out << "</osm>\n";
    return path_;
  }
  ~OsmDrawing() {
    if (!path_.empty()) std::filesystem::remove(path_);
  }

 private:
  static inline int counter_ = 0;
  geo::LocalProjection frame_;
  std::map<int, std::pair<double, double>> nodes_;
  std::vector<std::pair<std::vector<int>, std::map<std::string, std::string>>> ways_;
  std::string path_;
};

}  // namespace wangge::testing
