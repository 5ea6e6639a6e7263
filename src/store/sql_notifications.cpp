// The outbox and inbox port over SQL, the same statements on both dialects.
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "sql_store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

constexpr const char* kNoticeColumns =
    "id, created_at, report_id, event_seq, kind, recipient, recipient_name, department, grids, "
    "category, urgent, title, body, link, read_at";
constexpr const char* kDeliveryColumns =
    "id, notification_id, channel, address, state, attempts, next_at, created_at, updated_at, "
    "delivered_at, last_error, digest, text";

bool null_at(const Row& row, std::size_t i) {
  return std::holds_alternative<std::monostate>(row[i]);
}

dispatch::Notification decode_notice(const Row& row, std::size_t at = 0) {
  dispatch::Notification n;
  n.id = text_of(row[at + 0]);
  n.created_at = from_millis(int_at(row, at + 1));
  n.report_id = text_of(row[at + 2]);
  n.event_seq = static_cast<int>(std::clamp<std::int64_t>(int_at(row, at + 3), 0, 1 << 30));
  n.kind =
      dispatch::parse_notice_kind(text_of(row[at + 4])).value_or(dispatch::NoticeKind::assigned);
  n.recipient = text_of(row[at + 5]);
  n.recipient_name = text_of(row[at + 6]);
  n.department = text_of(row[at + 7]);
  const auto grids = nlohmann::json::parse(text_of(row[at + 8]), nullptr, false);
  if (grids.is_array())
    for (const auto& g : grids)
      if (g.is_string()) n.grids.push_back(g.get<std::string>());
  n.category = text_of(row[at + 9]);
  n.urgent = int_at(row, at + 10) != 0;
  n.title = text_of(row[at + 11]);
  n.text = text_of(row[at + 12]);
  n.link = text_of(row[at + 13]);
  if (!null_at(row, at + 14)) n.read_at = from_millis(int_at(row, at + 14));
  return n;
}

dispatch::Delivery decode_delivery(const Row& row, std::size_t at = 0) {
  dispatch::Delivery d;
  d.id = text_of(row[at + 0]);
  d.notification_id = text_of(row[at + 1]);
  d.channel = text_of(row[at + 2]);
  d.address = text_of(row[at + 3]);
  d.state = dispatch::parse_delivery_state(text_of(row[at + 4]))
                .value_or(dispatch::DeliveryState::pending);
  d.attempts = static_cast<int>(std::clamp<std::int64_t>(int_at(row, at + 5), 0, 1 << 30));
  d.next_at = from_millis(int_at(row, at + 6));
  d.created_at = from_millis(int_at(row, at + 7));
  d.updated_at = from_millis(int_at(row, at + 8));
  if (!null_at(row, at + 9)) d.delivered_at = from_millis(int_at(row, at + 9));
  d.last_error = text_of(row[at + 10]);
  d.digest = text_of(row[at + 11]);
  d.text = text_of(row[at + 12]);
  return d;
}

std::string prefixed(const char* columns, const char* alias) {
  std::string out;
  std::string_view all(columns);
  std::size_t at = 0;
  while (at < all.size()) {
    std::size_t comma = all.find(',', at);
    if (comma == std::string_view::npos) comma = all.size();
    std::string_view name = all.substr(at, comma - at);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    out += (out.empty() ? "" : ", ") + std::string(alias) + "." + std::string(name);
    at = comma + 1;
  }
  return out;
}

}  // namespace

std::size_t SqlSession::enqueue(const dispatch::Notification& n,
                                const std::vector<dispatch::Delivery>& deliveries,
                                std::vector<bool>* fresh) {
  nlohmann::json grids = nlohmann::json::array();
  for (const std::string& g : n.grids) grids.push_back(g);
  run(std::string("INSERT INTO notifications (") + kNoticeColumns +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO NOTHING",
      {n.id, to_millis(n.created_at), n.report_id, std::int64_t{n.event_seq},
       std::string(to_string(n.kind)), n.recipient, n.recipient_name, n.department, grids.dump(),
       n.category, std::int64_t{n.urgent ? 1 : 0}, n.title, n.text, n.link});
  if (fresh) fresh->assign(deliveries.size(), false);
  std::size_t inserted = 0;
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    const dispatch::Delivery& d = deliveries[i];
    const std::size_t n_rows =
        run(std::string("INSERT INTO deliveries (") + kDeliveryColumns +
                ", digest_window) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, '', ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
            {d.id, d.notification_id, d.channel, d.address, std::string(to_string(d.state)),
             std::int64_t{d.attempts}, to_millis(d.next_at), to_millis(d.created_at),
             to_millis(d.updated_at), d.digest, d.text, d.window});
    if (n_rows == 0) continue;
    ++inserted;
    if (fresh) (*fresh)[i] = true;
  }
  return inserted;
}

