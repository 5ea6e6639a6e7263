#pragma once
// Notification channels (通知渠道): how a deployment's messages leave wangge. Each channel is
// one entry of the notification configuration (a JSON file, `wangge serve --notify-config`):
//
//   webhook   JSON POST signed as Stripe does it: X-Wangge-Signature: t=<unix seconds>,
//             v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>, the delivery id in
//             X-Wangge-Delivery and in the body (receivers check freshness and deduplicate);
//   wecom     企业微信 group robot (msgtype text);
//   dingtalk  钉钉 group robot (msgtype text), its URL signed with the robot's secret
//             (timestamp + sign = base64(HMAC-SHA256(secret, "<ms>\n<secret>")));
//   sms       an HTTP SMS gateway: {phone, template_id, sign_name, params}, as the Chinese SMS
//             services take them; only to residents who gave a phone, and only the kinds a
//             template id is configured for.
//             With a "code" template, residents' sign-in codes (登录验证码) go through it too:
//             params {code, minutes}.
//
// Digest (汇总): a channel that reaches a person's phone (SMS) or a group chat (企业微信, 钉钉)
// sends at most `digest_after` messages to one address in a window (`digest_window_seconds`,
// an hour unless set, aligned to the clock); what comes after in that window waits for its
// end and goes as one message that lists them all. Urgent messages are never held (they still
// count). Off (0) unless set, except on an SMS channel with a "digest" template: 5.
//
// The in-app inbox is not a channel here: every message is stored as its recipient's inbox
// entry by the outbox itself.

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "wangge/dispatch/notification.hpp"
#include "wangge/dispatch/report.hpp"

namespace wangge::notify {

enum class ChannelType { webhook, wecom, dingtalk, sms };
std::string_view to_string(ChannelType t) noexcept;

/// Which messages a channel carries. An empty list does not restrict.
struct Audience {
  std::vector<std::string> kinds;        ///< NoticeKind names
  std::vector<std::string> departments;  ///< the message's department
  std::vector<std::string> grids;        ///< any grid of the case's chain
  std::vector<std::string> categories;   ///< the case's category or a class above it (prefix)
};

struct ChannelConfig {
  std::string name;  ///< unique; a delivery names its channel by it
  ChannelType type = ChannelType::webhook;
  std::string url;     ///< http:// or https://
  std::string secret;  ///< webhook: the signing secret (required); dingtalk: the robot's secret
  Audience audience;
  /// Group robots (wecom, dingtalk) post once per event and kind, not once per recipient; a
  /// webhook gets one delivery per message (it names its recipient).
  double rate_per_second = 20;  ///< this channel's deliveries a second, at most
  // sms
  std::map<std::string, std::string> sms_templates;  ///< NoticeKind name → template id
  std::string sms_sign;                              ///< the gateway's signature name (签名)
  std::string sms_key;                               ///< sent as Authorization: Bearer
  /// The channel's own texts by kind (`texts`; robots and webhooks), the same fields as the
  /// message templates; kinds without one use the message's text.
  dispatch::NoticeTemplates texts;
  std::set<dispatch::NoticeKind> own_texts;
  // digest (not on webhooks: a machine receives every message)
  int digest_after = 0;  ///< messages to one address in a window before the rest wait; 0: never
  std::chrono::seconds digest_window{3600};
};

/// The digest window a delivery to @p address on @p c, created at @p now, falls in.
struct DigestWindow {
  dispatch::Instant start;
  dispatch::Instant end;
  /// The digest's id, "g_…": the same for every delivery held for this channel, address and
  /// window (it names no phone); a receiver deduplicates the digest on it.
  std::string id;
};
DigestWindow digest_window(const ChannelConfig& c, const std::string& address,
                           dispatch::Instant now);

/// The retry schedule: the n-th failed try waits first_retry × 2^(n-1), at most longest_retry,
/// with ±25% jitter; after max_attempts tries the delivery is dead (dead letter).
struct RetryPolicy {
  int max_attempts = 18;  ///< 5 s doubling to an hour: about 12 hours of tries in all
  std::chrono::milliseconds first_retry{5000};
  std::chrono::milliseconds longest_retry{3600 * 1000};
  std::chrono::milliseconds timeout{5000};  ///< one try, connection included
  /// The wait after the @p attempts-th failed try, before jitter.
  std::chrono::milliseconds backoff(int attempts) const;
};

/// Who hears what, beyond the domain's defaults: the first rule that matches a message decides
/// whether it is sent at all (inbox included). An empty list does not restrict.
struct NoticeRule {
  std::vector<std::string> kinds;
  std::vector<std::string> categories;  ///< by prefix: "06" is every 06xx
  /// The recipient's role (resident, grid_worker, department_staff, dispatcher, supervisor,
  /// admin, party_member) or "group" for a grid or department nobody answers for.
  std::vector<std::string> roles;
  bool send = true;
};

/// Quiet hours (免打扰): messages that are not urgent wait on the channels that reach people's
/// phones (企业微信, 钉钉, SMS) until the quiet time ends; the inbox and webhooks get them at once.
/// Urgent: 督办 and 挂牌督办, and every message about a case of an urgent category.
struct QuietHours {
  std::chrono::minutes from{22 * 60};  ///< local time of the deployment's calendar
  std::chrono::minutes to{7 * 60};
  std::vector<std::string> urgent_categories;  ///< by prefix
  /// When a message created at @p local_minutes (since midnight) may go: 0 when not quiet,
  /// else the minutes to wait.
  std::chrono::minutes wait_at(std::chrono::minutes local_minutes) const;
};

struct NotifyConfig {
  std::vector<ChannelConfig> channels;
  dispatch::NoticeTemplates templates;
  RetryPolicy retry;
  std::vector<NoticeRule> rules;
  std::optional<QuietHours> quiet_hours;
  /// Delivered and dead deliveries (with the phone an SMS went to) are deleted this long after
  /// their last change; the inbox keeps its messages.
  std::chrono::hours retention{24 * 30};

