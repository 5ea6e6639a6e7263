#include "wangge/util/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>

#include "wangge/util/error.hpp"

namespace wangge {
namespace {

[[noreturn]] void fail_publish(const std::string& from, const std::string& to, const char* step) {
  throw Error(ErrorCode::invalid_argument, "cannot write '" + to + "' (" + step + " of '" + from +
                                               "'): " + std::strerror(errno));
}

/// fsync of the file or directory at @p path.
bool sync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

}  // namespace

void publish(const std::string& from, const std::string& to) {
  if (!sync_path(from, O_RDONLY)) fail_publish(from, to, "fsync");
  if (std::rename(from.c_str(), to.c_str()) != 0) fail_publish(from, to, "rename");
  const auto slash = to.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : to.substr(0, slash);
  if (!sync_path(dir, O_RDONLY | O_DIRECTORY)) fail_publish(from, to, "fsync of the directory");
}

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)), partial_(path_ + ".partial") {
  file_ = std::fopen(partial_.c_str(), "wb");
  if (!file_) fail();
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::remove(partial_.c_str());
  }
}

void AtomicFile::write(std::string_view data) {
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) fail();
}

void AtomicFile::printf(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  const int n = std::vfprintf(file_, format, args);
  va_end(args);
  if (n < 0) fail();
}

void AtomicFile::commit() {
  if (std::fflush(file_) != 0) fail();
  const int closed = std::fclose(file_);
  file_ = nullptr;
  try {
    if (closed != 0) fail();
    publish(partial_, path_);
  } catch (...) {
    std::remove(partial_.c_str());
    throw;
  }
}

void AtomicFile::fail() const {
  throw Error(ErrorCode::invalid_argument, "cannot write '" + path_ + "': " + std::strerror(errno));
}

}  // namespace wangge
