#include "exchange.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "wangge/util/text.hpp"

namespace wangge::http {

std::optional<std::string> Request::header(const std::string& name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

namespace {

/// A host name, IPv4 address or bracketed IPv6 address, with an optional port.
bool plain_host(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  std::string_view name = h;
  const bool bracketed = h.front() == '[';
  if (bracketed) {
    const auto close = h.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (char c : h.substr(1, close - 1))
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    name = {};
    h.remove_prefix(close + 1);
    if (h.empty()) return true;
    if (h.front() != ':') return false;
  } else if (const auto colon = h.rfind(':'); colon != std::string_view::npos) {
    name = h.substr(0, colon);
    h.remove_prefix(colon);
  } else {
    h = {};
  }
  if (!bracketed && name.empty()) return false;  // ":80"
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  if (!h.empty()) {  // ":port"
    h.remove_prefix(1);
    if (h.empty() || h.size() > 5) return false;
    for (char c : h)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/// "/a/b" without a trailing slash: letters, digits and "-._~/" only, no "..".
bool plain_prefix(std::string_view p) {
  if (p.empty() || p.size() > 200 || p.front() != '/' || p.find("..") != std::string_view::npos)
    return false;
  for (char c : p)
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("-._~/").find(c) == std::string_view::npos)
      return false;
  return true;
}

}  // namespace

std::string request_origin(const Request& req, bool via_trusted_proxy) {
  std::string scheme = "http", host = req.header("host").value_or(""), prefix;
  if (via_trusted_proxy) {
    if (auto proto = req.header("x-forwarded-proto")) {
      const std::string p = text::lower(text::trim(proto->substr(0, proto->find(','))));
      if (p == "https" || p == "http") scheme = p;
    }
    if (auto forwarded = req.header("x-forwarded-host"))
      host = std::string(text::trim(forwarded->substr(0, forwarded->find(','))));
    if (auto p = req.header("x-forwarded-prefix")) {
      std::string_view v = text::trim(*p);
      while (!v.empty() && v.back() == '/') v.remove_suffix(1);
      if (plain_prefix(v)) prefix = std::string(v);
    }
  }
  if (!plain_host(host)) return {};
  return scheme + "://" + text::lower(host) + prefix;
}

Response problem(int status, const std::string& code, const std::string& title,
                 const std::string& detail, const std::string& request_id) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = nlohmann::json{{"type", "https://wangge.example/problems/" + code},
                          {"title", title},
                          {"status", status},
                          {"detail", detail},
                          {"code", code},
                          {"request_id", request_id}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::optional<std::string> url_decode(std::string_view s, bool form) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\0') return std::nullopt;  // as an escaped NUL: no field may hold one
    if (c == '+' && form) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return std::nullopt;
      out += decoded;
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> multipart_boundary(std::string_view ct) {
  const auto semi = ct.find(';');
  std::string type(text::trim(ct.substr(0, semi)));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (type != "multipart/form-data" || semi == std::string_view::npos) return std::nullopt;
  for (std::string_view rest = ct.substr(semi + 1); !rest.empty();) {
    const auto next = rest.find(';');
    std::string_view param = text::trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    if (param.size() < 9) continue;
    std::string key(param.substr(0, 9));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key != "boundary=") continue;
    std::string_view b = param.substr(9);
    if (b.size() >= 2 && b.front() == '"' && b.back() == '"') b = b.substr(1, b.size() - 2);
    // RFC 2046: 1 to 70 characters, no trailing space.
    if (b.empty() || b.size() > 70 || b.back() == ' ') return std::nullopt;
    return std::string(b);
  }
  return std::nullopt;
}

namespace {

/// The value of @p attr ("name", "filename") in a Content-Disposition header, unquoted.
std::optional<std::string> disposition_attr(std::string_view header, std::string_view attr) {
  for (std::size_t at = 0; (at = header.find(attr, at)) != std::string_view::npos; ++at) {
    const bool starts = at == 0 || header[at - 1] == ';' || header[at - 1] == ' ';
    const std::size_t eq = at + attr.size();
    if (!starts || eq >= header.size() || header[eq] != '=') continue;
    std::string_view v = header.substr(eq + 1);
    if (!v.empty() && v.front() == '"') {
      const auto close = v.find('"', 1);
      if (close == std::string_view::npos) return std::nullopt;
      return std::string(v.substr(1, close - 1));
    }
    return std::string(text::trim(v.substr(0, v.find(';'))));
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<FormPart>> parse_multipart(std::string_view body,
                                                     std::string_view boundary) {
  constexpr std::size_t kMaxParts = 64;
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return std::nullopt;
  std::vector<FormPart> parts;
  for (;;) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
    const auto head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) return std::nullopt;
    FormPart part;
    bool named = false;
    for (std::string_view heads = body.substr(pos, head_end - pos); !heads.empty();) {
      const auto eol = heads.find("\r\n");
      const std::string_view line = heads.substr(0, eol);
      heads = eol == std::string_view::npos ? std::string_view() : heads.substr(eol + 2);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      std::string key(text::trim(line.substr(0, colon)));
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const std::string_view value = text::trim(line.substr(colon + 1));
      if (key == "content-disposition") {
        auto name = disposition_attr(value, "name");
        if (!name || name->empty()) return std::nullopt;
        part.name = *name;
        part.filename = disposition_attr(value, "filename").value_or("");
        named = true;
      } else if (key == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!named) return std::nullopt;
    const std::size_t data = head_end + 4;
    const auto next = body.find("\r\n" + delimiter, data);
    if (next == std::string_view::npos) return std::nullopt;
    part.value = std::string(body.substr(data, next - data));
    if (parts.size() == kMaxParts) return std::nullopt;
    parts.push_back(std::move(part));
    pos = next + 2;
  }
}

std::optional<std::map<std::string, std::string>> parse_form(std::string_view s) {
  auto pairs = parse_form_pairs(s);
  if (!pairs) return std::nullopt;
  std::map<std::string, std::string> out;
  for (auto& [name, value] : *pairs) out[name] = std::move(value);
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form_pairs(
    std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!s.empty()) {
    const auto amp = s.find('&');
    const std::string_view pair = s.substr(0, amp);
    s = amp == std::string_view::npos ? std::string_view() : s.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq), true);
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    while (!pair.empty() && pair.back() == ' ') pair.remove_suffix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return std::nullopt;
}

bool not_modified(const Request& req, const std::string& etag) {
  const auto inm = req.header("if-none-match");
  if (!inm) return false;
  if (*inm == "*") return true;
  const std::string weak = "W/" + etag;
  return inm->find(etag) != std::string::npos || inm->find(weak) != std::string::npos;
}

bool accepts_gzip(const Request& req) {
  const auto ae = req.header("accept-encoding");
  if (!ae) return false;
  // "gzip" listed, and not with q=0.
  const std::size_t at = ae->find("gzip");
  if (at == std::string::npos) return false;
  const std::size_t end = ae->find(',', at);
  const std::string part = ae->substr(at, end == std::string::npos ? std::string::npos : end - at);
  return part.find("q=0") == std::string::npos || part.find("q=0.") != std::string::npos;
}

bool answer_conditionally(Response& r, const Request& req, std::string etag, bool gz) {
  // One ETag per representation: the gzip form is a different byte string.
  if (gz) etag.insert(etag.size() - 1, "-gz");
  r.header("ETag", etag);
  if (not_modified(req, etag)) {
    r.status = 304;
    return true;
  }
  if (gz) r.header("Content-Encoding", "gzip");
  return false;
}

}  // namespace wangge::http
