// Who hears what: the rules from an event to its messages, and the templates they are read in.
#include "wangge/dispatch/notification.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <set>

#include "wangge/dispatch/public_report.hpp"
#include "wangge/dispatch/workflow.hpp"

#include "wangge/util/error.hpp"
#include "wangge/util/sha256.hpp"
#include "wangge/util/text.hpp"

namespace wangge::dispatch {
namespace {

constexpr std::array<std::string_view, 3> kStateNames{"pending", "delivered", "dead"};

/// One entry per NoticeKind, in its order (checked below: none may be left out).
constexpr std::size_t kKinds = static_cast<std::size_t>(NoticeKind::report_in_missed) + 1;

constexpr std::array<std::string_view, kKinds> kKindNames{
    "assigned", "whistled", "supervised", "registered", "handled", "closed",
    "reopened", "returned", "extension",  "received",   "area",    "report_in_missed"};

constexpr std::array<std::string_view, kKinds> kTitles{
    "新案件派遣", "吹哨报到", "督办提醒", "已受理", "已处置",   "已办结",
    "返工",       "退回",     "延期申请", "新上报", "关注区域", "报到超时"};

constexpr std::array<std::string_view, kKinds> kDefaults{
    "【网格通】案件 {case}（{category}，{grid}）已派给{assignee}，请于{deadline}前办结。{link}",
    "【吹哨报到】案件 {case}（{category}，{grid}）请{department}于{report_in_due}前报到。{link}",
    "【{level}】案件 {case}（{category}，{grid}）由{assignee}办理，应于{deadline}前办结，"
    "请抓紧处置。{link}",
    "您反映的问题（{category}）已受理立案，案件号 {case}，办理进度可在此查看：{link}",
    "您反映的问题（{category}，案件号 {case}）已处置完成，待核查结案。{link}",
    "您反映的问题（{category}，案件号 {case}）已办结，请为办理结果评价：{rating_link}",
    "【返工】案件 {case}（{category}，{grid}）需重新办理，请于{deadline}前办结。{link}",
    "【退回】案件 {case}（{category}，{grid}）被{department}退回，请重新派遣。{link}",
    "【延期申请】案件 {case}（{category}，{grid}）申请延期至{requested_due}，请审批。{link}",
    "【新上报】{grid}有新案件 {case}（{category}），待网格中心受理。{link}",
    "【关注区域】{grid}的案件 {case}（{category}）{state}。{link}",
    "【报到超时】案件 {case}（{category}，{grid}）：{department}未在{report_in_due}前报到，"
    "请立即报到。{link}"};

static_assert(!kKindNames.back().empty() && !kTitles.back().empty() && !kDefaults.back().empty(),
              "every NoticeKind has a name, a title and a default template");

const std::vector<std::string_view> kFields{
    "case",          "category", "grid",          "assignee", "department", "deadline",
    "report_in_due", "level",    "requested_due", "state",    "link",       "rating_link"};

/// The fields rendered from the staff side of the read model (StaffReport::Staff, and the
/// whistle, which the public projection leaves out): never in what residents hear.
constexpr std::array<std::string_view, 3> kStaffFields{"report_in_due", "level", "requested_due"};

bool staff_only(std::string_view field) {
  return std::find(kStaffFields.begin(), kStaffFields.end(), field) != kStaffFields.end();
}

/// Calls @p field for each placeholder of @p text and @p literal for the text between them.
/// @throws Error(invalid_data) for an unmatched brace or an unknown field.
template <class Literal, class Field>
void walk_template(std::string_view kind, const std::string& text, Literal literal, Field field) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t open = text.find_first_of("{}", at);
    if (open == std::string::npos) {
      literal(std::string_view(text).substr(at));
      return;
    }
    if (text[open] == '}' || text.find('{', open + 1) < text.find('}', open + 1) ||
        text.find('}', open + 1) == std::string::npos) {
      throw Error(ErrorCode::invalid_data, "the template of '" + std::string(kind) +
                                               "' has an unmatched brace at byte " +
                                               std::to_string(open));
    }
    const std::size_t close = text.find('}', open + 1);
    const std::string name = text.substr(open + 1, close - open - 1);
    bool known = false;
    for (std::string_view f : kFields) known = known || f == name;
    if (!known) {
      std::string all;
      for (std::string_view f : kFields) all += (all.empty() ? "" : ", ") + std::string(f);
      throw Error(ErrorCode::invalid_data, "the template of '" + std::string(kind) +
                                               "' names the field {" + name +
                                               "}, which is not one of " + all);
    }
    literal(std::string_view(text).substr(at, open - at));
    field(name);
    at = close + 1;
  }
}

