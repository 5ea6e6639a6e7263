#include "wire.hpp"

#include <algorithm>
#include <ctime>

namespace wangge::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality (field values such as "chunked" or "close").
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// A field value may hold visible characters, obs-text, space and tab; no other control.
bool valid_field_value(std::string_view v) {
  for (unsigned char c : v)
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  return true;
}

/// The comma-separated list elements of a field value, trimmed, empty ones dropped.
std::vector<std::string_view> list_elements(std::string_view v) {
  std::vector<std::string_view> out;
  while (!v.empty()) {
    const auto comma = v.find(',');
    const std::string_view one = trim_ows(v.substr(0, comma));
    if (!one.empty()) out.push_back(one);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool is_token_char(char c) noexcept {
  if (c >= '0' && c <= '9') return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::optional<std::string> RequestHead::field(std::string_view lower_name) const {
  std::optional<std::string> out;
  for (const auto& [name, value] : fields) {
    if (name != lower_name) continue;
    if (out)
      *out += ", " + value;
    else
      out = value;
  }
  return out;
}

RequestReader::RequestReader(WireLimits limits) : limits_(limits) {}

void RequestReader::reset() {
  state_ = State::head;
  started_ = false;
  pending_cr_ = false;
  head_buf_.clear();
  scan_from_ = 0;
  leading_blank_lines_ = 0;
  head_ = RequestHead{};
  body_.clear();
  max_body_ = 0;
  chunk_ = Chunk::size_line;
  line_.clear();
  chunk_left_ = 0;
  trailer_bytes_ = 0;
  error_ = WireError{};
}

void RequestReader::fail(int status, std::string message) {
  state_ = State::failed;
  error_ = WireError{status, std::move(message)};
}

std::size_t RequestReader::feed(std::string_view in) {
  switch (state_) {
    case State::head:
      return feed_head(in);
    case State::body:
      return head_.chunked ? feed_chunked(in) : feed_length_body(in);
    default:
      return 0;
  }
}

std::size_t RequestReader::feed_head(std::string_view in) {
  std::size_t used = 0;
  // Empty lines before a request line are tolerated (RFC 9112 §2.2: some clients send a CRLF
  // after a POST body), a few of them.
  while (!started_ && used < in.size()) {
    const char c = in[used];
    if (pending_cr_) {
      if (c != '\n') return fail(400, "a bare CR in the request head"), used;
      pending_cr_ = false;
      ++used;
      if (++leading_blank_lines_ > 4)
        return fail(400, "too many empty lines before the request line"), used;
    } else if (c == '\r') {
      pending_cr_ = true;
      ++used;
    } else if (c == '\n') {
      return fail(400, "a bare LF in the request head (lines end with CRLF)"), used;
    } else {
      started_ = true;
    }
  }
  if (used >= in.size()) return used;
  // Append up to just past the head limit, then look for the blank line that ends the head.
  const std::size_t cap = limits_.max_head + 4;
  const std::size_t take = std::min(cap - std::min(head_buf_.size(), cap), in.size() - used);
  const std::size_t before = head_buf_.size();
  head_buf_.append(in.substr(used, take));
  const auto end = head_buf_.find("\r\n\r\n", scan_from_ >= 3 ? scan_from_ - 3 : 0);
  if (end == std::string::npos || end + 2 > limits_.max_head) {
    scan_from_ = head_buf_.size();
    // A head of exactly max_head bytes is complete once the blank line's CRLF follows: with
    // max_head + 1 bytes held, its CR may be here and its LF still to come.
    if (head_buf_.size() > limits_.max_head + 1) {
      if (head_buf_.find(kCrlf) > limits_.max_target)
        fail(414,
             "the request target is longer than " + std::to_string(limits_.max_target) + " bytes");
      else
        fail(431, "the request head is larger than " + std::to_string(limits_.max_head) + " bytes");
    }
    return used + take;
  }
  // Only the head is consumed; what follows the blank line is the body or the next request.
  const std::size_t consumed_here = end + 4 - before;
  head_buf_.resize(end + 2);  // keep the last line's CRLF, drop the blank line
  parse_head();
  if (state_ != State::failed) state_ = State::head_complete;
  return used + consumed_here;
}

void RequestReader::parse_head() {
  std::string_view rest(head_buf_);
  // Every line must end with CRLF; a CR or LF anywhere else is refused (RFC 9112 §2.2).
  std::vector<std::string_view> lines;
  while (!rest.empty()) {
    const auto crlf = rest.find(kCrlf);
    const std::string_view line = rest.substr(0, crlf);
    if (line.find_first_of("\r\n") != std::string_view::npos)
      return fail(400, "a bare CR or LF in the request head (lines end with CRLF)");
    lines.push_back(line);
    rest.remove_prefix(crlf + 2);
  }
  if (lines.empty()) return fail(400, "the request line is missing");

  // request-line = method SP request-target SP HTTP-version
  const std::string_view line = lines.front();
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos)
    return fail(400, "the request line must be: method SP target SP HTTP/1.1");
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || method.size() > 32 ||
      !std::all_of(method.begin(), method.end(), is_token_char))
    return fail(400, "the method is not a token");
  if (version == "HTTP/1.1") {
    head_.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head_.minor_version = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
             std::isdigit(static_cast<unsigned char>(version[5])) && version[6] == '.' &&
             std::isdigit(static_cast<unsigned char>(version[7]))) {
    return fail(505, "only HTTP/1.1 and HTTP/1.0 are served");
  } else {
    return fail(400, "the HTTP version must be HTTP/1.1 or HTTP/1.0");
  }
  if (target.empty()) return fail(400, "the request target is empty");
  if (target.size() > limits_.max_target)
    return fail(
        414, "the request target is longer than " + std::to_string(limits_.max_target) + " bytes");
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7f)
      return fail(400, "the request target holds a character that must be percent-encoded");
  head_.method = std::string(method);
  if (target.front() == '/') {
    head_.target = std::string(target);
  } else if (target == "*") {
    if (method != "OPTIONS") return fail(400, "the target * is for OPTIONS only");
    head_.target = "*";
  } else if (target.substr(0, 7) == "http://" || target.substr(0, 8) == "https://") {
    // absolute-form (RFC 9112 §3.2.2): the path is what is served; the host is ignored.
    const std::size_t authority = target.find("//") + 2;
    const std::size_t path = target.find_first_of("/?", authority);
    head_.target = path == std::string_view::npos ? "/" : std::string(target.substr(path));
    if (head_.target.front() == '?') head_.target.insert(0, "/");
  } else {
    return fail(400, "the request target must be a path starting with /");
  }

  if (lines.size() - 1 > limits_.max_fields)
    return fail(
        431, "the request has more than " + std::to_string(limits_.max_fields) + " header fields");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    if (l.empty()) return fail(400, "an empty line inside the request head");
    if (l.front() == ' ' || l.front() == '\t')
      return fail(400, "a folded header line (obs-fold) is not accepted");
    const auto colon = l.find(':');
    if (colon == std::string_view::npos) return fail(400, "a header line without a colon");
    const std::string_view name = l.substr(0, colon);
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char))
      return fail(400, "a header field name must be a token, with no space before the colon");
    const std::string_view value = trim_ows(l.substr(colon + 1));
    if (!valid_field_value(value))
      return fail(400,
                  "the header field '" + lower(name).substr(0, 40) + "' holds a control character");
    head_.fields.emplace_back(lower(name), std::string(value));
  }
  parse_field_semantics();
}

