#pragma once
// What every fuzz target of tests/fuzz shares: how a finding is reported, and a scratch
// directory for inputs that a parser reads from a file (GDAL, libosmium, the batch assigner).

#include <string>
#include <string_view>

namespace wangge::fuzz {

/// Reports a broken invariant (@p what, with @p detail) on stderr and aborts, so that libFuzzer
/// records the input as a crash. For violations the sanitizers cannot see: a wrong answer, an
/// exception that is not an Error, a 5xx reply.
[[noreturn]] void finding(std::string_view what, std::string_view detail = {});

/// Checks @p condition; a finding when it does not hold.
inline void require(bool condition, std::string_view what, std::string_view detail = {}) {
  if (!condition) finding(what, detail);
}

/// A directory of this process, on tmpfs when the machine has one (a durable store's fsync
/// costs nothing there), removed at exit. Directories left by crashed runs are removed the next
/// time a target starts.
const std::string& scratch_dir();

/// Writes @p bytes to scratch_dir()/@p name (replacing it). @returns the path.
std::string write_scratch_file(const std::string& name, std::string_view bytes);

}  // namespace wangge::fuzz
