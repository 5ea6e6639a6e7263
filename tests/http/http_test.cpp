// The HTTP module without sockets: the route table against the contract (api/openapi.yaml),
// routing rules (405 + Allow, HEAD, format extensions), URL and form decoding, the rate
// limiter, the XML writer, strict JSON bodies, problem replies and metrics. The server itself
// is exercised over real HTTP by tests/e2e/http_test.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "../../src/http/context.hpp"
#include "../../src/http/errors.hpp"
#include "../../src/http/json_body.hpp"
#include "../../src/http/json_writer.hpp"
#include "../../src/http/limits.hpp"
#include "../../src/http/xml.hpp"
#include "wangge/geo/datum.hpp"
#include "wangge/tiles/mvt.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

namespace fs = std::filesystem;

const std::string kSource = WANGGE_SOURCE_DIR;

/// "(METHOD, /path/{})" pairs of the contract: path keys under `paths:` (two-space indent)
/// and their operations (four-space indent). Path parameter names are erased, since the
/// contract names them for clients ({service_code}) and the router for handlers ({code}).
std::string erase_parameter_names(const std::string& path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      const std::size_t close = path.find('}', i);
      if (close == std::string::npos) return out + path.substr(i);
      out += "{}";
      i = close;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::set<std::string> contract_operations() {
  std::ifstream in(kSource + "/api/openapi.yaml");
  EXPECT_TRUE(in) << "api/openapi.yaml is missing";
  std::set<std::string> out;
  std::string line, path;
  bool in_paths = false;
  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  while (std::getline(in, line)) {
    if (line == "paths:")
      in_paths = true;
    else if (!line.empty() && line[0] != ' ' && line[0] != '#')
      in_paths = false;
    if (!in_paths) continue;
    // "  /path:" starts a path item; "    get:" is one of its operations.
    if (line.rfind("  /", 0) == 0 && line.find_last_not_of(" \t") == line.find(':', 3)) {
      path = line.substr(2, line.find(':', 3) - 2);
    } else if (line.rfind("    ", 0) == 0 && line.size() > 4 && line[4] != ' ') {
      const std::size_t colon = line.find(':', 4);
      if (colon == std::string::npos) continue;
      std::string method = line.substr(4, colon - 4);
      if (!kMethods.count(method)) continue;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.insert(method + " " + erase_parameter_names(path));
    }
  }
  return out;
}

struct ServiceFixture : ::testing::Test {
  static void SetUpTestSuite() {
    dir = fs::temp_directory_path() / ("wangge_http_test_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    service::ServiceConfig config;
    config.store = (dir / "test.db").string();
    config.data_dir = kSource + "/geodata/sample";
    service = service::Service::open(config).release();
    context = new Context(context_for(server_config));
    add_system_routes(router, *context);
    add_v1_routes(router, *context);
    add_open311_routes(router, *context);
    add_tile_routes(router, *context);
    add_ogc_routes(router, *context);
    add_account_routes(router, *context);
    add_media_routes(router, *context);
    add_notification_routes(router, *context);
    add_points_routes(router, *context);
    add_task_routes(router, *context);
    add_visit_routes(router, *context);
    add_patrol_routes(router, *context);
    add_appraisal_routes(router, *context);
    add_event_routes(router, *context);
  }
  static void TearDownTestSuite() {
    delete context;
    delete service;
    fs::remove_all(dir);
  }

  static Request get(const std::string& path, std::map<std::string, std::string> query = {}) {
    Request r;
    r.id = "test";
    r.method = "GET";
    std::tie(r.path, r.extension) = split_extension(path);
    r.query = std::move(query);
    r.now = dispatch::now_utc();
    return r;
  }
  /// A context over the suite's service with @p config (which outlives it); no API keys.
  static Context context_for(const ServerConfig& config) {
    return Context{*service,
                   config,
                   metrics,
                   [] { return std::size_t{0}; },
                   in_flight,
                   ready,
                   [](const std::string&) { return std::optional<dispatch::Actor>(); }};
  }
  static Response call(Request req, const Router& on = router) {
    const auto m = on.match(req.method, req.path, req.extension);
    if (!m.route) return problem(m.allowed.empty() ? 404 : 405, "", "", "", req.id);
    req.params = m.params;
    try {
      return m.route->handler(req);
    } catch (const Error& e) {
      return problem(http_status(e.code()), std::string(describe(e.code()).public_code), "",
                     e.what(), req.id);
    }
  }

  static inline fs::path dir;
  static inline service::Service* service = nullptr;
  static inline ServerConfig server_config;
  static inline Metrics metrics;
  static inline std::atomic<std::size_t> in_flight{0};
  static inline std::atomic<bool> ready{true};
  static inline Context* context = nullptr;
  static inline Router router;
};

TEST_F(ServiceFixture, EveryRouteIsInTheContractAndEveryContractOperationIsRouted) {
  std::set<std::string> routed;
  for (const Route& r : router.routes()) {
    std::string pattern = erase_parameter_names(r.pattern);
    if (r.extensions.empty())
      routed.insert(r.method + " " + pattern);
    else if (r.extensions.size() == 1)
      routed.insert(r.method + " " + pattern + "." + r.extensions.front());
    else
      routed.insert(r.method + " " + pattern + ".{}");  // any of several formats
  }
  const std::set<std::string> contract = contract_operations();
  ASSERT_GT(contract.size(), 20u) << "the contract lists too few operations to be the real one";
  for (const std::string& op : routed)
    EXPECT_TRUE(contract.count(op)) << op << " is served but not in api/openapi.yaml";
  for (const std::string& op : contract)
    EXPECT_TRUE(routed.count(op)) << op << " is in api/openapi.yaml but not served";
}

TEST_F(ServiceFixture, TheServedContractIsTheFile) {
  std::ifstream in(kSource + "/api/openapi.yaml");
  std::stringstream file;
  file << in.rdbuf();
  const Response r = call(get("/api/openapi.yaml"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/yaml");
  EXPECT_EQ(r.body, file.str());
  // The JSON form (for OGC API clients) is the committed api/openapi.json; the e2e test checks
  // that it is the YAML's document.
  std::ifstream json_in(kSource + "/api/openapi.json");
  std::stringstream json_file;
  json_file << json_in.rdbuf();
  const Response j = call(get("/api/openapi.json"));
  EXPECT_EQ(j.status, 200);
  EXPECT_EQ(j.content_type, "application/vnd.oai.openapi+json;version=3.0");
  EXPECT_EQ(j.body, json_file.str());
}

TEST_F(ServiceFixture, UnusedMethodsAnswer405WithTheMethodsThatExist) {
  const auto m = router.match("DELETE", "/api/v1/reports", "");
  EXPECT_EQ(m.route, nullptr);
  const std::vector<std::string> want{"POST", "GET", "HEAD", "OPTIONS"};
  EXPECT_EQ(m.allowed, want);
  const auto actions = router.match("GET", "/api/v1/reports/R1/actions", "");
  EXPECT_EQ(actions.route, nullptr);
  EXPECT_EQ(actions.allowed, (std::vector<std::string>{"POST", "OPTIONS"}));
  for (const char* method : {"PUT", "PATCH", "DELETE", "TRACE", "CONNECT"}) {
    EXPECT_EQ(router.match(method, "/healthz", "").route, nullptr) << method;
    EXPECT_FALSE(router.match(method, "/healthz", "").allowed.empty()) << method;
  }
}

TEST_F(ServiceFixture, HeadIsGetAndUnknownPathsHaveNoAllow) {
  const auto head = router.match("HEAD", "/api/v1/grids", "");
  ASSERT_NE(head.route, nullptr);
  EXPECT_EQ(head.route->method, "GET");
  const auto none = router.match("GET", "/api/v1/nothing", "");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed.empty());
}

TEST_F(ServiceFixture, PathParametersTakeWholeSegmentsOnly) {
  const auto m = router.match("GET", "/api/v1/reports/R20260101-000001/events", "");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/reports/{id}/events");
  EXPECT_EQ(m.params.at("id"), "R20260101-000001");
  EXPECT_EQ(router.match("GET", "/api/v1/reports//events", "").route, nullptr);
  EXPECT_EQ(router.match("GET", "/api/v1/reports/a/b/events", "").route, nullptr);
}

TEST_F(ServiceFixture, Open311NeedsAFormatAndNativeRoutesTakeNone) {
  EXPECT_NE(router.match("GET", "/open311/v2/services", "json").route, nullptr);
  EXPECT_NE(router.match("GET", "/open311/v2/services", "xml").route, nullptr);
  EXPECT_EQ(router.match("GET", "/open311/v2/services", "").route, nullptr);
  EXPECT_EQ(router.match("GET", "/open311/v2/services", "mvt").route, nullptr);
  EXPECT_EQ(router.match("GET", "/api/v1/grids", "xml").route, nullptr);
}

TEST(SplitExtension, OnlyOurFormatsInTheLastSegment) {
  EXPECT_EQ(split_extension("/open311/v2/services.json"),
            (std::pair<std::string, std::string>{"/open311/v2/services", "json"}));
  EXPECT_EQ(split_extension("/a.b/c"), (std::pair<std::string, std::string>{"/a.b/c", ""}));
  EXPECT_EQ(split_extension("/grids/g1.2"),
            (std::pair<std::string, std::string>{"/grids/g1.2", ""}));
  EXPECT_EQ(split_extension("/tiles/1/2/3.mvt"),
            (std::pair<std::string, std::string>{"/tiles/1/2/3", "mvt"}));
}

TEST_F(ServiceFixture, LocateAnswersTheChainAndRefusesBadInputByName) {
  // The centre of the first unit of the sample: inside, with a four-level chain.
  const grid::GridSet& set = service->grid_index()->grids();
  std::size_t unit = 0;
  while (set.depth(unit) != 3) ++unit;  // 0 subdistrict, 1 block, 2 group, 3 unit
  const auto c = set[unit].geometry.polygons.front().outer;
  // A point well inside: the centroid of the first triangle fan is not guaranteed, so use
  // the service's own locate of a vertex-average and only check the chain's shape.
  double lon = 0, lat = 0;
  for (std::size_t i = 0; i + 1 < c.size(); ++i) lon += c[i].x, lat += c[i].y;
  lon /= static_cast<double>(c.size() - 1);
  lat /= static_cast<double>(c.size() - 1);
  Response r =
      call(get("/api/v1/locate", {{"lon", std::to_string(lon)}, {"lat", std::to_string(lat)}}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], "inside");
  EXPECT_EQ(j["chain"].size(), 4u);
  EXPECT_EQ(j["grid"]["level"], 3);

  r = call(get("/api/v1/locate", {{"lon", "abc"}, {"lat", "30"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("'lon' must be a finite number"), std::string::npos) << r.body;
  r = call(get("/api/v1/locate", {{"lon", "114.3"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("'lat' is required"), std::string::npos) << r.body;
  // Well-formed numbers that are not coordinates: 422 invalid-coordinate, naming the rule.
  r = call(get("/api/v1/locate", {{"lon", "214.3"}, {"lat", "30"}}));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("outside [-180, 180]"), std::string::npos) << r.body;
  r = call(get("/api/v1/locate", {{"lon", "nan"}, {"lat", "30"}}));
  EXPECT_TRUE(r.status == 400 || r.status == 422) << r.body;
  r = call(get("/api/v1/locate", {{"lon", "114.3"}, {"lat", "30"}, {"datum", "osgb36"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("osgb36"), std::string::npos) << r.body;
}

TEST_F(ServiceFixture, StatisticsReadABoundedNumberOfReports) {
  const dispatch::Instant at = dispatch::now_utc();
  for (int i = 0; i < 3; ++i) {
    dispatch::Submission s;
    s.lon = 112.926891;
    s.lat = 27.8576002;
    s.category = "0101";
    s.text = "路边垃圾 " + std::to_string(i);
    service->submit(s, dispatch::Actor{"u-stats", "", dispatch::Role::resident, {}, {}}, "", at);
  }
  dispatch::StatsQuery q;
  q.now = at;
  q.max_reports = 1000;
  const auto rows = service->stats(q);
  ASSERT_FALSE(rows.empty());
  EXPECT_GE(rows.back().reported, 3u);  // the total row
  q.max_reports = rows.back().reported - 1;
  try {
    service->stats(q);
    ADD_FAILURE() << "a period beyond the cap was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("narrow it with from and to"), std::string::npos)
        << e.what();
  }
  q.from = at + std::chrono::hours(1);  // a narrower period holds none
  EXPECT_NO_THROW(service->stats(q));
}

TEST_F(ServiceFixture, WritesNeedAKey) {
  Request req = get("/api/v1/reports");
  req.method = "POST";
  req.body = R"({"category":"x","location":{"lon":114.3,"lat":30.5}})";
  EXPECT_EQ(call(req).status, 401);
  req = get("/api/v1/stats");
  EXPECT_EQ(call(req).status, 401);
}

TEST(Multipart, ReadsFieldsAndFilePartsAndRefusesMalformedBodies) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b\""), "a b");
  EXPECT_EQ(multipart_boundary("application/x-www-form-urlencoded"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'x')),
            std::nullopt);
  const std::string body =
      "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"service_code\"\r\n\r\n0101\r\n"
      "--b\r\ncontent-disposition: form-data; name=description\r\n\r\n井盖\r\n--x\r\n"
      "--b\r\nContent-Disposition: form-data; name=\"media\"; filename=\"p.jpg\"\r\n"
      "Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--b--\r\n";
  const auto parts = parse_multipart(body, "b");
  ASSERT_TRUE(parts);
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "service_code");
  EXPECT_EQ((*parts)[0].value, "0101");
  EXPECT_EQ((*parts)[1].value, "井盖\r\n--x");  // a line that is not the delimiter is data
  EXPECT_EQ((*parts)[2].filename, "p.jpg");
  EXPECT_EQ((*parts)[2].content_type, "image/jpeg");
  EXPECT_EQ((*parts)[2].value, "\xff\xd8\xff");
  for (const std::string bad :
       {"", "--b", "--b\r\n\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing delimiter",
        "--b\r\nX-No-Colon\r\n\r\nx\r\n--b--"})
    EXPECT_EQ(parse_multipart(bad, "b"), std::nullopt) << bad;
  std::string many;
  for (int i = 0; i < 65; ++i)
    many += "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  EXPECT_EQ(parse_multipart(many + "--b--", "b"), std::nullopt);  // more than 64 parts
}

TEST(RequestOrigin, TheHostAddressedAndWhatTheTrustedProxyForwardsOnly) {
  auto origin = [](std::map<std::string, std::string> headers, bool proxy) {
    Request req;
    req.headers = std::move(headers);
    return request_origin(req, proxy);
  };
  EXPECT_EQ(origin({{"host", "Wangge.Example.CN:8443"}}, false), "http://wangge.example.cn:8443");
  EXPECT_EQ(origin({{"host", "127.0.0.1:8080"}}, false), "http://127.0.0.1:8080");
  EXPECT_EQ(origin({{"host", "[::1]:8080"}}, false), "http://[::1]:8080");
  EXPECT_EQ(origin({}, false), "");
  // Anyone but the trusted proxy: its X-Forwarded-* are not believed.
  const std::map<std::string, std::string> forwarded{{"host", "10.0.0.5:8080"},
                                                     {"x-forwarded-proto", "https"},
                                                     {"x-forwarded-host", "grid.example.cn, other"},
                                                     {"x-forwarded-prefix", "/wangge/"}};
  EXPECT_EQ(origin(forwarded, false), "http://10.0.0.5:8080");
  EXPECT_EQ(origin(forwarded, true), "https://grid.example.cn/wangge");
  // Hostile or malformed values are not used: a bad prefix is dropped, a bad host ends it.
  EXPECT_EQ(origin({{"host", "a.cn"}, {"x-forwarded-prefix", "/../admin"}}, true), "http://a.cn");
  EXPECT_EQ(origin({{"host", "a.cn"}, {"x-forwarded-prefix", "/x?y=<script>"}}, true),
            "http://a.cn");
  EXPECT_EQ(origin({{"host", "a.cn"}, {"x-forwarded-proto", "javascript"}}, true), "http://a.cn");
  for (const char* bad : {"evil.cn/path", "evil.cn\"@x", "a b", "a.cn:99999x", "a.cn:", "[zz]:1",
                          "user@evil.cn", "", ":80", "[::1]x"})
    EXPECT_EQ(origin({{"host", bad}}, false), "") << bad;
  EXPECT_EQ(origin({{"host", "a.cn"}, {"x-forwarded-host", "evil.cn/x"}}, true), "");
}

TEST(UrlDecode, DecodesEscapesAndPlusAndRefusesMalformedOrNul) {
  EXPECT_EQ(url_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(url_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(url_decode("%E7%BD%91%E6%A0%BC", false), "网格");
  EXPECT_EQ(url_decode("%", false), std::nullopt);
  EXPECT_EQ(url_decode("%4", false), std::nullopt);
  EXPECT_EQ(url_decode("%zz", false), std::nullopt);
  EXPECT_EQ(url_decode("a%00b", false), std::nullopt);
  EXPECT_EQ(url_decode("%41", false), "A");
}

TEST(UrlDecode, RefusesARawNulByteAsItRefusesAnEscapedOne) {
  // A form body is not checked by the request reader, so it may carry a NUL byte unescaped
  // (found by fuzzing); no decoded name or value may hold one.
  using namespace std::string_literals;
  EXPECT_EQ(url_decode("a\0b"s, false), std::nullopt);
  EXPECT_EQ(url_decode("a\0b"s, true), std::nullopt);
  EXPECT_FALSE(parse_form("description=a\0b&service_code=0301"s));
  EXPECT_FALSE(parse_form("a\0=1"s));
}

TEST(ParseForm, PairsEmptyValuesAndErrors) {
  auto f = parse_form("a=1&b=&c&&d=x%26y&a=2");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->at("a"), "2");
  EXPECT_EQ(f->at("b"), "");
  EXPECT_EQ(f->at("c"), "");
  EXPECT_EQ(f->at("d"), "x&y");
  EXPECT_EQ(f->size(), 4u);
  EXPECT_FALSE(parse_form("a=%G1"));
  EXPECT_FALSE(parse_form("a=b%00"));
}

TEST(RateLimiter, BurstThenRefillAtTheRate) {
  RateLimiter limiter;
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  // 10/s with a 2 s burst: 20 requests pass at once, the 21st waits 0.1 s.
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(limiter.take("k", 10, 2, t0)) << i;
  auto wait = limiter.take("k", 10, 2, t0);
  ASSERT_TRUE(wait);
  EXPECT_NEAR(*wait, 0.1, 1e-9);
  // Another bucket is independent.
  EXPECT_FALSE(limiter.take("other", 10, 2, t0));
  // After 0.25 s, two tokens are back (2.5, floor 2).
  const auto t1 = t0 + std::chrono::milliseconds(250);
  EXPECT_FALSE(limiter.take("k", 10, 2, t1));
  EXPECT_FALSE(limiter.take("k", 10, 2, t1));
  EXPECT_TRUE(limiter.take("k", 10, 2, t1));
  // A long pause refills to the burst, not beyond.
  const auto t2 = t1 + std::chrono::hours(1);
  int passed = 0;
  while (!limiter.take("k", 10, 2, t2)) ++passed;
  EXPECT_EQ(passed, 20);
  // Rate 0 means unlimited.
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.take("free", 0, 2, t0));
}

TEST(Xml, EscapesTextAndDropsControlCharacters) {
  Xml x;
  x.open("r")
      .leaf("a", "<b> & \"c\" 'd'")
      .leaf("e", "")
      .leaf("f", std::string("x\x01y\tz"))
      .close();
  EXPECT_EQ(x.str(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><r><a>&lt;b&gt; &amp; &quot;c&quot; "
            "&apos;d&apos;</a><e/>"
            "<f>x y\tz</f></r>");
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    return e.what();
  }
  return "(no error)";
}

TEST(JsonBody, MalformedWrongTypesUnknownFieldsAndNul) {
  EXPECT_NE(error_of([] { parse_object(""); }).find("needs a JSON body"), std::string::npos);
  EXPECT_NE(error_of([] { parse_object("{\"a\":"); }).find("not valid JSON: error at byte 6"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_object("[1]"); }).find("must be a JSON object"), std::string::npos);
  EXPECT_NE(error_of([] { parse_object("{\"a\":\"\xff\"}"); }).find("not valid JSON"),
            std::string::npos);

  const auto j = parse_object(
      R"({"text":"ok","n":"3","state":"closed","assignee":{"id":"x"},"nul":"a\u0000b"})");
  Fields f(j);
  EXPECT_EQ(f.text("text"), "ok");
  EXPECT_NE(error_of([&] { f.number("n"); }).find("field 'n' must be a number"), std::string::npos);
  EXPECT_NE(error_of([&] { f.text("nul"); }).find("field 'nul' must be text without NUL"),
            std::string::npos);
  const std::string unknown = error_of([&] { f.no_others(); });
  EXPECT_NE(unknown.find("'assignee', 'state'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("server-owned"), std::string::npos) << unknown;

  const auto nested = parse_object(R"({"location":{"lon":1,"lat":2,"grid":"g1"}})");
  Fields outer(nested);
  const auto location = outer.object("location");
  Fields inner(*location, "location.");
  inner.number("lon");
  inner.number("lat");
  EXPECT_NE(error_of([&] { inner.no_others(); }).find("'location.grid'"), std::string::npos);
}

TEST(JsonBody, EveryParserFailureIsA400NamingTheByteAndTheField) {
  // nlohmann throws out_of_range, not parse_error, for a number beyond a double.
  std::string e = error_of([] { parse_object(R"({"location":{"lon":1,"accuracy_m":1e400}})"); });
  EXPECT_NE(e.find("number too large"), std::string::npos) << e;
  EXPECT_NE(e.find("in field 'location.accuracy_m'"), std::string::npos) << e;
  EXPECT_NE(e.find("byte 39"), std::string::npos) << e;  // 1e400 is bytes 35-39
  EXPECT_EQ(e.find("406"), std::string::npos) << "no library text: " << e;
  e = error_of([] { parse_object(R"({"media":["a","b",-1e999]})"); });
  EXPECT_NE(e.find("in field 'media[2]'"), std::string::npos) << e;
  e = error_of([] { parse_object(R"({"a":{"b":[1,{"c":tru}]}})"); });
  EXPECT_NE(e.find("not valid JSON: error at byte"), std::string::npos) << e;
  EXPECT_NE(e.find("in field 'a.b[1].c'"), std::string::npos) << e;
  for (const char* body : {"{", "{\"a\":1}x", "\xff", "{\"a\":1e-99999}",
                           "["
                           "1e400]",
                           "{\"a\":\"\\ud800\"}"}) {
    try {
      parse_object(body);
    } catch (const Error& err) {
      EXPECT_EQ(err.code(), ErrorCode::invalid_argument) << body;
    }  // anything else escapes and fails the test
  }
}

TEST(JsonBody, IntegersAndNumbersAreCheckedAgainstTheirRange) {
  const auto j = parse_object(
      R"({"five":5,"five_f":5.0,"half":4.5,"zero":0,"huge":18446744073709551615,"neg":-9223372036854775808,"big":1e300,"s":"5"})");
  Fields f(j);
  EXPECT_EQ(f.integer("five", 1, 5), 5);
  EXPECT_EQ(f.integer("five_f", 1, 5), 5);
  const std::string rule = "must be an integer from 1 to 5";
  for (const char* name : {"half", "zero", "huge", "neg", "big", "s"})
    EXPECT_NE(
        error_of([&] { f.integer(name, 1, 5); }).find(std::string("field '") + name + "' " + rule),
        std::string::npos)
        << name;
  EXPECT_EQ(f.number("big"), 1e300);
  EXPECT_NE(error_of([&] {
              f.number("big", 0, 5000);
            }).find("field 'big' must be a number from 0 to 5000"),
            std::string::npos);
  EXPECT_FALSE(f.integer("absent", 1, 5));
}

TEST(JsonWriter, ReadsBackAsWrittenByAnIndependentParser) {
  const std::string tricky = "引号\"反斜杠\\换行\n制表\t\x01结束";
  JsonWriter w;
  w.begin_object()
      .key("s")
      .value(tricky)
      .key("n")
      .number(0.1)
      .key("big")
      .number(1e300)
      .key("neg")
      .number(-2.5);
  w.key("inf").number(std::numeric_limits<double>::infinity()).key("t").value(true).key("z").null();
  w.key("a")
      .begin_array()
      .value("x")
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .value(3)
      .end_array();
  w.key("o").begin_object().key("k").value("v").end_object().end_object();
  const auto j = nlohmann::json::parse(w.str());
  EXPECT_EQ(j["s"], tricky);
  EXPECT_EQ(j["n"].get<double>(), 0.1);
  EXPECT_EQ(j["big"].get<double>(), 1e300);
  EXPECT_EQ(j["neg"].get<double>(), -2.5);
  EXPECT_TRUE(j["inf"].is_null());
  EXPECT_EQ(j["t"], true);
  EXPECT_TRUE(j["z"].is_null());
  EXPECT_EQ(j["a"].dump(), R"(["x",{},[],3])");
  EXPECT_EQ(j["o"]["k"], "v");
  EXPECT_EQ(j.size(), 9u);
}

TEST(Problem, CarriesTheCodeDetailAndRequestIdButNothingElse) {
  const Response r = problem(404, "not-found", "Not found", "report R1 does not exist", "abc123");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/problem+json");
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["status"], 404);
  EXPECT_EQ(j["code"], "not-found");
  EXPECT_EQ(j["detail"], "report R1 does not exist");
  EXPECT_EQ(j["request_id"], "abc123");
  EXPECT_EQ(j["type"], "https://wangge.example/problems/not-found");
  EXPECT_EQ(j.size(), 6u);
}

TEST(MetricsText, CountsByRouteAndStatusAndBucketsLatency) {
  Metrics m;
  m.observe("/healthz", 200, 0.0004);
  m.observe("/healthz", 200, 0.003);
  m.observe("/api/v1/reports", 201, 0.02);
  tiles::TileCacheStats tiles;
  tiles.hits = 7;
  tiles.bytes = 4096;
  const std::string text = m.render({3, 1, {{"received", 5}, {"closed", 2}}, tiles, 12345});
  EXPECT_NE(text.find("wangge_http_requests_total{route=\"/healthz\",status=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wangge_http_requests_total{route=\"/api/v1/reports\",status=\"201\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wangge_http_request_duration_seconds_bucket{le=\"0.0005\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wangge_http_request_duration_seconds_bucket{le=\"0.005\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wangge_http_request_duration_seconds_bucket{le=\"+Inf\"} 3"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wangge_http_request_duration_seconds_count 3"), std::string::npos) << text;
  EXPECT_NE(text.find("wangge_worker_queue_depth 3"), std::string::npos) << text;
  EXPECT_NE(text.find("wangge_reports{state=\"received\"} 5"), std::string::npos) << text;
  EXPECT_NE(text.find("wangge_tile_cache_requests_total{outcome=\"hit\"} 7\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("wangge_tile_cache_bytes 4096\n"), std::string::npos) << text;
  EXPECT_NE(text.find("wangge_store_memory_bytes 12345\n"), std::string::npos) << text;
}

TEST(ErrorReplies, EveryCodeHasAnErrorStatusAndInternalTextNeverReachesTheClient) {
  for (int c = 0; c <= static_cast<int>(kLastErrorCode); ++c) {
    const int status = http_status(static_cast<ErrorCode>(c));
    EXPECT_GE(status, 400) << c;
    EXPECT_LT(status, 600) << c;
  }
  EXPECT_EQ(http_status(ErrorCode::not_found), 404);
  EXPECT_EQ(http_status(ErrorCode::unavailable), 503);
  Request req;
  req.id = "r-42";
  const ErrorReply bad =
      error_reply(Error(ErrorCode::invalid_argument, "limit must be at most 200"), req, "/x");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.public_code, "invalid-argument");
  EXPECT_EQ(bad.detail, "limit must be at most 200");
  for (const ErrorReply& hidden :
       {error_reply(Error(ErrorCode::internal, "pqxx: relation reports_x missing"), req, "/x"),
        error_reply(Error(ErrorCode::unavailable, "connection to 10.0.0.5 refused"), req, "/x"),
        error_reply(std::runtime_error("basic_string::_M_create"), req, "/x")}) {
    EXPECT_EQ(hidden.detail.find("pqxx"), std::string::npos);
    EXPECT_EQ(hidden.detail.find("10.0.0.5"), std::string::npos);
    EXPECT_EQ(hidden.detail.find("_M_create"), std::string::npos);
    EXPECT_NE(hidden.detail.find("r-42"), std::string::npos) << hidden.detail;
    EXPECT_GE(hidden.status, 500);
  }
}

TEST(ErrorReplies, ARetryAfterIsTheErrorsOwnOrTheCodesDefault) {
  Request req;
  req.id = "r-43";
  using std::chrono::seconds;
  EXPECT_EQ(error_reply(Error(ErrorCode::rate_limited, "locked for 17 s", seconds(17)), req, "/x")
                .retry_after,
            seconds(17));
  EXPECT_EQ(error_reply(Error(ErrorCode::rate_limited, "slow down"), req, "/x").retry_after,
            seconds(60));
  EXPECT_EQ(error_reply(Error(ErrorCode::unavailable, "store down"), req, "/x").retry_after,
            seconds(5));
  EXPECT_EQ(
      error_reply(Error(ErrorCode::unavailable, "failover", seconds(2)), req, "/x").retry_after,
      seconds(2));
  EXPECT_EQ(error_reply(Error(ErrorCode::not_found, "no such case"), req, "/x").retry_after,
            seconds(0));  // nothing to retry
}

/// The value of header @p name of @p r ("" when absent).
std::string header_of(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

TEST_F(ServiceFixture, TheConsoleIsOnePageAndItsFilesFromMemoryUnderItsPolicy) {
  const fs::path root = dir / "console";
  fs::create_directories(root / "assets/glyphs/DejaVu Sans Book");
  const auto write = [](const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
  };
  const std::string page = "<!doctype html><title>网格</title>";
  const std::string script(6000, 'x');
  write(root / "index.html", page);
  write(root / "assets/app.0123456789.js", script);
  write(root / "assets/glyphs/DejaVu Sans Book/0-255.pbf", std::string("\x0a\x02\x0a\x00", 4));
  write(
      root / "style.json",
      R"({"glyphs":"https://wangge-origin.invalid/console/assets/glyphs/{fontstack}/{range}.pbf",)"
      R"("sources":{"basemap":{"url":"https://wangge-origin.invalid/tiles/basemap.json"}}})");
  write(root / "style-without-basemap.json", R"({"sources":{}})");
  write(root / "assets/sprite.0123456789@2x.json", R"({"service-point":{}})");
  ServerConfig config;
  config.console_dir = root.string();
  Context ctx = context_for(config);
  Router console;
  add_console_routes(console, ctx);
  // The files are read once: changing them on disk changes nothing served.
  write(root / "index.html", "changed");

  // The sprite's index, a JSON asset (the router takes .json off as a format).
  const Response sprite = call(get("/console/assets/sprite.0123456789@2x.json"), console);
  EXPECT_EQ(sprite.status, 200);
  EXPECT_EQ(sprite.content(), R"({"service-point":{}})");
  EXPECT_EQ(sprite.content_type, "application/json");
  // The style document: this server's address in its URLs; the suite's service has a basemap.
  const Response style = call(get("/console/style.json"), console);
  ASSERT_EQ(style.status, 200);
  const auto doc = nlohmann::json::parse(style.content());
  const std::string base = ctx.base_url(get("/console/style.json"));
  EXPECT_EQ(doc["sources"]["basemap"]["url"], base + "/tiles/basemap.json");
  EXPECT_EQ(doc["glyphs"], base + "/console/assets/glyphs/{fontstack}/{range}.pbf");
  EXPECT_EQ(style.content().find("invalid"), std::string::npos);
  const Response home = call(get("/"), console);
  EXPECT_EQ(home.status, 302);
  EXPECT_EQ(header_of(home, "Location"), "/console/");
  for (const std::string path : {"/console/", "/console/dispatch", "/console/cases/r123"}) {
    const Response r = call(get(path), console);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content(), page) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    const std::string csp = header_of(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(header_of(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header_of(r, "Cache-Control"), "no-cache");  // revalidated: it names the assets
  }

  // An asset: kept a year, gzip when accepted, 304 for the representation the client has.
  Request js = get("/console/assets/app.0123456789.js");
  const Response plain = call(js, console);
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.content(), script);
  EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header_of(plain, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(header_of(plain, "Content-Encoding"), "");
  js.headers["accept-encoding"] = "br, gzip";
  const Response gz = call(js, console);
  EXPECT_EQ(header_of(gz, "Content-Encoding"), "gzip");
  ASSERT_GE(gz.content().size(), 2u);
  EXPECT_EQ(gz.content().substr(0, 2), std::string("\x1f\x8b"));
  EXPECT_LT(gz.content().size(), script.size() / 10);
  EXPECT_NE(header_of(gz, "ETag"), header_of(plain, "ETag"));
  js.headers["if-none-match"] = header_of(gz, "ETag");
  const Response again = call(js, console);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.content().empty());

  // A glyph range (the router takes .pbf off as the extension).
  const Response glyphs = call(get("/console/assets/glyphs/DejaVu Sans Book/0-255.pbf"), console);
  EXPECT_EQ(glyphs.status, 200);
  EXPECT_EQ(glyphs.content_type, "application/x-protobuf");
  EXPECT_EQ(glyphs.content().size(), 4u);

  // Only the table's names: no path on disk is ever opened by a request.
  for (const std::string path :
       {"/console/assets/app.js", "/console/assets/..", "/console/assets/../index.html",
        "/console/assets/glyphs/DejaVu Sans Book/../../app.0123456789.js",
        "/console/assets/glyphs/x/0-255.pbf"}) {
    EXPECT_EQ(call(get(path), console).status, 404) << path;
  }

  // No console built: its pages say so (404), the redirect stays.
  ServerConfig none;
  Context bare = context_for(none);
  Router without;
  add_console_routes(without, bare);
  const Response missing = call(get("/console/"), without);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.content().find("not installed"), std::string::npos) << missing.content();
}

namespace {
/// Whether @p p lies inside the rings of a decoded polygon (even-odd: holes count against).
bool inside(const tiles::DecodedFeature& f, geo::XY p) {
  bool in = false;
  for (const auto& ring : f.parts) {
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const double xi = ring[i].first, yi = ring[i].second, xj = ring[j].first, yj = ring[j].second;
      if ((yi > p.y) != (yj > p.y) && p.x < (xj - xi) * (p.y - yi) / (yj - yi) + xi) in = !in;
    }
  }
  return in;
}

const tiles::DecodedFeature* feature_with_id(const std::vector<tiles::DecodedLayer>& layers,
                                             std::uint64_t id) {
  for (const auto& l : layers)
    for (const auto& f : l.features)
      if (f.id == id) return &f;
  return nullptr;
}

geo::XY gcj(geo::XY p) {
  const geo::LonLat q = geo::wgs84_to_gcj02(geo::LonLat::trusted(p.x, p.y));
  return {q.lon(), q.lat()};
}
}  // namespace

TEST_F(ServiceFixture, MapAnswersShiftToGcj02WhenAskedSoOverlaysSitOnAMapOrTencentBasemaps) {
  using nlohmann::json;
  // GeoJSON: every coordinate is the WGS-84 one through the GCJ-02 transform.
  const json wgs = json::parse(call(get("/api/v1/service-points")).content());
  const Response shifted_r = call(get("/api/v1/service-points", {{"datum", "gcj02"}}));
  ASSERT_EQ(shifted_r.status, 200);
  const json shifted = json::parse(shifted_r.content());
  EXPECT_EQ(shifted["datum"], "gcj02");
  ASSERT_FALSE(wgs["features"].empty());
  ASSERT_EQ(wgs["features"].size(), shifted["features"].size());
  for (std::size_t i = 0; i < wgs["features"].size(); ++i) {
    const json& c = wgs["features"][i]["geometry"]["coordinates"];
    const geo::XY want = gcj({c[0].get<double>(), c[1].get<double>()});
    const json& s = shifted["features"][i]["geometry"]["coordinates"];
    EXPECT_NEAR(s[0].get<double>(), want.x, 2e-7);
    EXPECT_NEAR(s[1].get<double>(), want.y, 2e-7);
    EXPECT_GT(std::abs(s[0].get<double>() - c[0].get<double>()), 1e-3);  // hundreds of metres
  }
  const json grid =
      json::parse(call(get("/api/v1/grids/43030200901300105", {{"datum", "GCJ-02"}})).content());
  EXPECT_EQ(grid["datum"], "gcj02");
  const Response bad = call(get("/api/v1/grids", {{"datum", "mars"}}));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.content().find("'datum'"), std::string::npos) << bad.content();

  // Tiles: the unit holding the sample point holds it in both datums, each in its own.
  const geo::XY at{112.926891, 27.8576002}, moved = gcj(at);
  const std::uint64_t unit = tiles::feature_id("43030200901300105");
  for (const auto& [datum, p] : {std::pair<std::string, geo::XY>{"wgs84", at}, {"gcj02", moved}}) {
    const tiles::TileId t = tiles::tile_of(p, 16);
    Request r = get("/tiles/grids/16/" + std::to_string(t.x) + "/" + std::to_string(t.y) + ".mvt",
                    {{"datum", datum}});
    const Response tile = call(r);
    ASSERT_EQ(tile.status, 200) << datum;
    const auto layers = tiles::decode(tile.content());
    const auto* f = feature_with_id(layers, unit);
    ASSERT_NE(f, nullptr) << datum;
    const tiles::TileProjection project(t, layers.at(0).extent);
    EXPECT_TRUE(inside(*f, project(p))) << datum;
    // ...and not the other datum's position, ~500 m away.
    EXPECT_FALSE(inside(*f, project(datum == "wgs84" ? moved : at))) << datum;
  }
  const Response bd = call(get("/tiles/grids/16/0/0.mvt", {{"datum", "bd09"}}));
  EXPECT_EQ(bd.status, 400);
  // TileJSON: the tile URLs carry the datum and the centre is shifted with it.
  const json tj = json::parse(call(get("/tiles/grids.json", {{"datum", "gcj02"}})).content());
  EXPECT_NE(tj["tiles"][0].get<std::string>().find("&datum=gcj02"), std::string::npos);
  const json tw = json::parse(call(get("/tiles/grids.json")).content());
  EXPECT_EQ(tw["tiles"][0].get<std::string>().find("datum"), std::string::npos);
  const geo::BBox b{tw["bounds"][0], tw["bounds"][1], tw["bounds"][2], tw["bounds"][3]};
  const geo::XY lo = gcj({b.min_x, b.min_y});
  EXPECT_NEAR(tj["bounds"][0].get<double>(), lo.x, 1e-9);
  EXPECT_NEAR(tj["bounds"][1].get<double>(), lo.y, 1e-9);
}

TEST_F(ServiceFixture, TheBasemapLayerDrawsTheSampleStreetsWithTheirNamesFromTheirZoom) {
  using nlohmann::json;
  // The sample's network is an OSM file: it is the basemap too.
  const json tj = json::parse(call(get("/tiles/basemap.json")).content());
  ASSERT_EQ(tj["vector_layers"].size(), 1u);
  EXPECT_EQ(tj["vector_layers"][0]["id"], "basemap");
  const geo::XY at{112.926891, 27.8576002};
  std::map<int, std::set<std::string>> kinds;
  std::set<std::string> named;
  for (const int z : {16, 10}) {
    const tiles::TileId t = tiles::tile_of(at, z);
    const Response r = call(get("/tiles/basemap/" + std::to_string(z) + "/" + std::to_string(t.x) +
                                "/" + std::to_string(t.y) + ".mvt"));
    if (r.status == 204) continue;
    ASSERT_EQ(r.status, 200);
    const auto layers = tiles::decode(r.content());
    ASSERT_EQ(layers.size(), 1u);
    for (const auto& f : layers[0].features) {
      EXPECT_EQ(f.type, 2u);  // the sample's streets are lines
      for (const auto& [k, v] : f.properties) {
        if (k == "kind") kinds[z].insert(std::get<std::string>(v));
        if (k == "name") named.insert(std::get<std::string>(v));
      }
    }
  }
  EXPECT_TRUE(kinds[16].count("minor"));
  EXPECT_TRUE(kinds[16].count("path"));
  // At z10 only what is drawn from z8 (major roads, rivers): no residential street or path.
  for (const std::string& k : kinds[10]) EXPECT_TRUE(k == "major" || k == "river") << k;
  EXPECT_FALSE(named.empty());
}

TEST_F(ServiceFixture, AConfiguredRasterBasemapIsInTheSettingsAndItsOriginAloneInThePolicy) {
  using nlohmann::json;
  {
    Router console;
    Context ctx = context_for(server_config);
    add_console_routes(console, ctx);
    const Response r = call(get("/console/settings.json"), console);
    ASSERT_EQ(r.status, 200);
    EXPECT_TRUE(json::parse(r.content())["raster_basemap"].is_null());  // the offline map
  }
  ServerConfig config;
  config.raster_basemap = "https://tiles.example.cn:8443/amap/{z}/{x}/{y}.png?style=7";
  config.raster_basemap_datum = "GCJ-02";
  config.raster_basemap_attribution = "© 高德地图";
  Context ctx = context_for(config);
  Router console;
  add_console_routes(console, ctx);
  const Response r = call(get("/console/settings.json"), console);
  ASSERT_EQ(r.status, 200);
  const json b = json::parse(r.content())["raster_basemap"];
  EXPECT_EQ(b["tiles"][0], config.raster_basemap);
  EXPECT_EQ(b["datum"], "gcj02");
  EXPECT_EQ(b["attribution"], "© 高德地图");
  const std::string csp = header_of(r, "Content-Security-Policy");
  EXPECT_NE(csp.find("img-src 'self' data: blob: https://tiles.example.cn:8443;"),
            std::string::npos)
      << csp;
  EXPECT_NE(csp.find("connect-src 'self' https://tiles.example.cn:8443;"), std::string::npos)
      << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos);
  // Bad settings stop the start, the option and the rule named.
  const std::vector<std::pair<std::string, std::string>> bad{
      {"ftp://x.cn/{z}/{x}/{y}", "http:// or https://"},
      {"https://x.cn/{z}/{x}.png", "{y}"},
      {"https://x.cn; script-src */{z}/{x}/{y}", "host of letters"},
      {"https://x.cn/{z}/{x}/{y}' onload='", "quotes"},
      {"https://x.cn:/{z}/{x}/{y}", "host of letters"},
      {"https://a:b:c/{z}/{x}/{y}", "host of letters"},
  };
  for (const auto& [url, rule] : bad) {
    ServerConfig c;
    c.raster_basemap = url;
    Context bad_ctx = context_for(c);
    Router r2;
    try {
      add_console_routes(r2, bad_ctx);
      ADD_FAILURE() << url;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--raster-basemap"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(rule), std::string::npos) << e.what();
    }
  }
  ServerConfig c;
  c.raster_basemap = config.raster_basemap;
  c.raster_basemap_datum = "bd09";
  Context bd_ctx = context_for(c);
  Router r3;
  EXPECT_THROW(add_console_routes(r3, bd_ctx), Error);
}

}  // namespace
}  // namespace wangge::http
