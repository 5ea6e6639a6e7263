#pragma once
// api/openapi.yaml and its JSON form api/openapi.json, compiled in.

#include <string_view>

namespace wangge::http {
std::string_view openapi_spec();       ///< the YAML
std::string_view openapi_spec_json();  ///< the same document as JSON
}  // namespace wangge::http
