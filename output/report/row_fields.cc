#include "output/report/row_fields.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "core/text.h"
#include "core/civil_time.h"
#include "core/errors.h"

namespace urlsweep {
namespace {

// The writer's sub-second part: exactly six digits (microseconds); fewer are accepted, more would
// hold precision a Row cannot keep.
constexpr size_t kMaxFractionDigits = 6;
// int64 microseconds span about +-292,277 years: six year digits cover them (the writer's expanded
// form), seven could only overflow.
constexpr size_t kMaxYearDigits = 6;

// Values shown in messages are cut: a corrupt file can hold megabyte-long fields.
constexpr size_t kMaxQuotedBytes = 40;

std::string Quoted(std::string_view text) {
  if (text.size() <= kMaxQuotedBytes) return absl::StrCat("'", ToAbsl(text), "'");
  return absl::StrCat("'", ToAbsl(text.substr(0, kMaxQuotedBytes)), "...'");
}

absl::Status Invalid(int column, std::string_view what, std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat("column ", ToAbsl(kColumnNames[static_cast<size_t>(column)]),
                                                 ": expected ", ToAbsl(what), ", got ", Quoted(text)));
}

// Reads exactly `count` decimal digits at *pos.
bool Digits(std::string_view text, size_t* pos, size_t count, int64_t* value) {
  if (text.size() - *pos < count) return false;
  int64_t v = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += count;
  *value = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

bool ParseInt(std::string_view text, int64_t* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

// A JSON or CSV number: optional '-', digits, optional fraction and exponent. from_chars alone would
// also take "inf", "nan" and hexadecimal forms, which no writer of ours prints.
bool ParseDecimal(std::string_view text, double* value) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E')) return false;
  }
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && std::isfinite(*value);
}

}  // namespace

// The setters below name columns by their index; this fails to compile if row.h ever reorders them.
static_assert(kColumnNames[0] == "line" && kColumnNames[1] == "url" && kColumnNames[2] == "final_url" &&
                  kColumnNames[3] == "host" && kColumnNames[4] == "ip" && kColumnNames[5] == "port" &&
                  kColumnNames[6] == "status" && kColumnNames[7] == "reason" && kColumnNames[8] == "http_version" &&
                  kColumnNames[9] == "error" && kColumnNames[10] == "error_detail" && kColumnNames[11] == "redirects" &&
                  kColumnNames[12] == "location" && kColumnNames[13] == "content_type" &&
                  kColumnNames[14] == "content_length" && kColumnNames[15] == "server" && kColumnNames[16] == "title" &&
                  kColumnNames[17] == "body_bytes" && kColumnNames[18] == "tls_version" &&
                  kColumnNames[19] == "tls_verify" && kColumnNames[20] == "cert_not_after" &&
                  kColumnNames[21] == "attempts" && kColumnNames[22] == "dns_ms" && kColumnNames[23] == "connect_ms" &&
                  kColumnNames[24] == "tls_ms" && kColumnNames[25] == "ttfb_ms" && kColumnNames[26] == "total_ms" &&
                  kColumnNames[27] == "started_at" && kColumnNames[28] == "proxy" &&
                  kColumnNames[29] == "proxy_auth",
              "kColumnNames changed order: update the setters in row_fields.cc");

