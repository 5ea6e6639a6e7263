#include "sql_store.hpp"

#include <nlohmann/json.hpp>

#include "wangge/util/error.hpp"

namespace wangge::store {

std::string text_of(const Value& v) {
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "";
}

std::int64_t int_at(const Row& row, std::size_t i) {
  return std::holds_alternative<std::int64_t>(row[i]) ? std::get<std::int64_t>(row[i]) : 0;
}

std::optional<double> real_at(const Row& row, std::size_t i) {
  if (std::holds_alternative<double>(row[i])) return std::get<double>(row[i]);
  if (std::holds_alternative<std::int64_t>(row[i]))
    return static_cast<double>(std::get<std::int64_t>(row[i]));
  return std::nullopt;
}

void add_under(const std::vector<std::string>& grids, std::string& where, Row& params) {
  if (grids.empty()) return;
  where += " AND (";
  for (std::size_t i = 0; i < grids.size(); ++i) {
    where += i ? " OR grid_path LIKE ? ESCAPE '!'" : "grid_path LIKE ? ESCAPE '!'";
    params.emplace_back(like_under(grids[i]));
  }
  where += ")";
}

std::vector<std::string> grid_chain_of(const Value& v) {
  const nlohmann::json chain = nlohmann::json::parse(text_of(v), nullptr, false);
  if (!chain.is_array()) throw Error(ErrorCode::internal, "a stored grid chain is not a list");
  std::vector<std::string> out;
  for (const nlohmann::json& g : chain)
    if (g.is_string()) out.push_back(g.get<std::string>());
  return out;
}

TimeCursor parse_time_cursor(const std::string& after) {
  const auto dot = after.find('.');
  TimeCursor c;
  bool ok = dot != std::string::npos && dot > 0 && dot <= 15;
  for (std::size_t i = 0; ok && i < dot; ++i) {
    ok = after[i] >= '0' && after[i] <= '9';
    c.ms = c.ms * 10 + (after[i] - '0');
  }
  if (!ok || after.size() - dot - 1 > 64)
    throw Error(ErrorCode::invalid_argument, "'after' must be the 'next' of a previous page");
  c.id = after.substr(dot + 1);
  return c;
}

std::string time_cursor(dispatch::Instant at, const std::string& id) {
  return std::to_string(to_millis(at)) + "." + id;
}

void add_equal(const char* column, const std::string& value, std::string& where, Row& params) {
  if (value.empty()) return;
  where += std::string(" AND ") + column + " = ?";
  params.emplace_back(value);
}

std::string newest_first(const NewestFirst& page, std::string where, Row& params) {
  const std::string time = page.time;
  if (page.from) {
    where += " AND " + time + " >= ?";
    params.emplace_back(to_millis(*page.from));
  }
  if (page.to) {
    where += " AND " + time + " < ?";
    params.emplace_back(to_millis(*page.to));
  }
  if (!page.after.empty()) {
    const TimeCursor c = parse_time_cursor(page.after);
    where += " AND (" + time + " < ? OR (" + time + " = ? AND id < ?))";
    params.insert(params.end(), {c.ms, c.ms, c.id});
  }
  params.emplace_back(static_cast<std::int64_t>(page.limit));
  return where + " ORDER BY " + time + " DESC, id DESC LIMIT ?";
}

namespace {

std::size_t size_of(const Value& v) {
  return static_cast<std::size_t>(std::get<std::int64_t>(v));
}

}  // namespace

// ---- SqlSession ------------------------------------------------------------------------------

std::vector<dispatch::Report> SqlSession::decode_all(const sql::Query& q) {
  std::vector<dispatch::Report> out;
  for (const Row& row : rows(q.text, q.params)) out.push_back(decode_report(row));
  return out;
}

std::string SqlSession::add_generation(const std::string& source, std::size_t grid_count,
                                       dispatch::Instant now) {
  const auto count = rows("SELECT COUNT(*) FROM generations", {});
  const std::string id = "g" + std::to_string(std::get<std::int64_t>(count.at(0).at(0)) + 1);
  run("INSERT INTO generations (id, created_at, source, grid_count) VALUES (?, ?, ?, ?)",
      {id, to_millis(now), source, static_cast<std::int64_t>(grid_count)});
  return id;
}

std::optional<dispatch::Report> SqlSession::report(const std::string& id) {
  auto found = rows(sql::select_report(), {id});
  if (found.empty()) return std::nullopt;
  return decode_report(found.front());
}

void SqlSession::insert_report(const dispatch::Report& r, const std::string& key,
                               const std::string& hash) {
  run(sql::insert_report(), encode_report(r));
  if (!key.empty()) run(sql::insert_report_key(), {key, r.id, hash});
}

bool SqlSession::delete_case(const std::string& id, std::int64_t version) {
  // Takes the row (PostgreSQL: its lock) only at that version; then the rest, children first.
  if (run("UPDATE reports SET version = version WHERE id = ? AND version = ?", {id, version}) != 1)
    return false;
  run("DELETE FROM deliveries WHERE notification_id IN (SELECT id FROM notifications WHERE "
      "report_id = ?)",
      {id});
  for (const char* sql :
       {"DELETE FROM notifications WHERE report_id = ?", "DELETE FROM media WHERE report_id = ?",
        "DELETE FROM report_keys WHERE report_id = ?", "DELETE FROM events WHERE report_id = ?",
        "DELETE FROM reports WHERE id = ?"})
    run(sql, {id});
  return true;
}

void SqlSession::update_report(const dispatch::Report& r) {
  Row row = encode_report(r);
  const Value id = row.front();
  row.erase(row.begin());
  row.push_back(id);
  if (run(sql::update_report(), row) != 1)
    throw Error(ErrorCode::not_found, "report " + r.id + " does not exist");
}

void SqlSession::append_event(const dispatch::Event& e) {
  run(sql::insert_event(), encode_event(e));
}

std::optional<IdempotencyRecord> SqlSession::idempotency(const std::string& key) {
  auto found = rows(sql::select_idempotency(), {key});
  if (found.empty()) return std::nullopt;
  return IdempotencyRecord{text_of(found[0][0]), text_of(found[0][1]), text_of(found[0][2])};
}

std::vector<dispatch::Report> SqlSession::open_reports_near(const std::string& category,
                                                            const geo::BBox& box,
                                                            dispatch::Instant since,
                                                            std::size_t limit) {
  const auto q = sql::open_reports_near(category, box, since, limit);
  std::vector<dispatch::Report> out;
  for (const Row& row : rows(q.text, q.params)) out.push_back(sql::decode_candidate(row));
  return out;
}

std::vector<std::string> SqlSession::supervision_candidates(dispatch::Instant now,
                                                            double remind_fraction,
                                                            dispatch::Instant list_before,
                                                            std::size_t limit) {
  const auto q = sql::supervision_candidates(now, remind_fraction, list_before, limit);
  std::vector<std::string> ids;
  for (const Row& row : rows(q.text, q.params)) ids.push_back(text_of(row[0]));
  return ids;
}

std::vector<std::string> SqlSession::report_in_candidates(dispatch::Instant now,
                                                          std::size_t limit) {
  const auto q = sql::report_in_candidates(now, limit);
  std::vector<std::string> ids;
  for (const Row& row : rows(q.text, q.params)) ids.push_back(text_of(row[0]));
  return ids;
}

std::optional<StoredReply> SqlSession::reply(const std::string& key) {
  auto found = rows(sql::select_reply(), {key});
  if (found.empty()) return std::nullopt;
  return StoredReply{text_of(found[0][0]), static_cast<int>(std::get<std::int64_t>(found[0][1])),
                     text_of(found[0][2])};
}

void SqlSession::save_reply(const std::string& key, const StoredReply& r, dispatch::Instant now) {
  run(sql::insert_reply(), {key, r.request_hash, std::int64_t{r.status}, r.body, to_millis(now)});
}

// ---- SqlStore --------------------------------------------------------------------------------

void SqlStore::write_sql(const std::function<void(SqlSession&)>& fn) {
  write([&](WriteTx& tx) { fn(static_cast<SqlSession&>(tx)); });
}

std::optional<dispatch::Report> SqlStore::report(const std::string& id) {
  return read_value([&](SqlSession& s) { return s.report(id); });
}

std::vector<dispatch::Event> SqlStore::events(const std::string& id) {
  return read_value([&](SqlSession& s) {
    std::vector<dispatch::Event> out;
    for (const Row& row : s.rows(sql::select_events(), {id})) out.push_back(decode_event(row));
    return out;
  });
}

ReportPage SqlStore::list(const ReportFilter& filter) {
  const auto q = sql::list(filter);
  return read_lagging_value([&](SqlSession& s) {
    ReportPage page;
    page.items = s.decode_all(q);
    if (page.items.size() > filter.limit) {
      page.items.resize(filter.limit);
      page.next = sql::cursor_after(page.items.back(), filter.order);
    }
    return page;
  });
}

std::size_t SqlStore::count(const ReportFilter& filter, std::size_t at_most) {
  const auto q = sql::count(filter, at_most);
  return read_lagging_value([&](SqlSession& s) { return size_of(s.rows(q.text, q.params)[0][0]); });
}

std::vector<dispatch::Report> SqlStore::reports_created(dispatch::Instant from,
                                                        dispatch::Instant to,
                                                        std::size_t max_rows) {
  return read_lagging_value(
      [&](SqlSession& s) { return s.decode_all(sql::reports_created(from, to, max_rows)); });
}

std::vector<dispatch::Report> SqlStore::ended_before(dispatch::Instant before, std::size_t limit) {
  const auto q = sql::ended_before(before, limit);
  std::vector<dispatch::Report> out;
  read_unbounded([&](SqlSession& s) { out = s.decode_all(q); });
  return out;
}

std::size_t SqlStore::report_count() {
  return read_value(
      [&](SqlSession& s) { return size_of(s.rows("SELECT COUNT(*) FROM reports", {})[0][0]); });
}

void SqlStore::activate_generation(const std::string& id) {
  write_sql([&](SqlSession& s) {
    if (s.rows("SELECT 1 FROM generations WHERE id = ?", {id}).empty())
      throw Error(ErrorCode::not_found, "grid generation '" + id + "' does not exist");
    s.run("UPDATE generations SET active = (id = ?)", {id});
  });
}

std::optional<std::string> SqlStore::active_generation() {
  return read_value_unbounded([&](SqlSession& s) -> std::optional<std::string> {
    auto found = s.rows("SELECT id FROM generations WHERE active", {});
    if (found.empty()) return std::nullopt;
    return text_of(found[0][0]);
  });
}

std::vector<GenerationInfo> SqlStore::generations() {
  return read_value_unbounded([&](SqlSession& s) {
    std::vector<GenerationInfo> out;
    for (const Row& r : s.rows("SELECT id, created_at, source, grid_count, active FROM "
                               "generations ORDER BY created_at",
                               {})) {
      out.push_back({text_of(r[0]), from_millis(std::get<std::int64_t>(r[1])), text_of(r[2]),
                     size_of(r[3]), std::get<std::int64_t>(r[4]) != 0});
    }
    return out;
  });
}

void SqlStore::put_reference(const std::string& name, const std::string& body,
                             dispatch::Instant now) {
  write_sql([&](SqlSession& s) {
    s.run(
        "INSERT INTO reference (name, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO "
        "UPDATE SET body = excluded.body, updated_at = CASE WHEN reference.body = excluded.body "
        "THEN reference.updated_at ELSE excluded.updated_at END",
        {name, body, to_millis(now)});
  });
}

std::optional<std::string> SqlStore::reference(const std::string& name) {
  return read_value_unbounded([&](SqlSession& s) -> std::optional<std::string> {
    auto found = s.rows("SELECT body FROM reference WHERE name = ?", {name});
    if (found.empty()) return std::nullopt;
    return text_of(found[0][0]);
  });
}

std::optional<dispatch::Instant> SqlStore::reference_updated_at(const std::string& name) {
  return read_value_unbounded([&](SqlSession& s) -> std::optional<dispatch::Instant> {
    auto found = s.rows("SELECT updated_at FROM reference WHERE name = ?", {name});
    if (found.empty() || !std::holds_alternative<std::int64_t>(found[0][0])) return std::nullopt;
    return from_millis(std::get<std::int64_t>(found[0][0]));
  });
}

void SqlStore::put_api_key(const ApiKey& k) {
  write_sql([&](SqlSession& s) {
    s.run(sql::insert_api_key(), {k.id, k.hash, k.actor, k.role, k.label, to_millis(k.created_at)});
  });
}

std::optional<ApiKey> SqlStore::api_key_by_hash(const std::string& hash) {
  return read_value([&](SqlSession& s) -> std::optional<ApiKey> {
    auto found = s.rows(sql::select_api_key_by_hash(), {hash});
    if (found.empty()) return std::nullopt;
    return sql::decode_api_key(found[0]);
  });
}

std::vector<ApiKey> SqlStore::api_keys() {
  return read_value_unbounded([&](SqlSession& s) {
    std::vector<ApiKey> out;
    for (const Row& row : s.rows(sql::select_api_keys(), {}))
      out.push_back(sql::decode_api_key(row));
    return out;
  });
}

void SqlStore::revoke_api_key(const std::string& id) {
  write_sql([&](SqlSession& s) {
    if (s.run(sql::revoke_api_key(), {id}) != 1)
      throw Error(ErrorCode::not_found, "API key '" + id + "' does not exist");
  });
}

std::vector<GridPathCount> SqlStore::open_counts_by_path(dispatch::Instant now) {
  const auto q = sql::open_counts_by_path(now);
  return read_lagging_value([&](SqlSession& s) {
    std::vector<GridPathCount> out;
    for (const Row& row : s.rows(q.text, q.params)) out.push_back(sql::decode_path_count(row));
    return out;
  });
}

std::vector<std::pair<std::string, std::size_t>> SqlStore::count_by_state() {
  return read_lagging_value([&](SqlSession& s) {
    std::vector<std::pair<std::string, std::size_t>> out;
    for (const Row& row : s.rows(sql::count_by_state(), {}))
      out.emplace_back(text_of(row[0]), size_of(row[1]));
    return out;
  });
}

}  // namespace wangge::store