/// "12月5日 17:30" in the subdistrict's zone.
std::string display_time(Instant t, const TimeZone& zone) {
  const auto local = std::chrono::floor<std::chrono::minutes>(zone.to_local(t));
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss<std::chrono::minutes> hm(local - day);
  char out[48];
  std::snprintf(out, sizeof out, "%u月%u日 %02d:%02d", static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hm.hours().count()),
                static_cast<int>(hm.minutes().count()));
  return out;
}

bool is_resident_actor(const std::string& id, const ReferenceData& ref) {
  return !id.empty() && ref.staff_member(id) == nullptr && id.rfind("app:", 0) != 0 &&
         id != Actor::system().id;
}

/// Builds the messages of one event: who, of which kind, rendered once per kind.
class Composer {
 public:
  // The case as the read model projects it (public_report.hpp): messages are rendered from the
  // projection, as every other surface is, never from the report's own fields.
  Composer(const Report& r, const Event& e, const NoticeContext& c)
      : r_(r), e_(e), c_(c), view_(staff_report(r, *c.reference, PrivacyPolicy{}, e.at)) {}

  /// The staff who answer for @p a: the grid's own workers, or the department's staff; when
  /// there is nobody, the grid or department itself (group channels still hear it).
  void to_assignee(NoticeKind kind, const Assignee& a) {
    if (a.kind == Assignee::Kind::grid) {
      if (!to_grid_workers(kind, a.id)) add(kind, "grid:" + a.id, a.name, "");
    } else if (a.kind == Assignee::Kind::department) {
      to_department(kind, a.id);
    }
  }

  bool to_grid_workers(NoticeKind kind, const std::string& grid) {
    bool any = false;
    for (const Actor& s : c_.reference->staff) {
      if (s.role != Role::grid_worker) continue;
      for (const std::string& g : s.grids) {
        if (g != grid) continue;
        add(kind, s.id, s.name, "");
        any = true;
        break;
      }
    }
    return any;
  }

  void to_department(NoticeKind kind, const std::string& department) {
    bool any = false;
    for (const Actor& s : c_.reference->staff) {
      if (s.role != Role::department_staff || s.department != department) continue;
      add(kind, s.id, s.name, department);
      any = true;
    }
    if (!any) {
      const Department* d = c_.reference->department(department);
      add(kind, "department:" + department, d ? d->name : department, department);
    }
  }

  void to_role(NoticeKind kind, Role role) {
    for (const Actor& s : c_.reference->staff)
      if (s.role == role) add(kind, s.id, s.name, "");
  }

  /// The resident who reported it (when they can be reached) and the followers.
  void to_residents(NoticeKind kind) {
    if (is_resident_actor(r_.submitted_by, *c_.reference))
      add(kind, r_.submitted_by, "", "");
    else if (r_.submitted_by.empty() && !r_.reporter.phone.empty())
      add(kind, "reporter:" + r_.id, "", "");
    for (const std::string& f : r_.followers)
      if (is_resident_actor(f, *c_.reference)) add(kind, f, "", "");
  }

  /// The followers of the case's area, except whoever already hears of this event.
  void to_subscribers(NoticeKind kind) {
    for (const std::string& s : c_.subscribers) {
      bool told = false;
      for (const Notification& n : out_) told = told || n.recipient == s;
      if (!told) add(kind, s, "", "");
    }
  }

  std::vector<Notification> take() { return std::move(out_); }

 private:
  void add(NoticeKind kind, const std::string& recipient, const std::string& name,
           const std::string& department) {
    if (recipient == e_.actor_id) return;  // nobody is told of their own step
    for (const Notification& n : out_)
      if (n.kind == kind && n.recipient == recipient) return;  // one message per person
    Notification n;
    n.created_at = e_.at;
    n.report_id = r_.id;
    n.event_seq = e_.seq;
    n.kind = kind;
    n.recipient = recipient;
    n.recipient_name = name;
    n.department = department;
    n.grids = r_.grid_chain;
    n.category = r_.category;
    n.urgent = kind == NoticeKind::supervised && r_.supervision >= SupervisionLevel::supervised;
    n.title = std::string(kTitles[static_cast<std::size_t>(kind)]);
    if (kind == NoticeKind::supervised) n.title = std::string(label_zh(r_.supervision)) + "提醒";
    n.link = link();
    n.fields = fields(department);
    n.text = c_.templates->render(kind, n.fields);
    n.id = outbox_id("n_", e_.at,
                     r_.id + "\n" + std::to_string(e_.seq) + "\n" + std::string(to_string(kind)) +
                         "\n" + recipient);
    out_.push_back(std::move(n));
  }

  /// The case in the web console (a person opens it there, signing in first when needed).
  std::string link() const { return c_.base_url + "/console/cases/" + r_.id; }

