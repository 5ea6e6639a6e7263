// wangge serve, wangge keys create|list|revoke
#include <malloc.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "commands.hpp"
#include "wangge/http/server.hpp"
#include "wangge/notify/channels.hpp"
#include "wangge/service/accounts.hpp"
#include "wangge/service/api_keys.hpp"
#include "wangge/service/notifications.hpp"
#include "wangge/service/ticker.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::cli {
namespace {

/// Sets the options of @p cmd not given on the command line from @p path: "name = value"
/// lines (TOML-style quotes optional), '#' comments. An unknown name or a bad value is an
/// error naming the line.
void apply_config_file(CLI::App& cmd, const std::string& path) {
  const std::string content = text::read_file(path);
  std::size_t line_no = 0;
  for (std::string_view rest = content; !rest.empty();) {
    const auto nl = rest.find('\n');
    std::string line(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    ++line_no;
    if (const auto hash = line.find('#'); hash != std::string::npos && line.find('"') > hash)
      line.erase(hash);
    const std::string_view trimmed = text::trim(line);
    if (trimmed.empty() || trimmed.front() == '[') continue;
    const auto eq = trimmed.find('=');
    const std::string where = path + ":" + std::to_string(line_no);
    if (eq == std::string_view::npos)
      throw Error(ErrorCode::invalid_argument, where + ": expected 'name = value'");
    std::string name(text::trim(trimmed.substr(0, eq)));
    std::string value(text::trim(trimmed.substr(eq + 1)));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    for (char& ch : name)
      if (ch == '_') ch = '-';
    CLI::Option* opt = name == "config" ? nullptr : cmd.get_option_no_throw("--" + name);
    if (!opt)
      throw Error(ErrorCode::invalid_argument,
                  where + ": '" + name + "' is not an option of wangge serve");
    if (opt->count() > 0) continue;  // the command line wins
    try {
      opt->add_result(value);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      throw Error(ErrorCode::invalid_argument,
                  where + ": " + name + " = '" + value + "': " + e.what());
    }
  }
}

}  // namespace

namespace {

struct ServeArgs {
  StoreOptions store;
  http::ServerConfig server;
  std::string network, points, basemap, config, outbox_log;
  std::string notify_config, notify_webhook, notify_secret;
  double speed = 4, minutes = 15;
  double read_budget_s = 5;
  std::string read_replica;
  double read_staleness_s = 5;
  double tick_seconds = 60;
  int public_decimals = dispatch::PrivacyPolicy::kDefaultDecimals;
};

/// The options of the HTTP server itself: where it listens, its limits and timeouts.
void add_server_options(CLI::App& cmd, http::ServerConfig& server) {
  cmd.add_option("--address", server.address, "Address to listen on (default 127.0.0.1)");
  cmd.add_option("--port", server.port, "Port (default 8080; 0 picks a free one)")
      ->check(integer_in(0, 65535));
  cmd.add_option("--threads", server.threads, "I/O threads (default: cores)")
      ->check(integer_in(0, 1024));
  cmd.add_option("--workers", server.workers, "Worker threads for store work (default: 2 × cores)")
      ->check(integer_in(0, 4096));
  cmd.add_option("--queue", server.queue_capacity,
                 "Requests waiting for a worker before 503 (default 512)")
      ->check(integer_in(1, 1000000));
  cmd.add_flag("--public", server.allow_public,
               "Allow an --address other than loopback (a front such as nginx is there, or the\n"
               "port is meant to be reached directly)");
  cmd.add_option("--max-head", server.max_head_bytes,
                 "Largest request line and header fields, bytes (default 65536)")
      ->check(integer_in(1024, 1 << 20));
  cmd.add_option("--max-body", server.max_body_bytes, "Largest request body, bytes (default 65536)")
      ->check(integer_in(1024, 64 << 20));
  cmd.add_option("--max-connections", server.max_connections,
                 "Open connections before new ones get 503 (default 4096)")
      ->check(integer_in(1, 1 << 20));
  cmd.add_option("--max-connections-per-address", server.max_connections_per_address,
                 "Open connections from one address, the trusted proxy excepted (default 256)")
      ->check(integer_in(1, 1 << 20));
  auto seconds = [&cmd](const char* name, std::chrono::seconds& into, const char* what) {
    cmd.add_option_function<unsigned>(
           name, [&into](unsigned v) { into = std::chrono::seconds(v); }, what)
        ->check(integer_in(1, 3600));
  };
  seconds("--header-timeout", server.header_timeout,
          "Seconds from a request's first byte to the end of its head (default 10)");
  seconds("--body-timeout", server.body_timeout,
          "Seconds for a request's body after its head (default 30)");
  seconds("--keepalive-timeout", server.keepalive_timeout,
          "Seconds an idle connection stays open between requests (default 30)");
  cmd.add_option("--rate-per-key", server.rate_per_key,
                 "Requests a second per API key (default 50; 0: no limit)")
      ->check(decimal_in(0, 1e6));
  cmd.add_option("--rate-per-address", server.rate_per_address,
                 "Requests a second per address without a verified key (default 20; 0: no limit)")
      ->check(decimal_in(0, 1e6));
  cmd.add_option("--rate-per-address-keyed", server.rate_per_address_keyed,
                 "Requests a second from one address with verified keys, all together (default "
                 "200; 0: no limit)")
      ->check(decimal_in(0, 1e6));
  cmd.add_option("--base-url", server.base_url,
                 "Public base URL for links (default http://address:port; env WANGGE_BASE_URL)")
      ->envname("WANGGE_BASE_URL");
  cmd.add_option("--trusted-proxy", server.trusted_proxy,
                 "Address of the reverse proxy whose X-Real-IP names the client (e.g. 127.0.0.1 "
                 "behind nginx)");
  cmd.add_flag("--secure-cookies", server.secure_cookies,
               "Session cookies only over HTTPS (set it behind a TLS front such as nginx)");
  cmd.add_option("--raster-basemap", server.raster_basemap,
                 "A raster basemap for the console's map instead of the offline one: an http(s)\n"
                 "URL template with {z}, {x}, {y} (Tianditu, AMap, Tencent)");
  cmd.add_option("--raster-basemap-datum", server.raster_basemap_datum,
                 "Its datum: wgs84 (Tianditu, CGCS2000) or gcj02 (AMap, Tencent); default wgs84");
  cmd.add_option("--raster-basemap-attribution", server.raster_basemap_attribution,
                 "Its attribution, shown on the map");
  cmd.add_option("--console", server.console_dir,
                 "Directory of the built web console (default: console/ beside the binary, "
                 "else ../share/wangge/console)")
      ->check(CLI::ExistingDirectory);
}

/// The built console installed with the binary: console/ beside it (the build tree), else
/// ../share/wangge/console (an installed prefix); "" when neither holds an index.html.
std::string installed_console() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  for (const std::filesystem::path& dir :
       {exe.parent_path() / "console", exe.parent_path().parent_path() / "share/wangge/console"})
    if (std::filesystem::is_regular_file(dir / "index.html", ec)) return dir.string();
  return {};
}

/// Runs the server until SIGTERM or SIGINT (SIGHUP reloads the reference data).
int serve(ServeArgs& args, CLI::App& cmd) {
  ServeArgs* a = &args;  // the options, a config file applied
  if (!a->config.empty()) apply_config_file(cmd, a->config);
  // Block the stop signals before any thread starts, so only sigwait receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  service::ServiceConfig config;
  config.store = a->store.store;
  config.data_dir = a->store.data;
  config.network = a->network;
  config.service_points = a->points;
  config.basemap = a->basemap;
  config.privacy = dispatch::PrivacyPolicy::with_decimals(a->public_decimals);
  // At most an hour: 3.6e9 microseconds.
  config.store_options.read_budget =
      std::chrono::microseconds(number::narrow_round(a->read_budget_s * 1e6));
  if (!a->read_replica.empty() && !store::is_postgres_location(a->store.store))
    throw Error(ErrorCode::invalid_argument,
                "--read-replica needs a PostgreSQL store (--store): SQLite has no replicas");
  config.store_options.read_replica = a->read_replica;
  config.store_options.read_staleness =
      std::chrono::milliseconds(number::narrow_round(a->read_staleness_s * 1e3));
  // The notification channels are checked before anything starts: a bad one stops start-up
  // with the field named.
  notify::NotifyConfig notify_config;
  if (!a->notify_config.empty())
    notify_config =
        notify::parse_notify_config(text::read_file(a->notify_config), a->notify_config);
  if (!a->notify_webhook.empty() || !a->notify_secret.empty())
    notify_config.channels.push_back(
        notify::every_message_webhook(a->notify_webhook, a->notify_secret));
  auto service = service::Service::open(config);
  // Sign-in codes: through the SMS gateway when a channel has a "code" template, and into the
  // outbox log when one is named (the demo's stand-in); both when both.
  std::vector<service::MessageSender> code_senders;
  if (auto gateway = service::sms_code_sender(notify_config))
    code_senders.push_back(std::move(*gateway));
  if (!a->outbox_log.empty()) code_senders.push_back(service::log_file_sender(a->outbox_log));
  if (code_senders.size() == 1) service->accounts().set_sender(std::move(code_senders[0]));
  if (code_senders.size() > 1)
    service->accounts().set_sender(
        [senders = std::move(code_senders)](const service::CodeMessage& m) {
          for (const service::MessageSender& send : senders) send(m);
        });
  // A long-running server that builds tiles allocates and frees large blocks all the time:
  // keep freed memory in the heap instead of returning it to the kernel after each tile
  // (trimming and re-faulting pages cost a fifth of a tile's time).
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // Links in messages: the public base URL (relative links when the port is picked at start).
  service->notifications().configure(
      std::move(notify_config),
      !a->server.base_url.empty() ? a->server.base_url
      : a->server.port != 0 ? "http://" + a->server.address + ":" + std::to_string(a->server.port)
                            : std::string());
  // Several nodes on one PostgreSQL: hear each other's changes; one runs the ticker and the
  // outbox (a single node, or SQLite, leads alone).
  service->join_cluster();
  service->notifications().start();
  if (a->server.console_dir.empty()) a->server.console_dir = installed_console();
  if (a->server.console_dir.empty())
    std::fprintf(stderr, "no web console found (build it, or name it with --console DIR)\n");
  http::HttpServer server(*service, a->server);
  server.start();
  std::optional<service::Ticker> ticker;
  if (a->tick_seconds > 0) {
    // At least 10 ms: a tick is one indexed query, but not a busy loop.
    const auto period = std::chrono::milliseconds(
        std::max<long long>(10, number::narrow_round(a->tick_seconds * 1000)));
    ticker.emplace(*service, period, [](const service::Ticker::Outcome& o) {
      for (const std::string& line : o.housekeeping)
        std::fprintf(stderr, "store housekeeping: %s\n", line.c_str());
      if (!o.housekeeping_error.empty())
        std::fprintf(stderr, "store housekeeping: %s\n", o.housekeeping_error.c_str());
      if (!o.error.empty())
        std::fprintf(stderr, "督办 ticker: this tick failed (%s); the next one retries\n",
                     o.error.c_str());
      else if (o.raised > 0)
        std::fprintf(stderr, "督办 ticker: raised %zu supervision event(s)\n", o.raised);
    });
  }
  std::printf("wangge serving on http://%s:%u (store: %s, generation %s)\n",
              a->server.address.c_str(), server.port(), service->store_kind().c_str(),
              service->active_generation().c_str());
  std::fflush(stdout);
  server.run_until_signal();
  if (ticker) ticker->stop();
  service->notifications().stop();
  service->leave_cluster();
  return 0;
}

}  // namespace

