// The outbox runner on a real SQLite store, posting to a real receiver on loopback: what a
// commit hands it is sent, and a delivery that was both read from the store and handed off
// (committed just before a read, handed off just after it) is sent once.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "../store/store_fixture.hpp"
#include "wangge/service/notifications.hpp"

namespace wangge::service {
namespace {

/// An HTTP/1.1 receiver on loopback: answers every POST 200 on a kept-alive connection and
/// records its X-Wangge-Delivery header in the order of arrival.
class Receiver {
 public:
  Receiver() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
      throw std::runtime_error("the test's receiver cannot listen");
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_all(); });
  }
  ~Receiver() {
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    ::close(listener_);
    {
      std::lock_guard lock(mutex_);
      for (int c : clients_) ::shutdown(c, SHUT_RDWR);
    }
    for (std::thread& t : handlers_) t.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

  /// The delivery ids received once @p n arrived (at most 10 s), in order.
  std::vector<std::string> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, std::chrono::seconds(10), [&] { return ids_.size() >= n; });
    return ids_;
  }

 private:
  void accept_all() {
    for (;;) {
      const int c = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      std::lock_guard lock(mutex_);
      clients_.push_back(c);
      handlers_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string in;
    char chunk[4096];
    auto more = [&] {
      const ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      in.append(chunk, static_cast<std::size_t>(n));
      return true;
    };
    for (;;) {
      std::size_t end;
      while ((end = in.find("\r\n\r\n")) == std::string::npos)
        if (!more()) return;
      const std::string head = in.substr(0, end);
      std::size_t length = 0;
      std::string id;
      for (std::size_t at = 0; at < head.size();) {
        const std::size_t eol = std::min(head.find("\r\n", at), head.size());
        const std::string line = head.substr(at, eol - at);
        const std::size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          for (char& ch : name)
            ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          const std::string value = line.substr(line.find_first_not_of(' ', colon + 1));
          if (name == "content-length") length = std::stoul(value);
          if (name == "x-wangge-delivery") id = value;
        }
        at = eol + 2;
      }
      while (in.size() < end + 4 + length)
        if (!more()) return;
      in.erase(0, end + 4 + length);
      {
        std::lock_guard lock(mutex_);
        ids_.push_back(id);
      }
      arrived_.notify_all();
      static constexpr char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
      if (::send(c, kOk, sizeof kOk - 1, MSG_NOSIGNAL) < 0) return;
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<int> clients_;
  std::vector<std::thread> handlers_;
  std::vector<std::string> ids_;
};

/// Commits one message and its delivery on @p channel; @returns what the commit hands off.
store::Enqueued commit(store::Store& store, const std::string& id, const std::string& channel) {
  const dispatch::Instant now = dispatch::now_utc();
  const dispatch::Notification n = store_testing::message("n_" + id, "u1", now);
  dispatch::Delivery d = store_testing::delivery(id, n.id, now);
  d.channel = channel;
  store.write([&](store::WriteTx& tx) { tx.enqueue(n, {d}); });
  store::Enqueued e;
  e.messages = 1;
  e.due.push_back(store::DueDelivery{d, n});
  return e;
}

TEST(NotificationRunner, SendsWhatIsHandedOffAndOneBothReadAndHandedOffOnce) {
  const auto where = store_testing::make_location("sqlite");
  const auto store = store::open_store(where->location());
  Receiver receiver;
  notify::NotifyConfig config;
  config.channels.push_back(notify::every_message_webhook(receiver.url(), "secret"));
  const std::string channel = config.channels[0].name;
  Notifications runner(*store);
  runner.configure(config, "");
  runner.start();

  const store::Enqueued first = commit(*store, "d_1", channel);
  runner.hand_off(store::Enqueued(first));
  EXPECT_EQ(receiver.wait_for(1), (std::vector<std::string>{"d_1"}));
  // Its outcome recorded (polled: the runner writes it after the receiver's answer).
  for (int i = 0; i < 200 && store->notifications().delivery("d_1")->state !=
                                 dispatch::DeliveryState::delivered;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(store->notifications().delivery("d_1")->state, dispatch::DeliveryState::delivered);

  // d_1 handed off again, late — as when a pass read it from the store between its commit and
  // its hand-off — then a new one: d_2 arriving shows the pass that had d_1 again is over.
  runner.hand_off(store::Enqueued(first));
  runner.hand_off(commit(*store, "d_2", channel));
  EXPECT_EQ(receiver.wait_for(2), (std::vector<std::string>{"d_1", "d_2"}));
  runner.stop();
  EXPECT_EQ(receiver.wait_for(2).size(), 2u);
  EXPECT_EQ(runner.stats().delivered, 2u);
}

}  // namespace
}  // namespace wangge::service