std::vector<std::string> SqlSession::subscribers(const std::vector<std::string>& grids,
                                                 std::size_t limit) {
  std::vector<std::string> out;
  if (grids.empty()) return out;
  std::string marks;
  Row params;
  for (const std::string& g : grids) {
    marks += marks.empty() ? "?" : ", ?";
    params.push_back(g);
  }
  params.push_back(static_cast<std::int64_t>(limit));
  for (const Row& row : rows("SELECT DISTINCT actor FROM subscriptions WHERE grid IN (" + marks +
                                 ") ORDER BY actor LIMIT ?",
                             params))
    out.push_back(text_of(row[0]));
  return out;
}

namespace {

/// Pending deliveries with their messages: @p where_order (over d and n) with @p params.
std::vector<DueDelivery> pending_with_messages(SqlSession& s, const std::string& where_order,
                                               const Row& params) {
  std::vector<DueDelivery> out;
  const auto rows = s.rows(std::string("SELECT ") + prefixed(kDeliveryColumns, "d") + ", " +
                               prefixed(kNoticeColumns, "n") +
                               " FROM deliveries d JOIN notifications n ON n.id = "
                               "d.notification_id WHERE d.state = 'pending' AND " +
                               where_order,
                           params);
  out.reserve(rows.size());
  for (const Row& row : rows)
    out.push_back(DueDelivery{decode_delivery(row), decode_notice(row, 13)});
  return out;
}

}  // namespace

std::vector<DueDelivery> SqlStore::due_deliveries(dispatch::Instant now, std::size_t limit) {
  return read_value([&](SqlSession& s) {
    return pending_with_messages(s, "d.next_at <= ? ORDER BY d.next_at, d.id LIMIT ?",
                                 {to_millis(now), static_cast<std::int64_t>(limit)});
  });
}

std::vector<DueDelivery> SqlStore::digest_members(const std::string& digest) {
  // A window's digest holds at most what one address got in it; bounded all the same.
  return read_value([&](SqlSession& s) {
    return pending_with_messages(s,
                                 "d.digest = ? AND d.digest <> '' ORDER BY d.created_at, d.id "
                                 "LIMIT 10000",
                                 {digest});
  });
}

std::size_t SqlSession::deliveries_in_window(const std::string& window) {
  // "<> ''" lets SQLite use the partial index (it cannot prove it from "= ?" alone).
  const auto rows = this->rows(
      "SELECT COUNT(*) FROM deliveries WHERE digest_window = ? AND digest_window <> ''", {window});
  return rows.empty() ? 0 : static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(rows[0], 0)));
}

void SqlStore::record_outcomes(const std::vector<DeliveryOutcome>& outcomes) {
  if (outcomes.empty()) return;
  write_sql([&](SqlSession& s) {
    for (const DeliveryOutcome& o : outcomes) {
      if (o.delivered) {
        s.run(
            "UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, updated_at = ?, "
            "delivered_at = ?, last_error = '' WHERE id = ? AND state = 'pending'",
            {to_millis(o.at), to_millis(o.at), o.id});
      } else {
        s.run(
            "UPDATE deliveries SET state = ?, attempts = attempts + 1, updated_at = ?, next_at = "
            "?, "
            "last_error = ? WHERE id = ? AND state = 'pending'",
            {std::string(o.dead ? "dead" : "pending"), to_millis(o.at), to_millis(o.next_at),
             o.error.substr(0, 500), o.id});
      }
    }
  });
}

