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

std::vector<Span> split_records(std::string_view text) {
  std::vector<Span> spans;
  std::size_t pos = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::size_t line = 1;
  while (pos < text.size()) {
    if (text[pos] == '\n' || text[pos] == '\r') {
      if (text[pos] == '\n') ++line;
      ++pos;
      continue;
    }
    Span span{pos, pos, line};
    bool quoted = false;
    while (pos < text.size()) {
      const char c = text[pos];
      if (c == '"') quoted = !quoted;  // "" inside quotes toggles twice: no net change
      else if (!quoted && (c == '\n' || c == '\r')) break;
      else if (c == '\n') ++line;
      ++pos;
    }
    span.end = pos;
    spans.push_back(span);
  }
  return spans;
}

std::optional<std::string> parse_fields(std::string_view raw, std::vector<std::string>& fields) {
  std::size_t count = 0;
  auto next_field = [&]() -> std::string& {
    if (count == fields.size()) fields.emplace_back();
    std::string& f = fields[count++];
    f.clear();
    return f;
  };
  std::optional<std::string> error;
  std::string* field = &next_field();
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < raw.size() && raw[i + 1] == '"') {
          field->push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field->push_back(c);
      }
    } else if (c == ',') {
      field = &next_field();
      was_quoted = false;
    } else if (c == '"') {
      if (field->empty() && !was_quoted) {
        quoted = was_quoted = true;
      } else if (!error) {
        error = "unexpected quote in field " + std::to_string(count);
      }
    } else {
      if (was_quoted && !error) error = "text after the closing quote of field " + std::to_string(count);
      field->push_back(c);
    }
  }
  if (quoted && !error) error = "unterminated quoted field " + std::to_string(count);
  fields.resize(count);
  return error;
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
