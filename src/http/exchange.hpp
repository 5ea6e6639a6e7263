#pragma once
// One HTTP exchange as the handlers see it: the request, parsed and decoded, and the reply
// they build. Free of Pistache types, so handlers are plain functions that tests can call.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "wangge/dispatch/organisation.hpp"
#include "wangge/dispatch/time.hpp"

namespace wangge::http {

struct Request {
  std::string id;         ///< request id: in every log line and problem body
  std::string method;     ///< "GET", "POST", …
  std::string path;       ///< decoded path, without the query or the format extension
  std::string extension;  ///< "json", "xml", "mvt", … from the last path segment, or ""
  std::map<std::string, std::string> query;    ///< decoded; a repeated name keeps the last value
  std::map<std::string, std::string> headers;  ///< lower-case names
  std::map<std::string, std::string> params;   ///< path parameters ({id})
  std::string body;
  std::string client;  ///< the peer's address
  /// "scheme://host[:port][prefix]" the client addressed, for absolute links when no
  /// --base-url is set (request_origin); "" when the request names no usable host.
  std::string origin;
  dispatch::Instant now;
  /// Who is asking: set by authentication; anonymous (a resident without id) otherwise.
  dispatch::Actor actor{"", "anonymous", dispatch::Role::resident, {}, {}};
  bool authenticated = false;
  std::string key_id;  ///< the API key's public id
  /// A browser session (cookie or bearer token): its login, CSRF token, token and its hash.
  std::string login;
  std::string csrf;
  std::string session_token;
  std::string session_hash;
  dispatch::Instant session_expires;
  bool via_cookie = false;  ///< the credential came in the session cookie (writes need CSRF)
  /// Set by a handler whose credentials were refused (a sign-in): the address pays for it.
  bool auth_failed = false;

  std::optional<std::string> header(const std::string& lower_name) const;
  std::optional<std::string> param(const std::string& name) const;  ///< query parameter
};

/// The origin @p req was addressed to: from a trusted proxy, X-Forwarded-Proto (http or https),
/// X-Forwarded-Host (its first value) or Host, and X-Forwarded-Prefix; from anyone else, Host
/// over http. A host that is not a host name or address with an optional port, or a prefix
/// that is not a plain path, is not used ("" when no usable host remains).
std::string request_origin(const Request& req, bool via_trusted_proxy);

/// Where a stream answer's bytes go (Server-Sent Events), once its head is sent.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  /// Appends @p bytes without waiting. @returns false when the client is gone or stalled (the
  /// source stops pushing).
  virtual bool push(const std::shared_ptr<const std::string>& bytes) = 0;
  /// Ends the stream (the connection closes).
  virtual void close() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Instead of body: bytes shared with a cache (a cached tile is sent without a copy).
  std::shared_ptr<const std::string> shared_body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// A stream answer: called with the sink once the head (this status and these fields, no
  /// body) is sent; the source pushes into it until it answers false.
  std::function<void(std::shared_ptr<StreamSink>)> stream = {};

  const std::string& content() const noexcept { return shared_body ? *shared_body : body; }

  Response& header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

/// Whether the request's If-None-Match names @p etag (strong or weak) or is "*": answer 304.
bool not_modified(const Request& req, const std::string& etag);
/// Whether the request's Accept-Encoding takes gzip (listed, and not with q=0).
bool accepts_gzip(const Request& req);
/// The validators of a cacheable answer: ETag @p etag (the gzip form its own, "…-gz"), then
/// @returns true with status 304 when the client has that representation; else false, with
/// Content-Encoding: gzip when @p gz (the caller sets the body).
bool answer_conditionally(Response& r, const Request& req, std::string etag, bool gz);

/// The name of the session cookie.
inline constexpr std::string_view kSessionCookie = "wangge_session";

/// The value of cookie @p name in a Cookie header ("a=1; b=2"), or std::nullopt.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

/// application/problem+json for an error of the catalogue (RFC 9457), with the request id.
/// @p detail is our message (naming the rule), never an exception's internal text.
Response problem(int status, const std::string& public_code, const std::string& title,
                 const std::string& detail, const std::string& request_id);

/// Percent-decoding of a URL component ('+' as space when @p form). @returns std::nullopt for
/// malformed escapes and for NUL bytes, escaped or not (a form body may carry a raw one).
std::optional<std::string> url_decode(std::string_view s, bool form);
/// Parses "a=1&b=2" (query string or form body) into its pairs, in order, repeated names
/// repeated. @returns std::nullopt when malformed.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_form_pairs(
    std::string_view s);
/// parse_form_pairs as a map: of a repeated name, the last value.
std::optional<std::map<std::string, std::string>> parse_form(std::string_view s);

/// One part of a multipart/form-data body.
struct FormPart {
  std::string name;
  std::string filename;      ///< "" for a plain field
  std::string content_type;  ///< as the part says; "" when it says nothing
  std::string value;
};

/// The boundary of a `multipart/form-data; boundary=…` Content-Type (quoted or not), or
/// std::nullopt when @p content_type is not multipart/form-data or names no valid boundary.
std::optional<std::string> multipart_boundary(std::string_view content_type);

/// Parses a multipart/form-data body (RFC 7578) with @p boundary: at most 64 parts, each with a
/// Content-Disposition naming it. @returns std::nullopt when the body is malformed (no closing
/// delimiter, a part without headers or name, too many parts).
std::optional<std::vector<FormPart>> parse_multipart(std::string_view body,
                                                     std::string_view boundary);

}  // namespace wangge::http