std::optional<dispatch::Instant> SqlStore::next_due() {
  return read_value([&](SqlSession& s) -> std::optional<dispatch::Instant> {
    const auto rows = s.rows("SELECT MIN(next_at) FROM deliveries WHERE state = 'pending'", {});
    if (rows.empty() || null_at(rows[0], 0)) return std::nullopt;
    return from_millis(int_at(rows[0], 0));
  });
}

std::vector<dispatch::Notification> SqlStore::inbox(const InboxQuery& q) {
  return read_value([&](SqlSession& s) {
    std::string text =
        std::string("SELECT ") + kNoticeColumns + " FROM notifications WHERE recipient = ?";
    Row params{q.recipient};
    if (q.unread_only) text += " AND read_at IS NULL";
    if (q.before) {
      text += " AND (created_at < ? OR (created_at = ? AND id < ?))";
      params.push_back(to_millis(q.before->first));
      params.push_back(to_millis(q.before->first));
      params.push_back(q.before->second);
    }
    text += " ORDER BY created_at DESC, id DESC LIMIT ?";
    params.push_back(static_cast<std::int64_t>(q.limit));
    std::vector<dispatch::Notification> out;
    for (const Row& row : s.rows(text, params)) out.push_back(decode_notice(row));
    return out;
  });
}

std::size_t SqlStore::unread_count(const std::string& recipient) {
  return read_value([&](SqlSession& s) {
    const auto rows = s.rows(
        "SELECT COUNT(*) FROM notifications WHERE recipient = ? AND read_at IS NULL", {recipient});
    return static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(rows[0], 0)));
  });
}

bool SqlStore::mark_read(const std::string& id, const std::string& recipient,
                         dispatch::Instant now) {
  bool found = false;
  write_sql([&](SqlSession& s) {
    found = !s.rows("SELECT id FROM notifications WHERE id = ? AND recipient = ?", {id, recipient})
                 .empty();
    if (found) {
      s.run("UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL",
            {to_millis(now), id});
    }
  });
  return found;
}

std::size_t SqlStore::mark_all_read(
    const std::string& recipient, dispatch::Instant now,
    const std::optional<std::pair<dispatch::Instant, std::string>>& through) {
  std::string text =
      "UPDATE notifications SET read_at = ? WHERE recipient = ? AND read_at IS NULL "
      "AND created_at <= ?";
  Row params{to_millis(now), recipient, to_millis(now)};
  if (through) {
    text += " AND (created_at < ? OR (created_at = ? AND id <= ?))";
    params.insert(params.end(),
                  {to_millis(through->first), to_millis(through->first), through->second});
  }
  std::size_t marked = 0;
  write_sql([&](SqlSession& s) { marked = s.run(text, params); });
  return marked;
}

std::optional<dispatch::Notification> SqlStore::notification(const std::string& id) {
  return read_value([&](SqlSession& s) -> std::optional<dispatch::Notification> {
    const auto rows =
        s.rows(std::string("SELECT ") + kNoticeColumns + " FROM notifications WHERE id = ?", {id});
    if (rows.empty()) return std::nullopt;
    return decode_notice(rows[0]);
  });
}

std::vector<dispatch::Delivery> SqlStore::deliveries(std::optional<dispatch::DeliveryState> state,
                                                     std::size_t limit) {
  // Newest change first. Each state reads its own partial index (deliveries_due holds the
  // pending rows, deliveries_done the others, in (state, updated_at, id) order); the literal
  // terms let SQLite see which; all states are the three merged.
  const std::string columns = std::string("SELECT ") + kDeliveryColumns + " FROM deliveries";
  const std::string order = " ORDER BY updated_at DESC, id DESC LIMIT ?";
  const auto limit_value = static_cast<std::int64_t>(limit);
  std::string text;
  Row params;
  auto add = [&](dispatch::DeliveryState st) {
    if (!text.empty()) text += " UNION ALL ";
    text += "SELECT * FROM (" + columns;
    if (st == dispatch::DeliveryState::pending) {
      text += " WHERE state = 'pending'";
    } else {
      text += " WHERE state = ? AND state <> 'pending'";
      params.push_back(std::string(to_string(st)));
    }
    text += order + ") AS " + std::string(to_string(st));
    params.push_back(limit_value);
  };
  if (state) {
    add(*state);
  } else {
    for (const dispatch::DeliveryState st :
         {dispatch::DeliveryState::pending, dispatch::DeliveryState::delivered,
          dispatch::DeliveryState::dead})
      add(st);
  }
  text = "SELECT * FROM (" + text + ") AS newest" + order;
  params.push_back(limit_value);
  return read_value([&](SqlSession& s) {
    std::vector<dispatch::Delivery> out;
    for (const Row& row : s.rows(text, params)) out.push_back(decode_delivery(row));
    return out;
  });
}

