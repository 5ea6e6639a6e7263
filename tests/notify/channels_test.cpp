// The channels: signatures against published vectors and Python's hmac (values computed with
// it and written here), the configuration's checks, and which channel carries which message.
#include "wangge/notify/channels.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "wangge/util/error.hpp"

namespace wangge::notify {
namespace {

TEST(Signatures, HmacSha256MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block (hashed first).
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Signatures, WebhookAndDingTalkAsTheirReceiversCheckThem) {
  // python3: hmac.new(b"whsec", b'1764900000.{"a":1}', sha256).hexdigest()
  EXPECT_EQ(webhook_signature("whsec", 1764900000, R"({"a":1})"),
            "t=1764900000,v1=b9d780b9f0ea4ecefe78d304b1c04cc5604d3bf95f22683255d1547f2063a6b8");
  // python3: quote(b64encode(hmac.new(b"SEC000test", b"1764900000000\nSEC000test",
  // sha256).digest()), safe="")
  EXPECT_EQ(dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SEC000test",
                                1764900000000),
            "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1764900000000"
            "&sign=plVWt29cBt9j2UJB3Q%2FItnlCR4MBC%2BKFrAW1dKVTLgg%3D");
}

void refused(const std::string& json, const std::string& fragment) {
  try {
    parse_notify_config(json, "notify.json");
    ADD_FAILURE() << "taken: " << json;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(NotifyConfig, NamesTheFieldOfEveryBrokenRule) {
  refused("[]", "notify.json: must be a JSON object");
  refused("{", "not JSON");
  refused(R"({"channels": [{"type": "webhook", "url": "http://h/", "secret": "s"}]})",
          "channels[0]: the field 'name' is required");
  refused(R"({"channels": [{"name": "a", "type": "wecom", "url": "http:///x"}]})",
          "channels[0] ('a').url: must be an http:// or https:// URL");
  refused(
      R"({"channels": [{"name": "a", "type": "wecom", "url": "http://h/", "rate_per_second": -1}]})",
      "rate_per_second: must be a number above 0");
  refused(R"({"channels": [{"name": "a", "type": "wecom", "url": "http://h/"},
                           {"name": "a", "type": "wecom", "url": "http://h/"}]})",
          "channels[1]: the name 'a' is used twice");
  refused(
      R"({"channels": [{"name": "a", "type": "wecom", "url": "http://h/", "audience": {"kinds": ["x"]}}]})",
      "audience.kinds: 'x' is not a kind");
  refused(R"({"channels": [{"name": "a", "type": "wecom", "url": "http://h/", "templates": {}}]})",
          "fields of an sms channel only");
  refused(R"({"channels": [{"name": "a", "type": "sms", "url": "http://h/"}]})",
          "an sms channel needs an object of template ids");
  refused(R"({"retry": {"first_retry_seconds": 1e400}})", "not JSON");
  refused(R"({"retry": {"first_retry_seconds": 0}})",
          "first_retry_seconds: must be a number of seconds from 0.01 to 86400");
  refused(R"({"retry": {"first_retry_seconds": 10, "longest_retry_seconds": 5}})", "shorter than");
  const auto ok = parse_notify_config(
      R"({"channels": [{"name": "a", "type": "dingtalk", "url": "https://h/x", "secret": "s"}],
          "retry": {"max_attempts": 3, "first_retry_seconds": 0.5, "longest_retry_seconds": 1}})",
      "notify.json");
  ASSERT_EQ(ok.channels.size(), 1u);
  EXPECT_EQ(ok.retry.max_attempts, 3);
  EXPECT_EQ(ok.retry.backoff(1).count(), 500);
  EXPECT_EQ(ok.retry.backoff(2).count(), 1000);
  EXPECT_EQ(ok.retry.backoff(9).count(), 1000);  // at most the longest
}

Notification message(NoticeKind kind, const std::string& recipient, const std::string& dept) {
  Notification n;
  n.id = "n_" + recipient;
  n.kind = kind;
  n.recipient = recipient;
  n.department = dept;
  n.grids = {"g5", "g1"};
  n.category = "0101";
  n.text = "案件";
  return n;
}

TEST(Deliveries, EachChannelCarriesItsAudienceOnce) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "hook", "type": "webhook", "url": "http://h/", "secret": "s"},
      {"name": "hw-group", "type": "wecom", "url": "http://h/", "audience": {"departments": ["hw"]}},
      {"name": "all-whistles", "type": "dingtalk", "url": "http://h/", "audience": {"kinds": ["whistled"], "grids": ["g1"]}},
      {"name": "other-grid", "type": "dingtalk", "url": "http://h/", "audience": {"grids": ["g9"]}},
      {"name": "sms", "type": "sms", "url": "http://h/", "templates": {"registered": "T1"}}]})",
                                          "notify.json");
  Report r;
  r.id = "R1";
  r.submitted_by = "resident:a";
  r.reporter.phone = "13800138000";
  const std::vector<Notification> whistle{message(NoticeKind::whistled, "dept-hw", "hw"),
                                          message(NoticeKind::whistled, "dept-cgzf", "cgzf")};
  std::map<std::string, int> per_channel;
  for (const auto& [i, d] : deliveries_for(config, whistle, r, Instant{}, TimeZone{})) {
    ++per_channel[d.channel];
    EXPECT_EQ(d.address, "");
    EXPECT_EQ(d.id.rfind("d_", 0), 0u);
  }
  EXPECT_EQ(per_channel,
            (std::map<std::string, int>{{"hook", 2}, {"hw-group", 1}, {"all-whistles", 1}}));

  const std::vector<Notification> registered{
      message(NoticeKind::registered, "resident:a", ""),
      message(NoticeKind::registered, "resident:follower", "")};
  std::vector<std::string> sms;
  for (const auto& [i, d] : deliveries_for(config, registered, r, Instant{}, TimeZone{}))
    if (d.channel == "sms") sms.push_back(registered[i].recipient + " " + d.address);
  EXPECT_EQ(sms, std::vector<std::string>{"resident:a 13800138000"});  // the reporter's own phone
}

