#pragma once
// Building the walking graph from OpenStreetMap (.osm, .osm.pbf, .osm.bz2, .osm.gz) with
// libosmium.
//
// The foot profile (after OSRM's foot.lua and Valhalla's pedestrian costing):
//  - walkable: highway = primary, secondary, tertiary (and their _link), unclassified,
//    residential, living_street, service, track, path, footway, pedestrian, steps, corridor,
//    platform; trunk only with a sidewalk (sidewalk=yes|both|left|right) or foot=yes;
//    cycleway and bridleway only with foot=yes|designated|permissive; never motorway.
//  - foot=no|private|use_sidepath closes a way; access=no|private closes it unless
//    foot=yes|designated|permissive; a road with sidewalk=separate is walked on its separately
//    mapped sidewalk, not on the carriageway.
//  - steps cost FootProfile::steps_factor times their length (default 2: half speed).
//  - oneway:foot=yes|-1 closes one direction; plain oneway does not apply to pedestrians.
//  - area=yes squares (highway=pedestrian|footway areas) can be crossed: besides their
//    outline, every node where another way meets the square is joined to a node at its
//    centre by a straight edge.
//  - barriers are not modelled (documented limitation).
// Ways are split where they meet; nodes used by one way only are folded into the geometry.
// Pieces with less than FootProfile::min_component_m of street are dropped and counted.

#include <string>

#include "wangge/network/graph.hpp"

namespace wangge::network {

/// @throws Error(unreadable_source) naming the file and libosmium's reason;
///         Error(invalid_data) when the file has no walkable way.
WalkingGraph build_walking_graph(const std::string& osm_path, const FootProfile& profile = {});

/// A saved graph (".bin", written by `wangge import network`) or an OSM file built on the fly.
WalkingGraph open_walking_graph(const std::string& path);

}  // namespace wangge::network
