// Each channel's message format, and the signatures (HMAC-SHA256 through libsodium).
#include <sodium.h>

#include <array>
#include <cstring>

#include <nlohmann/json.hpp>

#include "wangge/notify/channels.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::notify {
namespace {

using nlohmann::json;

std::string hex(const unsigned char* bytes, std::size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

/// HMAC-SHA256(key, the concatenation of @p parts), fed in parts rather than copied together.
std::array<unsigned char, crypto_auth_hmacsha256_BYTES> hmac(
    const std::string& key, std::initializer_list<std::string_view> parts) {
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  for (std::string_view part : parts)
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                                  part.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

long long unix_seconds(dispatch::Instant t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
long long unix_millis(dispatch::Instant t) {
  return t.time_since_epoch().count();
}

/// The text a channel shows: its own template's, else the message's.
const std::string& shown_text(const dispatch::Delivery& d, const dispatch::Notification& n) {
  return d.text.empty() ? n.text : d.text;
}

const dispatch::TimeZone kUtc{"UTC", std::chrono::minutes(0)};

void add_key(std::string& out, std::string_view key) {
  if (out.back() != '{') out.push_back(',');
  text::append_json_string(out, key);
  out.push_back(':');
}
void add_field(std::string& out, std::string_view key, std::string_view value) {
  add_key(out, key);
  text::append_json_string(out, value);
}

/// A webhook's body: {"id", "type", "attempt", "notification": {the message}}, written
/// directly (a delivery's hot path: building it as a JSON document cost more than its HTTP
/// request). The message's text is @p text (a channel's own template, or the message's).
std::string webhook_body(const dispatch::Delivery& d, const dispatch::Notification& n,
                         std::string_view text) {
  std::string out;
  out.reserve(512 + n.text.size() + text.size());
  out.push_back('{');
  add_field(out, "id", d.id);
  add_field(out, "type", "notification." + std::string(to_string(n.kind)));
  add_key(out, "attempt");
  out += std::to_string(d.attempts + 1);
  add_key(out, "notification");
  out.push_back('{');
  add_field(out, "id", n.id);
  add_field(out, "kind", to_string(n.kind));
  add_field(out, "report_id", n.report_id);
  add_key(out, "event_seq");
  out += std::to_string(n.event_seq);
  add_field(out, "recipient", n.recipient);
  add_field(out, "recipient_name", n.recipient_name);
  add_field(out, "department", n.department);
  add_key(out, "grids");
  out.push_back('[');
  for (std::size_t i = 0; i < n.grids.size(); ++i) {
    if (i > 0) out.push_back(',');
    text::append_json_string(out, n.grids[i]);
  }
  out.push_back(']');
  add_field(out, "category", n.category);
  add_key(out, "urgent");
  out += n.urgent ? "true" : "false";
  add_field(out, "title", n.title);
  add_field(out, "text", text);
  add_field(out, "link", n.link);
  add_field(out, "created_at", dispatch::format_iso(n.created_at, kUtc));
  out += "}}";
  return out;
}

/// Robots show text only: the title in brackets is already in the rendered template.
json robot_text(const dispatch::Delivery& d, const dispatch::Notification& n) {
  return json{{"msgtype", "text"}, {"text", {{"content", shown_text(d, n)}}}};
}

}  // namespace

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  const auto mac = hmac(key, {message});
  return hex(mac.data(), mac.size());
}

std::string webhook_signature(const std::string& secret, long long t, const std::string& body) {
  const std::string stamp = std::to_string(t);
  const auto mac = hmac(secret, {stamp, ".", body});  // HMAC-SHA256(secret, "<t>.<body>")
  return "t=" + stamp + ",v1=" + hex(mac.data(), mac.size());
}

std::string dingtalk_signed_url(const std::string& url, const std::string& secret, long long ms) {
  const auto mac = hmac(secret, {std::to_string(ms) + "\n" + secret});
  std::string b64(sodium_base64_ENCODED_LEN(mac.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), mac.data(), mac.size(), sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return url + (url.find('?') == std::string::npos ? "?" : "&") +
         "timestamp=" + std::to_string(ms) + "&sign=" + text::url_encode(b64);
}

OutgoingRequest format_request(const ChannelConfig& c, const dispatch::Delivery& d,
                               const dispatch::Notification& n, dispatch::Instant now) {
  OutgoingRequest r;
  r.url = c.url;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.headers.emplace_back("User-Agent", "wangge-notify/1");
  switch (c.type) {
    case ChannelType::webhook: {
      r.body = webhook_body(d, n, shown_text(d, n));
      r.headers.emplace_back("X-Wangge-Delivery", d.id);
      r.headers.emplace_back("X-Wangge-Signature",
                             webhook_signature(c.secret, unix_seconds(now), r.body));
      break;
    }
    case ChannelType::wecom:
      r.body = robot_text(d, n).dump();
      r.check_errcode = true;
      break;
    case ChannelType::dingtalk:
      r.body = robot_text(d, n).dump();
      if (!c.secret.empty()) r.url = dingtalk_signed_url(c.url, c.secret, unix_millis(now));
      r.check_errcode = true;
      break;
    case ChannelType::sms: {
      const auto t = c.sms_templates.find(std::string(to_string(n.kind)));
      const json body{{"phone", d.address},
                      {"template_id", t == c.sms_templates.end() ? "" : t->second},
                      {"sign_name", c.sms_sign},
                      {"params", {{"case", n.report_id}, {"title", n.title}, {"link", n.link}}},
                      {"out_id", d.id}};
      r.body = body.dump();
      if (!c.sms_key.empty()) r.headers.emplace_back("Authorization", "Bearer " + c.sms_key);
      r.headers.emplace_back("X-Wangge-Delivery", d.id);
      break;
    }
  }
  return r;
}

OutgoingRequest format_code(const ChannelConfig& c, const std::string& phone,
                            const std::string& code, int minutes, const std::string& out_id) {
  OutgoingRequest r;
  r.url = c.url;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.headers.emplace_back("User-Agent", "wangge-notify/1");
  const auto t = c.sms_templates.find("code");
  r.body = json{
      {"phone", phone},
      {"template_id", t == c.sms_templates.end() ? "" : t->second},
      {"sign_name", c.sms_sign},
      {"params", {{"code", code}, {"minutes", std::to_string(minutes)}}},
      {"out_id",
       out_id}}.dump();
  if (!c.sms_key.empty()) r.headers.emplace_back("Authorization", "Bearer " + c.sms_key);
  r.headers.emplace_back("X-Wangge-Delivery", out_id);
  return r;
}

OutgoingRequest format_digest(const ChannelConfig& c, const std::string& digest_id,
                              const std::string& address,
                              const std::vector<dispatch::Notification>& messages,
                              dispatch::Instant now) {
  OutgoingRequest r;
  r.url = c.url;
  r.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  r.headers.emplace_back("User-Agent", "wangge-notify/1");
  const std::string count = std::to_string(messages.size());
  if (c.type == ChannelType::sms) {
    // Case numbers, the first five; the link of the newest message (its inbox entry's case).
    std::string cases;
    for (std::size_t i = 0; i < messages.size() && i < 5; ++i)
      cases += (cases.empty() ? "" : "、") + messages[i].report_id;
    if (messages.size() > 5) cases += "等";
    const auto t = c.sms_templates.find("digest");
    const json body{{"phone", address},
                    {"template_id", t == c.sms_templates.end() ? "" : t->second},
                    {"sign_name", c.sms_sign},
                    {"params",
                     {{"count", count},
                      {"cases", cases},
                      {"link", messages.empty() ? "" : messages.back().link}}},
                    {"out_id", digest_id}};
    r.body = body.dump();
    if (!c.sms_key.empty()) r.headers.emplace_back("Authorization", "Bearer " + c.sms_key);
    r.headers.emplace_back("X-Wangge-Delivery", digest_id);
    return r;
  }
  // A group robot: one text, within the 2,048 bytes 企业微信 takes (钉钉 takes more).
  constexpr std::size_t kMaxBytes = 2000;
  constexpr std::size_t kMaxLines = 20;
  std::string text = "【通知汇总】本时段共 " + count + " 条通知：";
  std::size_t listed = 0;
  for (const dispatch::Notification& n : messages) {
    const std::string line = "\n" + std::to_string(listed + 1) + ". " + n.text;
    // Room for the closing line ("……另有 N 条，请在收件箱查看。", under 80 bytes).
    if (listed == kMaxLines || text.size() + line.size() + 80 > kMaxBytes) break;
    text += line;
    ++listed;
  }
  if (listed < messages.size())
    text += "\n……另有 " + std::to_string(messages.size() - listed) + " 条，请在收件箱查看。";
  r.body = json{{"msgtype", "text"}, {"text", {{"content", text}}}}.dump();
  r.check_errcode = true;
  if (c.type == ChannelType::dingtalk && !c.secret.empty())
    r.url = dingtalk_signed_url(c.url, c.secret, unix_millis(now));
  return r;
}

}  // namespace wangge::notify
