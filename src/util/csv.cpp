#include "wangge/util/csv.hpp"

namespace wangge::csv {

Reader::Reader(std::string_view text) : text_(text) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

std::optional<Record> Reader::next() {
  // Skip blank lines (a lone LF or CRLF) between records.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return std::nullopt;

  Record record;
  record.line = line_;
  std::string field;
  bool quoted = false;       // inside a quoted field
  bool was_quoted = false;   // the current field started with a quote
  for (;;) {
    if (pos_ >= text_.size()) {
      if (quoted) record.error = "unterminated quoted field " + std::to_string(record.fields.size() + 1);
      record.fields.push_back(std::move(field));
      return record;
    }
    const char c = text_[pos_++];
    if (quoted) {
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          field.push_back('"');
          ++pos_;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line_;
        field.push_back(c);
      }
      continue;
    }
    if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      was_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
      ++line_;
      record.fields.push_back(std::move(field));
      return record;
    } else if (c == '"') {
      if (field.empty() && !was_quoted) {
        quoted = true;
        was_quoted = true;
      } else if (!record.error) {
        record.error = "unexpected quote in field " + std::to_string(record.fields.size() + 1);
      }
    } else {
      if (was_quoted && !record.error) {
        record.error = "text after the closing quote of field " +
                       std::to_string(record.fields.size() + 1);
      }
      field.push_back(c);
    }
  }
}

std::string escape(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string join(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(',');
    out += escape(fields[i]);
  }
  return out;
}

}  // namespace wangge::csv
