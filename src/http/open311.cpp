// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2, in .json and
// .xml: discovery, services, services/{code}, requests (GET, POST), requests/{id},
// tokens/{token}; errors as the spec's error list; the common extensions page/page_size,
// updated_after/updated_before, extensions=true (the event history) and a client idempotency
// key (idempotency_key parameter or Idempotency-Key header).
#include <nlohmann/json.hpp>

#include "context.hpp"
#include "errors.hpp"
#include "wangge/service/media_library.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/sha256.hpp"
#include "wangge/util/text.hpp"
#include "xml.hpp"

namespace wangge::http {
namespace {

using nlohmann::json;

/// A value tree both formats render: an object (ordered fields), an array or text.
struct Node {
  // An object's fields in order: names and values side by side (a vector of pairs would need
  // Node complete inside its own definition, which only some standard libraries allow).
  std::vector<std::string> names;
  std::vector<Node> fields;
  std::vector<Node> items;  // array
  std::string item_name;    // XML element name of array items
  std::optional<std::string> text;
  std::optional<double> number;
  std::optional<long long> whole;  // integers stay integers in JSON ("code": 404, not 404.0)
  std::optional<bool> flag;
  bool is_object = false, is_array = false, is_null = false;

  static Node object() {
    Node n;
    n.is_object = true;
    return n;
  }
  static Node array(std::string item) {
    Node n;
    n.is_array = true;
    n.item_name = std::move(item);
    return n;
  }
  static Node str(std::string s) {
    Node n;
    n.text = std::move(s);
    return n;
  }
  static Node num(double d) {
    Node n;
    n.number = d;
    return n;
  }
  static Node integer(long long v) {
    Node n;
    n.whole = v;
    return n;
  }
  static Node boolean(bool b) {
    Node n;
    n.flag = b;
    return n;
  }
  static Node null() {
    Node n;
    n.is_null = true;
    return n;
  }
  Node& add(std::string name, Node v) {
    names.push_back(std::move(name));
    fields.push_back(std::move(v));
    return *this;
  }
  Node& push(Node v) {
    items.push_back(std::move(v));
    return *this;
  }

