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
  EXPECT_EQ(ok.retry.backoff(9).count(), 1000);          // at most the longest
  EXPECT_EQ(ok.retention, std::chrono::hours(24 * 30));  // the default
}

TEST(NotifyConfig, RetentionIsAWholeNumberOfDays) {
  EXPECT_EQ(parse_notify_config(R"({"retention_days": 7})", "notify.json").retention,
            std::chrono::hours(24 * 7));
  for (const char* bad : {R"({"retention_days": 0})", R"({"retention_days": 1.5})",
                          R"({"retention_days": -3})", R"({"retention_days": "30"})",
                          R"({"retention_days": 1e19})", R"({"retention_days": 3651})"})
    refused(bad, "notify.json: retention_days: must be a whole number of days from 1 to 3650");
}

dispatch::Notification message(dispatch::NoticeKind kind, const std::string& recipient,
                               const std::string& dept) {
  dispatch::Notification n;
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
  dispatch::Report r;
  r.id = "R1";
  r.submitted_by = "resident:a";
  r.reporter.phone = "13800138000";
  const std::vector<dispatch::Notification> whistle{
      message(dispatch::NoticeKind::whistled, "dept-hw", "hw"),
      message(dispatch::NoticeKind::whistled, "dept-cgzf", "cgzf")};
  std::map<std::string, int> per_channel;
  for (const auto& [i, d] :
       deliveries_for(config, whistle, r, dispatch::Instant{}, dispatch::TimeZone{})) {
    ++per_channel[d.channel];
    EXPECT_EQ(d.address, "");
    EXPECT_EQ(d.id.rfind("d_", 0), 0u);
  }
  EXPECT_EQ(per_channel,
            (std::map<std::string, int>{{"hook", 2}, {"hw-group", 1}, {"all-whistles", 1}}));

  const std::vector<dispatch::Notification> registered{
      message(dispatch::NoticeKind::registered, "resident:a", ""),
      message(dispatch::NoticeKind::registered, "resident:follower", "")};
  std::vector<std::string> sms;
  for (const auto& [i, d] :
       deliveries_for(config, registered, r, dispatch::Instant{}, dispatch::TimeZone{}))
    if (d.channel == "sms") sms.push_back(registered[i].recipient + " " + d.address);
  EXPECT_EQ(sms, std::vector<std::string>{"resident:a 13800138000"});  // the reporter's own phone
}

TEST(Rules, TheFirstMatchingRuleDecides) {
  const auto config = parse_notify_config(R"({"rules": [
      {"kinds": ["handled"], "categories": ["06"], "roles": ["resident"], "send": false},
      {"kinds": ["supervised"], "roles": ["group"], "send": false}]})",
                                          "notify.json");
  dispatch::Notification n = message(dispatch::NoticeKind::handled, "resident:a", "");
  n.category = "0601";
  EXPECT_FALSE(config.wanted(n, "resident"));
  EXPECT_TRUE(config.wanted(n, "grid_worker"));  // another role
  n.category = "0101";
  EXPECT_TRUE(config.wanted(n, "resident"));  // another category
  EXPECT_FALSE(config.wanted(message(dispatch::NoticeKind::supervised, "grid:g1", ""), "group"));
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
  const dispatch::TimeZone shanghai;
  dispatch::Report r;
  const dispatch::Instant late_evening =
      dispatch::Instant(std::chrono::sys_days(std::chrono::year{2026} / 12 / 5)) +
      std::chrono::hours(23 - 8);  // 23:00 in Shanghai
  std::vector<dispatch::Notification> ns{message(dispatch::NoticeKind::assigned, "w1", "")};
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
  const dispatch::Instant noon = late_evening - std::chrono::hours(11);
  EXPECT_EQ(deliveries_for(config, ns, r, noon, shanghai)[1].second.next_at, noon);
  QuietHours day{std::chrono::minutes(12 * 60), std::chrono::minutes(14 * 60), {}};  // not wrapping
  EXPECT_EQ(day.wait_at(std::chrono::minutes(13 * 60)).count(), 60);
  EXPECT_EQ(day.wait_at(std::chrono::minutes(14 * 60)).count(), 0);
  refused(R"({"quiet_hours": {"from": "25:00", "to": "07:00"}})",
          "quiet_hours.from: must be a time of day HH:MM");
  refused(R"({"quiet_hours": {"from": "07:00", "to": "07:00"}})", "the same time");
  refused(R"({"channels": [{"name": "h", "type": "webhook", "url": "http://h/", "secret": "s",
                            "digest_after": 3}]})",
          "channels[0] ('h'): a webhook carries every message to a machine");
  refused(R"({"channels": [{"name": "s", "type": "sms", "url": "http://h/",
                            "templates": {"closed": "SMS_1"}, "digest_after": 3}]})",
          "channels[0] ('s').digest_after: an sms digest needs a template id for it");
  refused(
      R"({"channels": [{"name": "w", "type": "wecom", "url": "http://h/", "digest_after": -1}]})",
      "('w').digest_after: must be a whole number from 0");
  refused(
      R"({"channels": [{"name": "w", "type": "wecom", "url": "http://h/", "digest_after": 2.5}]})",
      "('w').digest_after: must be a whole number from 0");
  refused(R"({"channels": [{"name": "w", "type": "wecom", "url": "http://h/",
                            "digest_window_seconds": 0}]})",
          "('w').digest_window_seconds: must be a whole number of seconds from 1 to 86400");
  refused(R"({"channels": [{"name": "s", "type": "sms", "url": "http://h/",
                            "templates": {"digests": "SMS_9"}}]})",
          "templates: 'digests' is not a kind");
}