int ColumnIndex(std::string_view name) {
  for (size_t i = 0; i < kColumnNames.size(); ++i) {
    if (kColumnNames[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool IsRequiredColumn(int column) {
  const std::string_view name = kColumnNames[static_cast<size_t>(column)];
  return name == "line" || name == "url" || name == "redirects" || name == "attempts";
}

absl::Status SetColumnInt(int column, int64_t value, Row* row) {
  const ColumnKind kind = kColumnKinds[static_cast<size_t>(column)];
  if (kind == ColumnKind::kInt32 &&
      (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max())) {
    return Invalid(column, "a 32-bit integer", std::to_string(value));
  }
  const auto v32 = static_cast<int32_t>(value);
  switch (column) {
    case 0: row->line = value; break;
    case 5: row->port = v32; break;
    case 6: row->status = v32; break;
    case 11: row->redirects = v32; break;
    case 14: row->content_length = value; break;
    case 17: row->body_bytes = value; break;
    case 20: row->cert_not_after_us = value; break;
    case 21: row->attempts = v32; break;
    case 27: row->started_at_us = value; break;
    default: return Invalid(column, "a value of its own type, not an integer", std::to_string(value));
  }
  return absl::OkStatus();
}

void SetColumnMillis(int column, double value, Row* row) {
  switch (column) {
    case 22: row->dns_ms = value; break;
    case 23: row->connect_ms = value; break;
    case 24: row->tls_ms = value; break;
    case 25: row->ttfb_ms = value; break;
    case 26: row->total_ms = value; break;
    default: break;
  }
}

absl::Status SetColumnString(int column, std::string_view value, Row* row) {
  switch (column) {
    case 1: row->url.assign(value.data(), value.size()); break;
    case 2: row->final_url.Set(value); break;
    case 3: row->host.Set(value); break;
    case 4: row->ip.Set(value); break;
    case 7: row->reason.Set(value); break;
    case 8: row->http_version.Set(value); break;
    case 9:
      if (!ErrorFromName(value, &row->error)) return Invalid(column, "one of urlsweep's error words", value);
      break;
    case 10: row->error_detail.Set(value); break;
    case 12: row->location.Set(value); break;
    case 13: row->content_type.Set(value); break;
    case 15: row->server.Set(value); break;
    case 16: row->title.Set(value); break;
    case 18: row->tls_version.Set(value); break;
    case 19: row->tls_verify.Set(value); break;
    case 28: row->proxy.Set(value); break;
    case 29: row->proxy_auth.Set(value); break;
    default: return Invalid(column, "a value of its own type, not a string", value);
  }
  return absl::OkStatus();
}

void SetColumnNull(int column, Row* row) {
  switch (column) {
    case 0: row->line = 0; break;
    case 1: row->url.clear(); break;
    case 2: row->final_url.Clear(); break;
    case 3: row->host.Clear(); break;
    case 4: row->ip.Clear(); break;
    case 5: row->port.reset(); break;
    case 6: row->status.reset(); break;
    case 7: row->reason.Clear(); break;
    case 8: row->http_version.Clear(); break;
    case 9: row->error = ErrorCode::kNone; break;
    case 10: row->error_detail.Clear(); break;
    case 11: row->redirects = 0; break;
    case 12: row->location.Clear(); break;
    case 13: row->content_type.Clear(); break;
    case 14: row->content_length.reset(); break;
    case 15: row->server.Clear(); break;
    case 16: row->title.Clear(); break;
    case 17: row->body_bytes.reset(); break;
    case 18: row->tls_version.Clear(); break;
    case 19: row->tls_verify.Clear(); break;
    case 20: row->cert_not_after_us.reset(); break;
    case 21: row->attempts = 0; break;
    case 22: row->dns_ms.reset(); break;
    case 23: row->connect_ms.reset(); break;
    case 24: row->tls_ms.reset(); break;
    case 25: row->ttfb_ms.reset(); break;
    case 26: row->total_ms.reset(); break;
    case 27: row->started_at_us.reset(); break;
    case 28: row->proxy.Clear(); break;
    case 29: row->proxy_auth.Clear(); break;
    default: break;
  }
}

absl::Status SetColumnText(int column, std::string_view text, Row* row) {
  switch (kColumnKinds[static_cast<size_t>(column)]) {
    case ColumnKind::kInt64:
    case ColumnKind::kInt32: {
      int64_t value = 0;
      if (!ParseInt(text, &value)) return Invalid(column, "an integer", text);
      return SetColumnInt(column, value, row);
    }
    case ColumnKind::kTimestamp: {
      int64_t value = 0;
      if (!ParseTimestamp(text, &value)) return Invalid(column, "an ISO 8601 UTC timestamp", text);
      return SetColumnInt(column, value, row);
    }
    case ColumnKind::kMillis: {
      double value = 0;
      if (!ParseDecimal(text, &value)) return Invalid(column, "a number of milliseconds", text);
      SetColumnMillis(column, value, row);
      return absl::OkStatus();
    }
    case ColumnKind::kString:
    case ColumnKind::kErrorWord: return SetColumnString(column, text, row);
  }
  return absl::OkStatus();
}

bool ParseTimestamp(std::string_view text, int64_t* micros_since_epoch) {
  size_t pos = 0;
  int64_t year = 0;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    // Expanded form: a sign, then at least four digits.
    const bool negative = text[0] == '-';
    pos = 1;
    size_t digits = 0;
    while (pos + digits < text.size() && text[pos + digits] >= '0' && text[pos + digits] <= '9') ++digits;
    if (digits < 4 || digits > kMaxYearDigits || !Digits(text, &pos, digits, &year)) return false;
    if (negative) year = -year;
  } else if (!Digits(text, &pos, 4, &year)) {
    return false;
  }
  int64_t month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!Expect(text, &pos, '-') || !Digits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !Digits(text, &pos, 2, &day) || !Expect(text, &pos, 'T') || !Digits(text, &pos, 2, &hour) ||
      !Expect(text, &pos, ':') || !Digits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !Digits(text, &pos, 2, &second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, static_cast<int>(month)) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos + digits < text.size() && text[pos + digits] >= '0' && text[pos + digits] <= '9') ++digits;
    if (digits == 0 || digits > kMaxFractionDigits || !Digits(text, &pos, digits, &fraction)) return false;
    for (size_t i = digits; i < kMaxFractionDigits; ++i) fraction *= 10;
  }
  if (!Expect(text, &pos, 'Z') || pos != text.size()) return false;

  const int64_t days = DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day));
  const int64_t seconds = days * kSecondsPerDay + hour * 3600 + minute * 60 + second;
  int64_t micros = 0;
  if (__builtin_mul_overflow(seconds, kMicrosPerSecond, &micros) || __builtin_add_overflow(micros, fraction, &micros)) {
    // Only the last microseconds before INT64_MIN: seconds * 10^6 overflows, the sum would not.
    if (seconds >= 0) return false;
    int64_t near = 0;
    if (__builtin_mul_overflow(seconds + 1, kMicrosPerSecond, &near) ||
        __builtin_add_overflow(near, fraction - kMicrosPerSecond, &micros)) {
      return false;
    }
  }
  *micros_since_epoch = micros;
  return true;
}

}  // namespace urlsweep
