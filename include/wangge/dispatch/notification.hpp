#pragma once
// Who hears what (通知): the messages a change of a report owes to people, decided from the
// event that recorded the change. The rules are the domain's: the leader of the grid or the
// department a case is dispatched to, the departments a whistle (吹哨) calls with their 报到
// deadline, the supervisors and the grid chain above at 督办, the resident on 立案, 处置, 结案
// (with the rating link) — so they are computed here, from the report and its event, and
// written by the service in the same transaction as the change (the transactional outbox).
//
// A message is rendered from a template (zh-CN) whose fields are the case's public facts: its
// number, category, grid, assignee, deadlines on the work calendar and a link. No template field
// carries the reporter's personal data, so a message may go to a group channel (企业微信, 钉钉).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wangge/dispatch/reference.hpp"
#include "wangge/dispatch/report.hpp"

namespace wangge::dispatch {

/// What a message is about; one template each.
enum class NoticeKind {
  assigned,    ///< 派遣 / 改派: the case is the recipient's to handle
  whistled,    ///< 吹哨报到: a department is called, with its 报到 deadline
  supervised,  ///< 催办 / 督办 / 挂牌督办
  registered,  ///< to the resident: 已受理立案
  handled,     ///< to the resident: 已处置
  closed,      ///< to the resident: 已办结, please rate
  reopened,    ///< 返工: back to the assignee (不满意 or the dispatcher's check)
  returned,    ///< 退回: a department sent the case back; the dispatchers must re-dispatch
  extension,   ///< 延期申请: a supervisor must decide
  received,    ///< 新上报: a case arrived in the recipient's grid (before it is screened)
  area,  ///< 关注区域: a public case registered or closed in an area the recipient follows
  report_in_missed,  ///< 报到超时: a whistled department let its 报到 deadline pass
};
std::string_view to_string(NoticeKind k) noexcept;
std::optional<NoticeKind> parse_notice_kind(std::string_view s);
/// Every kind's name, for messages.
std::string notice_kind_names();

/// One message to one recipient. Stored as the recipient's inbox entry; channels deliver it.
struct Notification {
  std::string id;  ///< stable: the same event, kind and recipient always give the same id
  Instant created_at;
  std::string report_id;
  int event_seq = 0;
  NoticeKind kind = NoticeKind::assigned;
  /// A staff id (organisation.json), a resident's actor id ("resident:wechat:…"), or, when no
  /// person answers for it, "grid:<id>" / "department:<id>" (group channels still hear it).
  std::string recipient;
  std::string recipient_name;  ///< for display ("" for residents)
  /// Where it belongs, for group channels that listen to some departments or grids: the
  /// department called or assigned, and the report's grid chain (finest first).
  std::string department;
  std::vector<std::string> grids;
  std::string category;  ///< the category code (channels may listen to some categories)
  bool urgent = false;   ///< 督办 and 挂牌督办
  std::string title;     ///< short (zh-CN), e.g. "督办提醒"
  std::string text;      ///< the rendered template (zh-CN)
  std::string link;
  std::optional<Instant> read_at;  ///< when the recipient read it in the inbox
  /// The template fields it was rendered from (the case's public facts), for a channel's own
  /// text; not stored (empty when read back).
  std::map<std::string, std::string> fields = {};
};

enum class DeliveryState { pending, delivered, dead };
std::string_view to_string(DeliveryState s) noexcept;
std::optional<DeliveryState> parse_delivery_state(std::string_view s);

/// One message on one channel.
struct Delivery {
  std::string id;  ///< "d_…": stable, sent with every try (X-Wangge-Delivery)
  std::string notification_id;
  std::string channel;  ///< the channel's name in the deployment's configuration
  std::string address;  ///< a phone for SMS (personal data: never shown), "" otherwise
  DeliveryState state = DeliveryState::pending;
  int attempts = 0;  ///< tries made
  Instant next_at;   ///< pending: not before this
  Instant created_at;
  Instant updated_at;
  std::optional<Instant> delivered_at;
  std::string last_error;  ///< the last failed try's cause ("HTTP 500", "timed out", …)
  /// Held for a digest: the digest's id ("g_…"), sent with the others of its window as one
  /// message; "" when sent on its own.
  std::string digest;
  /// The channel's own text of the message (its `texts` template), "" for the message's text.
  std::string text;
  /// On a channel with a digest: the window it counts in (the window's digest id, which names
  /// channel, address and window), urgent messages included; "" elsewhere. Stored, not read.
  std::string window;
};

/// The template of each kind: text with {field} placeholders. Fields: case, category, grid,
/// assignee, department, deadline, report_in_due, level, requested_due, state, link,
/// rating_link. A template naming any other field, or with an unmatched brace, is refused.
class NoticeTemplates {
 public:
  /// The defaults (zh-CN), one per kind.
  NoticeTemplates();

  /// Replaces the template of @p kind. @throws Error(invalid_data) naming the kind and the
  /// unknown field or the stray brace.
  void set(NoticeKind kind, const std::string& text);
  const std::string& text(NoticeKind kind) const;
  /// The text of @p kind with @p fields filled in (every placeholder is a known field).
  std::string render(NoticeKind kind, const std::map<std::string, std::string>& fields) const;

  /// Every field a template may name.
  static const std::vector<std::string_view>& fields();

 private:
  std::map<NoticeKind, std::string> text_;
};

/// What the rules need besides the report and its event.
struct NoticeContext {
  const ReferenceData* reference = nullptr;
  const NoticeTemplates* templates = nullptr;
  /// The public base URL of the deployment ("https://wangge.example.cn"), for links.
  std::string base_url;
  /// The name of a grid by its id ("" when unknown): the service's grid index.
  std::function<std::string(const std::string&)> grid_name;
  /// Who follows the case's grids (关注区域), when concerns_areas() said to look them up.
  std::vector<std::string> subscribers = {};
};

/// A stable outbox id: @p prefix, the time of the event it tells of (12 hex digits of
/// milliseconds, so ids sort by time and a store's index on them grows at its end instead of
/// touching a random page per row), then 16 hex digits of SHA-256 of @p key (what makes it
/// unique: the same key and time always give the same id).
std::string outbox_id(std::string_view prefix, Instant at, std::string_view key);

/// Whether @p e may concern the followers of an area: a case of a public category registered
/// (立案) or closed (结案). The service looks the followers up only then.
bool concerns_areas(const Report& r, const Event& e, const ReferenceData& ref);

/// The role a recipient is told in, for rules: a staff member's role, "group" for a grid or
/// department nobody answers for ("grid:…", "department:…"), else "resident".
std::string recipient_role(const ReferenceData& ref, const std::string& recipient);

/// The messages @p event (just applied to @p report, which is the state after it) owes, in a
/// stable order. Nothing for events nobody must hear about (accept, an own 报到, …). The
/// category's notification settings (reference data) apply: its muted kinds and roles are not
/// told; an urgent category's messages are all urgent.
std::vector<Notification> notifications_for(const Report& report, const Event& event,
                                            const NoticeContext& context);

}  // namespace wangge::dispatch
