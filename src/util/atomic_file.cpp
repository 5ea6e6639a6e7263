#include "wangge/util/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wangge/util/error.hpp"

namespace wangge {

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

void AtomicFile::commit() {
  if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) fail();
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0 || std::rename(partial_.c_str(), path_.c_str()) != 0) {
    const int saved = errno;
    std::remove(partial_.c_str());
    errno = saved;
    fail();
  }
}

void AtomicFile::fail() const {
  throw Error(ErrorCode::invalid_argument, "cannot write '" + path_ + "': " + std::strerror(errno));
}

}  // namespace wangge