TEST(Formats, EachChannelsBody) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "hook", "type": "webhook", "url": "http://h/hook", "secret": "whsec"},
      {"name": "wx", "type": "wecom", "url": "http://h/wx"},
      {"name": "sms", "type": "sms", "url": "http://h/sms", "sign_name": "网格通", "key": "k", "templates": {"closed": "SMS_2"}}]})",
                                          "notify.json");
  dispatch::Notification n = message(dispatch::NoticeKind::closed, "resident:a", "");
  n.report_id = "R1";
  dispatch::Delivery d;
  d.id = "d_1";
  d.attempts = 2;
  d.address = "13800138000";
  const dispatch::Instant now{std::chrono::seconds(1764900000)};
  const auto hook = format_request(config.channels[0], d, n, now);
  const auto body = nlohmann::json::parse(hook.body);
  EXPECT_EQ(body["id"], "d_1");
  EXPECT_EQ(body["attempt"], 3);
  EXPECT_EQ(body["type"], "notification.closed");
  // The message, every field, against one built by an independent JSON writer.
  n.text = "案件 \"R1\" 已办结\n请评价\x01";
  n.recipient_name = "张三";
  n.event_seq = 7;
  n.urgent = true;
  n.title = "结案";
  n.link = "https://wangge.example.cn/console/cases/R1";
  n.created_at = now;
  const nlohmann::json expected{{"id", "n_resident:a"},
                                {"kind", "closed"},
                                {"report_id", "R1"},
                                {"event_seq", 7},
                                {"recipient", "resident:a"},
                                {"recipient_name", "张三"},
                                {"department", ""},
                                {"grids", {"g5", "g1"}},
                                {"category", "0101"},
                                {"urgent", true},
                                {"title", "结案"},
                                {"text", n.text},
                                {"link", n.link},
                                {"created_at", "2025-12-05T02:00:00+00:00"}};
  EXPECT_EQ(
      nlohmann::json::parse(format_request(config.channels[0], d, n, now).body)["notification"],
      expected);
  d.text = "渠道自己的文字";  // a channel's own template replaces the text
  EXPECT_EQ(nlohmann::json::parse(
                format_request(config.channels[0], d, n, now).body)["notification"]["text"],
            "渠道自己的文字");
  d.text.clear();
  n.text = "案件";
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

