#include "wangge/geo/wkb.hpp"

#include <cstdint>
#include <cstring>
#include <tuple>

#include "wangge/util/error.hpp"

namespace wangge::geo {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

class Writer {
 public:
  void byte(std::uint8_t b) {
    out_ += kHex[b >> 4];
    out_ += kHex[b & 15];
  }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void f64(double d) {
    std::uint64_t v;
    std::memcpy(&v, &d, 8);
    for (int i = 0; i < 8; ++i) byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void ring(const Ring& r) {
    u32(static_cast<std::uint32_t>(r.size()));
    for (const XY& p : r) f64(p.x), f64(p.y);
  }
  std::string out_;
};

class Parser {
 public:
  explicit Parser(std::string_view hex) : hex_(hex) {
    if (hex.size() % 2) fail("an odd number of hex digits");
  }
  std::uint8_t byte() {
    if (pos_ + 2 > hex_.size()) fail("truncated data");
    const int hi = digit(hex_[pos_]), lo = digit(hex_[pos_ + 1]);
    pos_ += 2;
    return static_cast<std::uint8_t>(hi << 4 | lo);
  }
  std::uint32_t u32(bool little) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint32_t b = byte();
      v |= little ? b << (8 * i) : b << (8 * (3 - i));
    }
    return v;
  }
  double f64(bool little) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      const std::uint64_t b = byte();
      v |= little ? b << (8 * i) : b << (8 * (7 - i));
    }
    double d;
    std::memcpy(&d, &v, 8);
    return d;
  }
  /// Reads a geometry header; @returns (little endian, flat type, coordinate dimensions).
  std::tuple<bool, std::uint32_t, int> header() {
    const std::uint8_t order = byte();
    if (order > 1) fail("a byte-order mark that is neither 0 nor 1");
    const bool little = order == 1;
    std::uint32_t type = u32(little);
    int dims = 2;
    if (type & 0x80000000u) ++dims;       // EWKB Z flag
    if (type & 0x40000000u) ++dims;       // EWKB M flag
    if (type & 0x20000000u) u32(little);  // EWKB SRID
    type &= 0x0FFFFFFFu;
    if (type >= 3000)
      dims = 4, type -= 3000;
    else if (type >= 2000)
      dims = 3, type -= 2000;
    else if (type >= 1000)
      dims = 3, type -= 1000;
    return {little, type, dims};
  }
  Ring ring(bool little, int dims) {
    const std::uint32_t n = u32(little);
    if (n > (hex_.size() - pos_) / 32) fail("a ring longer than the data");
    Ring r(n);
    for (XY& p : r) {
      p.x = f64(little);
      p.y = f64(little);
      for (int d = 2; d < dims; ++d) f64(little);
    }
    return r;
  }
  Polygon polygon(bool little, int dims) {
    const std::uint32_t rings = u32(little);
    Polygon p;
    for (std::uint32_t i = 0; i < rings; ++i) {
      if (i == 0)
        p.outer = ring(little, dims);
      else
        p.holes.push_back(ring(little, dims));
    }
    return p;
  }
  [[noreturn]] void fail(const char* what) const {
    throw Error(ErrorCode::invalid_data,
                std::string("invalid WKB at byte ") + std::to_string(pos_ / 2) + ": " + what);
  }
  bool done() const { return pos_ == hex_.size(); }

 private:
  int digit(char c) const {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    fail("a character that is not a hex digit");
  }
  std::string_view hex_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string to_wkb_hex(const MultiPolygon& g) {
  Writer w;
  w.byte(1);
  w.u32(6);  // MultiPolygon
  w.u32(static_cast<std::uint32_t>(g.polygons.size()));
  for (const Polygon& p : g.polygons) {
    w.byte(1);
    w.u32(3);  // Polygon
    w.u32(static_cast<std::uint32_t>(1 + p.holes.size()));
    w.ring(p.outer);
    for (const Ring& h : p.holes) w.ring(h);
  }
  return std::move(w.out_);
}

MultiPolygon from_wkb_hex(std::string_view hex) {
  Parser in(hex);
  MultiPolygon out;
  if (hex.empty()) return out;
  auto [little, type, dims] = in.header();
  if (type == 3) {
    out.polygons.push_back(in.polygon(little, dims));
  } else if (type == 6) {
    const std::uint32_t n = in.u32(little);
    for (std::uint32_t i = 0; i < n; ++i) {
      auto [pl, ptype, pdims] = in.header();
      if (ptype != 3) in.fail("a MultiPolygon part that is not a Polygon");
      out.polygons.push_back(in.polygon(pl, pdims));
    }
  } else {
    in.fail("a geometry that is not a Polygon or MultiPolygon");
  }
  if (!in.done()) in.fail("trailing bytes");
  return out;
}

}  // namespace wangge::geo
