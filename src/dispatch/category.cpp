#include "wangge/dispatch/category.hpp"

#include <algorithm>

#include "wangge/util/error.hpp"

namespace wangge {

std::string_view to_string(CategoryKind k) noexcept {
  return k == CategoryKind::component ? "component" : "event";
}

std::string_view to_string(DeadlineUnit u) noexcept {
  switch (u) {
    case DeadlineUnit::work_hours:
      return "work_hours";
    case DeadlineUnit::work_days:
      return "work_days";
    case DeadlineUnit::calendar_hours:
      return "calendar_hours";
  }
  return "work_hours";
}

std::string_view to_string(ResponsibilityRule r) noexcept {
  return r == ResponsibilityRule::owner_first ? "owner_first" : "locality_first";
}

std::optional<DeadlineUnit> parse_deadline_unit(std::string_view s) {
  if (s == "work_hours") return DeadlineUnit::work_hours;
  if (s == "work_days") return DeadlineUnit::work_days;
  if (s == "calendar_hours") return DeadlineUnit::calendar_hours;
  return std::nullopt;
}

CategoryTree CategoryTree::build(std::vector<Category> categories) {
  CategoryTree tree;
  auto fail = [](const Category& c, const std::string& why) {
    throw Error(ErrorCode::invalid_data, "category '" + c.code + "' (" + c.name + ") " + why);
  };
  for (std::size_t i = 0; i < categories.size(); ++i) {
    if (categories[i].code.empty()) {
      throw Error(ErrorCode::invalid_data,
                  "category number " + std::to_string(i + 1) + " has no code");
    }
    if (!tree.by_code_.emplace(categories[i].code, i).second)
      fail(categories[i], "is listed twice");
  }
  tree.has_children_.assign(categories.size(), false);
  // Resolve parents first (in tree order) so inheritance reads resolved values.
  std::vector<int> state(categories.size(), 0);  // 0 new, 1 visiting, 2 done
  auto resolve = [&](auto&& self, std::size_t i) -> void {
    if (state[i] == 2) return;
    Category& c = categories[i];
    if (state[i] == 1) fail(c, "is its own ancestor (a cycle of parents)");
    state[i] = 1;
    if (!c.parent.empty()) {
      auto it = tree.by_code_.find(c.parent);
      if (it == tree.by_code_.end())
        fail(c, "names parent '" + c.parent + "', which is not a category");
      self(self, it->second);
      const Category& p = categories[it->second];
      tree.has_children_[it->second] = true;
      if (p.kind != c.kind)
        fail(c, "is a " + std::string(to_string(c.kind)) + " under a " +
                    std::string(to_string(p.kind)));
      if (c.department.empty()) c.department = p.department;
      if (!c.deadline) c.deadline = p.deadline;
      if (!c.rule) c.rule = p.rule;
      if (!c.duplicate_radius_m) c.duplicate_radius_m = p.duplicate_radius_m;
      if (!c.duplicate_age) c.duplicate_age = p.duplicate_age;
      if (!c.is_public) c.is_public = p.is_public;
    }
    if (!c.rule)
      c.rule = c.kind == CategoryKind::component ? ResponsibilityRule::owner_first
                                                 : ResponsibilityRule::locality_first;
    if (!c.duplicate_radius_m) c.duplicate_radius_m = 50.0;
    if (!c.duplicate_age) c.duplicate_age = std::chrono::hours(72);
    if (!c.is_public) c.is_public = true;
    if (c.deadline && c.deadline->value <= 0)
      fail(c, "has a deadline that is not a positive number");
    if (!(*c.duplicate_radius_m >= 0)) fail(c, "has a negative duplicate radius");
    state[i] = 2;
  };
  for (std::size_t i = 0; i < categories.size(); ++i) resolve(resolve, i);
  for (std::size_t i = 0; i < categories.size(); ++i) {
    if (!tree.has_children_[i] && !categories[i].deadline)
      fail(categories[i], "can be reported but has no deadline");
  }
  for (const Category& c : categories)
    if (!*c.is_public) tree.private_codes_.push_back(c.code);
  std::sort(tree.private_codes_.begin(), tree.private_codes_.end());
  tree.categories_ = std::move(categories);
  return tree;
}

const Category* CategoryTree::find(std::string_view code) const {
  auto it = by_code_.find(std::string(code));
  return it == by_code_.end() ? nullptr : &categories_[it->second];
}

bool CategoryTree::is_reportable(const Category& c) const {
  auto it = by_code_.find(c.code);
  return it != by_code_.end() && !has_children_[it->second];
}

std::vector<const Category*> CategoryTree::reportable() const {
  std::vector<const Category*> out;
  for (std::size_t i = 0; i < categories_.size(); ++i)
    if (!has_children_[i]) out.push_back(&categories_[i]);
  return out;
}

bool CategoryTree::is_public(std::string_view code) const {
  const Category* c = find(code);
  return !c || *c->is_public;
}

const Category& CategoryTree::major_class(const Category& c) const {
  const Category* cur = &c;
  while (!cur->parent.empty()) cur = find(cur->parent);
  return *cur;
}

}  // namespace wangge
