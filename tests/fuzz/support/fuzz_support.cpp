#include "fuzz_support.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace wangge::fuzz {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "wangge_fuzz_";

fs::path scratch_root() {
  std::error_code ec;
  if (fs::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return fs::temp_directory_path();
}

/// Removes the scratch directories of processes that no longer run (a crash ends a target with
/// _Exit, which runs no clean-up).
void remove_stale(const fs::path& root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + kPrefix.size(), nullptr, 10);
    if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH))
      fs::remove_all(entry.path(), ec);
  }
}

}  // namespace

void finding(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "\n==wangge-fuzz== FINDING: %.*s\n", static_cast<int>(what.size()),
               what.data());
  if (!detail.empty())
    std::fprintf(stderr, "==wangge-fuzz== %.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

const std::string& scratch_dir() {
  // Never destroyed: the removal at exit needs it after static destructors may have run.
  static const std::string& dir = *new std::string([] {
    const fs::path root = scratch_root();
    remove_stale(root);
    const fs::path d = root / (std::string(kPrefix) + std::to_string(::getpid()));
    fs::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    });
    return d.string();
  }());
  return dir;
}

std::string write_scratch_file(const std::string& name, std::string_view bytes) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  require(static_cast<bool>(out), "cannot write the scratch file", path);
  return path;
}

}  // namespace wangge::fuzz
