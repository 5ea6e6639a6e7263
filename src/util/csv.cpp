#include "wangge/util/csv.hpp"

namespace wangge::csv {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// A line break at text[pos]: LF, CRLF (counted once, at its LF) or a lone CR.
bool ends_line(std::string_view text, std::size_t pos) {
  return text[pos] == '\n' ||
         (text[pos] == '\r' && (pos + 1 == text.size() || text[pos + 1] != '\n'));
}

// Finds the next record at or after @p pos: skips blank lines, then scans to the record's
// unquoted line end with the same quoting rules parse_fields applies (a quote opens a quoted
// field only at the start of a field), so a malformed record never swallows the next ones
// differently in the two passes. Advances @p pos past the record and @p line past its lines.
std::optional<Span> next_span(std::string_view text, std::size_t& pos, std::size_t& line) {
  while (pos < text.size() && (text[pos] == '\n' || text[pos] == '\r')) {
    if (ends_line(text, pos)) ++line;
    ++pos;
  }
  if (pos >= text.size()) return std::nullopt;
  Span span{pos, pos, line};
  // Fast path, the common record: no quote and no CR before the next LF.
  const std::string_view rest = text.substr(pos);
  const std::size_t lf = rest.find('\n');
  const std::string_view candidate = rest.substr(0, lf);
  if (candidate.find_first_of("\"\r") == std::string_view::npos) {
    pos += candidate.size();
    span.end = pos;
    return span;
  }
  bool quoted = false;
  bool field_start = true;
  for (; pos < text.size(); ++pos) {
    const char c = text[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"')
          ++pos;
        else
          quoted = false;
      } else if (ends_line(text, pos)) {
        ++line;
      }
      continue;
    }
    if (c == '\n' || c == '\r') break;
    quoted = c == '"' && field_start;
    field_start = c == ',';
  }
  span.end = pos;
  return span;
}

}  // namespace

Reader::Reader(std::string_view text) : text_(text) {
  if (text_.substr(0, 3) == kByteOrderMark) pos_ = 3;
}

std::optional<Record> Reader::next() {
  const std::optional<Span> span = next_span(text_, pos_, line_);
  if (!span) return std::nullopt;
  Record record;
  record.line = span->line;
  record.error = parse_fields(text_.substr(span->begin, span->end - span->begin), record.fields);
  return record;
}

std::vector<Span> split_records(std::string_view text) {
  std::vector<Span> spans;
  std::size_t pos = text.substr(0, 3) == kByteOrderMark ? 3 : 0;
  std::size_t line = 1;
  while (auto span = next_span(text, pos, line)) spans.push_back(*span);
  return spans;
}

std::optional<std::string> parse_fields(std::string_view raw, std::vector<std::string>& fields) {
  std::size_t count = 0;
  if (raw.find('"') == std::string_view::npos) {  // fast path: no quoting, fields are runs
    for (std::size_t begin = 0;;) {
      const std::size_t comma = raw.find(',', begin);
      if (count == fields.size()) fields.emplace_back();
      fields[count++].assign(
          raw.substr(begin, comma == std::string_view::npos ? raw.npos : comma - begin));
      if (comma == std::string_view::npos) break;
      begin = comma + 1;
    }
    fields.resize(count);
    return std::nullopt;
  }
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
      if (was_quoted && !error)
        error = "text after the closing quote of field " + std::to_string(count);
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