Runner add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the REST dispatch API, Open311 GeoReport v2, /healthz, /readyz and /metrics.\n"
      "Stops gracefully on SIGTERM or Ctrl-C. Run it behind nginx in production (deploy/).\n"
      "Example: wangge serve --data geodata/sample --store wangge.db --port 8080");
  add_store_options(*cmd, a->store);
  cmd->add_option("--config", a->config,
                  "A file of these options, one 'name = value' a line (e.g. port = 8080,\n"
                  "store = \"wangge.db\"); '#' starts a comment; the command line wins")
      ->check(CLI::ExistingFile);
  add_server_options(*cmd, a->server);
  cmd->add_option("--public-decimals", a->public_decimals,
                  "Decimals of public coordinates (default 4, ~10 m)")
      ->check(
          integer_in(dispatch::PrivacyPolicy::kMinDecimals, dispatch::PrivacyPolicy::kMaxDecimals));
  cmd->add_option("--network", a->network,
                  "Walking network (.bin or OSM; default DATA/streets.osm)");
  cmd->add_option("--service-points", a->points,
                  "Service points (default DATA/service_points.geojson)");
  cmd->add_option("--basemap", a->basemap,
                  "OpenStreetMap file drawn as the offline basemap tile layer (default the\n"
                  "network when it is an OSM file)");
  cmd->add_option("--read-budget", a->read_budget_s,
                  "Seconds one read of the store may run before it is interrupted and answered "
                  "503 (default 5)")
      ->check(decimal_in(0.000001, 3600));
  cmd->add_option("--read-replica", a->read_replica,
                  "PostgreSQL: a read replica (libpq string) for listings, counts, statistics and\n"
                  "tile counts, used while it is at most --read-staleness behind the primary")
      ->envname("WANGGE_READ_REPLICA");
  cmd->add_option("--read-staleness", a->read_staleness_s,
                  "Seconds the replica may lag before its reads go to the primary (default 5)")
      ->check(decimal_in(0.1, 3600));
  cmd->add_option("--outbox-log", a->outbox_log,
                  "Append every message to a person (residents' sign-in codes) to this file, one\n"
                  "JSON line each (created 0600): the demo's stand-in for an SMS gateway");
  cmd->add_option("--notify-config", a->notify_config,
                  "Notification channels, templates and retries (JSON: webhook, wecom, dingtalk,\n"
                  "sms; see the README; env WANGGE_NOTIFY_CONFIG, which `wangge report` reads\n"
                  "too); checked at start-up")
      ->envname("WANGGE_NOTIFY_CONFIG")
      ->check(CLI::ExistingFile);
  cmd->add_option("--notify-webhook", a->notify_webhook,
                  "Also POST every notification to this URL, signed with --notify-secret\n"
                  "(X-Wangge-Signature: t=…,v1=HMAC-SHA256)");
  cmd->add_option("--notify-secret", a->notify_secret,
                  "The secret that signs --notify-webhook's deliveries");
  cmd->add_option(
         "--tick-seconds", a->tick_seconds,
         "How often the 督办 ticker raises due supervision levels (催办, 督办, 挂牌督办); "
         "0 turns it off. Nodes sharing a PostgreSQL store elect one that ticks (default 60)")
      ->check(decimal_in(0, 86400));
  return [a, cmd] { return serve(*a, *cmd); };
}