  /// The names of the departments a 报到超时 event lists, "、"-joined.
  std::string missed_names() const {
    std::string out;
    for (const std::string& id : text::split(e_.data.at("missed"), ',')) {
      const Department* d = c_.reference->department(id);
      out += (out.empty() ? "" : "、") + (d ? d->name : id);
    }
    return out;
  }

  std::map<std::string, std::string> fields(const std::string& department) const {
    std::map<std::string, std::string> f = public_fields(department);
    const TimeZone& zone = c_.reference->calendar.zone();
    f["report_in_due"] = "（未定）";
    for (const WhistledDepartment& w : r_.whistle)
      if (w.department == department || (department.empty() && w.lead))
        f["report_in_due"] = display_time(w.report_in_due, zone);
    const StaffReport::Staff& staff = view_.staff;
    f["level"] = std::string(label_zh(staff.supervision));
    f["requested_due"] = staff.pending_extension
                             ? display_time(staff.pending_extension->requested_due, zone)
                             : "（未定）";
    return f;
  }

  /// The fields anyone may read (residents' kinds name only these): from the public projection.
  std::map<std::string, std::string> public_fields(const std::string& department) const {
    const ReferenceData& ref = *c_.reference;
    const PublicReport& p = view_.pub;
    std::map<std::string, std::string> f;
    f["case"] = p.id;
    f["category"] = p.category_name.empty() ? p.category : p.category_name;
    const std::string grid_name =
        p.grid.empty() || !c_.grid_name ? std::string() : c_.grid_name(p.grid);
    f["grid"] = p.grid.empty() ? "网格外" : grid_name.empty() ? p.grid : grid_name;
    f["assignee"] = p.assignee.name.empty() ? "待派遣" : p.assignee.name;
    std::string dept = department;
    if (dept.empty() && e_.data.count("returned_by")) dept = e_.data.at("returned_by");
    const Department* d = dept.empty() ? nullptr : ref.department(dept);
    f["department"] = d ? d->name : dept;
    if (dept.empty() && e_.data.count("missed")) f["department"] = missed_names();
    f["deadline"] = p.due_at ? display_time(*p.due_at, ref.calendar.zone()) : "（未定）";
    f["state"] = std::string(label_zh(p.state));
    f["link"] = link();
    f["rating_link"] = link() + "#evaluate";
    return f;
  }

  const Report& r_;
  const Event& e_;
  const NoticeContext& c_;
  const StaffReport view_;
  std::vector<Notification> out_;
};

}  // namespace

std::string_view to_string(NoticeKind k) noexcept {
  return kKindNames[static_cast<std::size_t>(k)];
}

std::optional<NoticeKind> parse_notice_kind(std::string_view s) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i)
    if (kKindNames[i] == s) return static_cast<NoticeKind>(i);
  return std::nullopt;
}

std::string_view to_string(DeliveryState s) noexcept {
  return kStateNames[static_cast<std::size_t>(s)];
}

std::optional<DeliveryState> parse_delivery_state(std::string_view s) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == s) return static_cast<DeliveryState>(i);
  return std::nullopt;
}

std::string notice_kind_names() {
  std::string out;
  for (std::string_view k : kKindNames) out += (out.empty() ? "" : ", ") + std::string(k);
  return out;
}

NoticeTemplates::NoticeTemplates() {
  for (std::size_t i = 0; i < kDefaults.size(); ++i)
    text_[static_cast<NoticeKind>(i)] = std::string(kDefaults[i]);
}

void NoticeTemplates::set(NoticeKind kind, const std::string& text) {
  // Residents hear these kinds (the reporter, followers, an area's subscribers): the fields
  // the public view never shows (public_report.hpp) are refused in them.
  const bool residents = kind == NoticeKind::registered || kind == NoticeKind::handled ||
                         kind == NoticeKind::closed || kind == NoticeKind::area;
  walk_template(
      to_string(kind), text, [](std::string_view) {},
      [&](const std::string& field) {
        if (residents && staff_only(field))
          throw Error(ErrorCode::invalid_data,
                      "the template of '" + std::string(to_string(kind)) + "' names {" + field +
                          "}, which residents hear but may not see (supervision, extension "
                          "requests and report-in times are not public)");
      });
  if (text.empty())
    throw Error(ErrorCode::invalid_data,
                "the template of '" + std::string(to_string(kind)) + "' is empty");
  text_[kind] = text;
}

const std::string& NoticeTemplates::text(NoticeKind kind) const {
  return text_.at(kind);
}

std::string NoticeTemplates::render(NoticeKind kind,
                                    const std::map<std::string, std::string>& fields) const {
  std::string out;
  walk_template(
      to_string(kind), text(kind), [&](std::string_view s) { out += s; },
      [&](const std::string& name) {
        const auto it = fields.find(name);
        if (it != fields.end()) out += it->second;
      });
  return out;
}

