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

/// @throws Error(invalid_argument) for an empty body, malformed JSON (naming the byte and, when
/// inside one, the field), a number beyond the range of a double (1e400) or a non-object —
/// whatever the JSON library throws; its text never reaches the message.
nlohmann::json parse_object(const std::string& body);

/// Reads the fields of one JSON object, remembering which were read.
class Fields {
 public:
  Fields(const nlohmann::json& object, std::string prefix = "")
      : object_(object), prefix_(std::move(prefix)) {}

  std::optional<std::string> text(const char* name);
  /// A finite number. @throws Error(invalid_argument) naming the field otherwise.
  std::optional<double> number(const char* name);
  /// A finite number within [min, max]; the message names the field and the range.
  std::optional<double> number(const char* name, double min, double max);
  /// An integer within [min, max] (5.0 counts; 4.5, 1e19 or a string do not): "field
  /// 'rating' must be an integer from 1 to 5".
  std::optional<long long> integer(const char* name, long long min, long long max);
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