  json to_json() const {
    if (is_object) {
      json j = json::object();
      for (std::size_t i = 0; i < fields.size(); ++i) j[names[i]] = fields[i].to_json();
      return j;
    }
    if (is_array) {
      json j = json::array();
      for (const auto& v : items) j.push_back(v.to_json());
      return j;
    }
    if (text) return *text;
    if (number) return *number;
    if (whole) return *whole;
    if (flag) return *flag;
    return nullptr;
  }
  void to_xml(Xml& x, const std::string& name) const {
    if (is_object || is_array) {
      x.open(name);
      for (std::size_t i = 0; i < fields.size(); ++i) fields[i].to_xml(x, names[i]);
      for (const auto& v : items) v.to_xml(x, item_name);
      x.close();
      return;
    }
    std::string t;
    if (text)
      t = *text;
    else if (number) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.9g", *number);
      t = buf;
    } else if (whole)
      t = std::to_string(*whole);
    else if (flag)
      t = *flag ? "true" : "false";
    x.leaf(name, t);
  }
};

Response render(const Request& req, int status, const Node& root, const std::string& root_name) {
  Response r;
  r.status = status;
  if (req.extension == "xml") {
    Xml x;
    root.to_xml(x, root_name);
    r.content_type = "text/xml; charset=utf-8";
    r.body = x.str();
  } else {
    r.content_type = "application/json; charset=utf-8";
    r.body = root.to_json().dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return r;
}

/// The spec's error list: [{"code": 400, "description": "…"}], with the HTTP status.
Response open311_error(const Request& req, int status, const std::string& description) {
  Node errors = Node::array("error");
  errors.push(
      Node::object().add("code", Node::integer(status)).add("description", Node::str(description)));
  return render(req, status, errors, "errors");
}

/// Runs an Open311 handler with our errors in the Open311 format (an invalid key is 403).
Handler open311(Handler fn) {
  return [fn = std::move(fn)](Request& req) -> Response {
    try {
      return fn(req);
    } catch (const std::exception& e) {
      const ErrorReply error = error_reply(e, req, req.path);
      int status = error.code == ErrorCode::unauthorized ? 403 : error.status;
      // The spec's statuses: 404 a missing resource, 403 a key, 400 everything else.
      if (status != 404 && status != 403 && status != 429 && status < 500) status = 400;
      return open311_error(req, status, error.detail);
    }
  };
}

/// A query argument; the spec: "present but empty" is treated exactly as absent.
std::optional<std::string> arg(const Request& req, const char* name) {
  auto v = req.param(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

std::vector<std::string> comma_list(const std::string& s) {
  std::vector<std::string> out;
  for (std::string rest = s; !rest.empty();) {
    const auto comma = rest.find(',');
    std::string one(text::trim(rest.substr(0, comma)));
    if (!one.empty()) out.push_back(std::move(one));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  return out;
}

std::string status_of(ReportState s) {
  return is_open(s) ? "open" : "closed";
}

/// Where a case is, for the spec's `address`: the reporter's own words when given (personal
/// numbers masked), else the 街道 (subdistrict) and the finest grid by name
/// ("新湖街道湘江一组第5邻"); grid ids when the grids are not the current generation's.
std::string address_of(const PublicReport& p, const GridIndex* index) {
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

Node request_node(const Report& r, const ReferenceData& ref, const PrivacyPolicy& privacy,
                  const GridIndex* grids, const std::vector<PublicEvent>* history, Instant now,
                  const std::string& base_url) {
  const TimeZone& zone = ref.calendar.zone();
  const PublicReport p = public_report(r, ref, privacy, now);
  const Assignee& who = p.assignee.kind != Assignee::Kind::none ? p.assignee : p.responsible;
  // What the resident reads (zh-CN): the state, and why a case was cancelled.
  std::string notes(label_zh(p.state));
  if (p.state == ReportState::cancelled && !p.cancel_reason.empty())
    notes += "：" + p.cancel_reason;
  Node n = Node::object();
  n.add("service_request_id", Node::str(p.id))
      .add("status", Node::str(status_of(p.state)))
      .add("status_notes", Node::str(notes))
      .add("service_name", Node::str(p.category_name.empty() ? p.category : p.category_name))
      .add("service_code", Node::str(p.category))
      .add("description", Node::str(p.text))
      .add("agency_responsible", Node::str(who.name))
      .add("service_notice", Node::str(p.due_at ? "due " + format_iso(*p.due_at, zone) : ""))
      .add("requested_datetime", Node::str(format_iso(p.created_at, zone)))
      .add("updated_datetime", Node::str(format_iso(p.updated_at, zone)))
      .add("expected_datetime", p.due_at ? Node::str(format_iso(*p.due_at, zone)) : Node::null())
      .add("address", Node::str(address_of(p, grids)))
      .add("address_id", Node::str(p.grid))
      .add("zipcode", Node::str(""))
      .add("lat", Node::num(p.lat))
      .add("long", Node::num(p.lon))
      .add("media_url",
           Node::str(p.media.empty()                ? ""
                     : is_media_id(p.media.front()) ? base_url + media_path(p.media.front())
                                                    : p.media.front()));
  if (history) {
    // The widely deployed extensions (Chicago, FixMyStreet): notes[] is the history, and
    // extended_attributes carries what the core fields cannot say.
    Node history_notes = Node::array("note");
    for (const PublicEvent& e : *history) {
      std::string description =
          e.from == e.to ? std::string(label_zh(e.to))
                         : std::string(label_zh(e.from)) + " → " + std::string(label_zh(e.to));
      if (!e.public_reply.empty()) description += "：" + e.public_reply;
      history_notes.push(Node::object()
                             .add("datetime", Node::str(format_iso(e.at, zone)))
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

void check_jurisdiction(const Request& req, const std::string& ours) {
  if (auto j = arg(req, "jurisdiction_id"); j && *j != ours) {
    throw Error(ErrorCode::not_found,
                "jurisdiction_id '" + *j + "' is not served here (this is '" + ours + "')");
  }
}

const Actor kPublic = Actor::public_viewer();
/// The deepest page × page_size a request may ask for (rows skipped plus rows returned).
constexpr long long kMaxOpen311Depth = 10000;
/// The most ids one service_request_id parameter may list.
constexpr std::size_t kMaxRequestIds = 100;

/// The jurisdiction is the subdistrict: the root grid's code.
std::string jurisdiction_of(Service& service) {
  const GridSet& set = service.grid_index()->grids();
  for (std::size_t i = 0; i < set.size(); ++i)
    if (!set.parent(i)) return set[i].code.empty() ? set[i].id : set[i].code;
  return std::string();
}

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
ReportFilter requests_filter(const Request& req, const TimeZone& zone) {
  auto time = [&](const char* name) -> std::optional<Instant> {
    auto v = arg(req, name);
    if (!v) return std::nullopt;
    auto t = parse_iso(*v, zone);
    if (!t) throw Error(ErrorCode::invalid_argument, std::string(name) + " is not a W3C date-time");
    return t;
  };
  ReportFilter f;
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
    if (open != closed) f.states = open ? open_states() : closed_states();  // both: no filter
  }
  // The spec's bounds are inclusive and clients send whole seconds: a request made at
  // 10:00:00.400 is within end_date=10:00:00 (the store's upper bounds are exclusive).
  const auto through = [](Instant t) {
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
  const std::string changeset = format_iso(ref->services_changed_at, ref->calendar.zone());
  Node formats = Node::array("format");
  formats.push(Node::str("application/json")).push(Node::str("text/xml"));
  Node endpoint = Node::object();
  endpoint.add("specification", Node::str("http://wiki.open311.org/GeoReport_v2"))
      .add("url", Node::str(ctx.base_url() + "/open311/v2"))
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
  const ReferenceData& ref = *ctx.service.reference();
  Node list = Node::array("service");
  for (const Category* c : ref.categories.reportable()) {
    const Category& major = ref.categories.major_class(*c);
    const std::string kind = c->kind == CategoryKind::event ? "事件" : "部件";
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

/// A reportable category of the service_code @p code. @throws Error(not_found).
const Category& reportable_category(const Service& service, const std::string& code) {
  const Category* c = service.reference()->categories.find(code);
  if (!c || !service.reference()->categories.is_reportable(*c))
    throw Error(ErrorCode::not_found, "service_code '" + code + "' does not exist");
  return *c;
}

/// GET /open311/v2/services/{code}
Response service_definition(Context& ctx, Request& req) {
  check_jurisdiction(req, jurisdiction_of(ctx.service));
  const std::string& code = req.params.at("code");
  const Category& c = reportable_category(ctx.service, code);
  Node attributes = Node::array("attribute");
  int order = 0;
  for (const CategoryAttribute& a : *c.attributes) {
    Node values = Node::array("value");
    for (const AttributeChoice& v : a.values)
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

/// The fields of a POST: the body (a URL-encoded form, or multipart/form-data as FixMyStreet
/// and browsers send it) first, then the query string.
class PostFields {
 public:
  explicit PostFields(const Request& req) : req_(req) {
    if (auto boundary = multipart_boundary(req.header("content-type").value_or(""))) {
      auto parts = parse_multipart(req.body, *boundary);
      if (!parts)
        throw Error(ErrorCode::invalid_argument,
                    "the multipart/form-data body is malformed (each part needs a "
                    "Content-Disposition with a name, and the body a closing boundary)");
      for (FormPart& p : *parts) {
        // The photo: the part named media (as FixMyStreet's clients send it), else the first
        // file; other file parts are refused rather than silently dropped.
        if (!p.filename.empty() || p.name == "media") {
          if (p.value.empty()) continue;  // a form's file input left empty: no photo
          if (photo_ && p.name != "media")
            throw Error(ErrorCode::invalid_argument,
                        "one photo per request: the file part '" + p.name + "' is one too many");
          if (!photo_ || p.name == "media") photo_ = std::move(p.value);
          continue;
        }
        add(std::move(p.name), std::move(p.value));
      }
      return;
    }
    auto form = parse_form_pairs(req.body);
    if (!form)
      throw Error(ErrorCode::invalid_argument,
                  "the body is not application/x-www-form-urlencoded or multipart/form-data");
    for (auto& [name, value] : *form) add(std::move(name), std::move(value));
  }
  std::string operator()(const char* name) const {
    auto it = form_.find(name);
    return it != form_.end() ? it->second : req_.param(name).value_or("");
  }
  /// The bytes of the photo part of a multipart body, if it had one.
  const std::optional<std::string>& photo() const { return photo_; }
  /// The body's attribute[CODE] fields (attribute[CODE][] repeated for a multivaluelist).
  const AttributeAnswers& attributes() const { return attributes_; }

 private:
  void add(std::string name, std::string value) {
    static constexpr std::string_view kPrefix = "attribute[";
    if (name.starts_with(kPrefix)) {
      const auto close = name.find(']', kPrefix.size());
      const std::string_view rest =
          close == std::string::npos ? std::string_view() : std::string_view(name).substr(close);
      if (rest != "]" && rest != "][]")
        throw Error(ErrorCode::invalid_argument,
                    "field '" + name.substr(0, 80) +
                        "' is not attribute[CODE] or attribute[CODE][] (a multivaluelist)");
      attributes_[name.substr(kPrefix.size(), close - kPrefix.size())].push_back(std::move(value));
      return;
    }
    form_[std::move(name)] = std::move(value);
  }

  const Request& req_;
  std::map<std::string, std::string> form_;
  AttributeAnswers attributes_;
  std::optional<std::string> photo_;
};

/// Who posts: the request's Bearer key, else the spec's api_key field. @throws unauthorized.
Actor poster(Context& ctx, const Request& req, const PostFields& field) {
  if (req.authenticated) return req.actor;
  const std::string key = field("api_key");
  if (key.empty()) throw Error(ErrorCode::unauthorized, "api_key is required to submit a request");
  auto actor = ctx.authenticate(key);
  if (!actor) throw Error(ErrorCode::unauthorized, "api_key is not valid");
  return *actor;
}

/// A name from the spec's first_name and last_name in the order its script uses: Chinese
/// family name first with no space (王 + 小明 → 王小明), Western given name first.
std::string person_name(const std::string& first, const std::string& last) {
  const std::string f(text::trim(first)), l(text::trim(last));
  auto cjk = [](const std::string& s) {
    for (unsigned char c : s)
      if (c >= 0x80) return true;
    return false;
  };
  if (f.empty() || l.empty()) return f + l;
  return cjk(f) || cjk(l) ? l + f : f + " " + l;
}

/// The submission of a POST's fields (the spec's names).
Submission submission_of(const Service& service, const PostFields& field) {
  Submission s;
  s.category = field("service_code");
  if (s.category.empty()) throw Error(ErrorCode::invalid_argument, "service_code is required");
  (void)reportable_category(service, s.category);  // refuses an unknown or closed category
  const std::string lat = field("lat"), lon = field("long");
  if (lat.empty() || lon.empty()) {
    throw Error(ErrorCode::invalid_argument,
                "lat and long are required (address_string alone cannot be located)");
  }
  s.lat = number::parse_finite(lat, "lat");
  s.lon = number::parse_finite(lon, "long");
  if (const std::string d = field("datum"); !d.empty()) s.datum = d;
  s.text = field("description");
  s.address = field("address_string");
  s.reporter.email = field("email");
  if (const std::string m = field("media_url"); !m.empty()) s.media = {m};
  s.channel = "app";
  s.reporter.name = person_name(field("first_name"), field("last_name"));
  s.reporter.phone = field("phone");
  s.attributes = field.attributes();
  // Clients send fields of their own as attributes (FixMyStreet: its report URL, title):
  // kept, not refused and not lost.
  s.unknown_attributes = UnknownAttributes::keep;
  return s;
}

/// Residents submitting through an app key are identified by the account they give.
Actor submitter(const Actor& poster, const std::string& account) {
  if (poster.id.rfind("app:", 0) != 0) return poster;
  if (account.empty()) {  // anonymous via the app
    Actor a{"", "", Role::resident, {}, {}};
    a.via = poster.id;
    return a;
  }
  return Actor::on_behalf_of(poster, account);
}

Response created(const Request& req, const std::string& id, const std::string& account) {
  Node list = Node::array("request");
  list.push(Node::object()
                .add("service_request_id", Node::str(id))
                .add("service_notice", Node::str(""))
                .add("account_id", Node::str(account)));
  return render(req, 201, list, "service_requests");
}

/// POST /open311/v2/requests
Response post_request(Context& ctx, Request& req) {
  const PostFields field(req);
  const Actor actor = poster(ctx, req, field);
  if (const std::string j = field("jurisdiction_id");
      !j.empty() && j != jurisdiction_of(ctx.service))
    throw Error(ErrorCode::not_found, "jurisdiction_id '" + j + "' is not served here");
  Submission s = submission_of(ctx.service, field);
  const std::string account = field("account_id");
  const Actor by = submitter(actor, account);  // checks account_id before any photo is decoded
  std::string photo;  // the id of the uploaded part, if any, discarded if no case takes it
  if (field.photo()) {
    // A resident of an app uploads as himself (his own quota); anonymous ones as the app.
    photo =
        ctx.service.media().upload(*field.photo(), by.id.empty() ? actor : by, req.now).record.id;
    s.media.insert(s.media.begin(), photo);
  }
  std::string key = field("idempotency_key");
  if (key.empty()) key = req.header("idempotency-key").value_or("");
  std::optional<ReplyOptions> options;
  if (!key.empty()) {
    options =
        ReplyOptions{"open311:" + actor.id + ":" + key, sha256_hex(req.body), [&](const Report& r) {
                       return StoredReply{"", 201, created(req, r.id, account).body};
                     }};
  }
  SubmitResult result;
  try {
    result = ctx.service.submit(s, by, "", req.now, options ? &*options : nullptr);
  } catch (...) {
    if (!photo.empty()) ctx.service.media().discard(photo);
    throw;
  }
  if (result.replayed && !photo.empty()) ctx.service.media().discard(photo);
  if (!result.reply) return created(req, result.report.id, account);
  Response r;
  r.status = result.reply->status;
  r.body = result.reply->body;
  r.content_type =
      req.extension == "xml" ? "text/xml; charset=utf-8" : "application/json; charset=utf-8";
  return r;
}

/// The reports as the spec's request list, with their history when extensions=true.
Response request_list(Context& ctx, const Request& req, const std::vector<Report>& reports) {
  const bool extensions = req.param("extensions").value_or("") == "true";
  const ReferenceData& ref = *ctx.service.reference();
  std::shared_ptr<const GridIndex> grids;
  try {
    grids = ctx.service.grid_index();
  } catch (const Error&) {
    // no grids loaded: addresses name grid ids
  }
  Node list = Node::array("request");
  for (const Report& r : reports) {
    std::vector<PublicEvent> history;
    if (extensions)
      for (const Event& e : ctx.service.events(r.id, kPublic)) history.push_back(public_event(e));
    list.push(request_node(r, ref, ctx.service.privacy(), grids.get(),
                           extensions ? &history : nullptr, req.now, ctx.base_url()));
  }
  return render(req, 200, list, "service_requests");
}

/// GET /open311/v2/requests
Response get_requests(Context& ctx, Request& req) {
  check_jurisdiction(req, jurisdiction_of(ctx.service));
  std::vector<Report> found;
  if (auto ids = requested_ids(req)) {  // the other filters are ignored, as the spec says
    for (const std::string& id : *ids)
      if (auto r = ctx.service.report(id, kPublic)) found.push_back(std::move(*r));
  } else {
    const TimeZone& zone = ctx.service.reference()->calendar.zone();
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

Response open311_error_list(const Request& req, int status, const std::string& description) {
  return open311_error(req, status, description);
}

void add_open311_routes(Router& router, Context& ctx) {
  const std::vector<std::string> formats{"json", "xml"};
  const auto route = [&](const char* method, const char* pattern, ContextHandler fn,
                         Execution where) {
    // A POST may carry a photo (multipart/form-data).
    router.add({method, pattern, formats, open311(with_context(ctx, fn)), where, pattern,
                std::string_view(method) == "POST" ? kMaxUploadBody : 0});
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
