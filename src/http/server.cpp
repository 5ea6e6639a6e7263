// Pistache glue: one handler for every request (our router, not Pistache's), the worker pool,
// authentication, rate limits, problem+json errors, the access log and graceful shutdown.
#include "wangge/http/server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "context.hpp"
#include "limits.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/sha256.hpp"
#include "worker_pool.hpp"

namespace wangge {
namespace {

using namespace std::chrono;
namespace P = Pistache;

std::string request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

/// The secret presented: "Authorization: Bearer …", or Open311's api_key parameter.
std::optional<std::string> presented_secret(const http::Request& req) {
  if (auto auth = req.header("authorization")) {
    if (auth->rfind("Bearer ", 0) == 0) return auth->substr(7);
    return std::string();  // another scheme: not ours
  }
  if (auto key = req.param("api_key")) return *key;
  return std::nullopt;
}

/// A response header of any name: Pistache 0.0.5 writes only typed headers (raw ones are
/// silently dropped), so each of ours is a typed header with a run-time name.
class AnyHeader final : public P::Http::Header::Header {
 public:
  AnyHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  std::uint64_t hash() const override { return P::Http::Header::detail::hash(name_.c_str()); }
  void parse(const std::string& data) override { value_ = data; }
  void write(std::ostream& os) const override { os << value_; }

 private:
  std::string name_, value_;
};

}  // namespace

struct HttpServer::Impl {
  Service& service;
  ServerConfig config;
  http::Router router;
  http::Metrics metrics;
  http::RateLimiter limiter;
  std::unique_ptr<http::WorkerPool> pool;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  std::unique_ptr<http::Context> context;
  std::shared_ptr<P::Http::Endpoint> endpoint;
  std::shared_ptr<spdlog::logger> log;
  std::mutex keys_mutex;
  struct CachedKey {
    std::optional<Actor> actor;
    steady_clock::time_point until;
  };
  std::unordered_map<std::string, CachedKey> keys;  // by the secret's hash
  bool stopped = false;

  Impl(Service& s, ServerConfig c) : service(s), config(std::move(c)) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (!config.threads) config.threads = cores;
    if (!config.workers) config.workers = 2 * cores;
    pool = std::make_unique<http::WorkerPool>(config.workers, config.queue_capacity);
    log = spdlog::get("wangge.http");
    if (!log) log = spdlog::stderr_logger_mt("wangge.http");
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %v");
    context = std::make_unique<http::Context>(
        http::Context{service, config, metrics, [this] { return pool->depth(); }, in_flight, ready,
                      [this](const std::string& secret) { return authenticate(secret); }});
    http::add_system_routes(router, *context);
    http::add_v1_routes(router, *context);
    http::add_tile_routes(router, *context);
    http::add_ogc_routes(router, *context);
    http::add_open311_routes(router, *context);
  }

  /// The actor of a secret, remembered for 30 s (a revoked key stops working within that).
  std::optional<Actor> authenticate(const std::string& secret) {
    const std::string hash = sha256_hex(secret);
    const auto now = steady_clock::now();
    {
      std::lock_guard lock(keys_mutex);
      auto it = keys.find(hash);
      if (it != keys.end() && it->second.until > now) return it->second.actor;
    }
    auto actor = service.authenticate(secret);
    std::lock_guard lock(keys_mutex);
    if (keys.size() > 10000) keys.clear();
    keys[hash] = CachedKey{actor, now + seconds(30)};
    return actor;
  }

  /// Runs the route's handler with every exception turned into a problem reply.
  http::Response handle(const http::Route& route, http::Request& req) {
    return handle(route, req, route.handler);
  }

  /// Runs @p handler for @p route (authentication as the route requires) likewise.
  http::Response handle(const http::Route& route, http::Request& req,
                        const http::Handler& handler) {
    try {
      if (route.execution == http::Execution::worker) {
        if (auto secret = presented_secret(req)) {
          auto actor = secret->empty() ? std::nullopt : authenticate(*secret);
          if (!actor) {
            return http::problem(401, "unauthorized", "Authentication required",
                                 "the API key is not valid (use Authorization: Bearer <key>)",
                                 req.id)
                .header("WWW-Authenticate", "Bearer");
          }
          req.actor = *actor;
          req.authenticated = true;
        }
      }
      return handler(req);
    } catch (const Error& e) {
      const ErrorInfo& info = describe(e.code());
      const bool internal = e.code() == ErrorCode::internal || e.code() == ErrorCode::unavailable;
      if (internal) log->error("{} {}: {}", req.id, route.name, e.what());
      http::Response r =
          http::problem(info.http_status, std::string(info.public_code), std::string(info.title),
                        internal ? "the service could not complete the request; it has been logged"
                                 : std::string(e.what()),
                        req.id);
      if (e.code() == ErrorCode::unavailable) r.header("Retry-After", "5");
      if (info.http_status == 401) r.header("WWW-Authenticate", "Bearer");
      return r;
    } catch (const std::exception& e) {
      log->error("{} {}: unexpected exception: {}", req.id, route.name, e.what());
      return http::problem(500, "internal", "Internal error",
                           "the service could not complete the request; it has been logged",
                           req.id);
    }
  }