Runner add_keys_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string as, role, scope, label, id;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "keys",
      "Create, list and revoke API keys (stored as SHA-256 hashes).\n"
      "Example: wangge keys create --as d01 --label 'dispatch desk'\n"
      "         wangge keys create --role grid_worker --scope 43030200901300105");
  cmd->require_subcommand(1);
  CLI::App* c = cmd->add_subcommand("create", "Create a key; the secret is printed once");
  add_store_options(*c, a->store);
  CLI::Option* as = c->add_option(
      "--as", a->as, "Whose key: a staff id, resident:<id>, or app:<name> for a resident app");
  CLI::Option* role = c->add_option("--role", a->role,
                                    "Instead of --as: resident, app, grid_worker, "
                                    "department_staff, dispatcher, supervisor or admin");
  c->add_option("--scope", a->scope,
                "With --role: a grid id (grid_worker), a department id (department_staff), a staff "
                "id, a resident "
                "id or an app name")
      ->needs(role);
  as->excludes(role);
  c->callback([=] {
    if (!as->count() && !role->count()) throw CLI::RequiredError("--as or --role");
  });
  c->add_option("--label", a->label, "What it is for");
  CLI::App* l = cmd->add_subcommand("list", "List keys (never their secrets)");
  add_store_options(*l, a->store);
  CLI::App* r = cmd->add_subcommand("revoke", "Revoke a key by id");
  add_store_options(*r, a->store);
  r->add_option("id", a->id, "Key id (k…)")->required();
  return [=]() -> int {
    auto service = a->store.open();
    if (c->parsed()) {
      const std::string who =
          a->role.empty() ? a->as : service->keys().actor_for_role(a->role, a->scope);
      const auto [key, secret] = service->keys().create(who, a->label);
      std::printf("%s\n", secret.c_str());
      std::fprintf(stderr, "key %s for %s (%s) created; the secret above is shown only now\n",
                   key.id.c_str(), key.actor.c_str(), key.role.c_str());
      return 0;
    }
    if (r->parsed()) {
      service->keys().revoke(a->id);
      std::printf("key %s revoked\n", a->id.c_str());
      return 0;
    }
    for (const store::ApiKey& k : service->keys().list()) {
      std::printf("%s  %-28s %-16s %s %s\n", k.id.c_str(), k.actor.c_str(), k.role.c_str(),
                  k.revoked ? "REVOKED" : "active ", k.label.c_str());
    }
    return 0;
  };
}

}  // namespace wangge::cli