void RequestReader::parse_field_semantics() {
  const bool http11 = head_.minor_version == 1;
  std::size_t hosts = 0, lengths = 0;
  std::optional<std::string> transfer;
  head_.keep_alive = http11;
  for (const auto& [name, value] : head_.fields) {
    if (name == "host") {
      ++hosts;
    } else if (name == "content-length") {
      if (++lengths > 1) return fail(400, "the request has more than one Content-Length");
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return fail(400, "Content-Length must be a decimal number of bytes (at most 18 digits)");
      std::uint64_t n = 0;
      for (char c : value) n = n * 10 + static_cast<std::uint64_t>(c - '0');
      head_.content_length = n;
    } else if (name == "transfer-encoding") {
      transfer = transfer ? *transfer + ", " + value : value;
    } else if (name == "connection") {
      for (std::string_view option : list_elements(value)) {
        if (iequals(option, "close")) head_.keep_alive = false;
        if (iequals(option, "keep-alive") && !http11) head_.keep_alive = true;
      }
    } else if (name == "expect") {
      if (!iequals(value, "100-continue"))
        return fail(417, "the only expectation served is 100-continue");
      head_.expect_continue = http11;
    }
  }
  if (http11 && hosts != 1) return fail(400, "an HTTP/1.1 request needs exactly one Host field");
  if (transfer) {
    if (!http11) return fail(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request");
    if (head_.content_length)
      return fail(400, "a request must not have both Content-Length and Transfer-Encoding");
    const auto codings = list_elements(*transfer);
    if (codings.size() != 1 || !iequals(codings.front(), "chunked"))
      return fail(501, "the only transfer coding served is chunked");
    head_.chunked = true;
  }
}

void RequestReader::begin_body(std::size_t max_body) {
  if (state_ != State::head_complete) return;
  max_body_ = max_body;
  if (head_.content_length && *head_.content_length > max_body)
    return fail(413, "the body is " + std::to_string(*head_.content_length) +
                         " bytes; this resource takes at most " + std::to_string(max_body));
  if (!head_.chunked && head_.content_length.value_or(0) == 0) {
    state_ = State::complete;
    return;
  }
  if (head_.content_length) body_.reserve(static_cast<std::size_t>(*head_.content_length));
  state_ = State::body;
}

std::size_t RequestReader::feed_length_body(std::string_view in) {
  const std::size_t want = static_cast<std::size_t>(*head_.content_length) - body_.size();
  const std::size_t take = std::min(want, in.size());
  body_.append(in.substr(0, take));
  if (body_.size() == *head_.content_length) state_ = State::complete;
  return take;
}

std::optional<bool> RequestReader::read_line(std::string_view in, std::size_t& used,
                                             std::size_t cap, const char* what) {
  while (used < in.size()) {
    const char c = in[used++];
    line_.push_back(c);
    if (line_.size() > cap) {
      fail(400, std::string(what) + " is longer than " + std::to_string(cap) + " bytes");
      return std::nullopt;
    }
    if (c == '\n') {
      if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
        fail(400, std::string("a bare LF in ") + what);
        return std::nullopt;
      }
      line_.resize(line_.size() - 2);
      if (line_.find_first_of("\r\n") != std::string::npos) {
        fail(400, std::string("a bare CR in ") + what);
        return std::nullopt;
      }
      return true;
    }
  }
  return false;
}

