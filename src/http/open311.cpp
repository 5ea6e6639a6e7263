// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2, in .json and
// .xml: discovery, services, services/{code}, requests (GET, POST), requests/{id},
// tokens/{token}; errors as the spec's error list; the common extensions page/page_size,
// updated_after/updated_before, extensions=true (the event history) and a client idempotency
// key (idempotency_key parameter or Idempotency-Key header).
#include "errors.hpp"
#include "open311_format.hpp"
#include "params.hpp"
#include "wangge/service/media_library.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http {
namespace open311 {
namespace {

std::string status_of(dispatch::ReportState s) {
  return dispatch::is_open(s) ? "open" : "closed";
}

/// Where a case is, for the spec's `address`: the reporter's own words when given (personal
/// numbers masked), else the 街道 (subdistrict) and the finest grid by name
/// ("新湖街道湘江一组第5邻"); grid ids when the grids are not the current generation's.
std::string address_of(const dispatch::PublicReport& p, const grid::GridIndex* index) {
  if (!p.address.empty()) return p.address;
  if (p.grid_chain.empty()) return "";
  auto name = [&](const std::string& id) {
    const auto i = index ? index->grids().find(id) : std::nullopt;
    return i ? index->grids()[*i].name : id;
  };
  const std::string& finest = p.grid_chain.front();
  const std::string& root = p.grid_chain.back();
  return root == finest ? name(root) : name(root) + name(finest);
}

Node request_node(const dispatch::Report& r, const dispatch::ReferenceData& ref,
                  const dispatch::PrivacyPolicy& privacy, const grid::GridIndex* grids,
                  const std::vector<dispatch::PublicEvent>* history, dispatch::Instant now,
                  const std::string& base_url) {
  const dispatch::TimeZone& zone = ref.calendar.zone();
  const dispatch::PublicReport p = dispatch::public_report(r, ref, privacy, now);
  const dispatch::Assignee& who =
      p.assignee.kind != dispatch::Assignee::Kind::none ? p.assignee : p.responsible;
  // What the resident reads (zh-CN): the state, and why a case was cancelled.
  std::string notes(dispatch::label_zh(p.state));
  if (p.state == dispatch::ReportState::cancelled && !p.cancel_reason.empty())
    notes += "：" + p.cancel_reason;
  Node n = Node::object();
  n.add("service_request_id", Node::str(p.id))
      .add("status", Node::str(status_of(p.state)))
      .add("status_notes", Node::str(notes))
      .add("service_name", Node::str(p.category_name.empty() ? p.category : p.category_name))
      .add("service_code", Node::str(p.category))
      .add("description", Node::str(p.text))
      .add("agency_responsible", Node::str(who.name))
      .add("service_notice",
           Node::str(p.due_at ? "due " + dispatch::format_iso(*p.due_at, zone) : ""))
      .add("requested_datetime", Node::str(dispatch::format_iso(p.created_at, zone)))
      .add("updated_datetime", Node::str(dispatch::format_iso(p.updated_at, zone)))
      .add("expected_datetime",
           p.due_at ? Node::str(dispatch::format_iso(*p.due_at, zone)) : Node::null())
      .add("address", Node::str(address_of(p, grids)))
      .add("address_id", Node::str(p.grid))
      .add("zipcode", Node::str(""))
      .add("lat", Node::num(p.lat))
      .add("long", Node::num(p.lon))
      .add("media_url", Node::str(p.media.empty() ? ""
                                  : dispatch::is_media_id(p.media.front())
                                      ? base_url + service::media_path(p.media.front())
                                      : p.media.front()));
  if (history) {
    // The widely deployed extensions (Chicago, FixMyStreet): notes[] is the history, and
    // extended_attributes carries what the core fields cannot say.
    Node history_notes = Node::array("note");
    for (const dispatch::PublicEvent& e : *history) {
      std::string description = e.from == e.to ? std::string(dispatch::label_zh(e.to))
                                               : std::string(dispatch::label_zh(e.from)) + " → " +
                                                     std::string(dispatch::label_zh(e.to));
      if (!e.public_reply.empty()) description += "：" + e.public_reply;
      history_notes.push(Node::object()
                             .add("datetime", Node::str(dispatch::format_iso(e.at, zone)))
                             .add("type", Node::str(e.action))
                             .add("description", Node::str(description)));
    }
    n.add("notes", std::move(history_notes));
    n.add("extended_attributes", Node::object()
                                     .add("state", Node::str(std::string(to_string(p.state))))
                                     .add("channel", Node::str(std::string(to_string(p.channel))))
                                     .add("grid", Node::str(p.grid))
                                     .add("duplicate", Node::boolean(!p.duplicate_of.empty()))
                                     .add("parent_service_request_id", Node::str(p.duplicate_of)));
  }
  return n;
}

const dispatch::Actor kPublic = dispatch::Actor::public_viewer();
/// The deepest page × page_size a request may ask for (rows skipped plus rows returned).
constexpr long long kMaxOpen311Depth = 10000;
/// The most ids one service_request_id parameter may list.
constexpr std::size_t kMaxRequestIds = 100;

/// service_request_id: a comma list of at most kMaxRequestIds ids (each is a look-up), or
/// std::nullopt when absent.
std::optional<std::vector<std::string>> requested_ids(const Request& req) {
  const auto ids = arg(req, "service_request_id");
  if (!ids) return std::nullopt;
  std::vector<std::string> out = comma_list(*ids);
  if (out.size() > kMaxRequestIds)
    throw Error(ErrorCode::invalid_argument,
                "service_request_id names at most " + std::to_string(kMaxRequestIds) + " requests");
  return out;
}

/// The filter of GET requests: service_code, status, the date windows (the spec's default: the
/// last 90 days) and page/page_size as an offset in the store's query — never a walk through
/// the pages before — with page × page_size capped.
store::ReportFilter requests_filter(const Request& req, const dispatch::TimeZone& zone) {
  auto time = [&](const char* name) -> std::optional<dispatch::Instant> {
    auto v = arg(req, name);
    if (!v) return std::nullopt;
    auto t = dispatch::parse_iso(*v, zone);
    if (!t) throw Error(ErrorCode::invalid_argument, std::string(name) + " is not a W3C date-time");
    return t;
  };
  store::ReportFilter f;
  if (auto c = arg(req, "service_code")) f.categories = comma_list(*c);
  if (auto st = arg(req, "status")) {
    bool open = false, closed = false;
    for (const std::string& one : comma_list(*st)) {
      if (one == "open")
        open = true;
      else if (one == "closed")
        closed = true;
      else
        throw Error(ErrorCode::invalid_argument, "status '" + one + "' is not open or closed");
    }
    if (open != closed)
      f.states = open ? dispatch::open_states() : dispatch::closed_states();  // both: no filter
  }
  // The spec's bounds are inclusive and clients send whole seconds: a request made at
  // 10:00:00.400 is within end_date=10:00:00 (the store's upper bounds are exclusive).
  const auto through = [](dispatch::Instant t) {
    return std::chrono::floor<std::chrono::seconds>(t) + std::chrono::seconds(1);
  };
  const auto start = time("start_date"), end = time("end_date");
  f.created_from = start ? *start : (end ? *end : req.now) - std::chrono::hours(24 * 90);
  if (end) f.created_to = through(*end);
  if (auto t = time("updated_after")) f.updated_from = *t;
  if (auto t = time("updated_before")) f.updated_to = *t;  // "before": exclusive
  auto whole = [&](const char* name, long long min, long long max, long long fallback) {
    const auto v = arg(req, name);
    return v ? number::parse_integer_in(*v, name, min, max) : fallback;
  };
  const long long page_size = whole("page_size", 1, 1000, 1000);
  // A whole page number past the cap is told the rule below, not just the range.
  const auto deep = text::parse_integer(arg(req, "page").value_or(""));
  const long long page = deep && *deep > kMaxOpen311Depth ? kMaxOpen311Depth + 1
                                                          : whole("page", 1, kMaxOpen311Depth, 1);
  if (page > kMaxOpen311Depth / page_size) {  // page × page_size > the cap
    throw Error(ErrorCode::invalid_argument,
                "page × page_size must be at most " + std::to_string(kMaxOpen311Depth) +
                    " (the deepest a listing reads); narrow the window with start_date and "
                    "end_date instead");
  }
  f.limit = static_cast<std::size_t>(page_size);
  f.offset = static_cast<std::size_t>((page - 1) * page_size);
  f.now = req.now;
  return f;
}

// ---- handlers: parse, validate, call the service, render ------------------------------------

/// GET /open311/v2/discovery
Response discovery(Context& ctx, Request& req) {
  // The time the services last changed: caching clients refresh only then.
  const auto ref = ctx.service.reference();
  const std::string changeset =
      dispatch::format_iso(ref->services_changed_at, ref->calendar.zone());
  Node formats = Node::array("format");
  formats.push(Node::str("application/json")).push(Node::str("text/xml"));
  Node endpoint = Node::object();
  endpoint.add("specification", Node::str("http://wiki.open311.org/GeoReport_v2"))
      .add("url", Node::str(ctx.base_url(req) + "/open311/v2"))
      .add("changeset", Node::str(changeset))
      .add("type", Node::str("production"))
      .add("formats", std::move(formats));
  Node endpoints = Node::array("endpoint");
  endpoints.push(std::move(endpoint));
  Node d = Node::object();
  d.add("changeset", Node::str(changeset))
      .add("contact", Node::str("the grid office of jurisdiction " + jurisdiction_of(ctx.service)))
      .add("key_service", Node::str("ask the grid office for an API key (wangge keys create)"))
      .add("endpoints", std::move(endpoints));
  return render(req, 200, d, "discovery");
}

/// GET /open311/v2/services
Response services(Context& ctx, Request& req) {
  check_jurisdiction(req, jurisdiction_of(ctx.service));
  const dispatch::ReferenceData& ref = *ctx.service.reference();
  Node list = Node::array("service");
  for (const dispatch::Category* c : ref.categories.reportable()) {
    const dispatch::Category& major = ref.categories.major_class(*c);
    const std::string kind = c->kind == dispatch::CategoryKind::event ? "事件" : "部件";
    list.push(Node::object()
                  .add("service_code", Node::str(c->code))
                  .add("service_name", Node::str(c->name))
                  .add("description", Node::str(c->description))
                  .add("metadata", Node::boolean(!c->attributes->empty()))
                  .add("type", Node::str("realtime"))
                  .add("keywords", Node::str(major.name + "," + kind))
                  .add("group", Node::str(major.name)));
  }
  return render(req, 200, list, "services");
}

/// GET /open311/v2/services/{code}
Response service_definition(Context& ctx, Request& req) {
  check_jurisdiction(req, jurisdiction_of(ctx.service));
  const std::string& code = req.params.at("code");
  const dispatch::Category& c = reportable_category(ctx.service, code);
  Node attributes = Node::array("attribute");
  int order = 0;
  for (const dispatch::CategoryAttribute& a : *c.attributes) {
    Node values = Node::array("value");
    for (const dispatch::AttributeChoice& v : a.values)
      values.push(Node::object().add("key", Node::str(v.key)).add("name", Node::str(v.name)));
    Node attribute = Node::object();
    attribute.add("variable", Node::boolean(true))
        .add("code", Node::str(a.code))
        .add("datatype", Node::str(std::string(to_string(a.datatype))))
        .add("required", Node::boolean(a.required))
        .add("datatype_description", Node::str(a.datatype_description))
        .add("order", Node::integer(++order))
        .add("description", Node::str(a.description));
    if (!a.values.empty()) attribute.add("values", std::move(values));
    attributes.push(std::move(attribute));
  }
  Node def = Node::object();
  def.add("service_code", Node::str(code)).add("attributes", std::move(attributes));
  return render(req, 200, def, "service_definition");
}

/// The reports as the spec's request list, with their history when extensions=true.
Response request_list(Context& ctx, const Request& req,
                      const std::vector<dispatch::Report>& reports) {
  const bool extensions = req.param("extensions").value_or("") == "true";
  const dispatch::ReferenceData& ref = *ctx.service.reference();
  std::shared_ptr<const grid::GridIndex> grids;
  try {
    grids = ctx.service.grid_index();
  } catch (const Error&) {
    // no grids loaded: addresses name grid ids
  }
  Node list = Node::array("request");
  for (const dispatch::Report& r : reports) {
    std::vector<dispatch::PublicEvent> history;
    if (extensions)
      for (const dispatch::Event& e : ctx.service.events(r.id, kPublic))
        history.push_back(dispatch::public_event(e));
    list.push(request_node(r, ref, ctx.service.privacy(), grids.get(),
                           extensions ? &history : nullptr, req.now, ctx.base_url(req)));
  }
  return render(req, 200, list, "service_requests");
}

/// GET /open311/v2/requests
Response get_requests(Context& ctx, Request& req) {
  check_jurisdiction(req, jurisdiction_of(ctx.service));
  std::vector<dispatch::Report> found;
  if (auto ids = requested_ids(req)) {  // the other filters are ignored, as the spec says
    for (const std::string& id : *ids)
      if (auto r = ctx.service.report(id, kPublic)) found.push_back(std::move(*r));
  } else {
    const dispatch::TimeZone& zone = ctx.service.reference()->calendar.zone();
    found = ctx.service.list(requests_filter(req, zone), kPublic).items;
  }
  return request_list(ctx, req, found);
}

/// GET /open311/v2/requests/{id}
Response get_request(Context& ctx, Request& req) {
  check_jurisdiction(req, jurisdiction_of(ctx.service));
  const std::string& id = req.params.at("id");
  auto r = ctx.service.report(id, kPublic);
  if (!r) throw Error(ErrorCode::not_found, "service_request_id '" + id + "' does not exist");
  return request_list(ctx, req, {*r});
}

/// GET /open311/v2/tokens/{token} — requests are created synchronously: a token is the
/// service_request_id itself.
Response get_token(Context& ctx, Request& req) {
  check_jurisdiction(req, jurisdiction_of(ctx.service));
  const std::string& token = req.params.at("token");
  if (!ctx.service.report(token, kPublic))
    throw Error(ErrorCode::not_found, "token '" + token + "' does not exist");
  Node list = Node::array("request");
  list.push(
      Node::object().add("service_request_id", Node::str(token)).add("token", Node::str(token)));
  return render(req, 200, list, "service_requests");
}

}  // namespace
}  // namespace open311

Response open311_error_list(const Request& req, int status, const std::string& description) {
  return open311::open311_error(req, status, description);
}

void add_open311_routes(Router& router, Context& ctx) {
  using namespace open311;
  const std::vector<std::string> formats{"json", "xml"};
  const auto route = [&](const char* method, const char* pattern, ContextHandler fn,
                         Execution where) {
    // A POST may carry a photo (multipart/form-data).
    router.add({method, pattern, formats, open311::answering_in_error_lists(with_context(ctx, fn)),
                where, pattern, std::string_view(method) == "POST" ? kMaxUploadBody : 0});
  };
  route("GET", "/open311/v2/discovery", discovery, Execution::inline_io);
  route("GET", "/open311/v2/services", services, Execution::inline_io);
  route("GET", "/open311/v2/services/{code}", service_definition, Execution::inline_io);
  route("POST", "/open311/v2/requests", post_request, Execution::worker);
  route("GET", "/open311/v2/requests", get_requests, Execution::worker);
  route("GET", "/open311/v2/requests/{id}", get_request, Execution::worker);
  route("GET", "/open311/v2/tokens/{token}", get_token, Execution::worker);
}

}  // namespace wangge::http