TEST(Digest, DefaultsAndWindows) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "wx", "type": "wecom", "url": "http://h/wx"},
      {"name": "wx2", "type": "wecom", "url": "http://h/wx", "digest_after": 3, "digest_window_seconds": 600},
      {"name": "sms", "type": "sms", "url": "http://h/sms", "templates": {"closed": "SMS_2"}},
      {"name": "sms2", "type": "sms", "url": "http://h/sms", "templates": {"closed": "SMS_2", "digest": "SMS_9"}}]})",
                                          "notify.json");
  EXPECT_EQ(config.channels[0].digest_after, 0);  // off unless set
  EXPECT_EQ(config.channels[0].digest_window, std::chrono::seconds(3600));
  EXPECT_EQ(config.channels[1].digest_after, 3);
  EXPECT_EQ(config.channels[2].digest_after, 0);  // no digest template
  EXPECT_EQ(config.channels[3].digest_after, 5);  // an SMS digest template: on by default
  // Windows align to the clock: 10:00:00 ≤ t < 10:10:00 for a 600 s window.
  const dispatch::Instant t{std::chrono::seconds(1764900000 + 123)};  // 1764900000 = 02:00:00 UTC
  const DigestWindow w = digest_window(config.channels[1], "", t);
  EXPECT_EQ(w.start, dispatch::Instant{std::chrono::seconds(1764900000)});
  EXPECT_EQ(w.end, dispatch::Instant{std::chrono::seconds(1764900600)});
  EXPECT_EQ(w.id, digest_window(config.channels[1], "", w.end - std::chrono::milliseconds(1)).id);
  EXPECT_NE(w.id, digest_window(config.channels[1], "", w.end).id);
  EXPECT_NE(w.id, digest_window(config.channels[1], "13800138000", t).id);
  EXPECT_NE(w.id, digest_window(config.channels[0], "", t).id);
  EXPECT_EQ(w.id.substr(0, 2), "g_");
  EXPECT_EQ(w.id.find("13800138000"), std::string::npos);
}

TEST(Digest, QuietHoursMoveTheWindowsEnd) {
  const auto config =
      parse_notify_config(R"({"quiet_hours": {"from": "22:00", "to": "07:00"}})", "notify.json");
  const auto zone = dispatch::TimeZone::named("Asia/Shanghai");
  ASSERT_TRUE(zone);
  // 2025-12-05 14:00 UTC = 22:00 in Shanghai: quiet until 07:00, nine hours on.
  const dispatch::Instant ten_pm{std::chrono::seconds(1764943200)};
  EXPECT_EQ(after_quiet_hours(config, ten_pm, *zone), ten_pm + std::chrono::hours(9));
  const dispatch::Instant noon = ten_pm - std::chrono::hours(10);
  EXPECT_EQ(after_quiet_hours(config, noon, *zone), noon);
}

TEST(Digest, OneRequestListsEveryMessage) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "wx", "type": "wecom", "url": "http://h/wx", "digest_after": 1},
      {"name": "dd", "type": "dingtalk", "url": "http://h/dd", "secret": "SEC1", "digest_after": 1},
      {"name": "sms", "type": "sms", "url": "http://h/sms", "sign_name": "网格通", "templates": {"closed": "SMS_2", "digest": "SMS_9"}}]})",
                                          "notify.json");
  std::vector<dispatch::Notification> messages;
  for (int i = 0; i < 7; ++i) {
    dispatch::Notification n = message(dispatch::NoticeKind::closed, "resident:a", "");
    n.report_id = "R" + std::to_string(i);
    n.text = "案件 R" + std::to_string(i) + " 已办结";
    n.link = "http://h/r/R" + std::to_string(i);
    messages.push_back(n);
  }
  const dispatch::Instant now{std::chrono::seconds(1764900000)};
  const auto sms = format_digest(config.channels[2], "g_1", "13800138000", messages, now);
  const auto body = nlohmann::json::parse(sms.body);
  EXPECT_EQ(body["phone"], "13800138000");
  EXPECT_EQ(body["template_id"], "SMS_9");
  EXPECT_EQ(body["out_id"], "g_1");
  EXPECT_EQ(body["params"]["count"], "7");
  EXPECT_EQ(body["params"]["cases"], "R0、R1、R2、R3、R4等");
  EXPECT_EQ(body["params"]["link"], "http://h/r/R6");
  const auto wx = format_digest(config.channels[0], "g_2", "", messages, now);
  EXPECT_TRUE(wx.check_errcode);
  const std::string text = nlohmann::json::parse(wx.body)["text"]["content"];
  EXPECT_EQ(text.rfind("【通知汇总】本时段共 7 条通知：", 0), 0u) << text;
  for (int i = 0; i < 7; ++i)
    EXPECT_NE(text.find(std::to_string(i + 1) + ". 案件 R" + std::to_string(i) + " 已办结"),
              std::string::npos)
        << text;
  const auto dd = format_digest(config.channels[1], "g_3", "", messages, now);
  EXPECT_EQ(dd.url, dingtalk_signed_url("http://h/dd", "SEC1", 1764900000000));
  // Many long messages: whole lines within the robots' limit, then how many more.
  std::vector<dispatch::Notification> many(60, messages[0]);
  for (auto& n : many) n.text = std::string(30, 'x') + "案件已办结，请评价";
  const std::string long_text = nlohmann::json::parse(
      format_digest(config.channels[0], "g_4", "", many, now).body)["text"]["content"];
  EXPECT_LE(long_text.size(), 2000u);
  EXPECT_NE(long_text.find("\n20. "), std::string::npos);
  EXPECT_EQ(long_text.find("\n21. "), std::string::npos);
  EXPECT_NE(long_text.find("……另有 40 条，请在收件箱查看。"), std::string::npos) << long_text;
}