  /// Whether @p n (to a recipient of @p role) is sent, by the first rule that matches.
  bool wanted(const dispatch::Notification& n, const std::string& role) const;
  /// Whether @p n bypasses quiet hours.
  bool urgent(const dispatch::Notification& n) const;
};

/// Parses the notification configuration. @p file names it in messages.
/// @throws Error(invalid_data) naming the file, the channel (by index and name) and the field:
/// an unknown type or field, a URL that is not http(s), a webhook without a secret, an SMS
/// template for an unknown kind, a template naming an unknown field, a duplicate name…
NotifyConfig parse_notify_config(const std::string& json, const std::string& file);

/// A webhook that carries every message (`--notify-webhook URL --notify-secret S`).
/// @throws Error(invalid_argument) for a URL that is not http(s) or an empty secret.
ChannelConfig every_message_webhook(const std::string& url, const std::string& secret);

/// The deliveries @p messages (of one event of @p report) owe on @p config's channels, due at
/// @p now: a webhook one per message it carries, a group robot one per kind, SMS one per
/// message to the reporter when they gave a phone and the kind has a template; outside webhooks,
/// a message that is not urgent is due at the end of the quiet hours.
/// Quiet hours are read in @p zone.
std::vector<std::pair<std::size_t, dispatch::Delivery>> deliveries_for(
    const NotifyConfig& config, const std::vector<dispatch::Notification>& messages,
    const dispatch::Report& report, dispatch::Instant now, const dispatch::TimeZone& zone);

/// When a message that is not urgent, ready at @p t, may go to a person's phone: @p t, or the end
/// of the quiet hours (read in @p zone) it falls in.
dispatch::Instant after_quiet_hours(const NotifyConfig& config, dispatch::Instant t,
                                    const dispatch::TimeZone& zone);

/// One HTTP request to make.
struct OutgoingRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  /// Robots answer 200 with {"errcode": n}; anything but 0 is a failure.
  bool check_errcode = false;
};

/// The request that carries @p d of @p n on @p channel, signed at @p now.
OutgoingRequest format_request(const ChannelConfig& channel, const dispatch::Delivery& d,
                               const dispatch::Notification& n, dispatch::Instant now);

/// The one request that carries a digest @p digest_id of @p messages (oldest first, at least
/// one) to @p address on @p c (SMS or a group robot), signed at @p now: SMS with the "digest"
/// template and params {count, cases, link}; a robot a text listing each message (the first
/// 20, then how many more), within the robots' 2,048-byte limit.
OutgoingRequest format_digest(const ChannelConfig& c, const std::string& digest_id,
                              const std::string& address,
                              const std::vector<dispatch::Notification>& messages,
                              dispatch::Instant now);

/// The request that sends a sign-in @p code (good for @p minutes) to @p phone on the SMS channel
/// @p c, with its "code" template: params {code, minutes}, @p out_id to deduplicate.
OutgoingRequest format_code(const ChannelConfig& c, const std::string& phone,
                            const std::string& code, int minutes, const std::string& out_id);

/// Lowercase hex of HMAC-SHA256(@p key, @p message).
std::string hmac_sha256_hex(const std::string& key, const std::string& message);
/// The webhook header value: "t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string webhook_signature(const std::string& secret, long long unix_seconds,
                              const std::string& body);
/// @p url with DingTalk's "&timestamp=<ms>&sign=<url-encoded base64 HMAC>" appended.
std::string dingtalk_signed_url(const std::string& url, const std::string& secret,
                                long long unix_millis);

/// Posts requests over HTTP(S) with keep-alive (libcurl). One per thread.
class Poster {
 public:
  Poster();
  ~Poster();
  Poster(const Poster&) = delete;
  Poster& operator=(const Poster&) = delete;

  struct Result {
    bool ok = false;
    std::string error;  ///< "HTTP 500", "timed out", "connection refused", "errcode 310000"…
  };
  Result post(const OutgoingRequest& request, std::chrono::milliseconds timeout);

 private:
  void* curl_;
};

}  // namespace wangge::notify
