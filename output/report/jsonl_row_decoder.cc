#include "output/report/jsonl_row_decoder.h"

#include <charconv>
#include <cstdint>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "core/text.h"
#include "output/report/row_fields.h"

namespace urlsweep {
namespace {

// Reads one JSON text from a line; every method returns false after recording the first error.
struct Cursor {
  std::string_view text;
  size_t pos = 0;
  absl::Status status;

  bool Fail(std::string_view what) {
    if (status.ok()) status = absl::InvalidArgumentError(absl::StrCat("offset ", pos, ": ", ToAbsl(what)));
    return false;
  }
  void SkipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\r' || text[pos] == '\n')) {
      ++pos;
    }
  }
  bool At(char c) const { return pos < text.size() && text[pos] == c; }
  bool Take(char c) {
    if (!At(c)) return Fail(absl::StrCat("expected '", absl::string_view(&c, 1), "'"));
    ++pos;
    return true;
  }
  bool TakeWord(std::string_view word) {
    if (text.substr(pos, word.size()) != word) return Fail("expected a JSON value");
    pos += word.size();
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool Hex4(uint32_t* value) {
    if (text.size() - pos < 4) return Fail("a \\u escape needs four hex digits");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text[pos + static_cast<size_t>(i)];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("a \\u escape needs four hex digits");
      }
    }
    pos += 4;
    *value = v;
    return true;
  }

  // A string literal at pos. When it has no escape, *out views the line itself and *scratch is unused;
  // otherwise the unescaped bytes are built in *scratch.
  bool String(std::string_view* out, std::string* scratch) {
    if (!Take('"')) return false;
    const size_t begin = pos;
    while (pos < text.size() && text[pos] != '"' && text[pos] != '\\') {
      if (static_cast<unsigned char>(text[pos]) < 0x20) return Fail("a control character inside a string");
      ++pos;
    }
    if (pos >= text.size()) return Fail("a string is not closed");
    if (text[pos] == '"') {
      *out = text.substr(begin, pos - begin);
      ++pos;
      return true;
    }
    scratch->assign(text.data() + begin, pos - begin);
    while (true) {
      if (pos >= text.size()) return Fail("a string is not closed");
      const char c = text[pos];
      if (c == '"') {
        ++pos;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20) return Fail("a control character inside a string");
      if (c != '\\') {
        scratch->push_back(c);
        ++pos;
        continue;
      }
      ++pos;
      if (pos >= text.size()) return Fail("a string is not closed");
      const char e = text[pos++];
      switch (e) {
        case '"': scratch->push_back('"'); break;
        case '\\': scratch->push_back('\\'); break;
        case '/': scratch->push_back('/'); break;
        case 'b': scratch->push_back('\b'); break;
        case 'f': scratch->push_back('\f'); break;
        case 'n': scratch->push_back('\n'); break;
        case 'r': scratch->push_back('\r'); break;
        case 't': scratch->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && text.substr(pos, 2) == "\\u") {
            const size_t saved = pos;
            pos += 2;
            uint32_t low = 0;
            if (!Hex4(&low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos = saved;  // not a pair: the high surrogate stands alone
            }
          }
          // RFC 8259 section 8.2: a lone surrogate is no character; U+FFFD is what a repairing decoder
          // (and so the writer, for the bytes it stood for) puts there.
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;
          AppendUtf8(cp, scratch);
          break;
        }
        default: --pos; return Fail("an unknown escape in a string");
      }
    }
    *out = *scratch;
    return true;
  }

  // A number token (RFC 8259 grammar) at pos; *integral says whether it had no fraction or exponent.
  bool Number(std::string_view* token, bool* integral) {
    const size_t begin = pos;
    if (At('-')) ++pos;
    auto digits = [&] {
      const size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      return pos > start;
    };
    if (At('0')) {
      ++pos;
    } else if (!digits()) {
      return Fail("expected a JSON value");
    }
    *integral = true;
    if (At('.')) {
      ++pos;
      *integral = false;
      if (!digits()) return Fail("a number needs digits after '.'");
    }
    if (At('e') || At('E')) {
      ++pos;
      *integral = false;
      if (At('+') || At('-')) ++pos;
      if (!digits()) return Fail("a number needs digits in its exponent");
    }
    *token = text.substr(begin, pos - begin);
    return true;
  }

  bool SkipValue(int depth, std::string* scratch) {
    if (depth > JsonlRowDecoder::kMaxSkipDepth) return Fail("JSON nested too deeply");
    SkipSpace();
    if (pos >= text.size()) return Fail("expected a JSON value");
    std::string_view ignored;
    bool integral = false;
    switch (text[pos]) {
      case '"': return String(&ignored, scratch);
      case 'n': return TakeWord("null");
      case 't': return TakeWord("true");
      case 'f': return TakeWord("false");
      case '[':
      case '{': {
        const bool object = text[pos] == '{';
        const char close = object ? '}' : ']';
        ++pos;
        SkipSpace();
        if (At(close)) {
          ++pos;
          return true;
        }
        while (true) {
          if (object) {
            SkipSpace();
            if (!String(&ignored, scratch)) return false;
            SkipSpace();
            if (!Take(':')) return false;
          }
          if (!SkipValue(depth + 1, scratch)) return false;
          SkipSpace();
          if (At(',')) {
            ++pos;
            continue;
          }
          return Take(close);
        }
      }
      default: return Number(&ignored, &integral);
    }
  }
};

}  // namespace

