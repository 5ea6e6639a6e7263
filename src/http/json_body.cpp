#include "json_body.hpp"

#include <cmath>

#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::http {

/// Follows a parse to the byte and the field where it fails: run again, only after json::parse
/// refused a body, because nlohmann's exceptions other than parse_error (a number too large
/// for a double: out_of_range 406) carry neither.
class ErrorLocator final : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::size_t byte = 0;
  std::string field;  ///< "location.accuracy_m", "media[2]"; "" at the top level

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool key(string_t& k) override {
    path_.back().key = k;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    byte = position;
    field = where();
    return false;
  }

 private:
  struct Level {
    bool array = false;
    std::size_t index = 0;
    std::string key;
  };
  bool open(bool array) {
    path_.push_back({array, 0, {}});
    return true;
  }
  bool close() {
    path_.pop_back();
    return value();
  }
  bool value() {  // a value ends: the next one in an array has the next index
    if (!path_.empty() && path_.back().array) ++path_.back().index;
    return true;
  }
  std::string where() const {
    std::string out;
    for (const Level& l : path_) {
      if (l.array)
        out += "[" + std::to_string(l.index) + "]";
      else if (!l.key.empty())
        out += (out.empty() ? "" : ".") + l.key;
    }
    return out;
  }
  std::vector<Level> path_;
};

nlohmann::json parse_object(const std::string& body) {
  if (body.empty()) throw Error(ErrorCode::invalid_argument, "the request needs a JSON body");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    // parse_error (malformed), out_of_range (a number beyond a double, such as 1e400) or any
    // other: always the client's body, never a 500. The byte and field come from a second
    // pass; the library's text stays in no reply.
    ErrorLocator where;
    try {
      nlohmann::json::sax_parse(body, &where);
    } catch (const nlohmann::json::exception&) {  // the locator only reports; nothing to add
    }
    const bool too_large = dynamic_cast<const nlohmann::json::out_of_range*>(&e) != nullptr;
    std::string message =
        too_large ? "the body holds a number too large to represent" : "the body is not valid JSON";
    message += ": error at byte " + std::to_string(where.byte);
    if (!where.field.empty()) message += " in field '" + where.field + "'";
    throw Error(ErrorCode::invalid_argument, message);
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
  const double d = v->get<double>();  // an integer beyond 2^53 rounds; it stays finite
  if (!std::isfinite(d)) wrong(name, "a finite number");
  return d;
}

std::optional<double> Fields::number(const char* name, double min, double max) {
  auto d = number(name);
  if (d && !(*d >= min && *d <= max)) wrong(name, number::decimal_rule(min, max).c_str());
  return d;
}

std::optional<long long> Fields::integer(const char* name, long long min, long long max) {
  const auto* v = get(name);
  if (!v) return std::nullopt;
  const std::string rule = number::integer_rule(min, max);
  // 5.0 is a float to the parser, 1e19 too large for long long: read every number as a
  // double first, then exactly from the integer the parser kept.
  if (!v->is_number()) wrong(name, rule.c_str());
  if (v->is_number_unsigned()) {
    const auto u = v->get<std::uint64_t>();
    if (max < 0 || u > static_cast<std::uint64_t>(max) || static_cast<long long>(u) < min)
      wrong(name, rule.c_str());
    return static_cast<long long>(u);
  }
  if (v->is_number_integer()) {
    const auto i = v->get<std::int64_t>();
    if (i < min || i > max) wrong(name, rule.c_str());
    return i;
  }
  return number::integral_in(v->get<double>(), "field '" + prefix_ + name + "'", min, max);
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
