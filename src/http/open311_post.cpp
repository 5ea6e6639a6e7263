// POST /open311/v2/requests: the spec's fields from a URL-encoded or multipart/form-data body
// (with its photo and attribute[...] answers), the poster's key, the resident an app acts for,
// a client idempotency key; the created request in the spec's list.
#include "open311_format.hpp"
#include "wangge/service/media_library.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"
#include "wangge/util/sha256.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http::open311 {
namespace {

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
  const dispatch::AttributeAnswers& attributes() const { return attributes_; }

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
  dispatch::AttributeAnswers attributes_;
  std::optional<std::string> photo_;
};

/// Who posts: the request's Bearer key, else the spec's api_key field. @throws unauthorized.
dispatch::Actor poster(Context& ctx, const Request& req, const PostFields& field) {
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
dispatch::Submission submission_of(const service::Service& service, const PostFields& field) {
  dispatch::Submission s;
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
  s.unknown_attributes = dispatch::UnknownAttributes::keep;
  return s;
}

/// Residents submitting through an app key are identified by the account they give.
dispatch::Actor submitter(const dispatch::Actor& poster, const std::string& account) {
  if (poster.id.rfind("app:", 0) != 0) return poster;
  if (account.empty()) {  // anonymous via the app
    dispatch::Actor a{"", "", dispatch::Role::resident, {}, {}};
    a.via = poster.id;
    return a;
  }
  return dispatch::Actor::on_behalf_of(poster, account);
}

Response created(const Request& req, const std::string& id, const std::string& account) {
  Node list = Node::array("request");
  list.push(Node::object()
                .add("service_request_id", Node::str(id))
                .add("service_notice", Node::str(""))
                .add("account_id", Node::str(account)));
  return render(req, 201, list, "service_requests");
}

}  // namespace

/// POST /open311/v2/requests
Response post_request(Context& ctx, Request& req) {
  const PostFields field(req);
  const dispatch::Actor actor = poster(ctx, req, field);
  if (const std::string j = field("jurisdiction_id");
      !j.empty() && j != jurisdiction_of(ctx.service))
    throw Error(ErrorCode::not_found, "jurisdiction_id '" + j + "' is not served here");
  dispatch::Submission s = submission_of(ctx.service, field);
  const std::string account = field("account_id");
  const dispatch::Actor by =
      submitter(actor, account);  // checks account_id before any photo is decoded
  std::string photo;  // the id of the uploaded part, if any, discarded if no case takes it
  if (field.photo()) {
    // A resident of an app uploads as himself (his own quota); anonymous ones as the app.
    photo =
        ctx.service.media().upload(*field.photo(), by.id.empty() ? actor : by, req.now).record.id;
    s.media.insert(s.media.begin(), photo);
  }
  std::string key = field("idempotency_key");
  if (key.empty()) key = req.header("idempotency-key").value_or("");
  std::optional<service::ReplyOptions> options;
  if (!key.empty()) {
    options = service::ReplyOptions{
        "open311:" + actor.id + ":" + key, sha256_hex(req.body), [&](const dispatch::Report& r) {
          return store::StoredReply{"", 201, created(req, r.id, account).body};
        }};
  }
  service::SubmitResult result;
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

}  // namespace wangge::http::open311
