// The tasks port over SQL (圆单, 揭榜挂帅), the same statements on both dialects.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "sql_store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

namespace tk = dispatch::tasks;
using nlohmann::json;

constexpr const char* kColumns =
    "id, kind, state, title, text, grid_path, grid_chain, points, requester, claimant, "
    "created_at, updated_at, due_at, claimed_at, done_at, confirmed_at, rating, version";

Value optional_time(const std::optional<dispatch::Instant>& t) {
  return t ? Value(to_millis(*t)) : Value();
}

std::optional<dispatch::Instant> time_at(const Row& row, std::size_t i) {
  if (std::holds_alternative<std::monostate>(row[i])) return std::nullopt;
  return from_millis(int_at(row, i));
}

Row encode(const tk::Task& t) {
  return {t.id,
          std::string(to_string(t.kind)),
          std::string(to_string(t.state)),
          t.title,
          t.text,
          grid_path(t.grid_chain),
          json(t.grid_chain).dump(),
          t.points,
          t.requester,
          t.claimant,
          to_millis(t.created_at),
          to_millis(t.updated_at),
          optional_time(t.due_at),
          optional_time(t.claimed_at),
          optional_time(t.done_at),
          optional_time(t.confirmed_at),
          static_cast<std::int64_t>(t.rating),
          static_cast<std::int64_t>(t.version)};
}

tk::Task decode(const Row& row) {
  tk::Task t;
  t.id = text_of(row[0]);
  const auto kind = tk::parse_kind(text_of(row[1]));
  const auto state = tk::parse_state(text_of(row[2]));
  if (!kind || !state) throw Error(ErrorCode::internal, "a task of an unknown kind or state");
  t.kind = *kind;
  t.state = *state;
  t.title = text_of(row[3]);
  t.text = text_of(row[4]);
  t.grid_chain = grid_chain_of(row[6]);
  t.points = int_at(row, 7);
  t.requester = text_of(row[8]);
  t.claimant = text_of(row[9]);
  t.created_at = from_millis(int_at(row, 10));
  t.updated_at = from_millis(int_at(row, 11));
  t.due_at = time_at(row, 12);
  t.claimed_at = time_at(row, 13);
  t.done_at = time_at(row, 14);
  t.confirmed_at = time_at(row, 15);
  t.rating = static_cast<int>(std::clamp<std::int64_t>(int_at(row, 16), 0, 5));
  t.version = static_cast<int>(std::clamp<std::int64_t>(int_at(row, 17), 0, 1000000));
  return t;
}

std::optional<tk::Task> find(SqlSession& s, const std::string& id) {
  auto found = s.rows(std::string("SELECT ") + kColumns + " FROM tasks WHERE id = ?", {id});
  if (found.empty()) return std::nullopt;
  return decode(found[0]);
}

}  // namespace

std::optional<tk::Task> SqlSession::task(const std::string& id) {
  return find(*this, id);
}

void SqlSession::insert_task(const tk::Task& t) {
  if (find(*this, t.id)) throw Error(ErrorCode::conflict, "task " + t.id + " exists already");
  run(std::string("INSERT INTO tasks (") + kColumns +
          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      encode(t));
}

void SqlSession::update_task(const tk::Task& t) {
  Row params = encode(t);
  params.erase(params.begin());  // the id goes last
  params.emplace_back(t.id);
  run("UPDATE tasks SET kind = ?, state = ?, title = ?, text = ?, grid_path = ?, grid_chain = ?, "
      "points = ?, requester = ?, claimant = ?, created_at = ?, updated_at = ?, due_at = ?, "
      "claimed_at = ?, done_at = ?, confirmed_at = ?, rating = ?, version = ? WHERE id = ?",
      params);
}

void SqlSession::append_task_event(const tk::TaskEvent& e) {
  run("INSERT INTO task_events (task_id, seq, at, actor, action, from_state, to_state, note) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {e.task_id, static_cast<std::int64_t>(e.seq), to_millis(e.at), e.actor, e.action,
       std::string(to_string(e.from)), std::string(to_string(e.to)), e.note});
}

std::optional<tk::Task> SqlStore::task(const std::string& id) {
  return read_value([&](SqlSession& s) { return find(s, id); });
}

std::vector<tk::TaskEvent> SqlStore::task_events(const std::string& id) {
  return read_value([&](SqlSession& s) {
    std::vector<tk::TaskEvent> out;
    for (const Row& row : s.rows("SELECT task_id, seq, at, actor, action, from_state, to_state, "
                                 "note FROM task_events WHERE task_id = ? ORDER BY seq",
                                 {id})) {
      tk::TaskEvent e;
      e.task_id = text_of(row[0]);
      e.seq = static_cast<int>(std::clamp<std::int64_t>(int_at(row, 1), 0, 1000000));
      e.at = from_millis(int_at(row, 2));
      e.actor = text_of(row[3]);
      e.action = text_of(row[4]);
      e.from = tk::parse_state(text_of(row[5])).value_or(tk::State::open);
      e.to = tk::parse_state(text_of(row[6])).value_or(tk::State::open);
      e.note = text_of(row[7]);
      out.push_back(std::move(e));
    }
    return out;
  });
}

TaskPage SqlStore::tasks(const TaskFilter& f) {
  if (f.limit < 1 || f.limit > 500)
    throw Error(ErrorCode::invalid_argument, "limit must be from 1 to 500");
  std::string where = " WHERE 1 = 1";
  Row params;
  // Visibility: any of the given ways in.
  std::vector<std::string> ways;
  if (f.involving) {
    ways.push_back("requester = ? OR claimant = ?");
    params.insert(params.end(), {*f.involving, *f.involving});
  }
  for (const std::string& g : f.in_grids) {
    ways.push_back("grid_path LIKE ? ESCAPE '!'");
    params.emplace_back(like_under(g));
  }
  for (const std::string& g : f.open_in_grids) {
    ways.push_back("(state = 'open' AND grid_path LIKE ? ESCAPE '!')");
    params.emplace_back(like_under(g));
  }
  if (!ways.empty()) {
    where += " AND (";
    for (std::size_t i = 0; i < ways.size(); ++i) where += (i ? " OR " : "") + ways[i];
    where += ")";
  }
  if (!f.states.empty()) {
    where += " AND state IN (";
    for (std::size_t i = 0; i < f.states.size(); ++i) {
      where += i ? ", ?" : "?";
      params.emplace_back(std::string(to_string(f.states[i])));
    }
    where += ")";
  }
  if (f.kind) {
    where += " AND kind = ?";
    params.emplace_back(std::string(to_string(*f.kind)));
  }
  const std::string tail = newest_first({"created_at", {}, {}, f.after, f.limit}, where, params);
  return read_value([&](SqlSession& s) {
    TaskPage page;
    for (const Row& row : s.rows(std::string("SELECT ") + kColumns + " FROM tasks" + tail, params))
      page.items.push_back(decode(row));
    if (page.items.size() == f.limit)
      page.next = time_cursor(page.items.back().created_at, page.items.back().id);
    return page;
  });
}

}  // namespace wangge::store
