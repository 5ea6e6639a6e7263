#pragma once
// The real route handlers of `wangge serve` without sockets, for fuzz targets: a Service on a
// temporary SQLite store seeded with geodata/sample, and the routes registered on a Router as
// the server registers them. A handler's wangge::Error becomes the problem reply the server
// would send; everything else that escapes a handler is a finding.

#include <memory>
#include <string>

#include "context.hpp"
#include "wangge/service/service.hpp"

namespace wangge::fuzz {

class RouteFixture {
 public:
  /// The process's fixture, opened on first use (a few seconds) and closed at exit.
  static RouteFixture& instance();

  service::Service& service() { return *service_; }

  /// A request as the server hands it to a handler: @p path may carry a format extension
  /// ("/open311/v2/requests.json"); authenticated as @p actor unless it is null.
  http::Request request(const std::string& method, const std::string& path, std::string body,
                        const dispatch::Actor* actor) const;

  /// Runs the handler of the route that matches @p req (a finding when none does). A thrown
  /// Error is answered as the server answers it; Error(internal), another exception or a
  /// 500 reply is a finding.
  http::Response call(http::Request req);

  /// A resident with an account: submits reports and acts on their own.
  const dispatch::Actor& resident() const { return resident_; }
  const dispatch::Actor& dispatcher() const { return dispatcher_; }
  const dispatch::Actor& admin() const { return admin_; }
  /// Names for two real API keys, which inputs may present (Open311's api_key): the key of
  /// resident(), and the key of an app that submits for anonymous residents.
  static constexpr const char* kResidentKey = "fuzz-resident-key";
  static constexpr const char* kAppKey = "fuzz-app-key";

 private:
  RouteFixture();
  /// The authentication hook of the routes: the named keys stand for the real ones.
  std::optional<dispatch::Actor> authenticate(const std::string& secret);

  std::unique_ptr<service::Service> service_;
  http::ServerConfig config_;
  http::Metrics metrics_;
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<bool> ready_{true};
  std::unique_ptr<http::Context> context_;
  http::Router router_;
  dispatch::Actor resident_, dispatcher_, admin_;
  std::string resident_key_, app_key_;
};

}  // namespace wangge::fuzz
