#pragma once
// SHA-256 (FIPS 180-4), for storing API keys as hashes. Small and dependency-free.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace wangge {

std::array<std::uint8_t, 32> sha256(std::string_view data);
/// Lower-case hex of sha256(@p data).
std::string sha256_hex(std::string_view data);

}  // namespace wangge