TEST(Formats, ASignInCodeGoesWithTheCodeTemplate) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "sms", "type": "sms", "url": "http://h/sms", "sign_name": "网格通", "key": "k",
       "templates": {"closed": "SMS_2", "code": "SMS_7"}}]})",
                                          "notify.json");
  const auto r = format_code(config.channels[0], "13800138000", "042917", 5, "c_1");
  EXPECT_EQ(nlohmann::json::parse(r.body),
            (nlohmann::json{{"phone", "13800138000"},
                            {"template_id", "SMS_7"},
                            {"sign_name", "网格通"},
                            {"params", {{"code", "042917"}, {"minutes", "5"}}},
                            {"out_id", "c_1"}}));
  bool bearer = false;
  for (const auto& [name, value] : r.headers)
    bearer = bearer || (name == "Authorization" && value == "Bearer k");
  EXPECT_TRUE(bearer);
}

TEST(Texts, AChannelsOwnTextPerKind) {
  const auto config = parse_notify_config(R"({"channels": [
      {"name": "wx", "type": "wecom", "url": "http://h/wx",
       "texts": {"whistled": "【环卫所】请于{report_in_due}前到场：{case}（{grid}）"}},
      {"name": "hook", "type": "webhook", "url": "http://h/hook", "secret": "s",
       "texts": {"whistled": "吹哨 {case}"}}]})",
                                          "notify.json");
  dispatch::Report r;
  r.id = "R1";
  dispatch::Notification n = message(dispatch::NoticeKind::whistled, "dept-hw", "hw");
  n.fields = {{"case", "R1"}, {"grid", "湘江一组"}, {"report_in_due", "12月5日 10:00"}};
  dispatch::Notification other = message(dispatch::NoticeKind::assigned, "w1", "");
  const auto ds = deliveries_for(config, {n, other}, r, dispatch::Instant{}, dispatch::TimeZone{});
  std::map<std::string, std::string> texts;
  for (const auto& [i, d] : ds) texts[d.channel + "/" + std::to_string(i)] = d.text;
  EXPECT_EQ(texts["wx/0"], "【环卫所】请于12月5日 10:00前到场：R1（湘江一组）");
  EXPECT_EQ(texts["hook/0"], "吹哨 R1");
  EXPECT_EQ(texts["hook/1"], "");  // no own text for 'assigned': the message's
  dispatch::Delivery d;
  d.text = texts["wx/0"];
  const auto wx = format_request(config.channels[0], d, n, dispatch::Instant{});
  EXPECT_EQ(nlohmann::json::parse(wx.body)["text"]["content"], texts["wx/0"]);
  d.text = "吹哨 R1";
  const auto hook =
      nlohmann::json::parse(format_request(config.channels[1], d, n, dispatch::Instant{}).body);
  EXPECT_EQ(hook["notification"]["text"], "吹哨 R1");
  d.text.clear();
  EXPECT_EQ(
      nlohmann::json::parse(
          format_request(config.channels[0], d, n, dispatch::Instant{}).body)["text"]["content"],
      "案件");
}

TEST(Texts, BrokenTextsAreRefusedByChannelAndKind) {
  refused(
      R"({"channels": [{"name": "wx", "type": "wecom", "url": "http://h/", "texts": {"closed": "{phone}"}}]})",
      "channels[0] ('wx').texts.closed: the template of 'closed' names the field {phone}");
  refused(
      R"({"channels": [{"name": "wx", "type": "wecom", "url": "http://h/", "texts": {"nope": "x"}}]})",
      "channels[0] ('wx').texts: 'nope' is not a kind");
  refused(
      R"({"channels": [{"name": "s", "type": "sms", "url": "http://h/", "templates": {"closed": "S"},
                            "texts": {"closed": "x"}}]})",
      "channels[0] ('s').texts: an sms channel's texts are its gateway's templates");
}

}  // namespace
}  // namespace wangge::notify
