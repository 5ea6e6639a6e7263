#pragma once
// The HTTP server (`wangge serve`): Pistache 0.0.5 with every option set explicitly and the
// workarounds its known defects need:
//  - our own router (Pistache's Rest::Router inserts into a shared map on unknown methods,
//    a data race with several threads), answering 405 with Allow on every path;
//  - reactor threads only parse and answer in-memory work; anything touching the store runs on
//    a bounded worker pool, and a full queue answers 503 with Retry-After;
//  - every exception is caught: errors are application/problem+json from the one catalogue,
//    with a request id, never exception text;
//  - graceful shutdown on SIGTERM/SIGINT: readiness off, stop accepting, wait for in-flight
//    requests, drain the pool, flush the store, exit 0;
//  - requests are read by our own strict reader (wire.hpp, connection.hpp), not Pistache's:
//    framing is unambiguous or refused, a refused request closes its connection, pipelined
//    requests are answered in order, limits are checked before anything is allocated;
//  - head and body limits (the body sized for a 4,000-character report with ten media URLs),
//    header, body and keep-alive timeouts, connection caps, threads = cores; loopback unless
//    told otherwise; nginx (deploy/nginx.conf) in front in production.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "wangge/service/service.hpp"

namespace wangge::http {

struct ServerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  /// Listening on an address other than loopback is refused unless the operator says a
  /// front (nginx, deploy/nginx.conf) is there or that it is meant to be public.
  bool allow_public = false;
  unsigned threads = 0;                    ///< reactor threads; 0 = cores
  unsigned workers = 0;                    ///< worker pool threads; 0 = 2 × cores
  std::size_t queue_capacity = 512;        ///< waiting jobs before 503
  std::size_t max_head_bytes = 64 * 1024;  ///< request line + header fields
  std::size_t max_body_bytes = 64 * 1024;  ///< a body, unless its route says otherwise
  std::size_t max_connections = 4096;
  std::size_t max_connections_per_address = 256;  ///< not for the trusted proxy
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds keepalive_timeout{30};
  double rate_per_key = 50;      ///< requests per second for a verified API key (token bucket)
  double rate_per_address = 20;  ///< for requests without a verified key, per client address
  /// The ceiling for all verified keys used from one address together.
  double rate_per_address_keyed = 200;
  /// Tokens a failed authentication takes from its address's bucket.
  double auth_failure_cost = 5;
  double burst_seconds = 4;  ///< bucket size, in seconds of rate
  std::string base_url;      ///< for links; default http://address:port
  /// The reverse proxy's address (e.g. 127.0.0.1 for nginx on the host): requests from it are
  /// attributed to the client its X-Real-IP header names (rate limits, logs). Empty: none.
  std::string trusted_proxy;
  /// Session cookies carry Secure (sent over HTTPS only): set it behind a TLS front.
  bool secure_cookies = false;
  /// The web console's built files (index.html, assets/): read once at start and answered from
  /// memory. Empty: no console (its paths answer 404).
  std::string console_dir;
  /// A raster basemap for the console's map in place of the offline one (which stays the
  /// default, for intranets): an http(s) URL template with {z}, {x} and {y}, e.g. Tianditu's
  /// (WGS-84/CGCS2000) or AMap's (GCJ-02). Empty: none.
  std::string raster_basemap;
  /// The datum of raster_basemap's tiles: wgs84 (cgcs2000) or gcj02; with gcj02 the console
  /// asks every overlay and GeoJSON answer in GCJ-02 (`datum=gcj02`) so they sit on its streets.
  std::string raster_basemap_datum = "wgs84";
  std::string raster_basemap_attribution;  ///< shown on the map (the provider's terms)
};

class HttpServer {
 public:
  /// @p service must outlive the server.
  HttpServer(service::Service& service, ServerConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts serving in background threads. @throws Error(unavailable) if the port
  /// cannot be bound, Error(invalid_argument) for a public address without allow_public.
  void start();
  /// The port actually bound (useful with port 0).
  std::uint16_t port() const;
  /// Graceful stop: readiness off, stop accepting, drain in-flight requests (up to @p grace),
  /// stop the pool. Idempotent.
  void stop(std::chrono::seconds grace = std::chrono::seconds(20));
  /// Blocks until SIGTERM or SIGINT, then stops gracefully; on SIGHUP reloads the reference
  /// data from the store and goes on waiting.
  void run_until_signal();

  struct Impl;  ///< implementation detail (public for the Pistache handler in server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace wangge::http