TEST(Rules, TheFirstMatchingRuleDecides) {
  const auto config = parse_notify_config(R"({"rules": [
      {"kinds": ["handled"], "categories": ["06"], "roles": ["resident"], "send": false},
      {"kinds": ["supervised"], "roles": ["group"], "send": false}]})",
                                          "notify.json");
  Notification n = message(NoticeKind::handled, "resident:a", "");
  n.category = "0601";
  EXPECT_FALSE(config.wanted(n, "resident"));
  EXPECT_TRUE(config.wanted(n, "grid_worker"));  // another role
  n.category = "0101";
  EXPECT_TRUE(config.wanted(n, "resident"));  // another category
  EXPECT_FALSE(config.wanted(message(NoticeKind::supervised, "grid:g1", ""), "group"));
  refused(R"({"rules": [{"kinds": ["handled"]}]})",
          "rules[0]: the field 'send' (true or false) is required");
  refused(R"({"rules": [{"roles": ["boss"], "send": false}]})",
          "rules[0].roles: 'boss' is not a role");
}

TEST(QuietHours, PhonesWaitUntilMorningUnlessUrgent) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "hook", "type": "webhook", "url": "http://h/", "secret": "s"},
      {"name": "wx", "type": "wecom", "url": "http://h/"}],
      "quiet_hours": {"from": "22:00", "to": "07:00", "urgent_categories": ["03"]}})",
                                          "notify.json");
  const TimeZone shanghai;
  Report r;
  const Instant late_evening = Instant(std::chrono::sys_days(std::chrono::year{2026} / 12 / 5)) +
                               std::chrono::hours(23 - 8);  // 23:00 in Shanghai
  std::vector<Notification> ns{message(NoticeKind::assigned, "w1", "")};
  auto due = deliveries_for(config, ns, r, late_evening, shanghai);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].second.next_at, late_evening);                          // the webhook: now
  EXPECT_EQ(due[1].second.next_at, late_evening + std::chrono::hours(8));  // wecom: 07:00
  ns[0].category = "0301";                                                 // an urgent category
  EXPECT_EQ(deliveries_for(config, ns, r, late_evening, shanghai)[1].second.next_at, late_evening);
  ns[0].category = "0101";
  ns[0].urgent = true;  // 督办
  EXPECT_EQ(deliveries_for(config, ns, r, late_evening, shanghai)[1].second.next_at, late_evening);
  ns[0].urgent = false;
  const Instant noon = late_evening - std::chrono::hours(11);
  EXPECT_EQ(deliveries_for(config, ns, r, noon, shanghai)[1].second.next_at, noon);
  QuietHours day{std::chrono::minutes(12 * 60), std::chrono::minutes(14 * 60), {}};  // not wrapping
  EXPECT_EQ(day.wait_at(std::chrono::minutes(13 * 60)).count(), 60);
  EXPECT_EQ(day.wait_at(std::chrono::minutes(14 * 60)).count(), 0);
  refused(R"({"quiet_hours": {"from": "25:00", "to": "07:00"}})",
          "quiet_hours.from: must be a time of day HH:MM");
  refused(R"({"quiet_hours": {"from": "07:00", "to": "07:00"}})", "the same time");
}

TEST(Formats, EachChannelsBody) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "hook", "type": "webhook", "url": "http://h/hook", "secret": "whsec"},
      {"name": "wx", "type": "wecom", "url": "http://h/wx"},
      {"name": "sms", "type": "sms", "url": "http://h/sms", "sign_name": "网格通", "key": "k", "templates": {"closed": "SMS_2"}}]})",
                                          "notify.json");
  Notification n = message(NoticeKind::closed, "resident:a", "");
  n.report_id = "R1";
  Delivery d;
  d.id = "d_1";
  d.attempts = 2;
  d.address = "13800138000";
  const Instant now{std::chrono::seconds(1764900000)};
  const auto hook = format_request(config.channels[0], d, n, now);
  const auto body = nlohmann::json::parse(hook.body);
  EXPECT_EQ(body["id"], "d_1");
  EXPECT_EQ(body["attempt"], 3);
  EXPECT_EQ(body["type"], "notification.closed");
  bool signed_ok = false;
  for (const auto& [name, value] : hook.headers)
    if (name == "X-Wangge-Signature")
      signed_ok = value == webhook_signature("whsec", 1764900000, hook.body);
  EXPECT_TRUE(signed_ok);
  const auto wx = format_request(config.channels[1], d, n, now);
  EXPECT_EQ(nlohmann::json::parse(wx.body),
            (nlohmann::json{{"msgtype", "text"}, {"text", {{"content", "案件"}}}}));
  EXPECT_TRUE(wx.check_errcode);
  const auto sms = nlohmann::json::parse(format_request(config.channels[2], d, n, now).body);
  EXPECT_EQ(sms["phone"], "13800138000");
  EXPECT_EQ(sms["template_id"], "SMS_2");
  EXPECT_EQ(sms["sign_name"], "网格通");
  EXPECT_EQ(sms["params"]["case"], "R1");
}

}  // namespace
}  // namespace wangge::notify
