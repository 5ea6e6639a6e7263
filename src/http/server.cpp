// Pistache glue: Pistache accepts and reads sockets; our connection layer reads requests
// strictly and writes replies (connection.hpp); then our router, the worker pool,
// authentication, rate limits, problem+json errors, the access log and graceful shutdown.
#include "wangge/http/server.hpp"

#include <arpa/inet.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <signal.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <list>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "connection.hpp"
#include "context.hpp"
#include "credentials.hpp"
#include "errors.hpp"
#include "limits.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/sha256.hpp"
#include "worker_pool.hpp"

namespace wangge::http {
namespace {

using namespace std::chrono;
namespace P = Pistache;

std::string request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

/// The sign-in routes: they take no credential (an old or expired cookie must not stand in the
/// way of signing in again, nor need a CSRF token).
bool is_sign_in(const http::Request& req) {
  return req.method == "POST" &&
         (req.path == "/api/v1/session" || req.path == "/api/v1/session/code" ||
          req.path == "/api/v1/session/phone");
}

/// Methods that change nothing: a cookie alone authorises them.
bool is_safe_method(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

/// Whether @p address is a loopback address (127.0.0.0/8, ::1) or a name for one.
bool is_loopback(const std::string& address) {
  if (address == "localhost" || address == "::1" || address == "ip6-localhost") return true;
  in_addr a{};
  return inet_pton(AF_INET, address.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/// Header fields that must appear once: a second one is ambiguous (which key? which body type?).
bool is_singleton_field(const std::string& name) {
  return name == "authorization" || name == "content-type" || name == "idempotency-key" ||
         name == "x-real-ip" || name == "if-none-match";
}

/// The public code of a request that could not be read (problem+json "code").
std::string wire_error_code(int status) {
  switch (status) {
    case 408:
      return "request-timeout";
    case 413:
    case 414:
    case 431:
      return "payload-too-large";
    case 417:
      return "expectation-failed";
    case 501:
      return "not-implemented";
    case 503:
      return "unavailable";
    case 505:
      return "http-version-not-supported";
    default:
      return "malformed-request";
  }
}

/// Pistache 0.0.5's idle-peer check reads a parser it keeps on every peer; ours never feeds
/// it, and its timeouts are set out of reach, so only our own timeouts apply.
constexpr auto kPistacheTimeoutsOff = hours(24 * 365);
constexpr const char* kConnectionData = "wangge.connection";

}  // namespace

struct HttpServer::Impl {
  service::Service& service;
  ServerConfig config;
  http::Router router;
  http::Metrics metrics;
  http::RateLimiter limiter;
  std::unique_ptr<http::WorkerPool> pool;
  std::unique_ptr<http::ConnectionLoop> connections;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};
  std::unique_ptr<http::Context> context;
  std::shared_ptr<P::Http::Endpoint> endpoint;
  std::shared_ptr<spdlog::logger> log;

  http::CredentialCache credentials{service};
  bool stopped = false;

  Impl(service::Service& s, ServerConfig c) : service(s), config(std::move(c)) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (!config.threads) config.threads = cores;
    if (!config.workers) config.workers = 2 * cores;
    pool = std::make_unique<http::WorkerPool>(config.workers, config.queue_capacity);
    log = spdlog::get("wangge.http");
    if (!log) log = spdlog::stderr_logger_mt("wangge.http");
    log->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %v");
    context = std::make_unique<http::Context>(
        http::Context{service, config, metrics, [this] { return pool->depth(); }, in_flight, ready,
                      [this](const std::string& secret) -> std::optional<dispatch::Actor> {
                        auto credential = credentials.authenticate(secret);
                        if (!credential) return std::nullopt;
                        return credential->actor;
                      }});
    http::add_system_routes(router, *context);
    http::add_v1_routes(router, *context);
    http::add_tile_routes(router, *context);
    http::add_ogc_routes(router, *context);
    http::add_open311_routes(router, *context);
    http::add_account_routes(router, *context);
    http::add_notification_routes(router, *context);
    http::add_points_routes(router, *context);
    http::add_task_routes(router, *context);
    http::add_visit_routes(router, *context);
    http::add_patrol_routes(router, *context);
    http::add_appraisal_routes(router, *context);
    http::add_event_routes(router, *context);
    http::add_media_routes(router, *context);
    http::add_console_routes(router, *context);

    http::ConnectionSettings cs;
    cs.wire.max_head = config.max_head_bytes;
    cs.header_timeout = config.header_timeout;
    cs.body_timeout = config.body_timeout;
    cs.keepalive_timeout = config.keepalive_timeout;
    cs.max_connections = config.max_connections;
    cs.max_per_address = config.max_connections_per_address;
    cs.trusted_proxy = config.trusted_proxy;
    http::ConnectionHooks hooks;
    hooks.body_limit = [this](const http::RequestHead& head) { return body_limit(head); };
    hooks.dispatch = [this](const http::ConnectionPtr& conn, http::WireRequest&& w) {
      dispatch(conn, std::move(w));
    };
    hooks.wire_error = [this](int status, const std::string& message, const std::string& client) {
      const std::string id = request_id();
      metrics.observe("(unreadable)", status, 0);
      log->info("{} - (unreadable request from {}) {} {}", id, client, status, message);
      http::Response r = http::problem(status, wire_error_code(status),
                                       std::string(http::reason_phrase(status)), message, id);
      r.header("X-Request-Id", id);
      if (status == 503) r.header("Retry-After", "5");
      return r;
    };
    connections = std::make_unique<http::ConnectionLoop>(std::move(cs), std::move(hooks));
  }

  /// The route's body limit (routes may take more or less than the server's default).
  std::size_t body_limit(const http::RequestHead& head) {
    const std::string path = head.target.substr(0, head.target.find('?'));
    const auto decoded = http::url_decode(path, false);
    if (!decoded) return config.max_body_bytes;  // refused as a request later
    const auto [p, ext] = http::split_extension(*decoded);
    const auto match = router.match(head.method, p, ext);
    return match.route && match.route->max_body ? match.route->max_body : config.max_body_bytes;
  }

  http::Response too_many(const http::Request& req, double wait, const char* who) {
    return http::problem(429, "rate-limited", "Too many requests",
                         std::string("slow down: too many requests from this ") + who, req.id)
        .header("Retry-After", std::to_string(number::clamp_to<int>(std::ceil(wait), 1, 3600)));
  }

  /// Rate limits on the I/O thread, before any work: a verified (cached) key pays from its own
  /// bucket and from its address's ceiling for keyed traffic; anything else — no key, or a key
  /// not verified yet — pays from its address's bucket. std::nullopt: go on.
  std::optional<http::Response> limit(http::Request& req) {
    const auto now = steady_clock::now();
    const auto presented = http::presented_credential(req);
    if (presented && !presented->secret.empty()) {
      if (auto credential = credentials.cached(presented->secret)) {
        if (auto wait = limiter.take("key:" + sha256_hex(presented->secret).substr(0, 24),
                                     config.rate_per_key, config.burst_seconds, now))
          return too_many(req, *wait, "key");
        if (auto wait = limiter.take("keyed:" + req.client, config.rate_per_address_keyed,
                                     config.burst_seconds, now))
          return too_many(req, *wait, "address");
        http::CredentialCache::sign(req, *credential, *presented);
        return std::nullopt;
      }
    }
    if (auto wait =
            limiter.take("addr:" + req.client, config.rate_per_address, config.burst_seconds, now))
      return too_many(req, *wait, "address");
    return std::nullopt;
  }

  /// Who the caller is, as the route requires: the credential verified (a cached one was
  /// signed on the I/O thread), the CSRF token of a cookie write, an app's resident.
  /// @returns the refusal, or std::nullopt to run the handler. @throws Error(forbidden).
  std::optional<http::Response> admit(const http::Route& route, http::Request& req) {
    if (is_sign_in(req)) {
      req.actor = dispatch::Actor{"", "anonymous", dispatch::Role::resident, {}, {}};
      req.authenticated = false;
      req.via_cookie = false;
      return std::nullopt;  // signing in takes no credential and no CSRF token
    }
    const auto presented = http::presented_credential(req);
    if (route.execution == http::Execution::worker && !req.authenticated && presented) {
      auto credential =
          presented->secret.empty() ? std::nullopt : credentials.authenticate(presented->secret);
      if (!credential) {
        if (presented->cookie) {
          // An expired or ended session: the caller is anonymous again; the cookie goes.
          http::Response r = http::problem(401, "unauthorized", "Authentication required",
                                           "the session has ended: sign in again", req.id);
          r.header("Set-Cookie", std::string(http::kSessionCookie) +
                                     "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
          return r;
        }
        // A failed authentication costs its address more than a request: guessing keys is
        // slow, and the store is asked at most a few times a second per address.
        limiter.take("addr:" + req.client, config.rate_per_address, config.burst_seconds,
                     steady_clock::now(), config.auth_failure_cost);
        return http::problem(401, "unauthorized", "Authentication required",
                             "the API key is not valid (use Authorization: Bearer <key>)", req.id)
            .header("WWW-Authenticate", "Bearer");
      }
      http::CredentialCache::sign(req, *credential, *presented);
    }
    // A session cookie is sent by the browser on its own: a write must also carry the
    // session's CSRF token, which only our pages can read (SameSite=Strict is the second lock).
    if (req.via_cookie && !is_safe_method(req.method)) {
      const auto echoed = req.header("x-csrf-token");
      if (!echoed || !service::secret::equal(*echoed, req.csrf)) {
        return http::problem(403, "forbidden", "Not allowed",
                             "a write with the session cookie needs the session's X-CSRF-Token "
                             "header (GET /api/v1/session gives it)",
                             req.id);
      }
    }
    // An app acting for one of its residents: "On-Behalf-Of: <account_id>" (or Open311's
    // account_id in the query) makes the caller that resident, for their own reports only.
    if (req.authenticated && req.actor.id.starts_with("app:")) {
      auto account = req.header("on-behalf-of");
      if (!account && req.method == "GET") account = req.param("account_id");
      if (account) req.actor = dispatch::Actor::on_behalf_of(req.actor, *account);
    } else if (req.authenticated && req.header("on-behalf-of")) {
      throw Error(ErrorCode::forbidden, "On-Behalf-Of is for app keys; this key acts as itself");
    }
    return std::nullopt;
  }

  /// Runs the route's handler with every exception turned into a problem reply.
  http::Response handle(const http::Route& route, http::Request& req) {
    return handle(route, req, route.handler);
  }

  /// Runs @p handler for @p route (authentication as the route requires) likewise.
  http::Response handle(const http::Route& route, http::Request& req,
                        const http::Handler& handler) {
    try {
      if (auto refusal = admit(route, req)) return *refusal;
      return finish_handler(req, handler);
    } catch (const std::exception& e) {
      charge_failed_auth(req);
      const http::ErrorReply error = http::error_reply(e, req, route.name);
      http::Response r = http::problem(error.status, std::string(error.public_code),
                                       std::string(error.title), error.detail, req.id);
      if (error.retry_after.count() > 0)
        r.header("Retry-After", std::to_string(error.retry_after.count()));
      if (error.code == ErrorCode::unauthorized) r.header("WWW-Authenticate", "Bearer");
      return r;
    }
  }

  /// A refused sign-in (or current password) costs its address like a bad key: guessing
  /// passwords is slow.
  void charge_failed_auth(const http::Request& req) {
    if (!req.auth_failed) return;
    limiter.take("addr:" + req.client, config.rate_per_address, config.burst_seconds,
                 steady_clock::now(), config.auth_failure_cost);
  }

  http::Response finish_handler(http::Request& req, const http::Handler& handler) {
    http::Response r = handler(req);
    charge_failed_auth(req);
    return r;
  }

  void send(const http::ConnectionPtr& conn, const http::Request& req, http::Response& res,
            const std::string& route, steady_clock::time_point start) {
    if (res.stream && res.status == 200 && !stopping)
      return start_stream(conn, req, res, route, start);
    res.header("X-Request-Id", req.id);
    res.header("Access-Control-Allow-Origin", "*");
    res.header("Access-Control-Expose-Headers", "X-Request-Id, Link, ETag, Retry-After");
    const std::size_t bytes = res.content().size();
    // The request was read whole, so the stream position is known; still, a malformed request
    // (400, 413), a refusal for load (429, 503) or a server error ends the connection: a
    // client that is confused or pressing gets a fresh start, and load is shed.
    const bool close = stopping || res.status >= 500 || res.status == 400 || res.status == 413 ||
                       res.status == 429;
    conn->respond(res, req.method == "HEAD", close);
    const double secs = duration<double>(steady_clock::now() - start).count();
    metrics.observe(route, res.status, secs);
    // The access log: no query string, no body (they may hold personal data).
    log->info("{} {} {} {} {} {:.2f}ms", req.id, req.method,
              req.path + (req.extension.empty() ? "" : "." + req.extension), res.status, bytes,
              secs * 1000);
    --in_flight;
  }

  /// A stream's sink: the connection, cut off when more than kMaxQueued bytes wait unsent.
  class ConnectionSink final : public http::StreamSink {
   public:
    explicit ConnectionSink(const http::ConnectionPtr& c) : conn_(c) {}
    bool push(const std::shared_ptr<const std::string>& bytes) override {
      const auto c = conn_.lock();
      return c && c->push(bytes, kMaxQueued);
    }
    void close() override {
      if (const auto c = conn_.lock()) c->end_stream();
    }

   private:
    static constexpr std::size_t kMaxQueued = 256 * 1024;
    std::weak_ptr<http::Connection> conn_;
  };

  /// Answers with a stream: the head now, then the source pushes into the connection. The
  /// request is finished for the server (in flight, metrics, the access log) once the head is
  /// sent; the stream ends when either side closes.
  void start_stream(const http::ConnectionPtr& conn, const http::Request& req, http::Response& res,
                    const std::string& route, steady_clock::time_point start) {
    res.header("X-Request-Id", req.id);
    res.header("Access-Control-Allow-Origin", "*");
    if (conn->start_stream(res)) res.stream(std::make_shared<ConnectionSink>(conn));
    const double secs = duration<double>(steady_clock::now() - start).count();
    metrics.observe(route, res.status, secs);
    log->info("{} {} {} {} stream {:.2f}ms", req.id, req.method, req.path, res.status, secs * 1000);
    --in_flight;
  }

  /// A request read off the wire, from its parts to our Request. std::nullopt with @p refusal
  /// set when a part is malformed.
  bool parse(http::WireRequest& w, http::Request& req, http::Response& refusal) {
    auto refuse = [&](std::string detail) {
      refusal =
          http::problem(400, "invalid-argument", "Invalid argument", std::move(detail), req.id);
      return false;
    };
    req.method = w.head.method;
    req.client = w.client;
    const std::string& target = w.head.target;
    const auto question = target.find('?');
    const auto decoded = http::url_decode(std::string_view(target).substr(0, question), false);
    if (!decoded) return refuse("the path is not valid URL encoding");
    std::tie(req.path, req.extension) = http::split_extension(*decoded);
    if (question != std::string::npos) {
      std::string_view query = std::string_view(target).substr(question + 1);
      while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        auto name = http::url_decode(pair.substr(0, eq), true);
        auto value = http::url_decode(
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!name || !value)
          return refuse("query parameter '" +
                        std::string(pair.substr(0, std::min<std::size_t>(eq, 40))) +
                        "' is not valid URL encoding");
        req.query[*name] = *value;
      }
    }
    for (auto& [name, value] : w.head.fields) {
      auto [it, fresh] = req.headers.try_emplace(name, value);
      if (fresh) continue;
      if (is_singleton_field(name)) return refuse("the header field '" + name + "' appears twice");
      it->second += (name == "cookie" ? "; " : ", ") + value;  // RFC 6265: one cookie-string
    }
    req.body = std::move(w.body);
    const bool via_proxy = !config.trusted_proxy.empty() && req.client == config.trusted_proxy;
    if (via_proxy) {
      if (auto real = req.header("x-real-ip"); real && !real->empty() && real->size() <= 45)
        req.client = *real;
    }
    req.origin = http::request_origin(req, via_proxy);
    return true;
  }

  void dispatch(const http::ConnectionPtr& conn, http::WireRequest&& wire) {
    const auto start = steady_clock::now();
    ++in_flight;
    http::Request req;
    req.id = request_id();
    req.now = dispatch::now_utc();
    std::string route_name = "(unmatched)";
    auto refuse = [&](http::Response r) { send(conn, req, r, route_name, start); };
    try {
      http::Response refusal;
      if (!parse(wire, req, refusal)) return refuse(std::move(refusal));
      if (stopping) {
        return refuse(http::problem(503, "unavailable", "Service unavailable",
                                    "the server is shutting down", req.id)
                          .header("Retry-After", "5"));
      }
      const auto match = router.match(req.method, req.path, req.extension);
      if (!match.route) return refuse(unmatched(req, match));
      const http::Route& route = *match.route;
      route_name = route.name;
      req.params = match.params;
      if (auto refused = limit(req)) return refuse(std::move(*refused));
      if (route.execution == http::Execution::inline_io) {
        http::Response r = handle(route, req);
        return send(conn, req, r, route_name, start);
      }
      if (route.inline_answer) {  // answered at once when it can be (a cached tile)
        bool miss = false;
        http::Response r = handle(route, req, [&](http::Request& q) {
          std::optional<http::Response> a = route.inline_answer(q);
          if (!a) {
            miss = true;
            return http::Response{};
          }
          return std::move(*a);
        });
        if (!miss) return send(conn, req, r, route_name, start);
      }
      auto job_req = std::make_shared<http::Request>(std::move(req));
      const bool queued = pool->try_submit([this, &route, conn, job_req, start] {
        http::Response r = handle(route, *job_req);
        send(conn, *job_req, r, route.name, start);
      });
      if (!queued) {
        http::Response busy = http::problem(503, "unavailable", "Service unavailable",
                                            "the server is busy; retry shortly", job_req->id)
                                  .header("Retry-After", "1");
        send(conn, *job_req, busy, route_name, start);
      }
    } catch (const std::exception& e) {
      log->error("{} dispatch: unexpected exception: {}", req.id, e.what());
      refuse(http::problem(500, "internal", "Internal error",
                           "the service could not complete the request; it has been logged",
                           req.id));
    }
  }

  /// 404, 405 with Allow, or the answer to OPTIONS (CORS preflight and discovery).
  http::Response unmatched(const http::Request& req, const http::Router::Match& match) {
    // Open311 clients parse the spec's error list on every /open311 answer, even a 404.
    const bool open311 = req.path.rfind("/open311/", 0) == 0;
    if (match.allowed.empty()) {
      const std::string detail = "no resource at " + req.path.substr(0, 200);
      if (open311) return http::open311_error_list(req, 404, detail);
      return http::problem(404, "not-found", "Not found", detail, req.id);
    }
    std::string allow;
    for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
    if (req.method == "OPTIONS") {
      http::Response r;
      r.status = 204;
      r.header("Allow", allow).header("Access-Control-Allow-Methods", allow);
      r.header("Access-Control-Allow-Headers",
               "Authorization, Content-Type, Idempotency-Key, If-None-Match");
      r.header("Access-Control-Max-Age", "600");
      return r;
    }
    const std::string detail = req.method.substr(0, 32) + " is not allowed on " +
                               req.path.substr(0, 200) + "; allowed: " + allow;
    if (open311) return http::open311_error_list(req, 405, detail).header("Allow", allow);
    return http::problem(405, "method-not-allowed", "Method not allowed", detail, req.id)
        .header("Allow", allow);
  }
};

namespace {

/// Pistache's per-transport handler: connections and bytes go to our connection layer.
/// Pistache's own request parser (Http::Handler::onInput) is never used.
class PistacheHandler final : public P::Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheHandler)
  explicit PistacheHandler(HttpServer::Impl* impl) : impl_(impl) {}

