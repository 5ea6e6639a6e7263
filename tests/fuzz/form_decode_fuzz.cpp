// Fuzzes the decoding of query strings and form bodies (src/http/exchange.hpp): url_decode in
// both modes and parse_form. Invariants besides the sanitizers:
//  - a decoded component is never longer than its text and never holds a NUL byte;
//  - without '%' and '+', decoding is the identity;
//  - what was decoded comes back unchanged through text::url_encode and url_decode;
//  - parse_form accepts exactly when every name and value of its pairs decodes, and each name
//    maps to the decoded value of its last pair;
//  - parse_multipart (the input's first line is the boundary, the rest the body) returns at
//    most 64 named parts whose values are pieces of the body.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "../../src/http/exchange.hpp"
#include "support/fuzz_support.hpp"
#include "wangge/util/text.hpp"

namespace {

using wangge::fuzz::require;
using wangge::http::url_decode;

void check_decode(std::string_view in, bool form) {
  const auto out = url_decode(in, form);
  if (!out) return;
  require(out->size() <= in.size(), "a decoded component longer than its text");
  require(out->find('\0') == std::string::npos, "a decoded component with a NUL byte");
  if (in.find('%') == std::string_view::npos && (!form || in.find('+') == std::string_view::npos))
    require(*out == in, "decoding changed text without escapes");
  const auto again = url_decode(wangge::text::url_encode(*out), form);
  require(again && *again == *out, "url_encode then url_decode is not the identity");
}

/// parse_form written out from its contract, pair by pair.
std::optional<std::map<std::string, std::string>> expected_form(std::string_view s) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t amp = std::min(s.find('&', start), s.size());
    const std::string_view pair = s.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const std::size_t eq = std::min(pair.find('='), pair.size());
    auto name = url_decode(pair.substr(0, eq), true);
    auto value = url_decode(eq < pair.size() ? pair.substr(eq + 1) : std::string_view(), true);
    if (!name || !value) return std::nullopt;
    out[*name] = *value;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_decode(in, false);
  check_decode(in, true);
  require(wangge::http::parse_form(in) == expected_form(in),
          "parse_form differs from its contract");
  const auto nl = in.find('\n');
  if (nl != std::string_view::npos && nl > 0 && nl <= 70) {
    const std::string_view boundary = in.substr(0, nl), body = in.substr(nl + 1);
    if (const auto parts = wangge::http::parse_multipart(body, boundary)) {
      require(parts->size() <= 64, "more than 64 multipart parts");
      for (const auto& p : *parts) {
        require(!p.name.empty(), "a multipart part without a name");
        require(body.find(p.value) != std::string_view::npos, "a part value not from the body");
      }
    }
  }
  return 0;
}
