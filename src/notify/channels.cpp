// The notification configuration and which channel carries which message.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "wangge/notify/channels.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/sha256.hpp"

namespace wangge::notify {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxChannels = 64;
constexpr std::size_t kMaxListEntries = 1000;

[[noreturn]] void bad(const std::string& where, const std::string& why) {
  throw Error(ErrorCode::invalid_data, where + ": " + why);
}

bool is_http_url(const std::string& url) {
  const bool scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  const auto host_at = url.find("://") + 3;
  return scheme && url.size() > host_at && url.size() <= 2048 &&
         url.find_first_of(" \t\r\n\"<>") == std::string::npos && url[host_at] != '/';
}

std::string text_field(const json& j, const char* key, const std::string& where, bool required) {
  if (!j.contains(key)) {
    if (required) bad(where, "the field '" + std::string(key) + "' is required");
    return {};
  }
  if (!j[key].is_string()) bad(where, "the field '" + std::string(key) + "' must be a string");
  std::string s = j[key].get<std::string>();
  if (required && s.empty()) bad(where, "the field '" + std::string(key) + "' is empty");
  if (s.size() > 4096) bad(where, "the field '" + std::string(key) + "' is over 4096 bytes");
  return s;
}

std::vector<std::string> list_field(const json& j, const char* key, const std::string& where) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  if (!j[key].is_array() || j[key].size() > kMaxListEntries)
    bad(where + "." + key, "must be a list of at most 1000 strings");
  for (const json& v : j[key]) {
    if (!v.is_string() || v.get<std::string>().empty())
      bad(where + "." + key, "every entry must be a non-empty string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

/// Refuses a field of @p j that is not one of @p known, naming the known ones.
void only_fields(const json& j, std::initializer_list<const char*> known,
                 const std::string& where) {
  for (const auto& [key, value] : j.items()) {
    (void)value;
    bool ok = false;
    std::string names;
    for (const char* k : known) {
      ok = ok || key == k;
      names += (names.empty() ? "" : ", ") + std::string(k);
    }
    if (!ok) bad(where, "unknown field '" + key + "' (" + names + ")");
  }
}

/// A list of NoticeKind names.
std::vector<std::string> kinds_field(const json& j, const std::string& where) {
  std::vector<std::string> kinds = list_field(j, "kinds", where);
  for (const std::string& k : kinds)
    if (!dispatch::parse_notice_kind(k))
      bad(where + ".kinds", "'" + k + "' is not a kind (" + dispatch::notice_kind_names() + ")");
  return kinds;
}

Audience parse_audience(const json& j, const std::string& where) {
  Audience a;
  if (j.is_null()) return a;
  if (!j.is_object()) bad(where, "must be an object");
  only_fields(j, {"kinds", "departments", "grids", "categories"}, where);
  a.kinds = kinds_field(j, where);
  a.departments = list_field(j, "departments", where);
  a.grids = list_field(j, "grids", where);
  a.categories = list_field(j, "categories", where);
  return a;
}

std::optional<ChannelType> parse_type(const std::string& s) {
  for (ChannelType t :
       {ChannelType::webhook, ChannelType::wecom, ChannelType::dingtalk, ChannelType::sms})
    if (to_string(t) == s) return t;
  return std::nullopt;
}

/// The whole number @p key of @p j (present), from @p min to @p max; @p unit (" of seconds")
/// names it in the message.
long long whole_field(const json& j, const char* key, const std::string& where, long long min,
                      long long max, const char* unit) {
  const json& v = j[key];
  if (!v.is_number_integer() || v.get<long long>() < min || v.get<long long>() > max)
    bad(where + "." + key, std::string("must be a whole number") + unit + " from " +
                               std::to_string(min) + " to " + std::to_string(max));
  return v.get<long long>();
}

/// Texts by kind ({"closed": "…{case}…"}) set into @p into; each checked as a template.
/// @returns the kinds set.
std::set<dispatch::NoticeKind> texts_field(const json& j, dispatch::NoticeTemplates& into,
                                           const std::string& where) {
  if (!j.is_object()) bad(where, "must be an object of texts by kind");
  std::set<dispatch::NoticeKind> set;
  for (const auto& [kind, value] : j.items()) {
    const auto k = dispatch::parse_notice_kind(kind);
    if (!k) bad(where, "'" + kind + "' is not a kind (" + dispatch::notice_kind_names() + ")");
    if (!value.is_string()) bad(where + "." + kind, "must be a string");
    try {
      into.set(*k, value.get<std::string>());
    } catch (const Error& e) {
      bad(where + "." + kind, e.what());
    }
    set.insert(*k);
  }
  return set;
}

/// digest_after and digest_window_seconds of @p c (its type and templates already read).
void parse_digest(const json& j, ChannelConfig& c, const std::string& where) {
  const bool sms_digest = c.type == ChannelType::sms && c.sms_templates.count("digest") > 0;
  c.digest_after = sms_digest ? 5 : 0;
  if (c.type == ChannelType::webhook &&
      (j.contains("digest_after") || j.contains("digest_window_seconds")))
    bad(where,
        "a webhook carries every message to a machine: digest_after and "
        "digest_window_seconds are fields of sms, wecom and dingtalk channels");
  if (j.contains("digest_after")) {
    c.digest_after = static_cast<int>(whole_field(j, "digest_after", where, 0, 10000, ""));
    if (c.digest_after > 0 && c.type == ChannelType::sms && !sms_digest)
      bad(where + ".digest_after",
          "an sms digest needs a template id for it: templates.digest (params count, cases, "
          "link)");
  }
  if (j.contains("digest_window_seconds"))
    c.digest_window = std::chrono::seconds(
        whole_field(j, "digest_window_seconds", where, 1, 86400, " of seconds"));
}

ChannelConfig parse_channel(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "a channel must be an object");
  only_fields(j,
              {"name", "type", "url", "secret", "audience", "rate_per_second", "templates",
               "sign_name", "key", "digest_after", "digest_window_seconds", "texts"},
              where);
  ChannelConfig c;
  c.name = text_field(j, "name", where, true);
  const std::string where_named = where + " ('" + c.name + "')";
  const std::string type = text_field(j, "type", where_named, true);
  const auto t = parse_type(type);
  if (!t) bad(where_named + ".type", "'" + type + "' is not one of webhook, wecom, dingtalk, sms");
  c.type = *t;
  c.url = text_field(j, "url", where_named, true);
  if (!is_http_url(c.url)) bad(where_named + ".url", "must be an http:// or https:// URL");
  c.secret = text_field(j, "secret", where_named, c.type == ChannelType::webhook);
  if (j.contains("audience")) c.audience = parse_audience(j["audience"], where_named + ".audience");
  if (j.contains("rate_per_second")) {
    const json& r = j["rate_per_second"];
    if (!r.is_number() || !std::isfinite(r.get<double>()) || r.get<double>() <= 0 ||
        r.get<double>() > 100000)
      bad(where_named + ".rate_per_second", "must be a number above 0 and at most 100000");
    c.rate_per_second = r.get<double>();
  }
  if (c.type == ChannelType::sms) {
    if (!j.contains("templates") || !j["templates"].is_object() || j["templates"].empty())
      bad(where_named + ".templates",
          "an sms channel needs an object of template ids by kind, e.g. {\"closed\": \"SMS_1\"}");
    for (const auto& [kind, id] : j["templates"].items()) {
      if (!dispatch::parse_notice_kind(kind) && kind != "digest" && kind != "code")
        bad(where_named + ".templates", "'" + kind + "' is not a kind (" +
                                            dispatch::notice_kind_names() + "), digest nor code");
      if (!id.is_string() || id.get<std::string>().empty())
        bad(where_named + ".templates." + kind, "must be a non-empty string");
      c.sms_templates[kind] = id.get<std::string>();
    }
    c.sms_sign = text_field(j, "sign_name", where_named, false);
    c.sms_key = text_field(j, "key", where_named, false);
  } else if (j.contains("templates") || j.contains("sign_name") || j.contains("key")) {
    bad(where_named, "templates, sign_name and key are fields of an sms channel only");
  }
  parse_digest(j, c, where_named);
  if (j.contains("texts")) {
    if (c.type == ChannelType::sms)
      bad(where_named + ".texts",
          "an sms channel's texts are its gateway's templates (templates: kind → template id)");
    c.own_texts = texts_field(j["texts"], c.texts, where_named + ".texts");
  }
  return c;
}

std::string short_number(double v) {
  char out[32];
  std::snprintf(out, sizeof out, "%g", v);
  return out;
}

std::chrono::milliseconds duration_field(const json& j, const char* key, const std::string& where,
                                         double min_s, double max_s,
                                         std::chrono::milliseconds fallback) {
  if (!j.contains(key)) return fallback;
  const json& v = j[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < min_s ||
      v.get<double>() > max_s)
    bad(where + "." + key,
        "must be a number of seconds from " + short_number(min_s) + " to " + short_number(max_s));
  return std::chrono::milliseconds(number::narrow_round(v.get<double>() * 1000));  // ≤ 7 days
}

RetryPolicy parse_retry(const json& j, const std::string& where) {
  RetryPolicy r;
  if (!j.is_object()) bad(where, "must be an object");
  only_fields(j,
              {"max_attempts", "first_retry_seconds", "longest_retry_seconds", "timeout_seconds"},
              where);
  if (j.contains("max_attempts"))
    r.max_attempts = static_cast<int>(whole_field(j, "max_attempts", where, 1, 100, ""));
  r.first_retry = duration_field(j, "first_retry_seconds", where, 0.01, 86400, r.first_retry);
  r.longest_retry =
      duration_field(j, "longest_retry_seconds", where, 0.01, 7 * 86400, r.longest_retry);
  r.timeout = duration_field(j, "timeout_seconds", where, 0.1, 120, r.timeout);
  if (r.longest_retry < r.first_retry)
    bad(where, "longest_retry_seconds is shorter than first_retry_seconds");
  return r;
}

NoticeRule parse_rule(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "a rule must be an object");
  only_fields(j, {"kinds", "categories", "roles", "send"}, where);
  NoticeRule r;
  r.kinds = kinds_field(j, where);
  r.categories = list_field(j, "categories", where);
  r.roles = list_field(j, "roles", where);
  for (const std::string& role : r.roles)
    if (role != "group" && !dispatch::parse_role(role))
      bad(where + ".roles", "'" + role + "' is not a role (" + dispatch::role_names() + ", group)");
  if (!j.contains("send") || !j["send"].is_boolean())
    bad(where, "the field 'send' (true or false) is required");
  r.send = j["send"].get<bool>();
  return r;
}

std::chrono::minutes clock_field(const json& j, const char* key, const std::string& where) {
  const std::string s = text_field(j, key, where, true);
  const bool shape = s.size() == 5 && s[2] == ':' &&
                     std::isdigit(static_cast<unsigned char>(s[0])) &&
                     std::isdigit(static_cast<unsigned char>(s[1])) &&
                     std::isdigit(static_cast<unsigned char>(s[3])) &&
                     std::isdigit(static_cast<unsigned char>(s[4]));
  const int h = shape ? (s[0] - '0') * 10 + (s[1] - '0') : 99;
  const int m = shape ? (s[3] - '0') * 10 + (s[4] - '0') : 99;
  if (h > 23 || m > 59) bad(where + "." + key, "must be a time of day HH:MM, e.g. \"22:00\"");
  return std::chrono::minutes(h * 60 + m);
}

QuietHours parse_quiet(const json& j, const std::string& where) {
  if (!j.is_object()) bad(where, "must be an object {from, to, urgent_categories}");
  only_fields(j, {"from", "to", "urgent_categories"}, where);
  QuietHours q;
  q.from = clock_field(j, "from", where);
  q.to = clock_field(j, "to", where);
  if (q.from == q.to) bad(where, "from and to are the same time");
  q.urgent_categories = list_field(j, "urgent_categories", where);
  return q;
}

bool by_prefix(const std::vector<std::string>& prefixes, const std::string& value) {
  if (prefixes.empty()) return true;
  for (const std::string& p : prefixes)
    if (value.rfind(p, 0) == 0) return true;
  return false;
}

bool listens(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool carries(const ChannelConfig& c, const dispatch::Notification& n) {
  const Audience& a = c.audience;
  if (!listens(a.kinds, std::string(to_string(n.kind)))) return false;
  if (!listens(a.departments, n.department)) return false;
  if (!a.grids.empty()) {
    bool any = false;
    for (const std::string& g : n.grids) any = any || listens(a.grids, g);
    if (!any) return false;
  }
  if (!a.categories.empty()) {
    bool any = false;
    for (const std::string& prefix : a.categories) any = any || n.category.rfind(prefix, 0) == 0;
    if (!any) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(ChannelType t) noexcept {
  switch (t) {
    case ChannelType::webhook:
      return "webhook";
    case ChannelType::wecom:
      return "wecom";
    case ChannelType::dingtalk:
      return "dingtalk";
    case ChannelType::sms:
      return "sms";
  }
  return "webhook";
}

std::chrono::milliseconds RetryPolicy::backoff(int attempts) const {
  auto wait = first_retry;
  for (int i = 1; i < attempts && wait < longest_retry; ++i) wait *= 2;
  return std::min(wait, longest_retry);
}

NotifyConfig parse_notify_config(const std::string& text, const std::string& file) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(ErrorCode::unreadable_source,
                file + ": not JSON (at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    throw Error(ErrorCode::unreadable_source, file + ": not JSON (a number out of range)");
  }
  if (!j.is_object()) bad(file, "must be a JSON object with 'channels'");
  only_fields(j, {"channels", "templates", "retry", "rules", "quiet_hours", "retention_days"},
              file);
  NotifyConfig config;
  if (j.contains("channels")) {
    if (!j["channels"].is_array() || j["channels"].size() > kMaxChannels)
      bad(file + ": channels", "must be a list of at most 64 channels");
    std::set<std::string> names;
    for (std::size_t i = 0; i < j["channels"].size(); ++i) {
      ChannelConfig c =
          parse_channel(j["channels"][i], file + ": channels[" + std::to_string(i) + "]");
      if (!names.insert(c.name).second)
        bad(file + ": channels[" + std::to_string(i) + "]",
            "the name '" + c.name + "' is used twice");
      config.channels.push_back(std::move(c));
    }
  }
  if (j.contains("templates")) {
    texts_field(j["templates"], config.templates, file + ": templates");
  }
  if (j.contains("retry")) config.retry = parse_retry(j["retry"], file + ": retry");
  if (j.contains("rules")) {
    if (!j["rules"].is_array() || j["rules"].size() > 1000)
      bad(file + ": rules", "must be a list of at most 1000 rules");
    for (std::size_t i = 0; i < j["rules"].size(); ++i)
      config.rules.push_back(
          parse_rule(j["rules"][i], file + ": rules[" + std::to_string(i) + "]"));
  }
  if (j.contains("quiet_hours"))
    config.quiet_hours = parse_quiet(j["quiet_hours"], file + ": quiet_hours");
  if (j.contains("retention_days")) {
    const json& days = j["retention_days"];
    if (!days.is_number_integer() || days.get<long long>() < 1 || days.get<long long>() > 3650)
      bad(file + ": retention_days", "must be a whole number of days from 1 to 3650");
    config.retention = std::chrono::hours(24 * days.get<long long>());
  }
  return config;
}

ChannelConfig every_message_webhook(const std::string& url, const std::string& secret) {
  if (!is_http_url(url))
    throw Error(ErrorCode::invalid_argument, "--notify-webhook must be an http:// or https:// URL");
  if (secret.empty())
    throw Error(ErrorCode::invalid_argument,
                "--notify-webhook needs --notify-secret (the receiver checks the signature)");
  ChannelConfig c;
  c.name = "notify-webhook";
  c.type = ChannelType::webhook;
  c.url = url;
  c.secret = secret;
  c.rate_per_second = 100000;
  return c;
}

std::chrono::minutes QuietHours::wait_at(std::chrono::minutes t) const {
  constexpr std::chrono::minutes kDay{24 * 60};
  const bool quiet = from < to ? (t >= from && t < to) : (t >= from || t < to);
  if (!quiet) return std::chrono::minutes(0);
  return (to - t + kDay) % kDay;
}

bool NotifyConfig::wanted(const dispatch::Notification& n, const std::string& role) const {
  for (const NoticeRule& r : rules) {
    if (listens(r.kinds, std::string(to_string(n.kind))) && by_prefix(r.categories, n.category) &&
        listens(r.roles, role))
      return r.send;
  }
  return true;
}

bool NotifyConfig::urgent(const dispatch::Notification& n) const {
  if (n.urgent) return true;
  return quiet_hours && !quiet_hours->urgent_categories.empty() &&
         by_prefix(quiet_hours->urgent_categories, n.category);
}

DigestWindow digest_window(const ChannelConfig& c, const std::string& address,
                           dispatch::Instant now) {
  const auto length = std::chrono::duration_cast<dispatch::Instant::duration>(c.digest_window);
  DigestWindow w;
  w.start = dispatch::Instant(now.time_since_epoch() - now.time_since_epoch() % length);
  if (now.time_since_epoch().count() < 0) w.start -= length;  // floor before 1970 too
  w.end = w.start + length;
  w.id = "g_" + sha256_hex(c.name + "\n" + address + "\n" +
                           std::to_string(w.start.time_since_epoch().count()))
                    .substr(0, 24);
  return w;
}

dispatch::Instant after_quiet_hours(const NotifyConfig& config, dispatch::Instant t,
                                    const dispatch::TimeZone& zone) {
  if (!config.quiet_hours) return t;
  const auto local = std::chrono::floor<std::chrono::minutes>(zone.to_local(t));
  const auto since_midnight = local - std::chrono::floor<std::chrono::days>(local);
  return t + config.quiet_hours->wait_at(since_midnight);
}

std::vector<std::pair<std::size_t, dispatch::Delivery>> deliveries_for(
    const NotifyConfig& config, const std::vector<dispatch::Notification>& messages,
    const dispatch::Report& report, dispatch::Instant now, const dispatch::TimeZone& zone) {
  const dispatch::Instant after_quiet = after_quiet_hours(config, now, zone);
  std::vector<std::pair<std::size_t, dispatch::Delivery>> out;
  auto add = [&](std::size_t i, const ChannelConfig& c, const std::string& address) {
    dispatch::Delivery d;
    d.notification_id = messages[i].id;
    d.channel = c.name;
    d.address = address;
    d.id = dispatch::outbox_id("d_", messages[i].created_at, d.notification_id + "\n" + c.name);
    d.next_at = d.created_at = d.updated_at = now;
    if (c.own_texts.count(messages[i].kind))
      d.text = c.texts.render(messages[i].kind, messages[i].fields);
    // Phones are quiet at night; machines (webhooks) and urgent messages are not.
    if (c.type != ChannelType::webhook && !config.urgent(messages[i])) d.next_at = after_quiet;
    out.emplace_back(i, std::move(d));
  };
  for (const ChannelConfig& c : config.channels) {
    std::set<dispatch::NoticeKind> posted;  // group robots: once per kind of this event
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const dispatch::Notification& n = messages[i];
      if (!carries(c, n)) continue;
      switch (c.type) {
        case ChannelType::webhook:
          add(i, c, "");
          break;
        case ChannelType::wecom:
        case ChannelType::dingtalk:
          if (posted.insert(n.kind).second) add(i, c, "");
          break;
        case ChannelType::sms: {
          // Only the reporter's own phone, and only for kinds the gateway has a template for.
          const bool reporter =
              n.recipient == report.submitted_by || n.recipient == "reporter:" + report.id;
          if (reporter && !report.reporter.phone.empty() &&
              c.sms_templates.count(std::string(to_string(n.kind))))
            add(i, c, report.reporter.phone);
          break;
        }
      }
    }
  }
  return out;
}

}  // namespace wangge::notify
