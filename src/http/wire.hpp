#pragma once
// The strict HTTP/1.1 request reader (RFC 9110, RFC 9112) that stands between the socket and
// every handler. Pistache 0.0.5's own parser answers 413 and then reads the rest of an
// oversized body as a new request (request smuggling), accepts two Content-Length headers,
// reserves whatever a chunk size claims and leaks exception text; so wangge reads the bytes
// itself:
//  - one request at a time: the reader never consumes a byte of the next request, so
//    pipelined requests are answered in order;
//  - framing is unambiguous or refused: exactly one Content-Length of decimal digits, or
//    Transfer-Encoding: chunked alone, never both; bare CR/LF, obs-fold, control characters
//    and white space before a colon are refused;
//  - every size is checked before anything is allocated for it: the head, the number of
//    fields, the request target, each chunk against the route's body limit;
//  - an error is a status and our own message; after one, the stream position is unknown and
//    the connection must be closed (the reader stays failed until reset()).
// Pure: no I/O, no threads. Fuzzed by tests/fuzz/http_reader_fuzz.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wangge::http {

struct WireLimits {
  std::size_t max_head = 64 * 1024;     ///< request line and header fields, in bytes
  std::size_t max_fields = 100;         ///< header fields
  std::size_t max_target = 8 * 1024;    ///< the request target (path and query), in bytes
  std::size_t max_chunk_line = 1024;    ///< a chunk-size line with its extensions
  std::size_t max_trailers = 8 * 1024;  ///< the trailer section of a chunked body
};

/// A request's head, checked. Field names are lower case; values have their surrounding
/// white space removed.
struct RequestHead {
  std::string method;
  std::string target;     ///< origin-form ("/path?query"), or "*" (OPTIONS only)
  int minor_version = 1;  ///< HTTP/1.<minor>: 0 or 1
  std::vector<std::pair<std::string, std::string>> fields;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;        ///< what the client asked for (and its version implies)
  bool expect_continue = false;  ///< "Expect: 100-continue"

  /// The value of the field @p lower_name (repeated fields joined with ", "), if present.
  std::optional<std::string> field(std::string_view lower_name) const;
};

/// Why a request cannot be read: the status to answer and our own message (never a library's).
struct WireError {
  int status = 400;
  std::string message;
};

class RequestReader {
 public:
  enum class State {
    head,           ///< reading the request line and fields
    head_complete,  ///< the head is read: call begin_body() with the route's body limit
    body,           ///< reading the body
    complete,       ///< a whole request: head() and body(); reset() before the next one
    failed,         ///< error(); the connection must be closed
  };

  explicit RequestReader(WireLimits limits = {});

  /// Reads from @p in. @returns the bytes consumed: reading stops when the head is complete
  /// and when the request is complete, so bytes of a following (pipelined) request stay with
  /// the caller.
  std::size_t feed(std::string_view in);

  /// After head_complete: the most body bytes the request's route takes. Fails with 413 at once
  /// when the declared Content-Length is larger.
  void begin_body(std::size_t max_body);

  State state() const noexcept { return state_; }
  /// Whether any byte of the current request has been read (the header timeout runs).
  bool started() const noexcept { return started_; }
  const RequestHead& head() const noexcept { return head_; }
  std::string& body() noexcept { return body_; }
  const WireError& error() const noexcept { return error_; }

  /// Prepares for the next request on the same connection.
  void reset();

 private:
  std::size_t feed_head(std::string_view in);
  std::size_t feed_length_body(std::string_view in);
  std::size_t feed_chunked(std::string_view in);
  /// Moves bytes of @p in from @p used into line_ up to a CRLF: true when the line is whole
  /// (CRLF dropped), false when @p in ended first, std::nullopt after fail().
  std::optional<bool> read_line(std::string_view in, std::size_t& used, std::size_t cap,
                                const char* what);
  /// Parses the chunk-size line in line_ (fail() when it is bad or the body would be too big).
  void chunk_size_line();
  /// Checks the trailer line in line_; the empty line completes the request.
  void trailer_line();
  void parse_head();
  void parse_field_semantics();
  void fail(int status, std::string message);

  enum class Chunk { size_line, data, data_end, trailers };

  WireLimits limits_;
  State state_ = State::head;
  bool started_ = false;
  bool pending_cr_ = false;  ///< a CR of an empty line before the request line, LF to come
  std::string head_buf_;
  std::size_t scan_from_ = 0;  ///< where to resume looking for the blank line
  std::size_t leading_blank_lines_ = 0;
  RequestHead head_;
  std::string body_;
  std::size_t max_body_ = 0;
  Chunk chunk_ = Chunk::size_line;
  std::string line_;  ///< a partial chunk-size or trailer line
  std::uint64_t chunk_left_ = 0;
  std::size_t trailer_bytes_ = 0;
  WireError error_;
};

/// The status line and header fields of a response, ending with the blank line. Adds Date,
/// Content-Length (not for 1xx, 204 and 304) and Connection (close, or keep-alive for an
/// HTTP/1.0 client that asked for it). CR, LF and NUL are removed from names and values, so no
/// value can split the response.
/// The content length of a body that ends when the connection closes (a stream): no
/// Content-Length field is written.
inline constexpr std::size_t kUntilClose = static_cast<std::size_t>(-1);
std::string response_head(int status,
                          const std::vector<std::pair<std::string, std::string>>& fields,
                          std::size_t content_length, bool keep_alive, int client_minor_version,
                          std::int64_t unix_seconds);

/// Whether @p c may appear in a token (method, field name): RFC 9110 tchar.
bool is_token_char(char c) noexcept;

/// The reason phrase of a status code ("Not Found"); "Unknown" for codes we never send.
std::string_view reason_phrase(int status) noexcept;

/// The date in the IMF-fixdate form of the Date header ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string http_date(std::int64_t unix_seconds);

}  // namespace wangge::http
