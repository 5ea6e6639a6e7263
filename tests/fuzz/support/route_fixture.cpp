#include "route_fixture.hpp"

#include <cstdlib>
#include <typeinfo>

#include "errors.hpp"
#include "fuzz_support.hpp"
#include "wangge/service/api_keys.hpp"
#include "wangge/util/error.hpp"

namespace wangge::fuzz {

RouteFixture& RouteFixture::instance() {
  static RouteFixture* fixture = [] {
    scratch_dir();  // first, so that its removal at exit runs after the fixture is closed
    auto* f = new RouteFixture();
    std::atexit([] { delete &instance(); });
    return f;
  }();
  return *fixture;
}

RouteFixture::RouteFixture() {
  service::ServiceConfig config;
  config.store = scratch_dir() + "/fuzz.db";
  config.data_dir = std::string(WANGGE_SOURCE_DIR) + "/geodata/sample";
  service_ = service::Service::open(config);
  context_ = std::make_unique<http::Context>(
      http::Context{*service_, config_, metrics_, [] { return std::size_t{0}; }, in_flight_, ready_,
                    [this](const std::string& secret) { return authenticate(secret); }});
  http::add_system_routes(router_, *context_);
  http::add_v1_routes(router_, *context_);
  http::add_open311_routes(router_, *context_);
  http::add_tile_routes(router_, *context_);
  http::add_ogc_routes(router_, *context_);
  resident_ = service_->actor("resident:fuzz");
  dispatcher_ = service_->actor("d01");
  admin_ = service_->actor("a01");
  resident_key_ = service_->keys().create("resident:fuzz", "fuzz").second;
  app_key_ = service_->keys().create("app:fuzz", "fuzz").second;
}

std::optional<dispatch::Actor> RouteFixture::authenticate(const std::string& secret) {
  if (secret == kResidentKey) return service_->keys().authenticate(resident_key_);
  if (secret == kAppKey) return service_->keys().authenticate(app_key_);
  return service_->keys().authenticate(secret);
}

http::Request RouteFixture::request(const std::string& method, const std::string& path,
                                    std::string body, const dispatch::Actor* actor) const {
  http::Request r;
  r.id = "fuzz";
  r.method = method;
  std::tie(r.path, r.extension) = http::split_extension(path);
  r.body = std::move(body);
  r.client = "127.0.0.1";
  r.now = dispatch::now_utc();
  if (actor) {
    r.actor = *actor;
    r.authenticated = true;
  }
  return r;
}

http::Response RouteFixture::call(http::Request req) {
  const auto match = router_.match(req.method, req.path, req.extension);
  require(match.route != nullptr, "no route for the fixture's request", req.path);
  req.params = match.params;
  http::Response res;
  try {
    res = match.route->handler(req);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::internal)
      finding("a handler threw Error(internal), which only a bug may cause", e.what());
    const ErrorInfo& info = describe(e.code());
    res = http::problem(http::http_status(e.code()), std::string(info.public_code),
                        std::string(info.title), e.what(), req.id);
  } catch (const std::exception& e) {
    finding(std::string("a handler threw ") + typeid(e).name() + " (not a wangge::Error)",
            e.what());
  }
  if (res.status >= 500) finding("a handler answered " + std::to_string(res.status), res.body);
  return res;
}

}  // namespace wangge::fuzz