const std::vector<std::string_view>& NoticeTemplates::fields() {
  return kFields;
}

std::string outbox_id(std::string_view prefix, Instant at, std::string_view key) {
  const long long ms = std::max<long long>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
  std::array<char, 20> time{};  // 12 digits until the year 10889, at most 16
  std::snprintf(time.data(), time.size(), "%012llx", ms);
  return std::string(prefix) + time.data() + sha256_hex(key).substr(0, 16);
}

bool concerns_areas(const Report& r, const Event& e, const ReferenceData& ref) {
  return (e.action == "register" || e.action == "close") && !r.grid_chain.empty() &&
         ref.categories.is_public(r.category);
}

std::string recipient_role(const ReferenceData& ref, const std::string& recipient) {
  if (const Actor* staff = ref.staff_member(recipient)) return std::string(to_string(staff->role));
  if (recipient.starts_with("grid:") || recipient.starts_with("department:")) return "group";
  return "resident";
}

namespace {

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<Notification> compose(const Report& r, const Event& e, const NoticeContext& c);

}  // namespace

std::vector<Notification> notifications_for(const Report& r, const Event& e,
                                            const NoticeContext& c) {
  std::vector<Notification> out = compose(r, e, c);
  const Category* category = c.reference->categories.find(r.category);
  if (!category || !category->notices) return out;
  const CategoryNotices& policy = *category->notices;
  std::vector<Notification> kept;
  for (Notification& n : out) {
    const std::string role = recipient_role(*c.reference, n.recipient);
    const bool muted = std::any_of(policy.mute.begin(), policy.mute.end(), [&](const auto& m) {
      return listed(m.kinds, to_string(n.kind)) && listed(m.roles, role);
    });
    if (muted) continue;
    n.urgent = n.urgent || policy.urgent;
    kept.push_back(std::move(n));
  }
  return kept;
}

namespace {

std::vector<Notification> compose(const Report& r, const Event& e, const NoticeContext& c) {
  Composer to(r, e, c);
  if (e.action == "submit") {
    // A case arrived in a grid: its own workers hear it (the 邻长 of the finest grid).
    if (!r.grid_chain.empty()) to.to_grid_workers(NoticeKind::received, r.grid_id());
    return to.take();
  }
  const auto action = parse_action(e.action);
  if (!action) return {};
  switch (*action) {
    case Action::register_case:
      to.to_residents(NoticeKind::registered);
      if (concerns_areas(r, e, *c.reference)) to.to_subscribers(NoticeKind::area);
      break;
    case Action::dispatch:
    case Action::reassign:
      to.to_assignee(NoticeKind::assigned, r.assignee);
      break;
    case Action::escalate:
      // The lead and every co-handling department, each with its 报到 deadline.
      for (const WhistledDepartment& w : r.whistle)
        to.to_department(NoticeKind::whistled, w.department);
      break;
    case Action::supervise:
      to.to_assignee(NoticeKind::supervised, r.assignee);
      if (r.supervision >= SupervisionLevel::supervised) {
        to.to_role(NoticeKind::supervised, Role::supervisor);
        // The grid chain above the case's grid hears of 督办 and 挂牌督办.
        for (std::size_t i = 1; i < r.grid_chain.size(); ++i)
          to.to_grid_workers(NoticeKind::supervised, r.grid_chain[i]);
      }
      break;
    case Action::handle:
    case Action::self_handle:
      to.to_residents(NoticeKind::handled);
      break;
    case Action::close:
      to.to_residents(NoticeKind::closed);
      if (concerns_areas(r, e, *c.reference)) to.to_subscribers(NoticeKind::area);
      break;
    case Action::rework:
      to.to_assignee(NoticeKind::reopened, r.assignee);
      break;
    case Action::evaluate:
      if (e.data.count("reopened")) to.to_assignee(NoticeKind::reopened, r.assignee);
      break;
    case Action::return_case:
      to.to_role(NoticeKind::returned, Role::dispatcher);
      break;
    case Action::request_extension:
      to.to_role(NoticeKind::extension, Role::supervisor);
      break;
    case Action::report_in_missed:
      // The departments late for 报到, each reminded, and the grid centre that whistled them.
      if (e.data.count("missed"))
        for (const std::string& id : text::split(e.data.at("missed"), ','))
          to.to_department(NoticeKind::report_in_missed, id);
      to.to_role(NoticeKind::report_in_missed, Role::dispatcher);
      break;
    default:
      break;
  }
  return to.take();
}

}  // namespace

}  // namespace wangge::dispatch
