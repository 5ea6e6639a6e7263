#pragma once
// What the Open311 GeoReport v2 routes share (open311.cpp: discovery, services and the request
// lists; open311_post.cpp: POST requests): the value tree both formats render, the spec's
// error list, its arguments, the jurisdiction and the reportable services.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "xml.hpp"

namespace wangge::http::open311 {

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
  Node& add(std::string name, Node v);
  Node& push(Node v);

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

/// @p root as JSON, or as XML under @p root_name when the request's extension is .xml.
Response render(const Request& req, int status, const Node& root, const std::string& root_name);

/// The spec's error list: [{"code": 400, "description": "…"}], with the HTTP status.
Response open311_error(const Request& req, int status, const std::string& description);

/// Runs an Open311 handler with our errors in the Open311 format (an invalid key is 403).
Handler answering_in_error_lists(Handler fn);

/// A query argument; the spec: "present but empty" is treated exactly as absent.
std::optional<std::string> arg(const Request& req, const char* name);

/// @throws Error(not_found) when the request names another jurisdiction_id than @p ours.
void check_jurisdiction(const Request& req, const std::string& ours);

/// The jurisdiction is the subdistrict: the root grid's code.
std::string jurisdiction_of(service::Service& service);

/// A reportable category of the service_code @p code. @throws Error(not_found).
const dispatch::Category& reportable_category(const service::Service& service,
                                              const std::string& code);

/// POST /open311/v2/requests (open311_post.cpp).
Response post_request(Context& ctx, Request& req);

}  // namespace wangge::http::open311
