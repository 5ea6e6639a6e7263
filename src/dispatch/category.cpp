#include "wangge/dispatch/category.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "wangge/util/error.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {

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

namespace {

bool plain_key(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (unsigned char ch : s)
    if (!std::isalnum(ch) && ch != '-' && ch != '_' && ch != '.') return false;
  return true;
}

bool is_list(AttributeType t) {
  return t == AttributeType::singlevaluelist || t == AttributeType::multivaluelist;
}

/// The questions of @p c are well formed: codes and keys plain and unique, choices exactly
/// for the list types.
template <typename Fail>
void check_questions(const Category& c, Fail fail) {
  std::set<std::string> codes;
  for (const CategoryAttribute& a : *c.attributes) {
    if (!plain_key(a.code))
      fail(c, "has an attribute code '" + a.code + "': a code is 1 to 64 letters, digits or - _ .");
    if (!codes.insert(a.code).second) fail(c, "asks attribute '" + a.code + "' twice");
    if (a.description.empty()) fail(c, "attribute '" + a.code + "' has no description");
    if (is_list(a.datatype) != !a.values.empty())
      fail(c, "attribute '" + a.code + "': " +
                  (is_list(a.datatype) ? "a list needs values to choose from"
                                       : "only a singlevaluelist or multivaluelist has values"));
    std::set<std::string> keys;
    for (const AttributeChoice& v : a.values) {
      if (!plain_key(v.key) || v.name.empty())
        fail(c, "attribute '" + a.code + "' has a value '" + v.key +
                    "': a key is 1 to 64 letters, digits or - _ ., with a name");
      if (!keys.insert(v.key).second)
        fail(c, "attribute '" + a.code + "' lists the value '" + v.key + "' twice");
    }
  }
  if (codes.size() > kMaxAttributes)
    fail(c, "asks more than " + std::to_string(kMaxAttributes) + " attributes");
}

}  // namespace

std::string_view to_string(AttributeType t) noexcept {
  switch (t) {
    case AttributeType::string:
      return "string";
    case AttributeType::number:
      return "number";
    case AttributeType::datetime:
      return "datetime";
    case AttributeType::text:
      return "text";
    case AttributeType::singlevaluelist:
      return "singlevaluelist";
    case AttributeType::multivaluelist:
      return "multivaluelist";
  }
  return "string";
}

std::optional<AttributeType> parse_attribute_type(std::string_view s) {
  for (AttributeType t :
       {AttributeType::string, AttributeType::number, AttributeType::datetime, AttributeType::text,
        AttributeType::singlevaluelist, AttributeType::multivaluelist})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

namespace {

[[noreturn]] void refuse(const std::string& why) {
  throw Error(ErrorCode::invalid_argument, why);
}

/// An answer is text: no NUL, valid UTF-8, within kMaxAttributeBytes.
void check_answer_text(const std::string& label, const std::string& v) {
  if (v.find('\0') != std::string::npos) refuse(label + " contains a NUL byte");
  if (!text::valid_utf8(v)) refuse(label + " is not valid UTF-8");
  if (v.size() > kMaxAttributeBytes)
    refuse(label + " is " + std::to_string(v.size()) + " bytes; the limit is " +
           std::to_string(kMaxAttributeBytes));
}

/// The non-empty answers of @p values, trimmed.
std::vector<std::string> answers_of(const std::string& label,
                                    const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const std::string& v : values) {
    check_answer_text(label, v);
    if (!text::trim(v).empty()) out.emplace_back(text::trim(v));
  }
  return out;
}

/// The canonical answer to @p a of @p answers (not empty).
std::string canonical_answer(const CategoryAttribute& a, const std::vector<std::string>& answers,
                             const TimeZone& zone) {
  const std::string label = "attribute '" + a.code + "' (" + a.description + ")";
  if (a.datatype != AttributeType::multivaluelist && answers.size() > 1)
    refuse(label + " takes one value; " + std::to_string(answers.size()) + " were given");
  const std::string& v = answers.front();
  switch (a.datatype) {
    case AttributeType::number: {
      const auto d = text::parse_double(v);
      if (!d || !std::isfinite(*d))
        refuse(label + " must be a finite number, not '" + v.substr(0, 40) + "'");
      return v;
    }
    case AttributeType::datetime: {
      const auto t = parse_iso(v, zone);
      if (!t)
        refuse(label + " must be an ISO 8601 date-time (2026-11-23T09:30:00+08:00), not '" +
               v.substr(0, 40) + "'");
      return format_iso(*t, zone);
    }
    case AttributeType::singlevaluelist:
    case AttributeType::multivaluelist: {
      std::string joined, choices;
      for (const AttributeChoice& c : a.values)
        choices += (choices.empty() ? "" : ", ") + c.key + " (" + c.name + ")";
      std::set<std::string> seen;
      for (const std::string& k : answers) {
        if (std::none_of(a.values.begin(), a.values.end(),
                         [&](const AttributeChoice& c) { return c.key == k; }))
          refuse(label + " must be " +
                 (a.datatype == AttributeType::multivaluelist ? "some of " : "one of ") + choices +
                 ", not '" + k.substr(0, 40) + "'");
        if (seen.insert(k).second) joined += (joined.empty() ? "" : ",") + k;
      }
      return joined;
    }
    default:
      return v;  // string, text
  }
}

}  // namespace

