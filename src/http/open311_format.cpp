// What the Open311 routes share: rendering, the error list, arguments, the jurisdiction.
#include "open311_format.hpp"

#include "errors.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::http::open311 {

// Out of line: inlined into a caller, GCC 12 warns falsely (-Wstringop-overread) on the
// moved name.
Node& Node::add(std::string name, Node v) {
  names.push_back(std::move(name));
  fields.push_back(std::move(v));
  return *this;
}

Node& Node::push(Node v) {
  items.push_back(std::move(v));
  return *this;
}

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
Handler answering_in_error_lists(Handler fn) {
  return [fn = std::move(fn)](Request& req) -> Response {
    try {
      return fn(req);
    } catch (const std::exception& e) {
      const ErrorReply error = error_reply(e, req, req.path);
      int status = error.code == ErrorCode::unauthorized ? 403 : error.status;
      // The spec's statuses: 404 a missing resource, 403 a key, 400 everything else.
      if (status != 404 && status != 403 && status != 429 && status < 500) status = 400;
      Response r = open311_error(req, status, error.detail);
      if (error.retry_after.count() > 0)
        r.header("Retry-After", std::to_string(error.retry_after.count()));
      return r;
    }
  };
}

/// A query argument; the spec: "present but empty" is treated exactly as absent.
std::optional<std::string> arg(const Request& req, const char* name) {
  auto v = req.param(name);
  if (!v || v->empty()) return std::nullopt;
  return v;
}

void check_jurisdiction(const Request& req, const std::string& ours) {
  if (auto j = arg(req, "jurisdiction_id"); j && *j != ours) {
    throw Error(ErrorCode::not_found,
                "jurisdiction_id '" + *j + "' is not served here (this is '" + ours + "')");
  }
}

std::string jurisdiction_of(service::Service& service) {
  const grid::GridSet& set = service.grid_index()->grids();
  for (std::size_t i = 0; i < set.size(); ++i)
    if (!set.parent(i)) return set[i].code.empty() ? set[i].id : set[i].code;
  return std::string();
}

const dispatch::Category& reportable_category(const service::Service& service,
                                              const std::string& code) {
  const dispatch::Category* c = service.reference()->categories.find(code);
  if (!c || !service.reference()->categories.is_reportable(*c))
    throw Error(ErrorCode::not_found, "service_code '" + code + "' does not exist");
  return *c;
}

}  // namespace wangge::http::open311
