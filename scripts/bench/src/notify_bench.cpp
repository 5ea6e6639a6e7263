// notify_bench STORE URL COUNT: the outbox's delivery rate. Writes COUNT messages, each with a
// delivery on a signed webhook to URL, into a fresh store (in writes of 500, as the changes of
// a busy hour would), then starts the delivery runner and times it until every delivery is
// recorded delivered. One runner, one connection kept alive, every body signed (HMAC-SHA256)
// and every outcome written back to the store. Prints one JSON object.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "wangge/notify/channels.hpp"
#include "wangge/service/notifications.hpp"
#include "wangge/store/store.hpp"

using namespace wangge;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: notify_bench STORE URL COUNT\n");
    return 2;
  }
  const std::string url = argv[2];
  const int count = std::stoi(argv[3]);
  auto store = store::open_store(argv[1]);
  const dispatch::Instant now = dispatch::now_utc();
  for (int done = 0; done < count;) {
    const int batch = std::min(500, count - done);
    store->write([&](store::WriteTx& tx) {
      for (int i = done; i < done + batch; ++i) {
        dispatch::Notification n;
        n.id = "n_bench" + std::to_string(i);
        n.created_at = now;
        n.report_id = "rbench" + std::to_string(i);
        n.event_seq = 2;
        n.kind = dispatch::NoticeKind::registered;
        n.recipient = "resident:bench" + std::to_string(i % 100);
        n.grids = {"43030200901300105", "430302009013001"};
        n.category = "0101";
        n.title = "已受理";
        n.text = "您反映的问题（暴露垃圾）已受理立案，案件号 rbench" + std::to_string(i) +
                 "，办理进度可在此查看：https://wg.example.cn/api/v1/reports/rbench" +
                 std::to_string(i);
        n.link = "https://wg.example.cn/api/v1/reports/rbench" + std::to_string(i);
        dispatch::Delivery d;
        d.id = "d_bench" + std::to_string(i);
        d.notification_id = n.id;
        d.channel = "notify-webhook";
        d.next_at = d.created_at = d.updated_at = now;
        tx.enqueue(n, {d});
      }
    });
    done += batch;
  }
  service::Notifications notifications(*store);
  notify::NotifyConfig config;
  config.channels.push_back(notify::every_message_webhook(url, "bench-secret"));
  notifications.configure(std::move(config), "https://wg.example.cn");
  const auto t0 = Clock::now();
  notifications.start();
  std::size_t delivered = 0;
  for (;;) {
    delivered = 0;
    std::size_t pending = 0;
    for (const auto& [state, n] : notifications.counts()) {
      if (state == "delivered") delivered = n;
      if (state == "pending") pending = n;
    }
    if (pending == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the outcome
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  notifications.stop();
  const service::NotifierStats stats = notifications.stats();
  std::printf(
      "{\"messages\": %d, \"delivered\": %zu, \"failed_tries\": %llu, \"seconds\": %.3f, "
      "\"deliveries_per_s\": %.0f}\n",
      count, delivered, static_cast<unsigned long long>(stats.failed), seconds,
      static_cast<double>(delivered) / seconds);
  return delivered == static_cast<std::size_t>(count) ? 0 : 1;
}
