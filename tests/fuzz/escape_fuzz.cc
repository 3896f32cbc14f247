// libFuzzer target for the text writers' encoders: whatever bytes a server sends, the CSV field reads
// back to the same bytes, the JSON string is valid UTF-8 JSON that decodes to the input (or, for invalid
// UTF-8, to valid UTF-8), and timestamps and milliseconds parse back to the values written. The checks
// are written independently of output/ (a CSV field reader, a JSON string decoder, a code-point UTF-8
// validator, the inverse calendar), so they do not share the encoders' mistakes.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "output/csv_writer.h"
#include "output/jsonl_writer.h"
#include "output/text_format.h"

namespace urlsweep {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "escape_fuzz: %s\n", what);
    abort();
  }
}

// Decodes one code point at s[i], strictly (RFC 3629): no overlong form, no surrogate, nothing past
// U+10FFFF. Returns the sequence length, or 0 when ill-formed.
size_t DecodeCodePoint(std::string_view s, size_t i) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = at(i);
  size_t length;
  uint32_t cp;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((at(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (at(i + k) & 0x3F);
  }
  static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = DecodeCodePoint(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// Reads one CSV field written by AppendField back; nullopt when it is not a single RFC 4180 field.
std::optional<std::string> ReadCsvField(std::string_view field) {
  if (field.empty() || field[0] != '"') {
    if (field.find_first_of(",\"\r\n") != std::string_view::npos) return std::nullopt;
    return std::string(field);
  }
  std::string value;
  size_t i = 1;
  for (;;) {
    if (i >= field.size()) return std::nullopt;
    if (field[i] == '"') {
      if (i + 1 == field.size()) return value;
      if (field[i + 1] != '"') return std::nullopt;
      value.push_back('"');
      i += 2;
    } else {
      value.push_back(field[i++]);
    }
  }
}

// Decodes the JSON string literal the writer produced; nullopt when it is not one (RFC 8259 section 7).
std::optional<std::string> ReadJsonString(std::string_view literal) {
  if (literal.size() < 2 || literal.front() != '"' || literal.back() != '"') return std::nullopt;
  std::string value;
  for (size_t i = 1; i + 1 < literal.size(); ++i) {
    const auto c = static_cast<unsigned char>(literal[i]);
    if (c < 0x20 || c == '"') return std::nullopt;
    if (c != '\\') {
      value.push_back(static_cast<char>(c));
      continue;
    }
    if (++i + 1 >= literal.size()) return std::nullopt;
    switch (literal[i]) {
      case '"':
        value.push_back('"');
        break;
      case '\\':
        value.push_back('\\');
        break;
      case '/':
        value.push_back('/');
        break;
      case 'b':
        value.push_back('\b');
        break;
      case 'f':
        value.push_back('\f');
        break;
      case 'n':
        value.push_back('\n');
        break;
      case 'r':
        value.push_back('\r');
        break;
      case 't':
        value.push_back('\t');
        break;
      case 'u': {
        // The writer escapes only controls, so every \u is \u00XX.
        if (i + 5 >= literal.size()) return std::nullopt;
        std::string hex(literal.substr(i + 1, 4));
        char* end = nullptr;
        long cp = strtol(hex.c_str(), &end, 16);
        if (end != hex.c_str() + 4 || cp >= 0x20) return std::nullopt;
        value.push_back(static_cast<char>(cp));
        i += 4;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return value;
}

// Days from 1970-01-01 to a proleptic Gregorian date: whole years by counting leap days, then months.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  static constexpr int kDaysBeforeMonth[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  const auto floor_div = [](int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
  // Leap days in years [1970, year): count multiples of 4, 100 and 400 below `year` and below 1970.
  const auto leaps_before = [&](int64_t y) {
    return floor_div(y - 1, 4) - floor_div(y - 1, 100) + floor_div(y - 1, 400);
  };
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int64_t days = (year - 1970) * 365 + leaps_before(year) - leaps_before(1970);
  days += kDaysBeforeMonth[month - 1] + (leap && month > 2 ? 1 : 0) + (day - 1);
  return days;
}

// Parses AppendTimestamp's text back to microseconds.
std::optional<int64_t> ReadTimestamp(std::string_view text) {
  size_t i = 0;
  int sign = 1;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    sign = text[0] == '-' ? -1 : 1;
    i = 1;
  }
  size_t year_end = text.find('-', i);
  if (year_end == std::string_view::npos || year_end - i < 4) return std::nullopt;
  const std::string tail(text.substr(year_end));
  int month, day, hour, minute, second, micros, consumed = 0;
  if (sscanf(tail.c_str(), "-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &month, &day, &hour, &minute, &second, &micros,
             &consumed) != 6 ||
      static_cast<size_t>(consumed) != tail.size() || tail.size() != 23) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  const int64_t year = sign * strtoll(std::string(text.substr(i, year_end - i)).c_str(), nullptr, 10);
  const int64_t days = DaysFromCivil(year, month, day);
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  // Rebuilt in unsigned arithmetic: the extremes of int64 are reached only through the fraction.
  return static_cast<int64_t>(static_cast<uint64_t>(seconds) * 1000000u + static_cast<uint64_t>(micros));
}

}  // namespace
}  // namespace urlsweep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace urlsweep;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string csv;
  CsvWriter::AppendField(input, &csv);
  std::optional<std::string> field = ReadCsvField(csv);
  Check(field.has_value() && *field == input, "CSV field does not read back");

  std::string json;
  JsonlWriter::AppendString(input, &json);
  Check(IsValidUtf8(json), "JSON string is not valid UTF-8");
  std::optional<std::string> decoded = ReadJsonString(json);
  Check(decoded.has_value(), "not a JSON string literal");
  if (IsValidUtf8(input)) Check(*decoded == input, "valid UTF-8 changed by escaping");
  if (!IsValidUtf8(input)) Check(decoded->find("\xEF\xBF\xBD") != std::string::npos, "no U+FFFD");

  if (size >= sizeof(int64_t)) {
    int64_t micros;
    memcpy(&micros, data, sizeof(micros));
    std::string text;
    AppendTimestamp(micros, &text);
    std::optional<int64_t> back = ReadTimestamp(text);
    Check(back.has_value() && *back == micros, "timestamp does not read back");

    double ms;
    memcpy(&ms, data, sizeof(ms));
    if (std::isfinite(ms) && std::fabs(ms) < 1e15) {
      std::string millis;
      AppendMillis(ms, &millis);
      const size_t point = millis.find('.');
      Check(point != std::string::npos && millis.size() - point == 4, "not three decimals");
      Check(millis.find_first_of("eE") == std::string::npos, "exponent");
      const double parsed = strtod(millis.c_str(), nullptr);
      Check(std::fabs(parsed - ms) <= 0.0005 + std::fabs(ms) * 1e-15, "milliseconds do not read back");
    }
  }
  return 0;
}
