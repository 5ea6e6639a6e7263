// wangge serve, wangge keys create|list|revoke
#include <signal.h>

#include <cstdio>
#include <thread>

#include "commands.hpp"
#include "wangge/http/server.hpp"
#include "wangge/util/error.hpp"

namespace wangge::cli {

Runner add_serve_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    ServerConfig server;
    std::string network, points;
    double speed = 4, minutes = 15;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Serve the REST dispatch API, Open311 GeoReport v2, /healthz, /readyz and /metrics.\n"
      "Stops gracefully on SIGTERM or Ctrl-C. Run it behind nginx in production (scripts/deploy).\n"
      "Example: wangge serve --data geodata/sample --store wangge.db --port 8080");
  add_store_options(*cmd, a->store);
  cmd->add_option("--address", a->server.address, "Address to listen on (default 127.0.0.1)");
  cmd->add_option("--port", a->server.port, "Port (default 8080; 0 picks a free one)");
  cmd->add_option("--threads", a->server.threads, "I/O threads (default: cores)");
  cmd->add_option("--workers", a->server.workers, "Worker threads for store work (default: 2 × cores)");
  cmd->add_option("--queue", a->server.queue_capacity, "Requests waiting for a worker before 503 (default 512)");
  cmd->add_option("--max-request", a->server.max_request_bytes, "Largest request, bytes (default 65536)");
  cmd->add_option("--rate-per-key", a->server.rate_per_key, "Requests a second per API key (default 50)");
  cmd->add_option("--rate-per-address", a->server.rate_per_address, "Requests a second per address without a key (default 20)");
  cmd->add_option("--public-decimals", a->server.public_decimals, "Decimals of public coordinates (default 4, ~10 m)");
  cmd->add_option("--base-url", a->server.base_url, "Public base URL for links (default http://address:port)");
  cmd->add_option("--network", a->network, "Walking network (.bin or OSM; default DATA/streets.osm)");
  cmd->add_option("--service-points", a->points, "Service points (default DATA/service_points.geojson)");
  return [a] {
    // Block the stop signals before any thread starts, so only sigwait receives them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    ServiceConfig config;
    config.store = a->store.store;
    config.data_dir = a->store.data;
    config.network = a->network;
    config.service_points = a->points;
    auto service = Service::open(config);
    HttpServer server(*service, a->server);
    server.start();
    std::printf("wangge serving on http://%s:%u (store: %s, generation %s)\n", a->server.address.c_str(), server.port(),
                service->store().kind().c_str(), service->active_generation().c_str());
    std::fflush(stdout);
    server.run_until_signal();
    return 0;
  };
}

Runner add_keys_command(CLI::App& app) {
  struct Args {
    StoreOptions store;
    std::string as, label, id;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("keys", "Create, list and revoke API keys (stored as SHA-256 hashes).\n"
                                             "Example: wangge keys create --as d01 --label 'dispatch desk'");
  cmd->require_subcommand(1);
  CLI::App* c = cmd->add_subcommand("create", "Create a key; the secret is printed once");
  add_store_options(*c, a->store);
  c->add_option("--as", a->as, "Whose key: a staff id, resident:<id>, or app:<name> for a resident app")->required();
  c->add_option("--label", a->label, "What it is for");
  CLI::App* l = cmd->add_subcommand("list", "List keys (never their secrets)");
  add_store_options(*l, a->store);
  CLI::App* r = cmd->add_subcommand("revoke", "Revoke a key by id");
  add_store_options(*r, a->store);
  r->add_option("id", a->id, "Key id (k…)")->required();
  return [=]() -> int {
    auto service = a->store.open();
    if (c->parsed()) {
      const auto [key, secret] = service->create_api_key(a->as, a->label);
      std::printf("%s\n", secret.c_str());
      std::fprintf(stderr, "key %s for %s (%s) created; the secret above is shown only now\n", key.id.c_str(),
                   key.actor.c_str(), key.role.c_str());
      return 0;
    }
    if (r->parsed()) {
      service->store().revoke_api_key(a->id);
      std::printf("key %s revoked\n", a->id.c_str());
      return 0;
    }
    for (const ApiKey& k : service->store().api_keys()) {
      std::printf("%s  %-28s %-16s %s %s\n", k.id.c_str(), k.actor.c_str(), k.role.c_str(), k.revoked ? "REVOKED" : "active ",
                  k.label.c_str());
    }
    return 0;
  };
}

}  // namespace wangge::cli
