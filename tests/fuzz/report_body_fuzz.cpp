// Fuzzes the JSON body of POST /api/v1/reports through the real handler (src/http/api_v1.cpp:
// submission_from, then the intake), as a resident with an API key, on a store seeded with the
// sample subdistrict (support/route_fixture.hpp). Every Error is a 4xx reply and fine; another
// exception, Error(internal) or a 5xx reply is a finding. A report the handler accepts (201)
// must read back: GET /api/v1/reports/{id} answers 200 with the same id and text (or, for a
// report without text, the 随手拍 text the category names).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "support/fuzz_support.hpp"
#include "support/route_fixture.hpp"

using wangge::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& f = wangge::fuzz::RouteFixture::instance();
  std::string body(reinterpret_cast<const char*>(data), size);
  const wangge::http::Response res =
      f.call(f.request("POST", "/api/v1/reports", body, &f.resident()));
  if (res.status != 201) {
    require(res.status >= 400 && res.status < 500,
            "POST /api/v1/reports answered neither 201 "
            "nor 4xx",
            std::to_string(res.status));
    return 0;
  }
  const auto created = nlohmann::json::parse(res.body);
  const std::string id = created.at("id").get<std::string>();
  const wangge::http::Response back =
      f.call(f.request("GET", "/api/v1/reports/" + id, "", &f.resident()));
  require(back.status == 200, "an accepted report does not read back", back.body);
  const auto read = nlohmann::json::parse(back.body);
  require(
      read.contains("id") && read["id"] == id && read.contains("text") && read["text"].is_string(),
      "an accepted report reads back without its id or text", back.body);
  // The text as sent; none (absent, null or blank) is a 随手拍 (snapshot): a photo, named by the
  // category ("随手拍：<category name>").
  const auto sent = nlohmann::json::parse(body);
  const auto text = sent.find("text");
  const bool blank = text == sent.end() || text->is_null() ||
                     text->get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) {
    require(read["text"].get<std::string>().rfind("随手拍：", 0) == 0,
            "an accepted report without text reads back without the 随手拍 text", back.body);
  } else {
    require(read["text"] == *text, "an accepted report reads back changed", back.body);
  }
  return 0;
}
