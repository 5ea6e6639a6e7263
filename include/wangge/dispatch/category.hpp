#pragma once
// Report categories as data: a tree with string codes in the GB/T 30428 spirit — major classes
// of 部件 (components: manhole covers, lamps, benches) and 事件 (events: rubbish, illegal
// structures, construction noise), sub-classes below them. Each category says which
// department owns it, how long handling may take, who is responsible for a report, and how
// near and how recent an open report must be to suggest a duplicate.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wangge/dispatch/time.hpp"

namespace wangge::dispatch {

enum class CategoryKind { component, event };  // 部件, 事件

enum class DeadlineUnit { work_hours, work_days, calendar_hours };

struct Deadline {
  int value = 0;
  DeadlineUnit unit = DeadlineUnit::work_hours;
};

/// Who is responsible for a report of a category.
enum class ResponsibilityRule {
  locality_first,  ///< 事件 "先属地、后属主": the grid leader of the place
  owner_first,     ///< 部件 "先属主、后属地": the owning department, else the locality
};

/// The kinds of answer a question may take (Open311 GeoReport v2 attribute datatypes).
enum class AttributeType { string, number, datetime, text, singlevaluelist, multivaluelist };

struct AttributeChoice {
  std::string key;   ///< what a client sends: letters, digits, - _ .
  std::string name;  ///< what a person reads (zh-CN)
};

/// A question a category asks beyond the core fields (an Open311 service definition
/// attribute): the pole number of a street lamp, whether a manhole cover is missing or loose.
inline constexpr std::size_t kMaxAttributes = 32;  ///< questions per category, answers per report
inline constexpr std::size_t kMaxAttributeBytes = 1000;  ///< per answer

struct CategoryAttribute {
  std::string code;         ///< letters, digits, - _ . (at most 64)
  std::string description;  ///< the question as a person reads it (zh-CN)
  AttributeType datatype = AttributeType::string;
  std::string datatype_description;  ///< a hint on the form of the answer, "" when none
  bool required = false;
  std::vector<AttributeChoice> values;  ///< the choices of a single- or multivaluelist
};

/// Who is not told of a case of a category: the messages of these kinds to recipients of these
/// roles (an empty list: any). Kinds are NoticeKind names; roles Role names or "group" (a grid or
/// department nobody answers for).
struct NoticeMute {
  std::vector<std::string> kinds;
  std::vector<std::string> roles;
};

/// A category's notification settings (通知设置), from the reference data.
struct CategoryNotices {
  /// Every message about its cases is urgent: it bypasses quiet hours and is never held for a
  /// digest (a fire risk, a hazard to life).
  bool urgent = false;
  std::vector<NoticeMute> mute;
};

struct Category {
  std::string code;    ///< e.g. "0102"; unique string, width free
  std::string parent;  ///< code of the parent class; empty for a major class
  std::string name;    ///< e.g. "暴露垃圾"
  CategoryKind kind = CategoryKind::event;
  std::string description;
  std::string department;                  ///< default (owning) department id; inherited when empty
  std::optional<Deadline> deadline;        ///< inherited when unset
  std::optional<ResponsibilityRule> rule;  ///< default: by kind
  std::optional<double> duplicate_radius_m;         ///< inherited; default 50 m
  std::optional<std::chrono::hours> duplicate_age;  ///< inherited; default 72 h
  /// Whether anyone may see cases of this category (inherited; default true). A case of a
  /// category that is not public (独居老人关怀 elderly care, 矛盾纠纷 disputes) is absent from
  /// every anonymous surface — not masked, absent — and shown only to its reporter and staff.
  std::optional<bool> is_public;
  /// The questions a report of the category answers (inherited when unset; default none).
  std::optional<std::vector<CategoryAttribute>> attributes;
  /// Notification settings (inherited when unset; default: not urgent, nobody muted).
  std::optional<CategoryNotices> notices;
};

std::string_view to_string(CategoryKind k) noexcept;
std::string_view to_string(DeadlineUnit u) noexcept;
std::string_view to_string(ResponsibilityRule r) noexcept;
std::optional<DeadlineUnit> parse_deadline_unit(std::string_view s);
std::string_view to_string(AttributeType t) noexcept;
std::optional<AttributeType> parse_attribute_type(std::string_view s);

/// The answers to a category's questions as a client typed them: code → values (one, or
/// several for a multivaluelist).
using AttributeAnswers = std::map<std::string, std::vector<std::string>>;

/// What happens to an answer to a question the category does not ask.
enum class UnknownAttributes {
  refuse,  ///< our own API: a typo must not pass silently
  keep,    ///< Open311: clients (FixMyStreet) send fields of their own; kept as text, not lost
};

/// @p given checked against the questions of @p c (resolved): a required question answered,
/// a number a finite number, a datetime ISO 8601, a list answer one (or, for a
/// multivaluelist, some) of the choices' keys (a datetime without offset is read in @p zone), text
/// within 1,000 bytes of valid UTF-8, at most 32 answers. @returns code → canonical answer (a
/// multivaluelist's keys joined by ",", in the order given, each once); empty answers to questions
/// that are not required are dropped.
/// @throws Error(invalid_argument) naming the attribute and the rule.
std::map<std::string, std::string> check_attributes(const Category& c,
                                                    const AttributeAnswers& given,
                                                    UnknownAttributes unknown,
                                                    const TimeZone& zone);

/// The validated tree, with inherited attributes resolved.
class CategoryTree {
 public:
  CategoryTree() = default;
  /// @throws Error(invalid_data) naming the category: duplicate or empty code, unknown parent,
  ///         a cycle, a kind differing from its parent's, a reportable (leaf) category without
  ///         a deadline, a non-positive deadline or radius.
  static CategoryTree build(std::vector<Category> categories);

  /// The category with @p code, attributes resolved, or nullptr.
  const Category* find(std::string_view code) const;
  /// Categories a report may name: the leaves, in input order.
  std::vector<const Category*> reportable() const;
  const std::vector<Category>& all() const noexcept { return categories_; }
  bool is_reportable(const Category& c) const;
  /// The major class of @p c (itself for a major class).
  const Category& major_class(const Category& c) const;
  /// Codes of the categories that are not public (see Category::is_public), sorted.
  const std::vector<std::string>& private_codes() const noexcept { return private_codes_; }
  /// False for a category that is not public; true for a public or unknown code.
  bool is_public(std::string_view code) const;

 private:
  std::vector<Category> categories_;  // resolved
  std::unordered_map<std::string, std::size_t> by_code_;
  std::vector<bool> has_children_;
  std::vector<std::string> private_codes_;
};

}  // namespace wangge::dispatch
