// A strict MVT 2.1 decoder, for tests and tools: what a client reads back from our tiles.
#include <protozero/pbf_reader.hpp>

#include "mvt_wire.hpp"
#include "wangge/tiles/mvt.hpp"
#include "wangge/util/error.hpp"

namespace wangge::tiles {
namespace {

using namespace wire;

using Wire = protozero::pbf_wire_type;

/// Refuses a known field sent with another wire type (e.g. a version encoded as a string):
/// protozero would assert or misread it.
void expect_wire(const protozero::pbf_reader& r, Wire want, const char* what) {
  if (r.wire_type() != want) {
    throw Error(ErrorCode::invalid_argument, std::string("MVT: ") + what + " (field " +
                                                 std::to_string(r.tag()) +
                                                 ") has the wrong wire type");
  }
}

}  // namespace

std::vector<DecodedLayer> decode(const std::string& bytes) {
  auto bad = [](const std::string& what) {
    throw Error(ErrorCode::invalid_argument, "MVT: " + what);
  };
  std::vector<DecodedLayer> layers;
  try {
    protozero::pbf_reader tile(bytes);
    while (tile.next()) {
      if (tile.tag() == 3) expect_wire(tile, Wire::length_delimited, "a layer");
      if (tile.tag() != 3) {
        tile.skip();
        continue;
      }
      protozero::pbf_reader lr = tile.get_message();
      DecodedLayer layer;
      bool has_version = false;
      std::vector<std::string> keys;
      std::vector<Value> values;
      struct Raw {
        std::uint64_t id = 0;
        std::uint32_t type = 0;
        std::vector<std::uint32_t> tags, geometry;
      };
      std::vector<Raw> raws;
      while (lr.next()) {
        switch (lr.tag()) {
          case 15:
          case 5:
            expect_wire(lr, Wire::varint, "a layer's version or extent");
            break;
          case 1:
          case 2:
          case 3:
          case 4:
            expect_wire(lr, Wire::length_delimited, "a layer's name, feature, key or value");
            break;
          default:
            break;
        }
        switch (lr.tag()) {
          case 15:
            layer.version = lr.get_uint32();
            has_version = true;
            break;
          case 1:
            layer.name = lr.get_string();
            break;
          case 5:
            layer.extent = lr.get_uint32();
            break;
          case 3:
            keys.push_back(lr.get_string());
            break;
          case 4: {
            protozero::pbf_reader vr = lr.get_message();
            int set = 0;
            Value v;
            while (vr.next()) {
              ++set;
              const protozero::pbf_tag_type vt = vr.tag();
              expect_wire(vr,
                          vt == 1   ? Wire::length_delimited
                          : vt == 2 ? Wire::fixed32
                          : vt == 3 ? Wire::fixed64
                                    : Wire::varint,
                          "a value");
              switch (vr.tag()) {
                case 1:
                  v = vr.get_string();
                  break;
                case 2:
                  v = static_cast<double>(vr.get_float());
                  break;
                case 3:
                  v = vr.get_double();
                  break;
                case 4:
                  v = vr.get_int64();
                  break;
                case 5:
                  v = static_cast<std::int64_t>(vr.get_uint64());
                  break;
                case 6:
                  v = vr.get_sint64();
                  break;
                case 7:
                  v = vr.get_bool();
                  break;
                default:
                  bad("unknown value type");
              }
            }
            if (set != 1) bad("a value must set exactly one field");
            values.push_back(std::move(v));
            break;
          }
          case 2: {
            protozero::pbf_reader fr = lr.get_message();
            Raw raw;
            while (fr.next()) {
              const protozero::pbf_tag_type ft = fr.tag();
              if (ft == 1 || ft == 3) expect_wire(fr, Wire::varint, "a feature's id or type");
              if (ft == 2 || ft == 4)
                expect_wire(fr, Wire::length_delimited, "a feature's tags or geometry");
              switch (fr.tag()) {
                case 1:
                  raw.id = fr.get_uint64();
                  break;
                case 2:
                  for (auto t : fr.get_packed_uint32()) raw.tags.push_back(t);
                  break;
                case 3:
                  raw.type = static_cast<std::uint32_t>(fr.get_enum());
                  break;
                case 4:
                  for (auto g : fr.get_packed_uint32()) raw.geometry.push_back(g);
                  break;
                default:
                  fr.skip();
              }
            }
            raws.push_back(std::move(raw));
            break;
          }
          default:
            lr.skip();
        }
      }
      if (layer.name.empty()) bad("a layer has no name");
      if (!has_version)
        bad("layer '" + layer.name + "' has no version (spec 4.1: it MUST be present)");
      if (layer.version != 1 && layer.version != 2) {
        bad("layer '" + layer.name + "' has version " + std::to_string(layer.version) +
            ", not 1 or 2");
      }
      for (const DecodedLayer& other : layers) {
        if (other.name == layer.name) bad("duplicate layer name '" + layer.name + "'");
      }
      for (const Raw& raw : raws) {
        DecodedFeature f;
        f.id = raw.id;
        f.type = raw.type;
        if (raw.tags.size() % 2) bad("odd number of tags");
        for (std::size_t i = 0; i < raw.tags.size(); i += 2) {
          if (raw.tags[i] >= keys.size() || raw.tags[i + 1] >= values.size())
            bad("tag index out of range");
          f.properties.emplace_back(keys[raw.tags[i]], values[raw.tags[i + 1]]);
        }
        std::int32_t cx = 0, cy = 0;
        for (std::size_t i = 0; i < raw.geometry.size();) {
          const std::uint32_t cmd = raw.geometry[i] & 7, count = raw.geometry[i] >> 3;
          ++i;
          if (cmd == move_to || cmd == line_to) {
            if (count == 0) bad("a command with count 0");
            if (i + 2 * static_cast<std::size_t>(count) > raw.geometry.size())
              bad("geometry ends inside a command");
            if (cmd == line_to && f.parts.empty()) bad("a LineTo before any MoveTo");
            if (cmd == move_to && (f.type == 3 || f.type == 2 || f.parts.empty()))
              f.parts.emplace_back();
            for (std::uint32_t k = 0; k < count; ++k) {
              // The cursor wraps like the int32 it is (fixtures 049/050 overflow it on purpose);
              // unsigned arithmetic keeps that defined.
              cx = static_cast<std::int32_t>(
                  static_cast<std::uint32_t>(cx) +
                  static_cast<std::uint32_t>(unzigzag(raw.geometry[i++])));
              cy = static_cast<std::int32_t>(
                  static_cast<std::uint32_t>(cy) +
                  static_cast<std::uint32_t>(unzigzag(raw.geometry[i++])));
              if (cmd == line_to && f.parts.back().back() == std::make_pair(cx, cy))
                bad("a LineTo without movement");
              f.parts.back().emplace_back(cx, cy);
            }
          } else if (cmd == close_path) {
            if (count != 1) bad("ClosePath with a count other than 1");
            if (f.type != 3) bad("ClosePath outside a polygon");
          } else {
            bad("unknown command " + std::to_string(cmd));
          }
        }
        layer.features.push_back(std::move(f));
      }
      layers.push_back(std::move(layer));
    }
  } catch (const protozero::exception& e) {
    bad(std::string("malformed protobuf: ") + e.what());
  }
  return layers;
}

}  // namespace wangge::tiles