  void send(P::Http::ResponseWriter& writer, const http::Request& req, http::Response& res,
            const std::string& route, steady_clock::time_point start) {
    auto add = [&](std::string name, std::string value) {
      writer.headers().add(std::make_shared<AnyHeader>(std::move(name), std::move(value)));
    };
    add("Content-Type", res.content_type);
    add("X-Request-Id", req.id);
    add("Access-Control-Allow-Origin", "*");
    add("Access-Control-Expose-Headers", "X-Request-Id, Link, ETag, Retry-After");
    // Connection: Pistache 0.0.5 decides (keep-alive only when the client asks for it).
    for (const auto& [name, value] : res.headers) add(name, value);
    const std::size_t bytes = res.content().size();
    if (req.method == "HEAD") {
      res.body.clear();
      res.shared_body.reset();
    }
    writer.send(static_cast<P::Http::Code>(res.status), res.content());
    const double secs = duration<double>(steady_clock::now() - start).count();
    metrics.observe(route, res.status, secs);
    // The access log: no query string, no body (they may hold personal data).
    log->info("{} {} {} {} {} {:.2f}ms", req.id, req.method,
              req.path + (req.extension.empty() ? "" : "." + req.extension), res.status, bytes,
              secs * 1000);
    --in_flight;
  }
};

namespace {

class PistacheHandler final : public P::Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheHandler)
  explicit PistacheHandler(HttpServer::Impl* impl) : impl_(impl) {}

  void onRequest(const P::Http::Request& in, P::Http::ResponseWriter writer) override {
    auto& s = *impl_;
    const auto start = steady_clock::now();
    ++s.in_flight;
    http::Request req;
    req.id = request_id();
    req.now = now_utc();
    req.method = P::Http::methodString(in.method());
    req.client = in.address().host();
    http::Response early;
    std::string route_name = "(unmatched)";
    auto refuse = [&](http::Response r) { s.send(writer, req, r, route_name, start); };
    const auto decoded = http::url_decode(in.resource(), false);
    if (!decoded)
      return refuse(http::problem(400, "invalid-argument", "Invalid argument",
                                  "the path is not valid URL encoding", req.id));
    std::tie(req.path, req.extension) = http::split_extension(*decoded);
    for (auto it = in.query().parameters_begin(); it != in.query().parameters_end(); ++it) {
      auto name = http::url_decode(it->first, true), value = http::url_decode(it->second, true);
      if (!name || !value)
        return refuse(http::problem(
            400, "invalid-argument", "Invalid argument",
            "query parameter '" + it->first.substr(0, 40) + "' is not valid URL encoding", req.id));
      req.query[*name] = *value;
    }
    for (const auto& h : in.headers().list()) {
      std::ostringstream value;
      h->write(value);
      std::string name = h->name();
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = value.str();
    }
    for (const auto& [name, raw] : in.headers().rawList()) {
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[lower] = raw.value();
    }
    req.body = in.body();
    if (!s.config.trusted_proxy.empty() && req.client == s.config.trusted_proxy) {
      if (auto real = req.header("x-real-ip"); real && !real->empty() && real->size() <= 45)
        req.client = *real;
    }
    if (s.stopping) {
      return refuse(http::problem(503, "unavailable", "Service unavailable",
                                  "the server is shutting down", req.id)
                        .header("Retry-After", "5"));
    }
    const auto match = s.router.match(req.method, req.path, req.extension);
    if (!match.route) {
      if (match.allowed.empty()) {
        return refuse(http::problem(404, "not-found", "Not found",
                                    "no resource at " + req.path.substr(0, 200), req.id));
      }
      std::string allow;
      for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
      if (req.method == "OPTIONS") {  // CORS preflight and discovery
        http::Response r;
        r.status = 204;
        r.header("Allow", allow).header("Access-Control-Allow-Methods", allow);
        r.header("Access-Control-Allow-Headers",
                 "Authorization, Content-Type, Idempotency-Key, If-None-Match");
        r.header("Access-Control-Max-Age", "600");
        return refuse(std::move(r));
      }
      return refuse(
          http::problem(405, "method-not-allowed", "Method not allowed",
                        req.method + " is not allowed on " + req.path + "; allowed: " + allow,
                        req.id)
              .header("Allow", allow));
    }
    const http::Route& route = *match.route;
    route_name = route.name;
    req.params = match.params;
    // Rate limits: per key when one is presented, else per client address.
    const auto secret = presented_secret(req);
    const bool keyed = secret && !secret->empty();
    const std::string bucket =
        keyed ? "key:" + sha256_hex(*secret).substr(0, 24) : "addr:" + req.client;
    if (auto wait =
            s.limiter.take(bucket, keyed ? s.config.rate_per_key : s.config.rate_per_address,
                           s.config.burst_seconds, steady_clock::now())) {
      return refuse(http::problem(429, "rate-limited", "Too many requests",
                                  "slow down: too many requests from this " +
                                      std::string(keyed ? "key" : "address"),
                                  req.id)
                        .header("Retry-After", std::to_string(static_cast<int>(std::ceil(*wait)))));
    }
    if (route.execution == http::Execution::inline_io) {
      http::Response r = s.handle(route, req);
      return s.send(writer, req, r, route_name, start);
    }
    if (route.inline_answer) {  // answered at once when it can be (a cached tile)
      bool miss = false;
      http::Response r = s.handle(route, req, [&](http::Request& q) {
        std::optional<http::Response> a = route.inline_answer(q);
        if (!a) {
          miss = true;
          return http::Response{};
        }
        return std::move(*a);
      });
      if (!miss) return s.send(writer, req, r, route_name, start);
    }
    // The writer moves into the job; the job owns the reply from here on.
    auto job_writer = std::make_shared<P::Http::ResponseWriter>(std::move(writer));
    auto job_req = std::make_shared<http::Request>(std::move(req));
    const bool queued = s.pool->try_submit([&s, &route, job_writer, job_req, start] {
      http::Response r = s.handle(route, *job_req);
      s.send(*job_writer, *job_req, r, route.name, start);
    });
    if (!queued) {
      http::Response busy = http::problem(503, "unavailable", "Service unavailable",
                                          "the server is busy; retry shortly", job_req->id)
                                .header("Retry-After", "1");
      s.send(*job_writer, *job_req, busy, route_name, start);
    }
  }

 private:
  HttpServer::Impl* impl_;
};

}  // namespace

