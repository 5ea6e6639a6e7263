#include "router.hpp"

#include <algorithm>

namespace wangge::http {
namespace {

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    out.push_back(
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

bool matches(const std::string& pattern, const std::string& path,
             std::map<std::string, std::string>& params) {
  const auto want = segments(pattern), have = segments(path);
  if (want.size() != have.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (have[i].empty()) return false;
      found[w.substr(1, w.size() - 2)] = have[i];
    } else if (w != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

void Router::add(Route route) {
  if (route.name.empty()) route.name = route.pattern;
  routes_.push_back(std::move(route));
}

Router::Match Router::match(const std::string& method, const std::string& path,
                            const std::string& extension) const {
  Match m;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!matches(r.pattern, path, params)) continue;
    const bool ext_ok = extension.empty() ? r.extensions.empty() || r.extensions.front().empty()
                                          : std::find(r.extensions.begin(), r.extensions.end(),
                                                      extension) != r.extensions.end();
    if (!ext_ok) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.route = &r;
      m.params = std::move(params);
      return m;
    }
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end())
      m.allowed.push_back(r.method);
  }
  if (!m.allowed.empty()) {
    if (std::find(m.allowed.begin(), m.allowed.end(), "GET") != m.allowed.end())
      m.allowed.push_back("HEAD");
    m.allowed.push_back("OPTIONS");
  }
  return m;
}

std::pair<std::string, std::string> split_extension(const std::string& path) {
  const auto slash = path.rfind('/');
  const auto dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return {path, ""};
  const std::string ext = path.substr(dot + 1);
  if (ext == "json" || ext == "xml" || ext == "mvt" || ext == "pbf" || ext == "yaml")
    return {path.substr(0, dot), ext};
  return {path, ""};
}

}  // namespace wangge::http
