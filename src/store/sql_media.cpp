// The media port over SQL, the same statements on both dialects.
#include <algorithm>

#include "sql_store.hpp"
#include "wangge/util/error.hpp"

namespace wangge::store {
namespace {

constexpr const char* kColumns =
    "id, owner, report_id, created_at, width, height, thumbnail_width, thumbnail_height, bytes, "
    "etag, thumbnail_etag";

int side_at(const Row& row, std::size_t i) {
  return static_cast<int>(std::clamp<std::int64_t>(int_at(row, i), 0, 1'000'000));
}

MediaRecord decode_media(const Row& row) {
  MediaRecord m;
  m.id = text_of(row[0]);
  m.owner = text_of(row[1]);
  m.report_id = text_of(row[2]);
  m.created_at = from_millis(int_at(row, 3));
  m.width = side_at(row, 4);
  m.height = side_at(row, 5);
  m.thumbnail_width = side_at(row, 6);
  m.thumbnail_height = side_at(row, 7);
  m.bytes = static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(row, 8)));
  m.etag = text_of(row[9]);
  m.thumbnail_etag = text_of(row[10]);
  return m;
}

}  // namespace

bool SqlSession::attach_media(const std::string& media_id, const std::string& report_id) {
  if (rows("SELECT id FROM media WHERE id = ?", {media_id}).empty()) return false;
  run("UPDATE media SET report_id = ? WHERE id = ? AND report_id IS NULL", {report_id, media_id});
  return true;
}

void SqlStore::insert_media(const MediaRecord& m, const std::string& display,
                            const std::string& thumbnail) {
  write_sql([&](SqlSession& s) {
    if (!s.rows("SELECT id FROM media WHERE id = ?", {m.id}).empty())
      throw Error(ErrorCode::conflict, "the media id '" + m.id + "' exists already");
    s.run(
        std::string("INSERT INTO media (") + kColumns +
            ", display, thumbnail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {m.id, m.owner, m.report_id.empty() ? Value{} : Value{m.report_id}, to_millis(m.created_at),
         std::int64_t{m.width}, std::int64_t{m.height}, std::int64_t{m.thumbnail_width},
         std::int64_t{m.thumbnail_height}, static_cast<std::int64_t>(m.bytes), m.etag,
         m.thumbnail_etag, Blob{display}, Blob{thumbnail}});
  });
}

std::optional<MediaRecord> SqlStore::media(const std::string& id) {
  return read_value([&](SqlSession& s) -> std::optional<MediaRecord> {
    auto found = s.rows(std::string("SELECT ") + kColumns + " FROM media WHERE id = ?", {id});
    if (found.empty()) return std::nullopt;
    return decode_media(found[0]);
  });
}

std::vector<MediaRecord> SqlStore::media_of(const std::string& report_id) {
  return read_value([&](SqlSession& s) {
    std::vector<MediaRecord> out;
    for (const Row& row : s.rows(std::string("SELECT ") + kColumns +
                                     " FROM media WHERE report_id = ? ORDER BY created_at, id",
                                 {report_id}))
      out.push_back(decode_media(row));
    return out;
  });
}

std::optional<std::string> SqlStore::media_bytes(const std::string& id, bool thumbnail) {
  return read_value([&](SqlSession& s) -> std::optional<std::string> {
    auto found = s.rows(
        std::string("SELECT ") + (thumbnail ? "thumbnail" : "display") + " FROM media WHERE id = ?",
        {id});
    if (found.empty()) return std::nullopt;
    if (const auto* b = std::get_if<Blob>(&found[0][0])) return b->bytes;
    return text_of(found[0][0]);
  });
}

std::size_t SqlStore::media_count_since(const std::string& owner, dispatch::Instant since) {
  return read_value([&](SqlSession& s) {
    auto found = s.rows("SELECT COUNT(*) FROM media WHERE owner = ? AND created_at >= ?",
                        {owner, to_millis(since)});
    return static_cast<std::size_t>(std::max<std::int64_t>(0, int_at(found[0], 0)));
  });
}

bool SqlStore::delete_unattached(const std::string& id) {
  std::size_t n = 0;
  write_sql([&](SqlSession& s) {
    n = s.run("DELETE FROM media WHERE id = ? AND report_id IS NULL", {id});
  });
  return n > 0;
}

std::size_t SqlStore::delete_unattached_media(dispatch::Instant before) {
  std::size_t n = 0;
  write_sql([&](SqlSession& s) {
    n = s.run("DELETE FROM media WHERE report_id IS NULL AND created_at < ?", {to_millis(before)});
  });
  return n;
}

}  // namespace wangge::store
