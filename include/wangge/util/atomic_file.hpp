#pragma once
// A file that appears under its name only when complete: written as "<path>.partial", then
// flushed, fsync'ed and renamed on commit(). Destroyed without commit() (an error, Ctrl-C
// unwinding), it removes the partial file, so no reader ever sees half an output.

#include <cstdio>
#include <string>
#include <string_view>

namespace wangge {

class AtomicFile {
 public:
  /// @throws Error(invalid_argument) naming the path and the OS reason when it cannot be created.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// @throws Error(invalid_argument) when the write fails (disk full, ...).
  void write(std::string_view data);
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
