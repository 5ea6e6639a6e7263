#pragma once
// Output that appears under its name only when complete and durable — the one way wangge
// publishes a file. AtomicFile writes "<path>.partial", then flushes, fsyncs and publishes it
// on commit(); destroyed without commit() (an error, Ctrl-C unwinding), it removes the partial
// file, so no reader ever sees half an output. Writers that make the file themselves (SQLite
// for MBTiles, GDAL for GIS formats) write it under a temporary name and call publish().

#include <cstdio>
#include <string>
#include <string_view>

namespace wangge {

/// Makes the finished file @p from durable (fsync) and gives it the name @p to (rename, then
/// fsync of the directory so the name survives a crash too).
/// @throws Error(invalid_argument) naming the paths and the OS reason.
void publish(const std::string& from, const std::string& to);

class AtomicFile {
 public:
  /// @throws Error(invalid_argument) naming the path and the OS reason when it cannot be created.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// @throws Error(invalid_argument) when the write fails (disk full, ...).
  void write(std::string_view data);
  /// Formatted write, as std::fprintf. @throws Error(invalid_argument) when it fails.
  void printf(const char* format, ...) __attribute__((format(printf, 2, 3)));
  /// Makes the file durable and visible under its name. @throws Error(invalid_argument).
  void commit();

  const std::string& path() const noexcept { return path_; }
  /// The temporary name written until commit().
  const std::string& partial_path() const noexcept { return partial_; }

 private:
  [[noreturn]] void fail() const;
  std::string path_;
  std::string partial_;
  std::FILE* file_ = nullptr;
};

}  // namespace wangge
