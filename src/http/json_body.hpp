#pragma once
// Reading JSON request bodies strictly: malformed JSON names the byte, a field of the wrong
// type names the field and the type, and fields the endpoint does not take are refused by name
// (so a client cannot set server-owned fields such as "state" or "assignee").

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace wangge::http {

/// @throws Error(invalid_argument) for an empty body, malformed JSON or a non-object.
nlohmann::json parse_object(const std::string& body);

/// Reads the fields of one JSON object, remembering which were read.
class Fields {
 public:
  Fields(const nlohmann::json& object, std::string prefix = "")
      : object_(object), prefix_(std::move(prefix)) {}

  std::optional<std::string> text(const char* name);
  std::optional<double> number(const char* name);
  std::optional<long long> integer(const char* name);
  std::optional<bool> boolean(const char* name);
  std::vector<std::string> texts(const char* name);  ///< an array of strings (absent: empty)
  std::optional<nlohmann::json> object(const char* name);
  /// @throws Error(invalid_argument) naming the fields that were present but not read.
  void no_others() const;

 private:
  const nlohmann::json* get(const char* name);
  [[noreturn]] void wrong(const char* name, const char* want) const;
  const nlohmann::json& object_;
  std::string prefix_;
  std::set<std::string> read_;
};

}  // namespace wangge::http
