// JSON Lines (https://jsonlines.org/): one RFC 8259 value per line, UTF-8, '\n' separated.
#include "output/jsonl_writer.h"

#include <utility>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "output/column_visitor.h"
#include "output/text_format.h"

namespace urlsweep {
namespace {

// U+FFFD REPLACEMENT CHARACTER in UTF-8.
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// RFC 8259, section 7: these two must be escaped; so must every byte below 0x20.
constexpr unsigned char kFirstPrintable = 0x20;

// Returns the length of the well-formed UTF-8 sequence starting at s[i] (a byte >= 0x80), or, negated,
// the length of the maximal ill-formed subpart to replace with one U+FFFD (at least 1). The ranges are
// Unicode 15, table 3-7 (Well-Formed UTF-8 Byte Sequences): they exclude overlong forms, surrogates
// (ED A0..BF) and code points above U+10FFFF.
int Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  int length;
  unsigned char second_low = 0x80;
  unsigned char second_high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;
    if (lead == 0xED) second_high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;
    if (lead == 0xF4) second_high = 0x8F;
  } else {
    return -1;  // a continuation byte, C0/C1 (always overlong) or F5..FF (beyond U+10FFFF)
  }
  for (int k = 1; k < length; ++k) {
    const size_t at = i + static_cast<size_t>(k);
    if (at >= s.size()) return -k;
    const unsigned char low = k == 1 ? second_low : 0x80;
    const unsigned char high = k == 1 ? second_high : 0xBF;
    if (byte(at) < low || byte(at) > high) return -k;
  }
  return length;
}

void AppendControlEscape(unsigned char c, std::string* out) {
  switch (c) {
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(escape, sizeof(escape));
    }
  }
}

// Object keys with their separators, built once from kColumnNames: `{"line":`, `,"url":`, ...
const std::array<std::string, kColumnNames.size()>& KeyPrefixes() {
  static const auto* const kPrefixes = [] {
    auto* prefixes = new std::array<std::string, kColumnNames.size()>;
    for (size_t i = 0; i < kColumnNames.size(); ++i) {
      (*prefixes)[i] = std::string(i == 0 ? "{\"" : ",\"") + std::string(kColumnNames[i]) + "\":";
    }
    return prefixes;
  }();
  return *kPrefixes;
}

class JsonMembers {
 public:
  JsonMembers(std::string* out, const ExtraColumns& extra) : out_(out), keys_(KeyPrefixes()), extra_(extra) {}

  void Null(int column) {
    Key(column);
    out_->append("null");
  }
  void Int(int column, int64_t value) {
    Key(column);
    AppendInt64(value, out_);
  }
  void String(int column, std::string_view bytes) {
    Key(column);
    JsonlWriter::AppendString(bytes, out_);
  }
  void Timestamp(int column, int64_t micros) {
    Key(column);
    out_->push_back('"');
    AppendTimestamp(micros, out_);
    out_->push_back('"');
  }
  void Millis(int column, double ms) {
    Key(column);
    AppendMillis(ms, out_);
  }

 private:
  // Extra column names are HTTP tokens (or body_sha256): nothing in them needs escaping.
  void Key(int column) {
    const size_t index = static_cast<size_t>(column);
    if (index < keys_.size()) {
      out_->append(keys_[index]);
      return;
    }
    out_->append(",\"");
    out_->append(extra_.Name(index - keys_.size()));
    out_->append("\":");
  }
  std::string* out_;
  const std::array<std::string, kColumnNames.size()>& keys_;
  const ExtraColumns& extra_;
};

}  // namespace

JsonlWriter::JsonlWriter(OutputFile* file, OutputCompression compression, ExtraColumns extra)
    : TextRowWriter(file, compression, std::move(extra),
                    [](const Row& row, const ExtraColumns& columns, std::string* out) {
                      AppendRow(row, out, columns);
                    }) {}

void JsonlWriter::AppendRow(const Row& row, std::string* out, const ExtraColumns& extra) {
  JsonMembers members(out, extra);
  VisitColumns(row, extra, members);
  out->append("}\n");
}

void JsonlWriter::AppendString(std::string_view bytes, std::string* out) {
  out->push_back('"');
  // Bytes that need no change are copied in runs rather than one at a time.
  size_t run = 0;
  size_t i = 0;
  while (i < bytes.size()) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= kFirstPrintable && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const int length = Utf8SequenceLength(bytes, i);
      if (length > 0) {
        i += static_cast<size_t>(length);
        continue;
      }
      out->append(bytes.substr(run, i - run));
      out->append(kReplacement);
      i += static_cast<size_t>(-length);
      run = i;
      continue;
    }
    out->append(bytes.substr(run, i - run));
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else {
      AppendControlEscape(c, out);
    }
    ++i;
    run = i;
  }
  out->append(bytes.substr(run));
  out->push_back('"');
}

absl::Status JsonlWriter::Open(bool /*append*/) { return absl::OkStatus(); }

}  // namespace urlsweep
