// Fuzzes the strict HTTP/1.1 request reader (src/http/wire.hpp) as a connection drives it:
// requests one after the other from the same bytes (pipelining), begin_body() with the route's
// body limit after each head. Besides the sanitizers, these invariants are checked:
//  - feed() never consumes more than it is given, and while a request is unfinished it takes
//    everything it is given (otherwise a connection would wait forever);
//  - a complete request's body is within the body limit, exactly Content-Length bytes when
//    one was sent, and empty when neither Content-Length nor chunked was;
//  - a complete head is well-formed (a token method, an origin-form or "*" target, HTTP/1.0
//    or 1.1, lower-case token field names, values without CR, LF or NUL, never both framings);
//  - a failure has a 4xx/5xx status and a message of ours;
//  - the differential oracle: the same bytes fed in pieces (split points derived from the
//    input, and byte by byte for small inputs) give the same requests, states, statuses,
//    heads and bodies, and the same bytes consumed, as feeding them all at once.
// Body limits: 64 KiB for targets under /upload, else 256 bytes (as routes differ); the head
// limits are small so that every limit is reached within -max_len.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../../src/http/wire.hpp"
#include "support/fuzz_support.hpp"

namespace {

using wangge::fuzz::require;
using wangge::http::RequestHead;
using wangge::http::RequestReader;
using State = RequestReader::State;

constexpr wangge::http::WireLimits kLimits{512, 12, 128, 48, 96};

std::size_t body_limit(const RequestHead& head) {
  return head.target.rfind("/upload", 0) == 0 ? 64 * 1024 : 256;
}

/// What one request came to: everything a connection acts on.
struct Outcome {
  State state = State::head;
  bool started = false;
  int status = 0;
  std::string method, target, body;
  int minor_version = 1;
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::uint64_t> content_length;
  bool chunked = false, keep_alive = false, expect_continue = false;
  std::size_t consumed = 0;  ///< bytes of the input up to the end of this request

  bool operator==(const Outcome&) const = default;
};

bool lower_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!wangge::http::is_token_char(c) || (c >= 'A' && c <= 'Z')) return false;
  return true;
}

void check_head(const RequestHead& h) {
  require(!h.method.empty(), "a complete head without a method");
  for (char c : h.method) require(wangge::http::is_token_char(c), "a method that is not a token");
  require(h.target == "*" || (!h.target.empty() && h.target.front() == '/'),
          "a target that is neither origin-form nor *", h.target);
  for (unsigned char c : h.target)
    require(c > 0x20 && c < 0x7f, "a target with a space or control character", h.target);
  require(h.minor_version == 0 || h.minor_version == 1, "an HTTP version other than 1.0 and 1.1");
  require(!(h.chunked && h.content_length), "both Content-Length and chunked");
  for (const auto& [name, value] : h.fields) {
    require(lower_token(name), "a field name that is not a lower-case token", name);
    require(value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos,
            "a field value with CR, LF or NUL", name);
  }
}

void check_complete(RequestReader& r, std::size_t limit) {
  const RequestHead& h = r.head();
  check_head(h);
  require(r.body().size() <= limit, "a complete body larger than the body limit");
  if (h.content_length)
    require(r.body().size() == *h.content_length, "a body that is not Content-Length bytes");
  else if (!h.chunked)
    require(r.body().empty(), "a body without Content-Length or chunked");
}

Outcome snapshot(RequestReader& r, std::size_t consumed) {
  Outcome o;
  o.state = r.state();
  o.started = r.started();
  if (o.state == State::failed) {
    o.status = r.error().status;
    require(o.status >= 400 && o.status <= 599, "a failure with a status outside 4xx/5xx");
    require(!r.error().message.empty(), "a failure without a message");
    return o;  // the connection closes: how much was consumed does not matter
  }
  o.consumed = consumed;
  const RequestHead& h = r.head();
  o.method = h.method;
  o.target = h.target;
  o.minor_version = h.minor_version;
  o.fields = h.fields;
  o.content_length = h.content_length;
  o.chunked = h.chunked;
  o.keep_alive = h.keep_alive;
  o.expect_continue = h.expect_continue;
  o.body = r.body();
  return o;
}

/// Reads every request in @p in, fed in the pieces @p cuts gives (sizes; the rest at once).
std::vector<Outcome> read_all(std::string_view in, const std::vector<std::size_t>& cuts) {
  std::vector<Outcome> out;
  RequestReader r(kLimits);
  std::size_t pos = 0, cut = 0, limit = 0;
  for (;;) {
    const State s = r.state();
    if (s == State::head_complete) {
      check_head(r.head());
      limit = body_limit(r.head());
      r.begin_body(limit);
      continue;
    }
    if (s == State::complete) {
      check_complete(r, limit);
      out.push_back(snapshot(r, pos));
      r.reset();
      require(!r.started() && r.state() == State::head && r.body().empty(),
              "reset() left state behind");
      continue;
    }
    if (s == State::failed || pos == in.size()) break;
    std::size_t n = in.size() - pos;
    if (cut < cuts.size()) n = std::min(n, cuts[cut++]);
    const std::size_t used = r.feed(in.substr(pos, n));
    require(used <= n, "feed() consumed more than it was given");
    require(!((r.state() == State::head || r.state() == State::body) && used < n),
            "feed() left bytes untaken while the request is unfinished");
    pos += used;
  }
  out.push_back(snapshot(r, pos));  // the last, unfinished or failed, request
  return out;
}

/// Split sizes from the input's own bytes (FNV-1a seeded), 1 to 16 bytes each.
std::vector<std::size_t> cuts_of(std::string_view in) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : in) h = (h ^ c) * 1099511628211ull;
  std::vector<std::size_t> cuts;
  for (std::size_t covered = 0; covered < in.size();) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    const std::size_t n = 1 + (h >> 60);
    cuts.push_back(n);
    covered += n;
  }
  return cuts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::vector<Outcome> whole = read_all(in, {});
  require(read_all(in, cuts_of(in)) == whole,
          "feeding in pieces gave another result than feeding all at once");
  if (size <= 2048) {
    require(read_all(in, std::vector<std::size_t>(size, 1)) == whole,
            "feeding byte by byte gave another result than feeding all at once");
  }
  return 0;
}
