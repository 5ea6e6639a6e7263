#pragma once
// A tiny XML writer for Open311's XML format: elements with escaped text, nothing else.

#include <string>
#include <string_view>
#include <vector>

namespace wangge::http {

class Xml {
 public:
  Xml() { out_ = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"; }
  Xml& open(std::string_view name);
  Xml& close();
  /// <name>text</name>; an empty text gives <name/>.
  Xml& leaf(std::string_view name, std::string_view text);
  std::string str() const { return out_; }

  static std::string escape(std::string_view s);

 private:
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace wangge::http
