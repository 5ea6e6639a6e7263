// Fuzzes the JSON body of POST /api/v1/reports/{id}/actions through the real handler
// (src/http/api_v1.cpp: action_from, then the workflow) on a store seeded with the sample
// subdistrict (support/route_fixture.hpp). The input is one body per line, posted in turn to
// the same report, so that a case can be carried through the workflow (register, dispatch,
// accept, handle, close, evaluate …): each line as the resident who submitted the report, and
// when the resident may not (403), as the dispatcher, and then as the administrator (who acts
// for any assignee). Every Error is a 4xx reply and fine; another exception, Error(internal)
// or a 5xx reply is a finding. Each input starts from a report just submitted (one that a
// previous input changed is replaced), so a finding does not depend on earlier inputs.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "support/fuzz_support.hpp"
#include "support/route_fixture.hpp"

namespace {

using wangge::fuzz::require;
using wangge::fuzz::RouteFixture;

/// A report in its first state, submitted by the fixture's resident.
std::string fresh_report(RouteFixture& f) {
  const auto res = f.call(f.request(
      "POST", "/api/v1/reports",
      R"({"category":"0301","text":"fuzz","location":{"lon":112.926891,"lat":27.8576002}})",
      &f.resident()));
  require(res.status == 201, "the fixture cannot submit a report", res.body);
  return nlohmann::json::parse(res.body).at("id").get<std::string>();
}

/// Posts @p body as the resident, else the dispatcher, else the administrator. @returns the
/// status of the last attempt.
int act(RouteFixture& f, const std::string& report, std::string_view body) {
  int status = 0;
  for (const wangge::dispatch::Actor* who : {&f.resident(), &f.dispatcher(), &f.admin()}) {
    const auto res =
        f.call(f.request("POST", "/api/v1/reports/" + report + "/actions", std::string(body), who));
    status = res.status;
    require(status == 200 || (status >= 400 && status < 500),
            "an action answered neither 200 nor 4xx", res.body);
    if (status != 403) break;
  }
  return status;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& f = RouteFixture::instance();
  static std::string report = fresh_report(f);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool changed = false;
  for (int lines = 0; !in.empty() && lines < 12; ++lines) {
    const std::size_t nl = in.find('\n');
    const std::string_view body = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (act(f, report, body) == 200) changed = true;
  }
  if (changed) report = fresh_report(f);
  return 0;
}