  void onRequest(const P::Http::Request&, P::Http::ResponseWriter) override {}

  void onConnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
    // The parser Pistache's idle-peer check expects on every peer (never fed; see above).
    peer->putData(ParserData, std::make_shared<P::Http::RequestParser>(1024));
    if (auto c = impl_->connections->open(peer->fd(), peer->address().host()))
      peer->putData(kConnectionData, c);
  }

  void onInput(const char* buffer, size_t len, const std::shared_ptr<P::Tcp::Peer>& peer) override {
    if (auto c = connection(peer)) c->input(std::string_view(buffer, len));
  }

  void onDisconnection(const std::shared_ptr<P::Tcp::Peer>& peer) override {
    if (auto c = connection(peer)) impl_->connections->closed(c);
  }

 private:
  static http::ConnectionPtr connection(const std::shared_ptr<P::Tcp::Peer>& peer) {
    return std::static_pointer_cast<http::Connection>(peer->tryGetData(kConnectionData));
  }
  HttpServer::Impl* impl_;
};

}  // namespace

HttpServer::HttpServer(service::Service& service, ServerConfig config)
    : impl_(std::make_unique<Impl>(service, std::move(config))) {}

HttpServer::~HttpServer() {
  stop(std::chrono::seconds(5));
}

void HttpServer::start() {
  Impl& s = *impl_;
  if (!s.config.allow_public && !is_loopback(s.config.address)) {
    throw Error(ErrorCode::invalid_argument,
                "refusing to listen on " + s.config.address +
                    ": wangge serves the public behind a front (deploy/nginx.conf); "
                    "listen on 127.0.0.1, or pass --public if a front is there or the port is "
                    "meant to be reached directly");
  }
  try {
    s.endpoint =
        std::make_shared<P::Http::Endpoint>(P::Address(s.config.address, P::Port(s.config.port)));
    auto options = P::Http::Endpoint::options()
                       .threads(static_cast<int>(s.config.threads))
                       .threadsName("wangge-io")
                       .flags(P::Tcp::Options::ReuseAddr)
                       .backlog(1024)
                       .maxRequestSize(1024)  // Pistache's parser is never fed
                       .maxResponseSize(64 * 1024 * 1024)
                       .headerTimeout(kPistacheTimeoutsOff)
                       .bodyTimeout(kPistacheTimeoutsOff)
                       .keepaliveTimeout(kPistacheTimeoutsOff)
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
  s.connections->close_all();
  s.log->info("stopped ({} request(s) still in flight)", s.in_flight.load());
}

void HttpServer::run_until_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig != SIGHUP) {
      impl_->log->info("signal {}: shutting down gracefully", sig);
      break;
    }
    // SIGHUP: read the reference data again (categories, staff, calendar), as daemons do.
    try {
      const auto ref = impl_->service.reload_reference();
      impl_->log->info("SIGHUP: reference data reloaded ({} categories, {} staff)",
                       ref->categories.all().size(), ref->staff.size());
    } catch (const std::exception& e) {
      impl_->log->warn("SIGHUP: reference data not reloaded, the old stays in use: {}", e.what());
    }
  }
  stop();
}

}  // namespace wangge::http
