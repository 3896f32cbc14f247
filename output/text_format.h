// The value formats the text writers share (docs/output.md; output/README.md, "Format rules"):
// timestamps in ISO 8601 UTC with microseconds and 'Z', durations in milliseconds with three decimals,
// integers exactly. The report's page prints timestamps with AppendTimestamp too. Pure.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

namespace urlsweep {

// ISO 8601 UTC with microseconds and 'Z': 2026-11-29T16:25:51.123456Z. Years outside 0000..9999 (only
// corrupt input reaches them) use ISO 8601's expanded form with a sign: +10000-01-01T00:00:00.000000Z.
void AppendTimestamp(int64_t micros_since_epoch, std::string* out);

// Milliseconds with three decimals ("12.345"), no exponent; a value that rounds to zero is "0.000",
// never "-0.000". `ms` must be finite (the writers treat NaN and infinities as absent).
void AppendMillis(double ms, std::string* out);

// The decimal digits of `value`, '-' first when negative. Inline: the text writers call it for about
// six columns of every row.
inline void AppendInt64(int64_t value, std::string* out) {
  // An int64 has at most 19 digits and a sign.
  constexpr size_t kInt64Chars = 20;
  char digits[kInt64Chars];
  char* end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out->append(digits, static_cast<size_t>(end - digits));
}

}  // namespace urlsweep
