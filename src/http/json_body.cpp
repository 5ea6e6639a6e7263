#include "json_body.hpp"

#include <cmath>

#include "wangge/util/error.hpp"

namespace wangge::http {

nlohmann::json parse_object(const std::string& body) {
  if (body.empty()) throw Error(ErrorCode::invalid_argument, "the request needs a JSON body");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(ErrorCode::invalid_argument,
                "the body is not valid JSON: error at byte " + std::to_string(e.byte));
  }
  if (!j.is_object()) throw Error(ErrorCode::invalid_argument, "the body must be a JSON object");
  return j;
}

const nlohmann::json* Fields::get(const char* name) {
  read_.insert(name);
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

void Fields::wrong(const char* name, const char* want) const {
  throw Error(ErrorCode::invalid_argument, "field '" + prefix_ + name + "' must be " + want);
}

std::optional<std::string> Fields::text(const char* name) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong(name, "a string");
  std::string out = v->get<std::string>();
  if (out.find('\0') != std::string::npos) wrong(name, "text without NUL bytes (\\u0000)");
  return out;
}

std::optional<double> Fields::number(const char* name) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_number()) wrong(name, "a number");
  return v->get<double>();
}

std::optional<long long> Fields::integer(const char* name) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_number_integer()) wrong(name, "a whole number");
  return v->get<long long>();
}

std::optional<bool> Fields::boolean(const char* name) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong(name, "true or false");
  return v->get<bool>();
}

std::vector<std::string> Fields::texts(const char* name) {
  const auto* v = get(name);
  if (!v) return {};
  if (!v->is_array()) wrong(name, "an array of strings");
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string()) wrong(name, "an array of strings");
    out.push_back(e.get<std::string>());
    if (out.back().find('\0') != std::string::npos)
      wrong(name, "an array of strings without NUL bytes (\\u0000)");
  }
  return out;
}

std::optional<nlohmann::json> Fields::object(const char* name) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  if (!v->is_object()) wrong(name, "an object");
  return *v;
}

void Fields::no_others() const {
  std::string unknown;
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!read_.count(it.key()))
      unknown += (unknown.empty() ? "'" : ", '") + prefix_ + it.key() + "'";
  }
  if (!unknown.empty()) {
    throw Error(ErrorCode::invalid_argument,
                "unknown field(s) " + unknown + " (server-owned fields cannot be set)");
  }
}

}  // namespace wangge::http
