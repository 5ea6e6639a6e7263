// The HTTP client of the channels: libcurl's easy interface, one handle per Poster so that the
// connection to a receiver is kept alive between deliveries.
#include <curl/curl.h>

#include <mutex>

#include "wangge/notify/channels.hpp"
#include "wangge/util/error.hpp"

namespace wangge::notify {
namespace {

/// Keeps at most this much of an answer (robots answer a small JSON object).
constexpr std::size_t kMaxAnswer = 64 * 1024;

std::size_t keep_answer(char* data, std::size_t size, std::size_t count, void* into) {
  auto* out = static_cast<std::string*>(into);
  const std::size_t n = size * count;
  if (out->size() < kMaxAnswer) out->append(data, std::min(n, kMaxAnswer - out->size()));
  return n;
}

/// The robots' {"errcode": 0, "errmsg": "ok"}: errcode 0 (or none) is success.
std::string robot_error(const std::string& answer) {
  const auto at = answer.find("\"errcode\"");
  if (at == std::string::npos) return {};
  std::size_t i = answer.find(':', at);
  if (i == std::string::npos) return "an unreadable answer";
  ++i;
  while (i < answer.size() && answer[i] == ' ') ++i;
  std::size_t end = i;
  while (end < answer.size() &&
         (std::isdigit(static_cast<unsigned char>(answer[end])) || answer[end] == '-'))
    ++end;
  const std::string code = answer.substr(i, end - i);
  return code == "0" ? std::string() : "errcode " + code;
}

}  // namespace

Poster::Poster() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (!curl_) throw Error(ErrorCode::unavailable, "cannot start an HTTP client (libcurl)");
  // What every request shares, set once; post() sets the rest each time.
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
}

Poster::~Poster() {
  curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Poster::Result Poster::post(const OutgoingRequest& request, std::chrono::milliseconds timeout) {
  CURL* c = static_cast<CURL*>(curl_);
  std::string answer;
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers)
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long long>(timeout.count(), 3000)));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
  const CURLcode rc = curl_easy_perform(c);
  // Nothing of this request stays behind on the handle for the next one.
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
  curl_slist_free_all(headers);
  Result r;
  if (rc != CURLE_OK) {
    r.error = rc == CURLE_OPERATION_TIMEDOUT     ? "timed out"
              : rc == CURLE_COULDNT_CONNECT      ? "connection refused"
              : rc == CURLE_COULDNT_RESOLVE_HOST ? "unknown host"
                                                 : curl_easy_strerror(rc);
    return r;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    r.error = "HTTP " + std::to_string(status);
    return r;
  }
  if (request.check_errcode) {
    r.error = robot_error(answer);
    if (!r.error.empty()) return r;
  }
  r.ok = true;
  return r;
}

}  // namespace wangge::notify