std::optional<dispatch::Delivery> SqlStore::delivery(const std::string& id) {
  return read_value([&](SqlSession& s) -> std::optional<dispatch::Delivery> {
    const auto rows =
        s.rows(std::string("SELECT ") + kDeliveryColumns + " FROM deliveries WHERE id = ?", {id});
    if (rows.empty()) return std::nullopt;
    return decode_delivery(rows[0]);
  });
}

bool SqlStore::resend(const std::string& id, dispatch::Instant now) {
  bool found = false;
  write_sql([&](SqlSession& s) {
    found =
        s.run(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_at = ?, updated_at = ?, "
            "delivered_at = NULL, digest = '' WHERE id = ?",
            {to_millis(now), to_millis(now), id}) > 0;
  });
  return found;
}

std::size_t SqlStore::purge_deliveries(dispatch::Instant before, std::size_t limit) {
  // By deliveries_done (state, updated_at, id), one state at a time, the oldest first.
  std::size_t purged = 0;
  write_sql([&](SqlSession& s) {
    purged = 0;  // the write may run again
    for (const char* state : {"delivered", "dead"}) {
      if (purged >= limit) break;
      purged += s.run(
          "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE state = ? AND "
          "state <> 'pending' AND updated_at < ? ORDER BY updated_at LIMIT ?)",
          {std::string(state), to_millis(before), static_cast<std::int64_t>(limit - purged)});
    }
  });
  return purged;
}

std::vector<std::pair<std::string, std::size_t>> SqlStore::delivery_counts() {
  return read_value([&](SqlSession& s) {
    std::vector<std::pair<std::string, std::size_t>> out;
    for (const Row& row : s.rows("SELECT state, COUNT(*) FROM deliveries GROUP BY state", {}))
      out.emplace_back(text_of(row[0]),
                       static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(row, 1))));
    return out;
  });
}

std::vector<std::pair<std::string, dispatch::Instant>> SqlStore::subscriptions(
    const std::string& actor) {
  return read_value([&](SqlSession& s) {
    std::vector<std::pair<std::string, dispatch::Instant>> out;
    for (const Row& row : s.rows(
             "SELECT grid, created_at FROM subscriptions WHERE actor = ? ORDER BY grid", {actor}))
      out.emplace_back(text_of(row[0]), from_millis(int_at(row, 1)));
    return out;
  });
}

bool SqlStore::subscribe(const std::string& actor, const std::string& grid, dispatch::Instant now,
                         std::size_t at_most) {
  bool ok = false;
  write_sql([&](SqlSession& s) {
    if (!s.rows("SELECT grid FROM subscriptions WHERE actor = ? AND grid = ?", {actor, grid})
             .empty()) {
      ok = true;
      return;
    }
    const auto n = s.rows("SELECT COUNT(*) FROM subscriptions WHERE actor = ?", {actor});
    if (static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(n[0], 0))) >= at_most) return;
    s.run("INSERT INTO subscriptions (actor, grid, created_at) VALUES (?, ?, ?)",
          {actor, grid, to_millis(now)});
    ok = true;
  });
  return ok;
}

bool SqlStore::unsubscribe(const std::string& actor, const std::string& grid) {
  bool found = false;
  write_sql([&](SqlSession& s) {
    found = s.run("DELETE FROM subscriptions WHERE actor = ? AND grid = ?", {actor, grid}) > 0;
  });
  return found;
}

}  // namespace wangge::store
