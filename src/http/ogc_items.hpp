#pragma once
// The collections of the OGC API - Features routes (ogc_routes.cpp) and their items as GeoJSON
// features: grids, service points and isochrones are small and in memory; reports are read
// from the store a page at a time (never the whole table), in their public view only.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "wangge/dispatch/reference.hpp"
#include "wangge/geo/polygon.hpp"
#include "wangge/service/service.hpp"

namespace wangge::http::ogc {

struct Item {
  std::string id;
  nlohmann::json properties;
  nlohmann::json geometry;
};

struct Collection {
  std::string id, title, description;
  bool temporal = false;
  std::vector<std::string> queryables;  ///< properties that can filter (?name=value)
};

const std::vector<Collection>& collections();
/// @throws Error(not_found) naming the collection.
const Collection& collection(const std::string& id);

/// Every item of an in-memory collection (grids, service_points, isochrones) whose bounding
/// box meets @p bbox, in a stable order. Not for reports.
std::vector<Item> memory_items(const Collection& c, service::Service& service,
                               const std::optional<geo::BBox>& bbox);

/// A report's public view as an item: category, state, times, finest grid, the rounded
/// position (all from the one public projection, public_report.hpp).
Item report_item(const dispatch::PublicReport& p, const dispatch::TimeZone& zone);

/// The property value @p name of an item as text (for ?name=value filters).
std::string property_text(const Item& item, const std::string& name);

}  // namespace wangge::http::ogc
