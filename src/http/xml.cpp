#include "xml.hpp"

namespace wangge::http {

std::string Xml::escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 (tab, LF and CR are).
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

Xml& Xml::open(std::string_view name) {
  out_ += "<" + std::string(name) + ">";
  open_.emplace_back(name);
  return *this;
}

Xml& Xml::close() {
  out_ += "</" + open_.back() + ">";
  open_.pop_back();
  return *this;
}

Xml& Xml::leaf(std::string_view name, std::string_view text) {
  if (text.empty())
    out_ += "<" + std::string(name) + "/>";
  else
    out_ += "<" + std::string(name) + ">" + escape(text) + "</" + std::string(name) + ">";
  return *this;
}

}  // namespace wangge::http
