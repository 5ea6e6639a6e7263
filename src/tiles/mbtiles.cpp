#include "wangge/tiles/mbtiles.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <filesystem>

#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"

namespace wangge::tiles {

struct MBTilesWriter::Impl {
  std::string path, temp;
  sqlite3* db = nullptr;
  sqlite3_stmt* put_tile = nullptr;
  sqlite3_stmt* put_meta = nullptr;
  bool committed = false;

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      const std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      throw Error(ErrorCode::invalid_argument, "cannot write '" + path + "': " + msg);
    }
  }
  void step(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) {
      throw Error(ErrorCode::invalid_argument,
                  "cannot write '" + path + "': " + sqlite3_errmsg(db));
    }
    sqlite3_reset(s);
  }
  ~Impl() {
    sqlite3_finalize(put_tile);
    sqlite3_finalize(put_meta);
    if (db) sqlite3_close(db);
    if (!committed && !temp.empty()) std::remove(temp.c_str());
  }
};

MBTilesWriter::MBTilesWriter(const std::string& path) : impl_(std::make_unique<Impl>()) {
  namespace fs = std::filesystem;
  const fs::path target = fs::absolute(path);
  if (!fs::is_directory(target.parent_path())) {
    throw Error(ErrorCode::invalid_argument,
                "cannot write '" + path + "': its directory does not exist");
  }
  impl_->path = path;
  impl_->temp = path + ".partial";
  std::remove(impl_->temp.c_str());
  if (sqlite3_open_v2(impl_->temp.c_str(), &impl_->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    throw Error(ErrorCode::invalid_argument, "cannot create '" + path + "'");
  }
  impl_->exec(
      "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA application_id=0x4d504258;"
      "CREATE TABLE metadata (name TEXT NOT NULL, value TEXT NOT NULL);"
      "CREATE TABLE tiles (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row "
      "INTEGER NOT NULL,"
      " tile_data BLOB NOT NULL);"
      "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
      "CREATE UNIQUE INDEX name ON metadata (name);"
      "BEGIN");
  if (sqlite3_prepare_v2(impl_->db, "INSERT INTO tiles VALUES (?, ?, ?, ?)", -1, &impl_->put_tile,
                         nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(impl_->db, "INSERT OR REPLACE INTO metadata VALUES (?, ?)", -1,
                         &impl_->put_meta, nullptr) != SQLITE_OK)
    throw Error(ErrorCode::invalid_argument,
                "cannot write '" + path + "': " + sqlite3_errmsg(impl_->db));
}

MBTilesWriter::~MBTilesWriter() = default;

void MBTilesWriter::metadata(const std::string& name, const std::string& value) {
  sqlite3_bind_text(impl_->put_meta, 1, name.data(), static_cast<int>(name.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_text(impl_->put_meta, 2, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  impl_->step(impl_->put_meta);
}

void MBTilesWriter::tile(const TileId& t, const std::string& gzipped) {
  const std::int64_t row = (std::int64_t{1} << t.z) - 1 - t.y;  // TMS: rows count from the south
  sqlite3_bind_int(impl_->put_tile, 1, t.z);
  sqlite3_bind_int64(impl_->put_tile, 2, t.x);
  sqlite3_bind_int64(impl_->put_tile, 3, row);
  sqlite3_bind_blob(impl_->put_tile, 4, gzipped.data(), static_cast<int>(gzipped.size()),
                    SQLITE_TRANSIENT);
  impl_->step(impl_->put_tile);
}

void MBTilesWriter::commit() {
  impl_->exec("COMMIT");
  sqlite3_finalize(impl_->put_tile);
  sqlite3_finalize(impl_->put_meta);
  impl_->put_tile = impl_->put_meta = nullptr;
  const int closed = sqlite3_close(impl_->db);
  impl_->db = nullptr;
  if (closed != SQLITE_OK)
    throw Error(ErrorCode::invalid_argument,
                "cannot write '" + impl_->path + "': " + sqlite3_errstr(closed));
  publish(impl_->temp, impl_->path);  // fsync (the writer ran with synchronous=OFF), rename
  impl_->committed = true;
}

}  // namespace wangge::tiles
