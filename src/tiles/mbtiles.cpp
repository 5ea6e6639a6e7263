#include "wangge/tiles/mbtiles.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>

#include "wangge/util/atomic_file.hpp"
#include "wangge/util/error.hpp"
#include "wangge/util/sqlite.hpp"

namespace wangge::tiles {

struct MBTilesWriter::Impl {
  std::string path, temp;
  std::optional<sqlite::Connection> db;
  bool committed = false;

  /// Runs @p f; a failure of SQLite (a full disk, a bad path) is the output's: invalid_argument
  /// naming the file the user asked for.
  template <typename F>
  void guarded(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      throw Error(ErrorCode::invalid_argument, "cannot write '" + path + "': " + e.what());
    }
  }
  ~Impl() {
    db.reset();
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
  impl_->guarded([&] {
    impl_->db.emplace(impl_->temp, sqlite::Connection::Mode::scratch);
    impl_->db->exec(
        "PRAGMA application_id=0x4d504258;"
        "CREATE TABLE metadata (name TEXT NOT NULL, value TEXT NOT NULL);"
        "CREATE TABLE tiles (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, "
        "tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL);"
        "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
        "CREATE UNIQUE INDEX name ON metadata (name);"
        "BEGIN");
  });
}

MBTilesWriter::~MBTilesWriter() = default;

void MBTilesWriter::metadata(const std::string& name, const std::string& value) {
  impl_->guarded([&] {
    impl_->db->cached("INSERT OR REPLACE INTO metadata VALUES (?, ?)")
        .bind_all({name, value})
        .run();
  });
}

void MBTilesWriter::tile(const TileId& t, const std::string& gzipped) {
  const std::int64_t row = (std::int64_t{1} << t.z) - 1 - t.y;  // TMS: rows count from the south
  impl_->guarded([&] {
    impl_->db->cached("INSERT INTO tiles VALUES (?, ?, ?, ?)")
        .bind_all({std::int64_t{t.z}, std::int64_t{t.x}, row, db::Blob{gzipped}})
        .run();
  });
}

void MBTilesWriter::commit() {
  impl_->guarded([&] {
    impl_->db->exec("COMMIT");
    impl_->db.reset();  // closed (finalised statements first)
  });
  publish(impl_->temp, impl_->path);  // fsync (the writer ran with synchronous=OFF), rename
  impl_->committed = true;
}

}  // namespace wangge::tiles
