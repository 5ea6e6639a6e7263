// Connecting to PostgreSQL through a multi-host string when a member is silent (its machine
// gone: no reset, no answer): the store passes it over after connect_timeout, 5 s when the
// string sets none, instead of waiting on TCP for minutes. The silent member here is a socket
// that listens and never answers; the other member is the test's database.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <pqxx/pqxx>

#include "store_fixture.hpp"

namespace wangge::store {
namespace {

using store_testing::StoreConformance;

/// A loopback port whose connections are taken by the kernel and never answered.
class SilentMember {
 public:
  SilentMember() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("cannot listen on loopback");
    port_ = ntohs(a.sin_port);
  }
  ~SilentMember() { ::close(fd_); }
  SilentMember(const SilentMember&) = delete;
  SilentMember& operator=(const SilentMember&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class Connecting : public StoreConformance {
 protected:
  /// The test's location with the silent member listed first (a later keyword wins in libpq).
  std::string silent_first(const SilentMember& silent, const std::string& extra) const {
    pqxx::connection c(where_->location());
    return where_->location() + " host=127.0.0.1," + c.hostname() +
           " port=" + std::to_string(silent.port()) + "," + c.port() +
           " target_session_attrs=read-write" + extra;
  }
  /// Seconds open_store takes on @p conninfo, and whether the store then answers.
  static double seconds_to_open(const std::string& conninfo, bool& answers) {
    const auto t0 = std::chrono::steady_clock::now();
    auto store = open_store(conninfo);
    answers = store->report_count() == 0;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
};

TEST_P(Connecting, ASilentMemberIsPassedOverAfterConnectTimeoutFiveSecondsUnlessTheStringSaysElse) {
  SilentMember silent;
  bool answers = false;
  // No timeout in the string: each connection the store opens (the migration's, the writer's,
  // the first reader's) waits 5 s on the silent member and then takes the next host. Without
  // the default, libpq would wait there for good (the socket is open, only silent).
  const double by_default = seconds_to_open(silent_first(silent, ""), answers);
  EXPECT_TRUE(answers);
  // The string's own 2 s is kept: the same connections, each waiting 2 s.
  bool answers_too = false;
  const double by_string = seconds_to_open(silent_first(silent, " connect_timeout=2"), answers_too);
  EXPECT_TRUE(answers_too);
  std::printf("open with a silent first member: %.2f s by default, %.2f s with connect_timeout=2\n",
              by_default, by_string);
  EXPECT_GE(by_default, 4.9);
  EXPECT_GE(by_string, 1.9);
  // Waits of 5 s against waits of 2 s, as many of each: 0.4 when opening costs nothing else.
  // What else it costs (more on a loaded machine) raises both alike, so the ratio only grows;
  // the string's timeout being ignored, or overridden by the default, would make it 1.
  EXPECT_GT(by_string / by_default, 0.3);
  EXPECT_LT(by_string / by_default, 0.6);
}

INSTANTIATE_TEST_SUITE_P(Adapters, Connecting, ::testing::Values("postgis"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace wangge::store