HttpServer::HttpServer(Service& service, ServerConfig config)
    : impl_(std::make_unique<Impl>(service, std::move(config))) {}

HttpServer::~HttpServer() {
  stop(std::chrono::seconds(5));
}

void HttpServer::start() {
  Impl& s = *impl_;
  try {
    s.endpoint =
        std::make_shared<P::Http::Endpoint>(P::Address(s.config.address, P::Port(s.config.port)));
    auto options = P::Http::Endpoint::options()
                       .threads(static_cast<int>(s.config.threads))
                       .threadsName("wangge-io")
                       .flags(P::Tcp::Options::ReuseAddr)
                       .backlog(1024)
                       .maxRequestSize(s.config.max_request_bytes)
                       .maxResponseSize(64 * 1024 * 1024)
                       .headerTimeout(s.config.header_timeout)
                       .bodyTimeout(s.config.body_timeout)
                       .keepaliveTimeout(s.config.keepalive_timeout)
                       .logger(std::make_shared<P::Log::StringToStreamLogger>(P::Log::Level::WARN));
    s.endpoint->init(options);
    s.endpoint->setHandler(P::Http::make_handler<PistacheHandler>(&s));
    s.endpoint->serveThreaded();
  } catch (const std::exception& e) {
    throw Error(ErrorCode::unavailable, "cannot listen on " + s.config.address + ":" +
                                            std::to_string(s.config.port) + ": " + e.what());
  }
  // With port 0 the kernel picked one: links (Location, next) must name it. No request can
  // race this write: nobody knows the port before start() returns.
  if (!s.config.port) s.config.port = static_cast<std::uint16_t>(s.endpoint->getPort());
  s.ready = true;
  s.log->info("listening on http://{}:{}", s.config.address,
              static_cast<std::uint16_t>(s.endpoint->getPort()));
}

std::uint16_t HttpServer::port() const {
  return impl_->endpoint ? static_cast<std::uint16_t>(impl_->endpoint->getPort()) : 0;
}

void HttpServer::stop(std::chrono::seconds grace) {
  Impl& s = *impl_;
  if (s.stopped || !s.endpoint) return;
  s.stopped = true;
  s.ready = false;    // /readyz fails: a balancer stops routing here
  s.stopping = true;  // new requests get 503
  const auto deadline = steady_clock::now() + grace;
  while (s.in_flight > 0 && steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  s.pool->drain();  // queued jobs finish and reply
  while (s.in_flight > 0 && steady_clock::now() < deadline)
    std::this_thread::sleep_for(milliseconds(20));
  s.endpoint->shutdown();
  s.log->info("stopped ({} request(s) still in flight)", s.in_flight.load());
}

void HttpServer::run_until_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
  impl_->log->info("signal {}: shutting down gracefully", sig);
  stop();
}

}  // namespace wangge
