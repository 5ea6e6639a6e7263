// loadgen: HTTP/1.1 load for scripts/soak and the outage test. Each thread keeps one keep-alive
// connection and sends requests picked at random from a file, paced to a total rate (or as
// fast as the server answers); every interval it prints one JSON line: requests, answers by
// class, connection errors and latency percentiles. The ids of acknowledged reports (201 with
// a Location) can be written to a file, to check afterwards that none was lost.
//
// Requests file, one a line, tab-separated: METHOD  PATH  [BEARER-KEY|-]  [BODY (JSON)]
// Usage: loadgen PORT FILE SECONDS RATE THREADS [INTERVAL_SECONDS] [IDS_OUT]
//   RATE 0: closed loop, as fast as the server answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  std::mutex mutex;
  std::uint64_t sent = 0, ok = 0, client_errors = 0, server_errors = 0, failures = 0;
  std::vector<double> latencies_ms;
  std::vector<std::string> created;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Reply {
  int status = 0;
  bool close = false;
  std::string location;
};

std::string header_value(const std::string& head, const std::string& lower_name) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const auto at = lower.find("\r\n" + lower_name + ":");
  if (at == std::string::npos) return "";
  const auto start = at + 3 + lower_name.size();
  const auto end = head.find("\r\n", start);
  std::string v = head.substr(start, end - start);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

/// Sends @p request and reads one reply; false on a connection error.
bool exchange(int fd, const std::string& request, std::string& buffer, Reply& reply) {
  for (std::size_t done = 0; done < request.size();) {
    const ssize_t n = ::send(fd, request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  char chunk[16384];
  std::size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  const std::string head = buffer.substr(0, head_end + 2);
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) return false;
  reply.status = std::atoi(head.c_str() + 9);
  reply.close = header_value(head, "connection") == "close";
  reply.location = header_value(head, "location");
  const std::size_t length =
      std::strtoull(header_value(head, "content-length").c_str(), nullptr, 10);
  const std::size_t total = head_end + 4 + length;
  while (buffer.size() < total) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  buffer.erase(0, total);
  return true;
}

std::vector<std::string> read_requests(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string part; std::getline(ss, part, '\t');) f.push_back(part);
    if (f.size() < 2) continue;
    std::string r = f[0] + " " + f[1] + " HTTP/1.1\r\nHost: loadgen\r\n";
    if (f.size() > 2 && f[2] != "-") r += "Authorization: Bearer " + f[2] + "\r\n";
    const std::string body = f.size() > 3 ? f[3] : "";
    if (!body.empty())
      r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
    r += "\r\n" + body;
    out.push_back(std::move(r));
  }
  return out;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: loadgen PORT FILE SECONDS RATE THREADS [INTERVAL] [IDS_OUT]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const auto requests = read_requests(argv[2]);
  const double seconds = std::atof(argv[3]), rate = std::atof(argv[4]);
  const int threads = std::max(1, std::atoi(argv[5]));
  const double interval = argc > 6 ? std::atof(argv[6]) : 10;
  const std::string ids_out = argc > 7 ? argv[7] : "";
  if (requests.empty() || seconds <= 0 || interval <= 0) {
    std::fprintf(stderr, "loadgen: no requests in %s, or a bad duration\n", argv[2]);
    return 2;
  }
  Stats stats;
  std::atomic<bool> stop{false};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(t) * 7919 + 1);
      std::uniform_int_distribution<std::size_t> pick(0, requests.size() - 1);
      const auto gap = rate > 0 ? std::chrono::duration<double>(threads / rate)
                                : std::chrono::duration<double>(0);
      auto next = start + std::chrono::duration_cast<Clock::duration>(gap * (t / double(threads)));
      int fd = -1;
      std::string buffer;
      while (!stop) {
        if (rate > 0) {
          std::this_thread::sleep_until(next);
          next += std::chrono::duration_cast<Clock::duration>(gap);
        }
        if (fd < 0) {
          fd = connect_to(port);
          buffer.clear();
          if (fd < 0) {
            std::lock_guard lock(stats.mutex);
            ++stats.failures;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
          }
        }
        const std::string& request = requests[pick(rng)];
        const auto t0 = Clock::now();
        Reply reply;
        const bool ok = exchange(fd, request, buffer, reply);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        if (!ok || reply.close) {
          ::close(fd);
          fd = -1;
        }
        std::lock_guard lock(stats.mutex);
        ++stats.sent;
        if (!ok) {
          ++stats.failures;
          continue;
        }
        stats.latencies_ms.push_back(ms);
        if (reply.status >= 500)
          ++stats.server_errors;
        else if (reply.status >= 400)
          ++stats.client_errors;
        else
          ++stats.ok;
        if (reply.status == 201 && !reply.location.empty() && !ids_out.empty())
          stats.created.push_back(reply.location.substr(reply.location.rfind('/') + 1));
      }
      if (fd >= 0) ::close(fd);
    });
  }
  std::uint64_t total_sent = 0, total_5xx = 0, total_failures = 0;
  for (double elapsed = 0; elapsed < seconds;) {
    const double step = std::min(interval, seconds - elapsed);
    std::this_thread::sleep_for(std::chrono::duration<double>(step));
    elapsed += step;
    std::lock_guard lock(stats.mutex);
    const double p50 = percentile(stats.latencies_ms, 0.50),
                 p99 = percentile(stats.latencies_ms, 0.99);
    std::printf(
        "{\"t\": %.0f, \"requests\": %llu, \"rps\": %.0f, \"2xx\": %llu, \"4xx\": %llu, \"5xx\": "
        "%llu, "
        "\"failures\": %llu, \"p50_ms\": %.2f, \"p99_ms\": %.2f}\n",
        elapsed, static_cast<unsigned long long>(stats.sent), stats.sent / step,
        static_cast<unsigned long long>(stats.ok),
        static_cast<unsigned long long>(stats.client_errors),
        static_cast<unsigned long long>(stats.server_errors),
        static_cast<unsigned long long>(stats.failures), p50, p99);
    std::fflush(stdout);
    total_sent += stats.sent;
    total_5xx += stats.server_errors;
    total_failures += stats.failures;
    stats.sent = stats.ok = stats.client_errors = stats.server_errors = stats.failures = 0;
    stats.latencies_ms.clear();
  }
  stop = true;
  for (auto& th : pool) th.join();
  if (!ids_out.empty()) {
    std::ofstream out(ids_out);
    for (const auto& id : stats.created) out << id << "\n";
  }
  std::fprintf(stderr, "loadgen: %llu requests, %llu 5xx, %llu connection failures\n",
               static_cast<unsigned long long>(total_sent),
               static_cast<unsigned long long>(total_5xx),
               static_cast<unsigned long long>(total_failures));
  return 0;
}
