#pragma once
// MVT 2.1 geometry encoding shared by the encoder and the decoder (spec 4.3): command integers
// and zigzag parameters. Internal to the tiles module.

#include <cstdint>

namespace wangge::tiles::wire {

enum Command : std::uint32_t { move_to = 1, line_to = 2, close_path = 7 };

inline std::uint32_t command(Command c, std::uint32_t count) {
  return (c & 7u) | (count << 3);
}
inline std::uint32_t zigzag(std::int32_t v) {
  return (static_cast<std::uint32_t>(v) << 1) ^ static_cast<std::uint32_t>(v >> 31);
}
inline std::int32_t unzigzag(std::uint32_t v) {
  return static_cast<std::int32_t>((v >> 1) ^ (~(v & 1) + 1));
}

}  // namespace wangge::tiles::wire
