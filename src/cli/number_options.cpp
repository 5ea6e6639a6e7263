// Validators for numeric options, through the one checked number parser: CLI11's own Range
// lets NaN through (every comparison with NaN is false) and its integer conversion takes hex,
// octal and, for unsigned types, wraps "-1" around; these refuse all of that by name.
#include "commands.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/number.hpp"

namespace wangge::cli {

CLI::Validator integer_in(long long min, long long max) {
  const std::string rule = number::integer_rule(min, max);
  return CLI::Validator(
      [min, max, rule](std::string& text) -> std::string {
        try {
          number::parse_integer_in(text, "", min, max);
          return {};
        } catch (const Error&) {
          return "must be " + rule;
        }
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]", "integer_in");
}

CLI::Validator decimal_in(double min, double max) {
  const std::string rule = number::decimal_rule(min, max);
  return CLI::Validator(
      [min, max, rule](std::string& text) -> std::string {
        try {
          number::parse_decimal_in(text, "", min, max);
          return {};
        } catch (const Error&) {
          return "must be " + rule;
        }
      },
      "NUMBER in [" + number::format(min) + " - " + number::format(max) + "]", "decimal_in");
}

CLI::Validator finite_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          number::parse_finite(text, "");
          return {};
        } catch (const Error&) {
          return "must be a finite number";
        }
      },
      "NUMBER", "finite_number");
}

}  // namespace wangge::cli
