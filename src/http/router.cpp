#include "router.hpp"

#include <algorithm>
#include <string_view>

namespace wangge::http {
namespace {

/// "/a/b/c" → {"a", "b", "c"} (views into @p path).
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    out.push_back(path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool is_parameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

/// Whether the split path matches the split pattern (parameters match any non-empty segment).
bool matches(const std::vector<std::string>& want, const std::vector<std::string_view>& have) {
  if (want.size() != have.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (is_parameter(want[i]) ? have[i].empty() : want[i] != have[i]) return false;
  }
  return true;
}

}  // namespace

void Router::add(Route route) {
  if (route.name.empty()) route.name = route.pattern;
  std::vector<std::string> split;
  for (std::string_view s : segments(route.pattern)) split.emplace_back(s);
  patterns_.push_back(std::move(split));
  routes_.push_back(std::move(route));
}

Router::Match Router::match(const std::string& method, const std::string& path,
                            const std::string& extension) const {
  Match m;
  const std::vector<std::string_view> have = segments(path);
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& r = routes_[i];
    if (!matches(patterns_[i], have)) continue;
    const bool ext_ok = extension.empty() ? r.extensions.empty() || r.extensions.front().empty()
                                          : std::find(r.extensions.begin(), r.extensions.end(),
                                                      extension) != r.extensions.end();
    if (!ext_ok) continue;
    if (r.method == method || (method == "HEAD" && r.method == "GET")) {
      m.route = &r;
      for (std::size_t k = 0; k < have.size(); ++k) {
        const std::string& w = patterns_[i][k];
        if (is_parameter(w)) m.params[w.substr(1, w.size() - 2)] = std::string(have[k]);
      }
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
