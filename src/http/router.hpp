#pragma once
// The route table: method + path pattern ("/api/v1/reports/{id}/events") → handler. A path
// that exists with another method answers 405 with Allow; an unknown path 404. Matching is on
// whole segments; a pattern may take a format extension in its last segment (".json|.xml").

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "exchange.hpp"

namespace wangge::http {

using Handler = std::function<Response(Request&)>;

/// Where a handler runs: in-memory work answers on the I/O thread, anything that touches
/// the store goes to the worker pool.
enum class Execution { inline_io, worker };

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> extensions;  ///< allowed format extensions; empty: none
  Handler handler;
  Execution execution = Execution::worker;
  std::string name = {};  ///< for metrics: the pattern (default)
  /// The most body bytes the route takes; 0: the server's default (ServerConfig).
  std::size_t max_body = 0;
  /// A worker route may still answer on the I/O thread when this gives an answer at once (e.g.
  /// a cached tile); std::nullopt sends the request to the workers. It must be cheap and must
  /// not block.
  std::function<std::optional<Response>(Request&)> inline_answer = {};
};

class Router {
 public:
  void add(Route route);

  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    std::vector<std::string> allowed;  ///< methods of the path when the method is not one
  };
  /// @p path without query; @p extension from the last segment ("" when none).
  Match match(const std::string& method, const std::string& path,
              const std::string& extension) const;
  const std::vector<Route>& routes() const noexcept { return routes_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> patterns_;  ///< each route's pattern, split once
};

/// Splits "/a/b.json" into the path "/a/b" and the extension "json" when the extension is one
/// of ours (json, xml, mvt, yaml); other dots stay in the path.
std::pair<std::string, std::string> split_extension(const std::string& path);

}  // namespace wangge::http
