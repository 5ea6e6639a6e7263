// Fuzzes the form body of Open311's POST /open311/v2/requests through the real handler
// (src/http/open311.cpp: parse_form, the fields, then the intake) on a store seeded with the
// sample subdistrict (support/route_fixture.hpp). The request is not authenticated: the form's
// api_key is the credential, and "fuzz-resident-key" and "fuzz-app-key" name the fixture's
// real keys. The reply format is .json for inputs of even length and .xml for odd ones, so
// both renderers are reached. The handler answers errors itself (Open311's error list): any
// exception, or a 5xx reply, is a finding; an accepted request (201) must name its report.
#include <cstddef>
#include <cstdint>
#include <string>

#include "support/fuzz_support.hpp"
#include "support/route_fixture.hpp"

using wangge::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& f = wangge::fuzz::RouteFixture::instance();
  const std::string path = size % 2 ? "/open311/v2/requests.xml" : "/open311/v2/requests.json";
  const wangge::http::Response res = f.call(
      f.request("POST", path, std::string(reinterpret_cast<const char*>(data), size), nullptr));
  require(res.status == 201 || res.status == 400 || res.status == 403 || res.status == 404,
          "Open311 POST answered a status outside 201/400/403/404", std::to_string(res.status));
  if (res.status == 201)
    require(res.body.find("service_request_id") != std::string::npos,
            "an accepted Open311 request does not name its report", res.body);
  return 0;
}