void RequestReader::chunk_size_line() {
  // chunk-size [ BWS ";" chunk-ext ]: the size is checked against the body limit digit by
  // digit, so no claimed size is ever allocated or overflows.
  const std::size_t room = max_body_ - body_.size();
  std::uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line_.size() && hex_value(line_[i]) >= 0; ++i) {
    size = size * 16 + static_cast<std::uint64_t>(hex_value(line_[i]));
    if (size > room)
      return fail(413, "the chunked body is larger than this resource takes (" +
                           std::to_string(max_body_) + " bytes)");
  }
  if (i == 0) return fail(400, "a chunk size must be hexadecimal digits");
  const std::string_view ext = trim_ows(std::string_view(line_).substr(i));
  if (!ext.empty() && (ext.front() != ';' || !valid_field_value(ext)))
    return fail(400, "a chunk size must be hexadecimal digits");
  line_.clear();
  chunk_left_ = size;
  chunk_ = size == 0 ? Chunk::trailers : Chunk::data;
}

void RequestReader::trailer_line() {
  trailer_bytes_ += line_.size() + 2;
  if (trailer_bytes_ > limits_.max_trailers)
    return fail(431, "the trailer fields are larger than " + std::to_string(limits_.max_trailers) +
                         " bytes");
  if (line_.empty()) {
    state_ = State::complete;
    return;
  }
  // Trailer fields are checked like header fields and then ignored (RFC 9110 §6.5).
  const auto colon = line_.find(':');
  if (colon == 0 || colon == std::string::npos ||
      !std::all_of(line_.begin(), line_.begin() + static_cast<std::ptrdiff_t>(colon),
                   is_token_char) ||
      !valid_field_value(std::string_view(line_).substr(colon + 1)))
    return fail(400, "a malformed trailer field");
  line_.clear();
}

std::size_t RequestReader::feed_chunked(std::string_view in) {
  std::size_t used = 0;
  while (used < in.size() && state_ == State::body) {
    switch (chunk_) {
      case Chunk::size_line: {
        const auto got = read_line(in, used, limits_.max_chunk_line, "a chunk-size line");
        if (!got || !*got) return used;
        chunk_size_line();
        break;
      }
      case Chunk::data: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, in.size() - used));
        body_.append(in.substr(used, take));
        used += take;
        chunk_left_ -= take;
        if (chunk_left_ == 0) chunk_ = Chunk::data_end;
        break;
      }
      case Chunk::data_end: {
        // The CRLF after a chunk's data, possibly split across reads.
        const char c = in[used++];
        if (line_.empty()) {
          if (c != '\r') return fail(400, "a chunk's data must end with CRLF"), used;
          line_ = "\r";
        } else {
          if (c != '\n') return fail(400, "a chunk's data must end with CRLF"), used;
          line_.clear();
          chunk_ = Chunk::size_line;
        }
        break;
      }
      case Chunk::trailers: {
        const auto got = read_line(in, used, limits_.max_trailers, "a trailer field");
        if (!got || !*got) return used;
        trailer_line();
        break;
      }
    }
  }
  return used;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string response_head(int status,
                          const std::vector<std::pair<std::string, std::string>>& fields,
                          std::size_t content_length, bool keep_alive, int client_minor_version,
                          std::int64_t unix_seconds) {
  auto clean = [](const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s)
      if (c != '\r' && c != '\n' && c != '\0') out += c;
    return out;
  };
  std::string out;
  out.reserve(256 + fields.size() * 48);
  out += "HTTP/1.1 " + std::to_string(status) + " ";
  out += reason_phrase(status);
  out += "\r\nDate: " + http_date(unix_seconds) + "\r\n";
  for (const auto& [name, value] : fields) out += clean(name) + ": " + clean(value) + "\r\n";
  if (status >= 200 && status != 204 && status != 304 && content_length != kUntilClose)
    out += "Content-Length: " + std::to_string(content_length) + "\r\n";
  if (status >= 200) {
    if (!keep_alive)
      out += "Connection: close\r\n";
    else if (client_minor_version == 0)
      out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  return out;
}

std::string http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

}  // namespace wangge::http
