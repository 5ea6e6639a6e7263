#pragma once
// Report categories as data: a tree with string codes in the GB/T 30428 spirit — major classes
// of 部件 (components: manhole covers, lamps, benches) and 事件 (events: rubbish, illegal
// structures, construction noise), sub-classes below them. Each category says which
// department owns it, how long handling may take, who is responsible for a report, and how
// near and how recent an open report must be to suggest a duplicate.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wangge {

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
};

std::string_view to_string(CategoryKind k) noexcept;
std::string_view to_string(DeadlineUnit u) noexcept;
std::string_view to_string(ResponsibilityRule r) noexcept;
std::optional<DeadlineUnit> parse_deadline_unit(std::string_view s);

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

}  // namespace wangge