std::map<std::string, std::string> check_attributes(const Category& c,
                                                    const AttributeAnswers& given,
                                                    UnknownAttributes unknown,
                                                    const TimeZone& zone) {
  if (given.size() > kMaxAttributes)
    refuse("a report answers at most " + std::to_string(kMaxAttributes) + " attributes; this one " +
           std::to_string(given.size()));
  const std::vector<CategoryAttribute> none;
  const std::vector<CategoryAttribute>& asked = c.attributes ? *c.attributes : none;
  std::map<std::string, std::string> out;
  for (const auto& answer : given) {
    const std::string& code = answer.first;
    if (std::any_of(asked.begin(), asked.end(),
                    [&](const CategoryAttribute& a) { return a.code == code; }))
      continue;
    std::string listed;
    for (const CategoryAttribute& a : asked) listed += (listed.empty() ? "" : ", ") + a.code;
    if (unknown == UnknownAttributes::refuse)
      refuse("attribute '" + code.substr(0, 64) + "' is not asked by category '" + c.code + "' (" +
             c.name + ")" + (listed.empty() ? ", which asks none" : "; it asks " + listed));
    if (!plain_key(code))
      refuse("attribute '" + code.substr(0, 64) + "': a code is 1 to 64 letters, digits or - _ .");
    std::string joined;
    for (const std::string& v : answers_of("attribute '" + code + "'", answer.second))
      joined += (joined.empty() ? "" : ",") + v;
    check_answer_text("attribute '" + code + "'", joined);
    if (!joined.empty()) out[code] = joined;
  }
  for (const CategoryAttribute& a : asked) {
    const auto found = given.find(a.code);
    const auto answers =
        found == given.end()
            ? std::vector<std::string>{}
            : answers_of("attribute '" + a.code + "' (" + a.description + ")", found->second);
    if (!answers.empty())
      out[a.code] = canonical_answer(a, answers, zone);
    else if (a.required)
      refuse("attribute '" + a.code + "' (" + a.description + ") is required for category '" +
             c.code + "'");
  }
  return out;
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
      if (!c.attributes) c.attributes = p.attributes;
      if (!c.notices) c.notices = p.notices;
    }
    if (!c.rule)
      c.rule = c.kind == CategoryKind::component ? ResponsibilityRule::owner_first
                                                 : ResponsibilityRule::locality_first;
    if (!c.duplicate_radius_m) c.duplicate_radius_m = 50.0;
    if (!c.duplicate_age) c.duplicate_age = std::chrono::hours(72);
    if (!c.is_public) c.is_public = true;
    if (!c.attributes) c.attributes.emplace();
    if (!c.notices) c.notices.emplace();
    check_questions(c, fail);
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

}  // namespace wangge::dispatch
