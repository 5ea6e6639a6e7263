// Live updates: GET /api/v1/events/stream, Server-Sent Events of committed report changes,
// each filtered to what the caller may see (the same rule as reading the report). The handler
// checks the request and answers with a stream; the service's ChangeFeed fans changes out on
// its own thread and each listener pushes into its connection without waiting, so a stalled
// client is cut off (it reconnects with Last-Event-ID) and never slows the others or holds a
// worker.
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "wangge/service/change_feed.hpp"
#include "wangge/util/error.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

class SseListener final : public service::ChangeListener {
 public:
  SseListener(Context& ctx, dispatch::Actor viewer, std::shared_ptr<StreamSink> sink)
      : ctx_(ctx), viewer_(std::move(viewer)), sink_(std::move(sink)) {}

  bool deliver(const service::Change& c) override {
    const dispatch::Report& r = *c.report;
    if (!ctx_.service.visible(r, viewer_)) return true;  // not this viewer's: skipped
    // What changed, not the case itself: the client reads the case (its view for this viewer).
    const json data{{"report_id", r.id},
                    {"state", std::string(to_string(r.state))},
                    {"version", r.version},
                    {"category", r.category},
                    {"grid", r.grid_id()},
                    {"updated_at", dispatch::format_iso(
                                       r.updated_at, ctx_.service.reference()->calendar.zone())}};
    return send("id: " + ctx_.service.changes().id_of(c) + "\nevent: report\ndata: " + data.dump() +
                "\n\n");
  }
  bool heartbeat() override { return send(": keep-alive\n\n"); }
  bool reset() override { return send("event: reset\ndata: {}\n\n"); }

 private:
  bool send(std::string text) {
    if (sink_->push(std::make_shared<const std::string>(std::move(text)))) return true;
    sink_->close();
    return false;
  }
  Context& ctx_;
  const dispatch::Actor viewer_;
  const std::shared_ptr<StreamSink> sink_;
};

/// No caching; nginx passes each event at once (X-Accel-Buffering).
std::vector<std::pair<std::string, std::string>> stream_headers() {
  static const std::vector<std::pair<std::string, std::string>> kHeaders{
      {"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}};
  return kHeaders;
}

/// GET /api/v1/events/stream — text/event-stream; resume with Last-Event-ID (or the query
/// parameter last_event_id, for clients that cannot set headers).
Response stream(Context& ctx, Request& req) {
  auto last = req.header("last-event-id");
  if (!last) last = req.param("last_event_id");
  if (last) {
    bool ok = !last->empty() && last->size() <= 64;
    for (char c : *last) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.');
    if (!ok)
      throw Error(ErrorCode::invalid_argument,
                  "Last-Event-ID must be the id of an event of this stream (letters, digits, '.')");
  }
  service::ChangeFeed& feed = ctx.service.changes();
  if (feed.listeners() >= service::ChangeFeedOptions{}.max_listeners)
    throw Error(ErrorCode::unavailable, "too many live listeners; retry shortly");
  Response r{200, "text/event-stream; charset=utf-8", "", nullptr, stream_headers()};
  // Without credentials: the public, which sees the public categories' cases.
  const dispatch::Actor viewer = caller_of(req);
  r.stream = [&ctx, viewer, last](std::shared_ptr<StreamSink> sink) {
    auto listener = std::make_shared<SseListener>(ctx, viewer, sink);
    try {
      ctx.service.changes().listen(listener, last);
    } catch (const Error&) {
      sink->close();  // full since the check: the client retries
      return;
    }
    // After listening: a client that has read this line hears every change from now on.
    sink->push(std::make_shared<const std::string>("retry: 2000\n\n"));
  };
  return r;
}

}  // namespace

void add_event_routes(Router& router, Context& ctx) {
  router.add({"GET", "/api/v1/events/stream", {}, with_context(ctx, stream), Execution::worker});
}

}  // namespace wangge::http
