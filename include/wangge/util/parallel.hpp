#pragma once
// Data-parallel loops over index ranges on a fixed number of threads.

#include <cstddef>
#include <functional>

namespace wangge {

/// @returns the number of worker threads to use by default: the hardware concurrency (≥ 1).
unsigned default_thread_count() noexcept;

/// Calls @p body(begin, end) on disjoint chunks covering [0, count) from @p threads threads
/// (the calling thread included). Chunks are handed out dynamically so uneven work balances.
/// The first exception thrown by @p body is rethrown after all threads have stopped.
void parallel_for(std::size_t count, unsigned threads, std::size_t chunk,
                  const std::function<void(std::size_t begin, std::size_t end)>& body);

/// Names the calling thread (at most 15 bytes are kept), as `top -H`, `ps -L`, perf and gdb
/// show it: "wangge-writer", "wangge-notify"… Best effort: a failure changes nothing else.
void name_this_thread(const char* name) noexcept;

}  // namespace wangge