absl::Status JsonlRowDecoder::Decode(std::string_view line, Row* row) {
  row->Clear();
  Cursor in{line, 0, absl::OkStatus()};
  bool seen_line = false;
  bool seen_url = false;
  std::string key_scratch;
  in.SkipSpace();
  if (!in.Take('{')) return in.status;
  in.SkipSpace();
  if (in.At('}')) {
    ++in.pos;
  } else {
    while (true) {
      in.SkipSpace();
      std::string_view key;
      if (!in.String(&key, &key_scratch)) return in.status;
      const int column = ColumnIndex(key);
      in.SkipSpace();
      if (!in.Take(':')) return in.status;
      in.SkipSpace();
      if (column < 0) {
        if (!in.SkipValue(0, &scratch_)) return in.status;
      } else {
        if (column == 0) seen_line = true;
        if (column == 1) seen_url = true;
        const ColumnKind kind = kColumnKinds[static_cast<size_t>(column)];
        if (in.At('n')) {
          if (!in.TakeWord("null")) return in.status;
          if (IsRequiredColumn(column)) {
            return absl::InvalidArgumentError(
                absl::StrCat("column ", ToAbsl(key), ": null in a column that is always present"));
          }
          SetColumnNull(column, row);
        } else if (in.At('"')) {
          std::string_view value;
          if (!in.String(&value, &scratch_)) return in.status;
          if (kind != ColumnKind::kString && kind != ColumnKind::kErrorWord && kind != ColumnKind::kTimestamp) {
            return absl::InvalidArgumentError(
                absl::StrCat("column ", ToAbsl(key), ": expected a number, got a string"));
          }
          if (absl::Status st = SetColumnText(column, value, row); !st.ok()) return st;
        } else {
          std::string_view token;
          bool integral = false;
          if (!in.Number(&token, &integral)) return in.status;
          if (kind == ColumnKind::kString || kind == ColumnKind::kErrorWord || kind == ColumnKind::kTimestamp) {
            return absl::InvalidArgumentError(
                absl::StrCat("column ", ToAbsl(key), ": expected a string, got a number"));
          }
          if (kind != ColumnKind::kMillis && !integral) {
            return absl::InvalidArgumentError(
                absl::StrCat("column ", ToAbsl(key), ": expected an integer, got ", ToAbsl(token)));
          }
          if (absl::Status st = SetColumnText(column, token, row); !st.ok()) return st;
        }
      }
      in.SkipSpace();
      if (in.At(',')) {
        ++in.pos;
        continue;
      }
      if (!in.Take('}')) return in.status;
      break;
    }
  }
  in.SkipSpace();
  if (in.pos != line.size()) {
    in.Fail("text after the JSON object");
    return in.status;
  }
  if (!seen_line || !seen_url) {
    return absl::InvalidArgumentError(absl::StrCat("the object has no \"", seen_line ? "url" : "line", "\" key"));
  }
  return absl::OkStatus();
}

}  // namespace urlsweep
