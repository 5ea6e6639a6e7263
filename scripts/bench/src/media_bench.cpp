// media_bench STORE PHOTO COUNT: one thread (one core) taking COUNT uploads of the JPEG PHOTO
// through MediaLibrary::upload (sniff, limits, decode, EXIF orientation, display copy and
// thumbnail re-encoded, SHA-256 ETags, one durable store write each), against the ceiling: the
// same bytes copied to a file and fsync'd COUNT times (a durable plain copy), and the decode
// and re-encode alone. Prints one JSON object.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "wangge/media/image.hpp"
#include "wangge/service/media_library.hpp"
#include "wangge/store/store.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double plain_copies(const std::string& bytes, const std::string& path, int count) {
  const auto t0 = Clock::now();
  for (int i = 0; i < count; ++i) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) ||
        ::fsync(fd) != 0) {
      std::perror("copy");
      std::exit(1);
    }
    ::close(fd);
  }
  ::unlink(path.c_str());
  return count / seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: media_bench STORE PHOTO COUNT\n");
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  const std::string photo = s.str();
  const int count = std::atoi(argv[3]);
  auto store = store::open_store(argv[1]);
  service::MediaPolicy policy;
  policy.uploads_per_hour = static_cast<std::size_t>(count) + 1;
  service::MediaLibrary library(
      store->media(), [](const std::string&, const dispatch::Actor&) { return false; }, policy);
  const dispatch::Actor owner{"bench", "bench", dispatch::Role::grid_worker, {}, {}};

  const double copies = plain_copies(photo, std::string(argv[1]) + ".copy", count);
  auto t0 = Clock::now();
  media::ProcessedImage sample;
  for (int i = 0; i < count; ++i) sample = media::process(photo);
  const double processed = count / seconds_since(t0);
  t0 = Clock::now();
  for (int i = 0; i < count; ++i) (void)library.upload(photo, owner, dispatch::now_utc());
  const double uploads = count / seconds_since(t0);
  std::printf(
      "{\"photo_bytes\": %zu, \"source\": \"%dx%d\", \"display\": \"%dx%d\", \"display_bytes\": "
      "%zu, \"thumbnail_bytes\": %zu, \"count\": %d, \"plain_copy_per_s\": %.1f, "
      "\"process_per_s\": %.1f, \"upload_per_s\": %.1f}\n",
      photo.size(), sample.source_width, sample.source_height, sample.width, sample.height,
      sample.display.size(), sample.thumbnail.size(), count, copies, processed, uploads);
  return 0;
}
